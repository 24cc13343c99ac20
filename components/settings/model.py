"""The validated stack settings, :class:`Settings`, and how they are built from the config.

:meth:`Settings.from_config` is pure (a mapping of full keys in, a :class:`Settings` or a
:class:`SettingsError` out); :meth:`Settings.load` feeds it the running stack's config. The rules
run in the order of ``Pulumi.yaml``, so the first error is the first wrong setting there.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from cmk_facts import API_GENERATIONS, NAMESPACE
from components.settings import access, adobe, existing_key, managed_hsm, placement, vault
from components.settings.credential import check_credential
from components.settings.declared import declared_settings
from components.settings.firewall import allowed_ip_ranges
from components.settings.journey_analytics import JourneyAnalyticsKey, journey_analytics_key
from components.settings.monitoring import KeyAccessMonitoringSettings, key_access_monitoring
from components.settings.reader import ConfigReader
from components.settings.unknown_keys import check_unknown_keys
from components.settings.values import ExistingKey, KeyRotation, ManagedHsm


@dataclass(frozen=True)
class Settings:
    """The validated stack settings. Build with :meth:`load` or :meth:`from_config`. Holds no
    credential: the providers resolve it themselves (:mod:`providers.credentials`)."""

    org_id: str
    """IMS organisation id, ``…@AdobeOrg``."""
    platform_url: str
    """Platform API base URL, from ``platformUrl`` or else the region; no trailing slash."""
    api_key: str
    """The ``x-api-key`` header sent to Adobe."""
    api_generation: str
    """``current`` or ``beta``."""
    config_name: str
    """BYOK configuration name at Adobe, case-sensitive and stable."""
    wait_timeout_minutes: int
    """How long ``up`` waits for Adobe's BYOK job, resends included."""
    failed_resends: int
    """How many times a job that ends ``FAILED`` is sent again (0: never)."""
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
    """Vault firewall allow-list in CIDR form, public addresses only (Adobe's address is always
    added by the vault); empty means an open network."""
    existing_key: ExistingKey | None
    """Bring-your-own-key: the key to use instead of creating a vault and key."""
    service_principal: str
    """``create``, ``existing`` or ``none``."""
    role_scope: str
    """``vault`` or ``key``."""
    protect: bool
    """Whether the resources holding Adobe's access are protected."""
    key_access_monitoring: KeyAccessMonitoringSettings | None = None
    """Where the audit log goes and who the alerts tell; ``None``: not monitored (the default)."""
    managed_hsm: ManagedHsm | None = None
    """The existing, activated Managed HSM the key is created in, instead of a vault."""
    journey_analytics: JourneyAnalyticsKey | None = None
    """The second Adobe application's key (Customer Journey Analytics, Journey Optimizer);
    ``None``: not declared (the default)."""

    @property
    def creates_vault(self) -> bool:
        """True unless an existing key or a Managed HSM was given."""
        return self.existing_key is None and self.managed_hsm is None

    @property
    def manages_access(self) -> bool:
        """True unless ``servicePrincipal`` is ``none``."""
        return self.service_principal != "none"

    @property
    def uses_azure(self) -> bool:
        """Whether the program declares or looks up anything in Azure (offline stacks do not)."""
        return self.creates_vault or self.manages_access or self.journey_analytics is not None

    @property
    def reads_arm(self) -> bool:
        """Whether anything is read or made in Azure Resource Manager: :attr:`uses_azure`, an
        HSM looked up by its ARM id, or key-access monitoring."""
        hsm_by_id = self.managed_hsm is not None and self.managed_hsm.arm_id is not None
        return self.uses_azure or hsm_by_id or self.key_access_monitoring is not None

    @property
    def key_subscription_id(self) -> str | None:
        """The subscription of the Platform key's vault or HSM, in lower case, when the
        settings name it (a brought key, an HSM by ARM id); ``None`` for a created vault (the
        deploying subscription) or an HSM named by address alone."""
        if self.existing_key is not None:
            return self.existing_key.subscription_id.lower()
        if self.managed_hsm is not None and self.managed_hsm.subscription_id is not None:
            return self.managed_hsm.subscription_id.lower()
        return None

    @classmethod
    def load(cls) -> Settings:
        """The running stack's settings (CLI or mocks); raises :class:`SettingsError`."""
        values = _current_config()
        secret_keys = {key for key in values if pulumi.runtime.is_config_secret(key)}
        return cls.from_config(
            values,
            environ=os.environ,
            secret_keys=secret_keys,
            preview=pulumi.runtime.is_dry_run(),
        )

    @classmethod
    def from_config(
        cls,
        values: Mapping[str, Any],
        *,
        environ: Mapping[str, str] | None = None,
        secret_keys: Collection[str] = (),
        preview: bool = False,
    ) -> Settings:
        """Validate ``values`` (full keys → raw config values: strings as the CLI passes them,
        or native values) and apply the declared defaults. Pure: the environment is an argument
        (``{}`` when omitted); ``secret_keys`` are the keys set with ``--secret``; ``preview``
        makes a missing Adobe credential a warning instead of an error."""
        return _build(ConfigReader(values, environ or {}, secret_keys), preview=preview)


