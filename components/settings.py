"""One typed, validated view of the stack config (namespace ``adobe-cmk``), read once.

Every key, its type, default and meaning are declared in ``Pulumi.yaml``'s ``config:`` block, the
single source: the CLI applies those defaults, and :func:`declared_settings` reads the same file so
that a run under mocks (where the CLI does not) sees the same ones. No default is written here.

:meth:`Settings.from_config` is pure (a mapping of full keys in, a :class:`Settings` or a
:class:`SettingsError` out); :meth:`Settings.load` feeds it the running stack's config. Every
error is one line naming the full key (``adobe-cmk:keySize``), what is wrong and what is valid,
and never contains the value of a secret.

Adobe credentials are *checked* here (preview fails early when none is available) but not kept:
the dynamic providers read them themselves, in their own process, and they never become resource
properties.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pulumi
import yaml

from providers.key_identifier import EXAMPLE as KEY_ID_EXAMPLE
from providers.key_identifier import parse_key_identifier
from providers.platform_api import API_GENERATIONS, CONFIG_NAME, ORG_ID, platform_url_for_region

NAMESPACE = "adobe-cmk"
PROJECT_FILE = Path(__file__).resolve().parent.parent / "Pulumi.yaml"

#: The Azure location setting used when ``adobe-cmk:location`` is empty.
AZURE_LOCATION_KEY = "azure-native:location"

KEY_TYPES = ("RSA", "RSA-HSM")
KEY_SIZES = (3072, 4096)
MIN_KEY_SIZE = 3072
VAULT_SKUS = ("auto", "standard", "premium")
SERVICE_PRINCIPAL_MODES = ("create", "existing", "none")
ROLE_SCOPES = ("vault", "key")
#: Azure Key Vault's rotation-policy floors: rotate no sooner than 7 days after creation, expire no
#: sooner than 28 days, and keep at least 7 days between a rotation and the expiry it prevents.
MIN_ROTATION_DAYS = 7
MIN_EXPIRY_DAYS = 28
MIN_ROTATION_TO_EXPIRY_DAYS = 7
MIN_NOTIFY_DAYS = 7
MAX_WAIT_MINUTES = 1440

#: Settings that only shape a vault and key the program creates; with bring-your-own-key they
#: could do nothing, so a non-default value is refused rather than silently ignored.
CREATION_ONLY = (
    "createResourceGroup",
    "tags",
    "resourceGroupName",
    "keyVaultName",
    "keyVaultSku",
    "keyName",
    "keyType",
    "keySize",
    "keyRotationDays",
    "keyExpiryDays",
    "keyNotifyDaysBeforeExpiry",
    "allowedIpRanges",
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_VAULT_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
_KEY_NAME = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
_LOCATION = re.compile(r"^[a-z][a-z0-9]*$")
_SCOPE = re.compile(r"^[A-Za-z0-9_.:/-]+$")
_VAULT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.KeyVault/(?P<kind>vaults|managedHSMs)/(?P<name>[A-Za-z0-9-]{3,24})$",
    re.IGNORECASE,
)
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

T = TypeVar("T")


class SettingsError(pulumi.RunError):
    """An invalid or missing setting. ``str()`` is one line; ``key`` is the full key to fix."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


@dataclass(frozen=True)
class DeclaredSetting:
    """One key of ``Pulumi.yaml``'s ``config:`` block."""

    name: str
    """The key without its namespace, e.g. ``keySize``."""
    type: str
    """``string``, ``integer``, ``boolean`` or ``array`` (of strings)."""
    description: str
    default: Any = None
    """The declared default; ``None`` for a required key."""

    @property
    def key(self) -> str:
        """The full key, e.g. ``adobe-cmk:keySize``."""
        return f"{NAMESPACE}:{self.name}"

    @property
    def required(self) -> bool:
        """A key with no default must be set in every stack."""
        return self.default is None


