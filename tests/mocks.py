"""Run a Pulumi program under mocks and get back every registration, options included.

``MockResourceArgs`` has no resource options, so :class:`RecordingMonitor` (a ``MockMonitor``)
keeps the whole ``RegisterResource`` request of every resource and component: type, name, URN,
inputs, protect, retainOnDelete, dependencies, parent. :class:`AzureMocks` makes up the computed
outputs of the resources this project declares (ids in ARM shape, ``vaultUri``, ``keyUri…``,
``objectId``, the Adobe resources' outputs) and answers the invokes it uses, with camelCase keys.

Typical use (also what the policy-pack tests reuse)::

    run = run_program(lambda: runpy.run_path("__main__.py", run_name="__main__"),
                      config=valid_config())
    vault = run.one("azure-native:keyvault:Vault")
    assert vault.protect, vault.urn

Only Pulumi mocks: no engine, no provider plugin, no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from providers.app_registration import tenant_consent_url

PROJECT = "adobe-cmk"
STACK = "dev"
PROGRAM = Path(__file__).resolve().parent.parent / "__main__.py"
SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
DEPLOYER_OBJECT_ID = "99999999-8888-7777-6666-555555555555"
ADOBE_APP_ID = "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
CONSENT_URL = (
    "https://login.microsoftonline.com/common/oauth2/authorize?response_type=code"
    f"&client_id={ADOBE_APP_ID}&redirect_uri=https://adobe.com&scope=user.read"
)

ORG_ID = "1234ABCD5678@AdobeOrg"
CLIENT_ID = "test-client-id-0d4e"
CLIENT_SECRET = "test-client-secret-7f1c9a"
#: Config keys that hold secrets (what `pulumi config set --secret` marks).
SECRET_KEYS = ("adobe-cmk:clientSecret", "adobe-cmk:accessToken")

#: Type tokens of what the program registers.
GROUP = "azure-native:resources:ResourceGroup"
VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
ROLE = "azure-native:authorization:RoleAssignment"
APP = "pulumi-python:dynamic/adobe:AppRegistration"
BYOK = "pulumi-python:dynamic/adobe:ByokConfig"
TOP = "adobe-cmk:index:CustomerManagedKey"

GET_CLIENT_CONFIG = "azure-native:authorization:getClientConfig"
GET_SERVICE_PRINCIPAL = "azuread:index/getServicePrincipal:getServicePrincipal"
GET_WORKSPACE = "azure-native:operationalinsights:getWorkspace"
GET_VAULT = "azure-native:keyvault:getVault"
GET_KEY = "azure-native:keyvault:getKey"
GET_MANAGED_HSM = "azure-native:keyvault:getManagedHsm"
#: An explicit azure-native provider (one per other subscription).
AZURE_PROVIDER = "pulumi:providers:azure-native"
#: What the vault and key lookups answer unless a test says otherwise: what Adobe needs.
GOOD_VAULT_PROPERTIES = {
    "enableSoftDelete": True,
    "enablePurgeProtection": True,
    "enableRbacAuthorization": True,
}
GOOD_KEY = {
    "kty": "RSA",
    "keySize": 3072,
    "keyOps": ["wrapKey", "unwrapKey"],
    "attributes": {"enabled": True},
}
#: The region the mocks give an existing Log Analytics workspace.
WORKSPACE_LOCATION = "northeurope"


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` request, as the engine would have received it."""

    type: str
    name: str
    urn: str
    id: str
    """The id the mocks gave it (empty for components)."""
    inputs: dict[str, Any]
    """Inputs as sent (camelCase, unknowns as ``None`` in a preview)."""
    outputs: dict[str, Any]
    """What the mocks answered (inputs plus made-up computed outputs)."""
    custom: bool
    """False for component resources."""
    protect: bool
    retain_on_delete: bool
    dependencies: tuple[str, ...]
    """URNs of every resource this one depends on (``depends_on`` and inputs)."""
    parent: str
    provider: str
    additional_secret_outputs: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    delete_before_replace: bool