@dataclass(frozen=True)
class _KeyTier:
    """Which key tier the settings name, chosen once: a brought key, a key in a Managed HSM, or
    neither (a vault and key created here)."""

    brought: ExistingKey | None
    hsm: ManagedHsm | None

    @property
    def creates_vault(self) -> bool:
        return self.brought is None and self.hsm is None

    def resource_group_name(self, named: str | None) -> str | None:
        """The brought key's or the HSM's group; for a created vault the one named, if any."""
        if self.brought is not None:
            return self.brought.resource_group_name
        if self.hsm is not None:
            return self.hsm.resource_group_name
        return named

    def key_name(self, named: str) -> str:
        """A brought key's own name; else ``keyName``."""
        return self.brought.key_name if self.brought is not None else named

    def key_type(self, named: str) -> str:
        """An HSM key's type is always RSA-HSM; else ``keyType``."""
        return managed_hsm.HSM_KEY_TYPE if self.hsm is not None else named


def _build(r: ConfigReader, *, preview: bool) -> Settings:
    check_unknown_keys(r)
    org_id = adobe.org_id(r)
    platform_url = adobe.platform_url(r)
    check_credential(r, preview=preview)
    api_key = adobe.api_key(r)
    api_generation = r.choice("apiGeneration", API_GENERATIONS)
    config_name = adobe.config_name(r)
    wait = adobe.wait_timeout(r)
    failed_resends = adobe.failed_resends(r)

    byok = _brought_key(r)
    service_principal = access.service_principal(r, byok)
    tier = _KeyTier(byok, _managed_hsm(r))

    tenant_id = r.optional("tenantId", lambda v: placement.guid(r, "tenantId", v))
    create_group, group_name = _resource_group(r, tier)
    location = placement.location(r, needed=create_group)
    tags = placement.tags(r)

    key_vault_name = r.optional("keyVaultName", lambda v: vault.vault_name(r, v))
    key_type = tier.key_type(vault.key_type(r))
    sku = vault.sku(r, key_type, check=tier.creates_vault)
    key_name = vault.key_name(r)
    key_size = vault.key_size(r)
    rotation = vault.rotation(r)
    allowed = allowed_ip_ranges(r)
    role_scope = access.role_scope(r, service_principal)
    protect = r.boolean("protect")
    journey_analytics = journey_analytics_key(
        r,
        platform_key=byok,
        platform_vault_name=key_vault_name if tier.creates_vault else None,
        has_resource_group=tier.creates_vault,
        service_principal=service_principal,
    )
    monitoring = key_access_monitoring(
        r, location=location, hsm_by_uri_only=tier.hsm is not None and tier.hsm.arm_id is None
    )

    return Settings(
        org_id=org_id,
        platform_url=platform_url,
        api_key=api_key,
        api_generation=api_generation,
        config_name=config_name,
        wait_timeout_minutes=wait,
        failed_resends=failed_resends,
        tenant_id=tenant_id,
        location=location,
        create_resource_group=create_group,
        resource_group_name=tier.resource_group_name(group_name),
        tags=tags,
        key_vault_name=key_vault_name,
        key_vault_sku=sku,
        key_name=tier.key_name(key_name),
        key_type=key_type,
        key_size=key_size,
        rotation=rotation,
        allowed_ip_ranges=allowed,
        existing_key=byok,
        service_principal=service_principal,
        role_scope=role_scope,
        protect=protect,
        key_access_monitoring=monitoring,
        managed_hsm=tier.hsm,
        journey_analytics=journey_analytics,
    )


def _brought_key(r: ConfigReader) -> ExistingKey | None:
    """``existingKeyId``; with it, every setting that only shapes a created key at its default."""
    byok = existing_key.existing_key(r)
    if byok is not None:
        existing_key.check_creation_only_unset(r)
    return byok


def _managed_hsm(r: ConfigReader) -> ManagedHsm | None:
    """``managedHsmId`` / ``managedHsmUri``; with them, every vault-only setting at its default."""
    hsm = managed_hsm.managed_hsm(r)
    if hsm is not None:
        managed_hsm.check_vault_only_unset(r)
    return hsm


def _resource_group(r: ConfigReader, tier: _KeyTier) -> tuple[bool, str | None]:
    """Whether the group is created, and its name when set (a vault created in an existing
    group needs one)."""
    create_group = r.boolean("createResourceGroup") and tier.creates_vault
    group_name = r.optional("resourceGroupName", lambda v: placement.resource_group(r, v))
    if tier.creates_vault and not create_group and group_name is None:
        raise r.fail(
            "resourceGroupName",
            "is empty but adobe-cmk:createResourceGroup is false: name the existing resource "
            "group, or set createResourceGroup true",
        )
    return create_group, group_name


def _current_config() -> dict[str, Any]:
    """The running stack's config: this project's keys and the Azure location, full keys."""
    from pulumi.runtime import config as runtime_config

    prefix = f"{NAMESPACE}:"
    keys = {key for key in runtime_config.get_config_env() if key.startswith(prefix)}
    keys |= {key for key in runtime_config.CONFIG.get() if key.startswith(prefix)}
    keys |= {f"{prefix}{name}" for name in declared_settings()}
    keys.add(placement.AZURE_LOCATION_KEY)
    values = {key: pulumi.runtime.get_config(key) for key in keys}
    return {key: value for key, value in values.items() if value is not None}