@cache
def declared_settings(project_file: Path = PROJECT_FILE) -> dict[str, DeclaredSetting]:
    """The keys declared in ``Pulumi.yaml``, by name, in file order."""
    with open(project_file, encoding="utf-8") as stream:
        project = yaml.safe_load(stream)
    declared: dict[str, DeclaredSetting] = {}
    for name, spec in (project.get("config") or {}).items():
        declared[name] = DeclaredSetting(
            name=name,
            type=spec["type"],
            description=" ".join(str(spec.get("description", "")).split()),
            default=spec.get("default"),
        )
    return declared


@dataclass(frozen=True)
class KeyRotation:
    """The key's rotation policy: rotate, and optionally expire and notify, per version."""

    rotate_after_days: int
    """Days after a version's creation when Key Vault makes the next version."""
    expiry_days: int | None
    """Lifetime of versions made by rotation; ``None`` when they do not expire."""
    notify_before_expiry_days: int | None
    """Days before expiry of the near-expiry event; ``None`` without an expiry."""


@dataclass(frozen=True)
class ExistingKey:
    """A key the program does not create (bring your own key), in every shape consumers need.

    ``key_id`` is the versioned identifier Adobe's configuration takes,
    ``https://<vault>.vault.azure.net/keys/<name>/<version>``; ``key_id_versionless`` drops the
    version (Azure's ``keyUri``); ``key_resource_id`` is the ARM id of the key, a role scope.
    """

    key_id: str
    key_id_versionless: str
    key_name: str
    vault_id: str
    vault_uri: str
    """``https://<vault>.vault.azure.net/``, the shape Azure reports as ``vaultUri``."""
    subscription_id: str
    resource_group_name: str
    key_resource_id: str
    managed_hsm: bool


@dataclass(frozen=True)
class Settings:
    """The validated stack settings. Build with :meth:`load` or :meth:`from_config`."""

    org_id: str
    """IMS organisation id, ``…@AdobeOrg``."""
    region: str
    """Platform region code, e.g. ``va7``."""
    platform_url: str
    """Platform API base URL, from ``platformUrl`` or else the region; no trailing slash."""
    ims_url: str
    """IMS token endpoint (validated here; the providers read it themselves)."""
    scopes: str
    """Comma-separated IMS scopes (validated here; the providers read them themselves)."""
    api_generation: str
    """``current`` or ``beta``."""
    config_name: str
    """BYOK configuration name at Adobe, case-sensitive and stable."""
    wait_timeout_minutes: int
    """How long ``up`` waits for Adobe's BYOK job."""
    credential_source: str
    """Which Adobe credential the providers will find (never the credential itself)."""
    tenant_id: str | None
    """Entra tenant id; ``None`` means the deploying identity's."""
    location: str | None
    """Azure location of a created resource group; ``None`` when not needed or not set."""
    create_resource_group: bool
    """Whether the program creates the resource group (never with bring-your-own-key)."""
    resource_group_name: str | None
    """Resource group name; ``None`` means auto-named (created groups only)."""
    tags: dict[str, str]
    """Azure tags for the resource group, vault and key."""
    key_vault_name: str | None
    """Vault name; ``None`` means auto-named."""
    key_vault_sku: str
    """``standard`` or ``premium`` (``auto`` resolved)."""
    key_name: str
    """Name of the created key."""
    key_type: str
    """``RSA`` or ``RSA-HSM``."""
    key_size: int
    """3072 or 4096."""
    rotation: KeyRotation | None
    """The key's rotation policy; ``None`` for none."""
    allowed_ip_ranges: tuple[str, ...]
    """Vault firewall allow-list in CIDR form (Adobe's address is always added by the vault);
    empty means an open network."""
    existing_key: ExistingKey | None
    """Bring-your-own-key: the key to use instead of creating a vault and key."""
    service_principal: str
    """``create``, ``existing`` or ``none``."""
    role_scope: str
    """``vault`` or ``key``."""
    protect: bool
    """Whether the resources holding Adobe's access are protected."""

    @property
    def creates_vault(self) -> bool:
        """True unless an existing key was given."""
        return self.existing_key is None

    @property
    def manages_access(self) -> bool:
        """True unless ``servicePrincipal`` is ``none``."""
        return self.service_principal != "none"

    @property
    def uses_azure(self) -> bool:
        """Whether the program declares or looks up anything in Azure (offline stacks do not)."""
        return self.creates_vault or self.manages_access

    @classmethod
    def load(cls) -> Settings:
        """The running stack's settings (CLI or mocks); raises :class:`SettingsError`."""
        values = _current_config()
        secret_keys = {key for key in values if pulumi.runtime.is_config_secret(key)}
        return cls.from_config(values, environ=os.environ, secret_keys=secret_keys)

    @classmethod
    def from_config(
        cls,
        values: Mapping[str, Any],
        *,
        environ: Mapping[str, str] | None = None,
        secret_keys: Collection[str] = (),
    ) -> Settings:
        """Validate ``values`` (full keys → raw config values: strings as the CLI passes them,
        or native values) and apply the declared defaults. Pure apart from nothing: the
        environment is an argument (``{}`` when omitted)."""
        return _build(_Reader(values, environ or {}, secret_keys))