@dataclass
class ProgramRun:
    """What a program registered, in order, and what it exported."""

    registrations: list[Registration]
    invokes: list[MockCallArgs]
    stack_outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        """Every registration of ``type_``."""
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str) -> Registration:
        """The single registration of ``type_``; AssertionError naming what was found otherwise."""
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, found {[r.urn for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        """The registration with that URN."""
        for registration in self.registrations:
            if registration.urn == urn:
                return registration
        raise KeyError(urn)

    def types(self) -> list[str]:
        """Types of the custom (non-component) resources, in registration order."""
        return [r.type for r in self.registrations if r.custom]

    def invoked(self, token: str) -> list[MockCallArgs]:
        """The invokes of ``token``."""
        return [call for call in self.invokes if call.token == token]


class RecordingMonitor(MockMonitor):
    """A ``MockMonitor`` that keeps every registration request (components included)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        urn = self.make_urn(request.parent, request.type, request.name)
        registered = self.resources.get(urn)
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                id=registered.id if registered else "",
                inputs=rpc.deserialize_properties(request.object),
                outputs=dict(registered.state) if registered else {},
                custom=bool(request.custom),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                dependencies=tuple(request.dependencies),
                parent=request.parent,
                provider=request.provider,
                additional_secret_outputs=tuple(request.additionalSecretOutputs),
                ignore_changes=tuple(request.ignoreChanges),
                delete_before_replace=bool(request.deleteBeforeReplace),
            )
        )
        return response


class AzureMocks(pulumi.runtime.Mocks):
    """Made-up computed outputs and invoke answers for this project's resources.

    ``service_principals`` maps application (client) ids to the object ids of service principals
    that already exist in the tenant: the ``getServicePrincipal`` invoke finds those and fails
    for any other, as the azuread provider does.

    Lookups answer per subscription, as ARM does: an invoke goes to the subscription of its
    explicit provider (the ``subscriptionId`` it was declared with), else ``subscription_id`` (the
    default provider's). ``located`` maps the name of a looked-up vault, HSM or workspace to the
    subscription it is in: sent anywhere else, its lookup fails with ARM's 404 (a name not in it is
    found everywhere). A lookup sent to a subscription in ``unreadable`` fails with ARM's 403.
    """

    def __init__(
        self,
        *,
        subscription_id: str = SUBSCRIPTION_ID,
        tenant_id: str = TENANT_ID,
        service_principals: Mapping[str, str] | None = None,
        config_status: str = "COMPLETED",
        existing_vault: Mapping[str, Any] | None = None,
        existing_key: Mapping[str, Any] | None = None,
        located: Mapping[str, str] | None = None,
        unreadable: Collection[str] = (),
    ) -> None:
        #: What ``getVault`` / ``getKey`` answer (a bring-your-own-key stack's lookups).
        self.existing_vault = {**GOOD_VAULT_PROPERTIES, **(existing_vault or {})}
        self.existing_key = {**GOOD_KEY, **(existing_key or {})}
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.service_principals = dict(service_principals or {})
        self.config_status = config_status
        self.located = {name: sub.lower() for name, sub in (located or {}).items()}
        self.unreadable = {sub.lower() for sub in unreadable}
        #: Explicit providers declared, by resource id: the subscription each works in.
        self.provider_subscriptions: dict[str, str] = {}
        self.calls: list[MockCallArgs] = []
        self.created: list[MockResourceArgs] = []

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.calls.append(args)
        if args.token == GET_CLIENT_CONFIG:
            return {
                "clientId": "00000000-0000-0000-0000-00000000c1e7",
                "objectId": DEPLOYER_OBJECT_ID,
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
            }, []
        if args.token == GET_SERVICE_PRINCIPAL:
            client_id = args.args.get("clientId")
            if client_id not in self.service_principals:
                # A data-source failure, as the engine reports one (not an RPC crash).
                return {}, [
                    ("clientId", f"service principal not found for application ID {client_id!r}")
                ]
            return {
                "id": f"/servicePrincipals/{self.service_principals[client_id]}",
                "objectId": self.service_principals[client_id],
                "clientId": client_id,
                "displayName": "acpebae9422Caepcmkmultitenantapp",
            }, []
        if args.token == GET_VAULT:
            refused = self.refusal(args, args.args["vaultName"])
            if refused:
                return {}, refused
            return {"name": args.args["vaultName"], "properties": self.existing_vault}, []
        if args.token == GET_KEY:
            refused = self.refusal(args, args.args["vaultName"])
            if refused:
                return {}, refused
            return {"name": args.args["keyName"], **self.existing_key}, []
        if args.token == GET_WORKSPACE:
            group, name = args.args["resourceGroupName"], args.args["workspaceName"]
            refused = self.refusal(args, name)
            if refused:
                return {}, refused
            subscription = self.subscription_of(args)
            return {
                "id": f"/subscriptions/{subscription}/resourceGroups/{group}/providers/"
                f"Microsoft.OperationalInsights/workspaces/{name}",
                "name": name,
                "location": WORKSPACE_LOCATION,
                "customerId": _guid(f"workspace:{name}"),
            }, []
        raise NotImplementedError(f"no mock for invoke {args.token}")

    def subscription_of(self, args: MockCallArgs) -> str:
        """The subscription an invoke goes to: its explicit provider's, else the default's."""
        provider_id = (args.provider or "").rsplit("::", 1)[-1]
        return self.provider_subscriptions.get(provider_id, self.subscription_id).lower()

    def refusal(self, args: MockCallArgs, name: str) -> list[tuple[str, str]]:
        """ARM's failure for looking ``name`` up where the invoke goes (empty: found)."""
        subscription = self.subscription_of(args)
        if subscription in self.unreadable:
            return [
                (
                    "subscriptionId",
                    f"AuthorizationFailed: the client '{DEPLOYER_OBJECT_ID}' does not have "
                    f"authorization to perform action 'read' over scope '/subscriptions/"
                    f"{subscription}' (403)",
                )
            ]
        home = self.located.get(name)
        if home is not None and home != subscription:
            return [
                (
                    "name",
                    f"ResourceNotFound: the resource {name!r} was not found in subscription "
                    f"{subscription} (404)",
                )
            ]
        return []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.created.append(args)
        inputs = dict(args.inputs)
        if args.typ == AZURE_PROVIDER:
            self.provider_subscriptions[f"{args.name}-id"] = str(inputs.get("subscriptionId"))
        make = _OUTPUTS.get(args.typ)
        if make is None:
            return f"{args.name}-id", inputs
        return make(self, args.name, inputs)

    # --- made-up outputs, by resource type ---------------------------------------------------

    def _group(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = inputs.get("resourceGroupName") or f"{name}{_suffix(name)}"
        rg_id = f"/subscriptions/{self.subscription_id}/resourceGroups/{group}"
        return rg_id, {**inputs, "name": group, "resourceGroupName": group, "id": rg_id}

    def _vault(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        vault = inputs.get("vaultName") or f"{name}{_suffix(name)}"[:24]
        vault_id = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
            f"/providers/Microsoft.KeyVault/vaults/{vault}"
        )
        properties = {
            **inputs.get("properties", {}),
            "vaultUri": f"https://{vault}.vault.azure.net/",
        }
        return vault_id, {**inputs, "name": vault, "vaultName": vault, "properties": properties}

    def _key(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        vault, key = inputs["vaultName"], inputs["keyName"]
        key_id = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
            f"/providers/Microsoft.KeyVault/vaults/{vault}/keys/{key}"
        )
        uri = f"https://{vault}.vault.azure.net/keys/{key}"
        version = hashlib.sha256(key_id.encode()).hexdigest()[:32]
        return key_id, {
            **inputs,
            "name": key,
            "keyUri": uri,
            "keyUriWithVersion": f"{uri}/{version}",
        }

    def _service_principal(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        object_id = _guid(f"sp:{inputs.get('clientId')}")
        return f"/servicePrincipals/{object_id}", {
            **inputs,
            "objectId": object_id,
            "displayName": "acpebae9422Caepcmkmultitenantapp",
        }

    def _role_assignment(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        assignment = inputs.get("roleAssignmentName") or _guid(name)
        ra_id = f"{inputs['scope']}/providers/Microsoft.Authorization/roleAssignments/{assignment}"
        return ra_id, {**inputs, "name": assignment}

    def _app_registration(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # As the provider's outputs: tenantConsentUrl by its own rule from the tenantId input,
        # which the program no longer sends (it builds the tenant's consent URL itself), so it
        # equals consentUrl for every stack the program declares.
        tenant = inputs.get("tenantId") or None
        return "byok", {
            **inputs,
            "tenantId": tenant,
            "applicationId": ADOBE_APP_ID,
            "applicationName": "acpebae9422Caepcmkmultitenantapp",
            "applicationUri": "https://adobe.com/acpebae9422Caepcmkmultitenantapp",
            "consentUrl": CONSENT_URL,
            "tenantConsentUrl": tenant_consent_url(CONSENT_URL, tenant),
        }

    def _byok_config(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        identifier = str(inputs.get("keyIdentifier") or "")
        vault_url, _, rest = identifier.partition("/keys/")
        key_name, _, version = rest.partition("/")
        return str(inputs.get("configName")), {
            **inputs,
            "status": self.config_status,
            "configId": _guid(f"config:{inputs.get('configName')}"),
            "keyVaultUrl": vault_url,
            "keyName": key_name,
            "keyVersion": version,
        }

    def _workspace(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        workspace = inputs.get("workspaceName") or f"{name}{_suffix(name)}"
        ws_id = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
            f"/providers/Microsoft.OperationalInsights/workspaces/{workspace}"
        )
        return ws_id, {**inputs, "name": workspace, "customerId": _guid(f"workspace:{name}")}

    def _action_group(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = inputs.get("actionGroupName") or f"{name}{_suffix(name)}"
        ag_id = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
            f"/providers/Microsoft.Insights/actionGroups/{group}"
        )
        return ag_id, {**inputs, "name": group}


_OUTPUTS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "azure-native:operationalinsights:Workspace": AzureMocks._workspace,
    "azure-native:monitor:ActionGroup": AzureMocks._action_group,
    "azure-native:resources:ResourceGroup": AzureMocks._group,
    "azure-native:keyvault:Vault": AzureMocks._vault,
    "azure-native:keyvault:Key": AzureMocks._key,
    "azuread:index/servicePrincipal:ServicePrincipal": AzureMocks._service_principal,
    "azure-native:authorization:RoleAssignment": AzureMocks._role_assignment,
    "pulumi-python:dynamic/adobe:AppRegistration": AzureMocks._app_registration,
    "pulumi-python:dynamic/adobe:ByokConfig": AzureMocks._byok_config,
}


def run_program(
    program: Callable[[], Any],
    *,
    config: Mapping[str, Any] | None = None,
    secret_keys: tuple[str, ...] | list[str] = (),
    mocks: AzureMocks | None = None,
    preview: bool = False,
    environ: Mapping[str, str] | None = None,
    project: str = PROJECT,
    stack: str = STACK,
) -> ProgramRun:
    """Run ``program`` under mocks with ``config`` (full keys → values as the CLI passes them,
    i.e. strings) and return every registration and the stack outputs. Exceptions the program
    raises (a ``pulumi.RunError`` from the settings, an error in an ``apply``) propagate.

    ``environ`` replaces the ADOBE_* variables for the run (default: none of them set), so the
    developer's own environment cannot change a test's outcome.
    """
    mocks = mocks or AzureMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(
        {key: _as_config_string(value) for key, value in (config or {}).items()},
        list(secret_keys),
    )
    # A fresh root stack per run: set_mocks keeps the thread's last one, whose exports would
    # otherwise pile up across runs (a run with more outputs leaking into the next).
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    run = ProgramRun(registrations=monitor.registrations, invokes=mocks.calls)

    @pulumi.runtime.test
    def _run() -> Any:
        program()
        root = pulumi.runtime.get_root_resource()
        exported = dict(getattr(root, "outputs", {}) or {})
        return pulumi.Output.all(**exported).apply(run.stack_outputs.update)

    with _adobe_environment(environ or {}):
        try:
            _run()
        finally:
            # A failed run must not leave its config behind for the next one.
            pulumi.runtime.set_all_config({}, [])
    return run


def valid_config(**settings: Any) -> dict[str, Any]:
    """A minimal valid stack config (full keys), with ``settings`` (short names) on top:
    ``valid_config(keySize=4096, servicePrincipal="existing")``. ``None`` removes a key."""
    config: dict[str, Any] = {
        "adobe-cmk:orgId": ORG_ID,
        "adobe-cmk:location": "westeurope",
        "adobe-cmk:clientId": CLIENT_ID,
        "adobe-cmk:clientSecret": CLIENT_SECRET,
    }
    for name, value in settings.items():
        key = name if ":" in name else f"adobe-cmk:{name}"
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config


def run_main(config: Mapping[str, Any] | None = None, **kwargs: Any) -> ProgramRun:
    """Run ``__main__.py`` through ``runpy`` under mocks, as ``pulumi up`` runs it, with
    ``config`` (default :func:`valid_config`) and the secret keys marked secret."""
    return run_program(
        lambda: runpy.run_path(str(PROGRAM), run_name="__main__"),
        config=valid_config() if config is None else config,
        secret_keys=kwargs.pop("secret_keys", SECRET_KEYS),
        **kwargs,
    )


def _as_config_string(value: Any) -> str:
    """Config values reach a program as strings; lists and booleans as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


@contextmanager
def _adobe_environment(environ: Mapping[str, str]) -> Iterator[None]:
    names = ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ACCESS_TOKEN")
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ.update({k: v for k, v in environ.items() if k in names})
    try:
        yield
    finally:
        for name in names:
            os.environ.pop(name, None)
            if saved[name] is not None:
                os.environ[name] = saved[name]  # type: ignore[assignment]


def _suffix(name: str) -> str:
    """The random suffix auto-naming would add, made deterministic."""
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def _guid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