# --- reading --------------------------------------------------------------------------------


class _Reader:
    """Typed access to raw config values, with the declared defaults and one-line errors."""

    def __init__(
        self, values: Mapping[str, Any], environ: Mapping[str, str], secret_keys: Collection[str]
    ) -> None:
        self.values = values
        self.environ = environ
        self.secret_keys = set(secret_keys)
        self.declared = declared_settings()

    def key(self, name: str) -> str:
        return f"{NAMESPACE}:{name}"

    def raw(self, name: str) -> Any:
        """The configured value, else the declared default (``None`` for a required key)."""
        value = self.values.get(self.key(name))
        return self.declared[name].default if value is None else value

    def is_default(self, name: str) -> bool:
        value = self.values.get(self.key(name))
        if value is None:
            return True
        parse = {"integer": self._int, "boolean": self._bool, "array": self._list}
        parser = parse.get(self.declared[name].type, self._str)
        return bool(parser(name, value) == parser(name, self.declared[name].default))

    def string(self, name: str) -> str:
        return self._str(name, self.raw(name))

    def integer(self, name: str) -> int:
        return self._int(name, self.raw(name))

    def boolean(self, name: str) -> bool:
        return self._bool(name, self.raw(name))

    def strings(self, name: str) -> list[str]:
        return self._list(name, self.raw(name))

    def _str(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise SettingsError(self.key(name), f"{self.key(name)} must be a string")
        return value.strip()

    def _int(self, name: str, value: Any) -> int:
        if isinstance(value, bool):
            raise SettingsError(self.key(name), f"{self.key(name)} must be a whole number")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise SettingsError(
                self.key(name), f"{self.key(name)} is {value!r}: it must be a whole number"
            ) from None

    def _bool(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise SettingsError(
                self.key(name), f"{self.key(name)} is {value!r}: it must be true or false"
            )
        return text == "true"

    def _list(self, name: str, value: Any) -> list[str]:
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text else []
            except json.JSONDecodeError:
                raise SettingsError(
                    self.key(name),
                    f"{self.key(name)} must be a list of strings, e.g. "
                    f"`pulumi config set --path '{self.key(name)}[0]' <value>`",
                ) from None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SettingsError(
                self.key(name),
                f"{self.key(name)} must be a list of strings, e.g. "
                f"`pulumi config set --path '{self.key(name)}[0]' <value>`",
            )
        return [item.strip() for item in value]

    def choice(self, name: str, valid: tuple[str, ...]) -> str:
        value = self.string(name)
        if value not in valid:
            raise SettingsError(
                self.key(name),
                f"{self.key(name)} is {value!r}: it must be one of {', '.join(valid)}",
            )
        return value

    def optional(self, name: str, check: Callable[[str], T]) -> T | None:
        value = self.string(name)
        return check(value) if value else None

    def fail(self, name: str, message: str) -> SettingsError:
        return SettingsError(self.key(name), f"{self.key(name)} {message}")


# --- the rules, in the order of Pulumi.yaml -------------------------------------------------


def _build(r: _Reader) -> Settings:
    _check_unknown_keys(r)
    org_id = _org_id(r)
    region = _region(r)
    platform_url = r.optional("platformUrl", lambda v: _url(r, "platformUrl", v))
    ims_url = _url(r, "imsUrl", r.string("imsUrl"))
    scopes = _scopes(r)
    api_generation = r.choice("apiGeneration", API_GENERATIONS)
    config_name = _config_name(r)
    wait = _wait_timeout(r)
    credential_source = _credentials(r)

    existing_key = _existing_key(r)
    service_principal = r.choice("servicePrincipal", SERVICE_PRINCIPAL_MODES)
    if existing_key is not None:
        _check_creation_only_unset(r)
        if existing_key.managed_hsm and service_principal != "none":
            raise r.fail(
                "servicePrincipal",
                f"is {service_principal!r} but adobe-cmk:existingKeyId is a Managed HSM key, "
                "whose role (Managed HSM Crypto Service Encryption User) is a local HSM role "
                "this program cannot assign: grant it on the HSM and set servicePrincipal none",
            )

    tenant_id = r.optional("tenantId", lambda v: _guid(r, "tenantId", v))
    create_group = r.boolean("createResourceGroup") and existing_key is None
    group_name = r.optional("resourceGroupName", lambda v: _resource_group(r, v))
    if existing_key is None and not create_group and group_name is None:
        raise r.fail(
            "resourceGroupName",
            "is empty but adobe-cmk:createResourceGroup is false: name the existing resource "
            "group, or set createResourceGroup true",
        )
    location = _location(r, needed=create_group)
    tags = _tags(r)

    key_vault_name = r.optional("keyVaultName", lambda v: _vault_name(r, v))
    key_type = r.choice("keyType", KEY_TYPES)
    sku = _sku(r, key_type, check=existing_key is None)
    key_name = _key_name(r)
    key_size = _key_size(r)
    rotation = _rotation(r)
    allowed = _allowed_ip_ranges(r)
    role_scope = r.choice("roleScope", ROLE_SCOPES)
    if service_principal == "none" and not r.is_default("roleScope"):
        raise r.fail(
            "roleScope",
            "only places the role assignment this program makes, and adobe-cmk:servicePrincipal "
            "is none (access is managed elsewhere): remove it "
            "(`pulumi config rm adobe-cmk:roleScope`)",
        )
    protect = r.boolean("protect")

    return Settings(
        org_id=org_id,
        region=region,
        platform_url=platform_url or platform_url_for_region(region),
        ims_url=ims_url,
        scopes=scopes,
        api_generation=api_generation,
        config_name=config_name,
        wait_timeout_minutes=wait,
        credential_source=credential_source,
        tenant_id=tenant_id,
        location=location,
        create_resource_group=create_group,
        resource_group_name=(
            existing_key.resource_group_name if existing_key is not None else group_name
        ),
        tags=tags,
        key_vault_name=key_vault_name,
        key_vault_sku=sku,
        key_name=existing_key.key_name if existing_key is not None else key_name,
        key_type=key_type,
        key_size=key_size,
        rotation=rotation,
        allowed_ip_ranges=allowed,
        existing_key=existing_key,
        service_principal=service_principal,
        role_scope=role_scope,
        protect=protect,
    )


def _check_unknown_keys(r: _Reader) -> None:
    """A misspelt key (``adobe-cmk:keysize``) would otherwise be silently ignored."""
    prefix = f"{NAMESPACE}:"
    for key in sorted(r.values):
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in r.declared:
            continue
        close = difflib.get_close_matches(name, list(r.declared), n=1, cutoff=0.6)
        hint = f"did you mean {prefix}{close[0]}?" if close else "see Pulumi.yaml for the keys"
        raise SettingsError(key, f"{key} is not a setting of this program: {hint}")


def _org_id(r: _Reader) -> str:
    value = r.string("orgId")
    if not value:
        raise r.fail("orgId", "is required: `pulumi config set adobe-cmk:orgId <id>@AdobeOrg`")
    if not ORG_ID.match(value):
        raise r.fail("orgId", f"is {value!r}: an IMS org id looks like 1234ABCD5678@AdobeOrg")
    return value


def _region(r: _Reader) -> str:
    value = r.string("region")
    try:
        platform_url_for_region(value)
    except ValueError:
        raise r.fail(
            "region",
            f"is {value!r}: use a Platform region code such as va7, nld2, aus5, can2 or gbr9",
        ) from None
    return value


def _url(r: _Reader, name: str, value: str) -> str:
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    if not (parts.scheme == "https" and parts.hostname) and not loopback:
        raise r.fail(
            name, f"is {value!r}: it must be an https URL (http only on 127.0.0.1 or localhost)"
        )
    if parts.query or parts.fragment:
        raise r.fail(name, f"is {value!r}: it must have no query or fragment")
    return value.rstrip("/")


def _scopes(r: _Reader) -> str:
    value = r.string("scopes")
    scopes = [scope.strip() for scope in value.split(",")]
    if not value or not all(scope and _SCOPE.match(scope) for scope in scopes):
        raise r.fail(
            "scopes",
            f"is {value!r}: it must be a comma-separated list of IMS scopes, e.g. "
            "openid,AdobeID,read_organizations",
        )
    return ",".join(scopes)


def _config_name(r: _Reader) -> str:
    value = r.string("configName")
    if not CONFIG_NAME.match(value):
        raise r.fail(
            "configName", f"is {value!r}: use 1-64 letters, digits, '-' or '_' (case-sensitive)"
        )
    return value


def _wait_timeout(r: _Reader) -> int:
    value = r.integer("waitTimeoutMinutes")
    if not 1 <= value <= MAX_WAIT_MINUTES:
        raise r.fail(
            "waitTimeoutMinutes", f"is {value}: it must be between 1 and {MAX_WAIT_MINUTES}"
        )
    return value


def _credentials(r: _Reader) -> str:
    """Check that the providers will find a credential; return where, never what."""
    for name in ("clientSecret", "accessToken"):
        key = r.key(name)
        if r.string(name) and key not in r.secret_keys:
            raise r.fail(
                name,
                "is stored in plain text in the stack config: `pulumi config rm "
                f"{key}` then `pulumi config set --secret {key} <value>`",
            )

    def source(name: str, env: str) -> str:
        if r.string(name):
            return "stack config"
        return "environment" if r.environ.get(env, "").strip() else ""

    client_id = source("clientId", "ADOBE_CLIENT_ID")
    client_secret = source("clientSecret", "ADOBE_CLIENT_SECRET")
    access_token = source("accessToken", "ADOBE_ACCESS_TOKEN")
    if client_id and client_secret:
        return f"client credential ({client_id})"
    if access_token:
        return f"access token ({access_token})"
    if client_id:
        raise r.fail(
            "clientSecret",
            "is not set (adobe-cmk:clientId is): `pulumi config set --secret "
            "adobe-cmk:clientSecret <secret>`, or set ADOBE_CLIENT_SECRET",
        )
    if client_secret:
        raise r.fail(
            "clientId",
            "is not set (adobe-cmk:clientSecret is): `pulumi config set adobe-cmk:clientId "
            "<client id>`, or set ADOBE_CLIENT_ID",
        )
    raise r.fail(
        "clientSecret",
        "and adobe-cmk:clientId are not set and there is no Adobe credential: "
        "`pulumi config set adobe-cmk:clientId <client id>` and `pulumi config set --secret "
        "adobe-cmk:clientSecret <secret>` (or ADOBE_CLIENT_ID / ADOBE_CLIENT_SECRET), or "
        "`pulumi config set --secret adobe-cmk:accessToken <token>` (or ADOBE_ACCESS_TOKEN)",
    )


def _existing_key(r: _Reader) -> ExistingKey | None:
    key_id = r.string("existingKeyId")
    vault_id = r.string("existingVaultId")
    if not key_id and not vault_id:
        return None
    if not vault_id:
        raise r.fail(
            "existingVaultId",
            "is empty but adobe-cmk:existingKeyId is set: give the vault's resource id, "
            "/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>",
        )
    if not key_id:
        raise r.fail(
            "existingKeyId",
            f"is empty but adobe-cmk:existingVaultId is set: give the versioned key identifier, "
            f"{KEY_ID_EXAMPLE}",
        )
    try:
        parsed = parse_key_identifier(key_id, require_version=True)
    except ValueError as exc:
        raise r.fail("existingKeyId", f"is not usable: {exc}") from None
    match = _VAULT_ID.match(vault_id)
    if not match:
        raise r.fail(
            "existingVaultId",
            f"is {vault_id!r}: expected /subscriptions/<sub>/resourceGroups/<group>/providers/"
            "Microsoft.KeyVault/vaults/<name>",
        )
    host_vault = parsed.vault_url.removeprefix("https://").split(".", 1)[0]
    if host_vault != match["name"].lower() or parsed.managed_hsm != (
        match["kind"].lower() == "managedhsms"
    ):
        raise r.fail(
            "existingVaultId",
            f"names vault {match['name']!r} but adobe-cmk:existingKeyId is in "
            f"{parsed.vault_url}: they must be the same vault",
        )
    return ExistingKey(
        key_id=parsed.versioned,
        key_id_versionless=parsed.versionless,
        key_name=parsed.name,
        vault_id=vault_id,
        vault_uri=f"{parsed.vault_url}/",
        subscription_id=match["subscription"],
        resource_group_name=match["group"],
        key_resource_id=f"{vault_id}/keys/{parsed.name}",
        managed_hsm=parsed.managed_hsm,
    )


def _check_creation_only_unset(r: _Reader) -> None:
    for name in CREATION_ONLY:
        if not r.is_default(name):
            raise r.fail(
                name,
                "only shapes a vault and key this program creates, and adobe-cmk:existingKeyId "
                f"is set: remove it (`pulumi config rm {r.key(name)}`)",
            )


def _guid(r: _Reader, name: str, value: str) -> str:
    if not _GUID.match(value):
        raise r.fail(
            name, f"is {value!r}: it must be a GUID like 00000000-0000-0000-0000-000000000000"
        )
    return value.lower()


def _resource_group(r: _Reader, value: str) -> str:
    if not _RESOURCE_GROUP.match(value):
        raise r.fail(
            "resourceGroupName",
            f"is {value!r}: use 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
        )
    return value


def _location(r: _Reader, *, needed: bool) -> str | None:
    value = r.string("location") or str(r.values.get(AZURE_LOCATION_KEY) or "").strip()
    if not value:
        if needed:
            raise r.fail(
                "location",
                f"is empty and so is {AZURE_LOCATION_KEY}: say where to create the resource "
                "group, e.g. `pulumi config set adobe-cmk:location westeurope`",
            )
        return None
    normalised = value.replace(" ", "").lower()
    if not _LOCATION.match(normalised):
        raise r.fail("location", f"is {value!r}: use an Azure region name such as westeurope")
    return normalised


def _tags(r: _Reader) -> dict[str, str]:
    tags: dict[str, str] = {}
    for entry in r.strings("tags"):
        name, sep, value = entry.partition("=")
        name = name.strip()
        if not sep or not name or len(name) > 512 or len(value) > 256:
            raise r.fail(
                "tags",
                f"has {entry!r}: each entry is key=value (key 1-512, value 0-256 characters)",
            )
        tags[name] = value.strip()
    return tags


def _vault_name(r: _Reader, value: str) -> str:
    if not _VAULT_NAME.match(value):
        raise r.fail(
            "keyVaultName",
            f"is {value!r}: Azure needs 3-24 letters, digits and single hyphens, starting with "
            "a letter and ending with a letter or digit",
        )
    return value


def _sku(r: _Reader, key_type: str, *, check: bool) -> str:
    sku = r.choice("keyVaultSku", VAULT_SKUS)
    if sku == "auto":
        return "premium" if key_type == "RSA-HSM" else "standard"
    if check and key_type == "RSA-HSM" and sku != "premium":
        raise r.fail(
            "keyVaultSku",
            f"is {sku!r} but adobe-cmk:keyType RSA-HSM needs HSM-protected keys, which only a "
            "premium vault has: set keyVaultSku premium (or auto)",
        )
    return sku


def _key_name(r: _Reader) -> str:
    value = r.string("keyName")
    if not _KEY_NAME.match(value):
        raise r.fail("keyName", f"is {value!r}: use 1-127 letters, digits and hyphens")
    return value


def _key_size(r: _Reader) -> int:
    value = r.integer("keySize")
    if value < MIN_KEY_SIZE:
        raise r.fail(
            "keySize",
            f"is {value}: Adobe refuses keys under {MIN_KEY_SIZE} bits; use 3072 or 4096",
        )
    if value not in KEY_SIZES:
        raise r.fail("keySize", f"is {value}: Key Vault RSA keys are 3072 or 4096 bits here")
    return value


def _rotation(r: _Reader) -> KeyRotation | None:
    rotate = r.integer("keyRotationDays")
    expiry = r.integer("keyExpiryDays")
    notify = r.integer("keyNotifyDaysBeforeExpiry")
    if rotate != 0 and rotate < MIN_ROTATION_DAYS:
        raise r.fail(
            "keyRotationDays",
            f"is {rotate}: use 0 (no rotation) or at least {MIN_ROTATION_DAYS} days",
        )
    if expiry != 0 and expiry < MIN_EXPIRY_DAYS:
        raise r.fail(
            "keyExpiryDays", f"is {expiry}: use 0 (no expiry) or at least {MIN_EXPIRY_DAYS} days"
        )
    if expiry and not rotate:
        raise r.fail(
            "keyExpiryDays",
            f"is {expiry} but adobe-cmk:keyRotationDays is 0: a version would expire "
            "unrotated and cut Adobe off; set keyRotationDays too, or keyExpiryDays 0",
        )
    if expiry and expiry < rotate + MIN_ROTATION_TO_EXPIRY_DAYS:
        raise r.fail(
            "keyExpiryDays",
            f"is {expiry} but versions rotate after {rotate} days (adobe-cmk:keyRotationDays): "
            f"expiry must be at least {rotate + MIN_ROTATION_TO_EXPIRY_DAYS} days so every "
            "version is rotated before it expires",
        )
    if expiry and not MIN_NOTIFY_DAYS <= notify < expiry:
        raise r.fail(
            "keyNotifyDaysBeforeExpiry",
            f"is {notify}: it must be at least {MIN_NOTIFY_DAYS} and less than "
            f"adobe-cmk:keyExpiryDays ({expiry})",
        )
    if not rotate:
        return None
    return KeyRotation(
        rotate_after_days=rotate,
        expiry_days=expiry or None,
        notify_before_expiry_days=notify if expiry else None,
    )


def _allowed_ip_ranges(r: _Reader) -> tuple[str, ...]:
    """The user's ranges in CIDR form (``/32`` for one address, the form Azure reports back, so
    refresh stays quiet), without duplicates. Adobe's address is added by the vault component."""
    ranges: list[str] = []
    for entry in r.strings("allowedIpRanges"):
        try:
            text = str(ipaddress.IPv4Network(entry, strict=True))
        except ValueError:
            raise r.fail(
                "allowedIpRanges",
                f"has {entry!r}: each entry is an IPv4 address or CIDR range with no host bits, "
                "e.g. 203.0.113.7 or 203.0.113.0/24",
            ) from None
        if text not in ranges:
            ranges.append(text)
    return tuple(ranges)


def _current_config() -> dict[str, Any]:
    """The running stack's config: this project's keys and the Azure location, full keys."""
    from pulumi.runtime import config as runtime_config

    keys = {key for key in runtime_config.get_config_env() if key.startswith(f"{NAMESPACE}:")}
    keys |= {key for key in runtime_config.CONFIG.get() if key.startswith(f"{NAMESPACE}:")}
    keys |= {f"{NAMESPACE}:{name}" for name in declared_settings()}
    keys.add(AZURE_LOCATION_KEY)
    values = {key: pulumi.runtime.get_config(key) for key in keys}
    return {key: value for key, value in values.items() if value is not None}
