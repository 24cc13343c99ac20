"""What Adobe and Azure fix for a customer-managed key: addresses, ids, name rules and limits.

Each fact lives here once and is imported by the settings, the components and the providers (the
Platform client included: this module imports nothing of Pulumi). The policy pack runs apart from
the program and keeps its own copy in ``policy/facts.py``; ``tests/test_facts.py`` pins the two
equal. Sources are in ``docs/prerequisites.md`` and ``docs/production-checklist.md``.
"""

from __future__ import annotations

import re

#: The stack config namespace of every setting (``adobe-cmk:orgId``); also the project name.
NAMESPACE = "adobe-cmk"

# Patterns are used with ``match`` (anchored at the start), end in ``\Z`` (``$`` would accept a
# trailing line break) and are ASCII-only, as Adobe's and Azure's names are.

# --- Adobe -------------------------------------------------------------------------------------

#: The address Adobe reaches a key vault from; a vault behind a firewall must allow it.
ADOBE_ADDRESS = "20.88.123.53"
#: The same address as Azure reports it back in a vault's IP rules (a refresh finds no change).
ADOBE_IP_RULE = f"{ADOBE_ADDRESS}/32"

#: Adobe's application for Customer Journey Analytics (and Journey Optimizer) on Azure: its own
#: vault, the same role; enabled by a support request carrying the key identifier, not an API
#: (docs/journey-analytics.md).
JOURNEY_ANALYTICS_APPLICATION_ID = "251e3919-1940-4296-bb8b-6b9a5e8a4805"
#: Microsoft's admin-consent address for a multi-tenant application (Adobe publishes no consent
#: URL for the Journey Analytics application); ``tenant`` is a tenant id or ``organizations``.
ADMIN_CONSENT_URL = "https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client_id}"

#: The two generations of the Platform CMK API.
API_GENERATIONS: tuple[str, ...] = ("current", "beta")

#: The ``x-api-key`` Adobe's CMK pages use (other Platform APIs use the credential's client id).
DEFAULT_API_KEY = "acp_provisioning"

#: Platform regions: ``va7`` is ``platform.adobe.io``, any other ``platform-<region>.adobe.io``.
DEFAULT_REGION = "va7"
REGION = re.compile(r"[a-z]{2,5}[0-9]{1,2}\Z", re.ASCII)
REGION_EXAMPLES = "va7, nld2, aus5, can2 or gbr9"

#: Adobe IMS's token endpoint and the scopes an OAuth Server-to-Server credential asks for.
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com/ims/token/v3"
DEFAULT_SCOPES = "openid,session,AdobeID,read_organizations,additional_info.projectedProductContext"

#: An IMS organisation id, ``1234ABCD5678@AdobeOrg``.
ORG_ID = re.compile(r"[A-Za-z0-9]+@AdobeOrg\Z", re.ASCII)
ORG_ID_EXAMPLE = "1234ABCD5678@AdobeOrg"
#: Configuration names Adobe accepts (it reads them back in a URL path; case-sensitive).
CONFIG_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z", re.ASCII)

#: The longest wait for Adobe's job that a stack may ask for (a day); Adobe documents minutes to
#: hours.
MAX_WAIT_MINUTES = 24 * 60
#: The most BYOK jobs sent again after an early ``FAILED``: a few cover access that is still
#: propagating; more would only hide a real refusal (the resends share the wait).
MAX_FAILED_RESENDS = 5

# --- Azure -------------------------------------------------------------------------------------

#: Key Vault Crypto Service Encryption User: read keys, wrap and unwrap (built-in role).
CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
#: Managed HSM Crypto Service Encryption User: a *local* HSM role (ARM cannot assign it) that lets
#: a service use a key for encryption at rest.
HSM_CRYPTO_SERVICE_ENCRYPTION_USER = "33413926-3206-4cdd-b39a-83574fe37a17"
#: Namespace of the deterministic role assignment names (any fixed UUID; never change it, or every
#: stack would replace its assignment).
ASSIGNMENT_NAMESPACE = "5c3f1f8e-8a2e-4c55-9d61-3c0e2d7a9b14"
#: How Adobe's service principal comes to be: made by the program, looked up, or left to a person.
SERVICE_PRINCIPAL_MODES: tuple[str, ...] = ("create", "existing", "none")

#: A GUID (tenant, subscription, application and principal ids).
GUID_TEXT = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
GUID = re.compile(GUID_TEXT + r"\Z", re.ASCII)
GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"

#: Key types and sizes Adobe accepts: RSA of 3072 bits or more.
KEY_TYPES: tuple[str, ...] = ("RSA", "RSA-HSM")
KEY_SIZES: tuple[int, ...] = (3072, 4096)
MIN_KEY_SIZE = 3072
#: What Key Vault creates when an RSA key's size is not given.
DEFAULT_KEY_SIZE = 2048
#: A key's rotation-policy action types as Key Vault stores and answers them (the ARM schema's
#: enum spells them ``rotate`` / ``notify``; ARM accepts either, Azure answers these), and the
#: ``Notify`` Key Vault adds by itself, 30 days before expiry, to a policy that has none.
ROTATION_ACTION_ROTATE = "Rotate"
ROTATION_ACTION_NOTIFY = "Notify"
DEFAULT_NOTIFY_BEFORE_EXPIRY = "P30D"
#: The only operations Adobe needs (and may use).
KEY_OPERATIONS: tuple[str, ...] = ("wrapKey", "unwrapKey")
#: The longest soft-delete retention Azure offers (and the shortest).
SOFT_DELETE_RETENTION_DAYS = 90
MIN_SOFT_DELETE_RETENTION_DAYS = 7

#: Key Vault and Managed HSM host suffixes, public and sovereign clouds.
VAULT_SUFFIXES: tuple[str, ...] = (
    "vault.azure.net",
    "vault.azure.cn",
    "vault.usgovcloudapi.net",
    "vault.microsoftazure.de",
)
HSM_SUFFIXES: tuple[str, ...] = (
    "managedhsm.azure.net",
    "managedhsm.azure.cn",
    "managedhsm.usgovcloudapi.net",
)
#: A Key Vault name: 3-24 letters, digits and single hyphens, starting with a letter, not ending
#: with a hyphen. A key name: 1-127 letters, digits and hyphens.
VAULT_NAME = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]\Z", re.ASCII)
KEY_NAME = re.compile(r"[A-Za-z0-9-]{1,127}\Z", re.ASCII)
#: A key version as Azure writes it: 32 hex digits.
KEY_VERSION = re.compile(r"[0-9a-fA-F]{32}\Z", re.ASCII)
KEY_IDENTIFIER_EXAMPLE = "https://<vault>.vault.azure.net/keys/<key-name>/<32-hex-version>"


# --- Key-access monitoring (docs/runbooks.md#key-access-monitoring) ----------------------------

#: The diagnostic log category of a vault (and a Managed HSM) holding every request, refused ones
#: included: the audit log.
AUDIT_LOG_CATEGORY = "AuditEvent"
#: A vault's platform metrics, all of them, in a diagnostic setting.
ALL_METRICS = "AllMetrics"
#: The audit log's names of the key operations Adobe makes: one answered 4xx means Adobe is
#: losing, or has lost, access to the key (a disabled or expired key is refused with 403 too).
ADOBE_KEY_OPERATIONS_AUDITED: tuple[str, ...] = (
    "KeyWrap",
    "KeyUnwrap",
    "KeyGet",
    "KeyEncrypt",
    "KeyDecrypt",
)
#: The audit log's names of the operations that disable (an update), delete, replace or change a
#: key or its rotation.
KEY_CHANGE_OPERATIONS_AUDITED: tuple[str, ...] = (
    "KeyUpdate",
    "KeyDelete",
    "KeyPurge",
    "KeyRotate",
    "KeyRotateIfDue",
    "KeyImport",
    "KeyCreate",
    "KeyRestore",
    "KeyRecover",
    "KeyRotationPolicySet",
)
#: The audit log's names of the operations that change (network rules included) or delete a vault.
VAULT_CHANGE_OPERATIONS_AUDITED: tuple[str, ...] = ("VaultPut", "VaultPatch", "VaultDelete")
#: The audit log's names of Key Vault's near-expiry and expired notifications for a key's current
#: version, logged whether or not anything subscribes to the vault's Event Grid events.
KEY_EXPIRY_NOTIFICATIONS_AUDITED: tuple[str, ...] = (
    "KeyNearExpiryEventGridNotification",
    "KeyExpiredEventGridNotification",
)
#: The audit log's operation names are ``<Object><Verb>`` (``KeyDelete``, ``VaultDelete``): a
#: delete's ends with this verb. A Managed HSM's local role assignment is deleted by
#: ``DELETE /<scope>/providers/Microsoft.Authorization/roleAssignments/<name>`` on its data plane,
#: which logs only to the HSM's own audit log (never to the activity log).
AUDITED_DELETE_VERB = "Delete"
HSM_ROLE_ASSIGNMENTS_PATH = "/providers/Microsoft.Authorization/roleAssignments/"
#: Activity-log operations: a vault deleted (its role assignments go with it), an ARM role
#: assignment deleted. Key operations and a Managed HSM's local role assignments are data-plane
#: operations and never reach the activity log.
VAULT_DELETE_ACTION = "Microsoft.KeyVault/vaults/delete"
MANAGED_HSM_DELETE_ACTION = "Microsoft.KeyVault/managedHSMs/delete"
ROLE_ASSIGNMENT_DELETE_ACTION = "Microsoft.Authorization/roleAssignments/delete"
#: The longest short name of an action group (it prefixes SMS and e-mail subjects).
ACTION_GROUP_SHORT_NAME_MAX = 12

def platform_url_for_region(region: str) -> str:
    """``va7`` → ``https://platform.adobe.io``; another region → ``https://platform-<r>.adobe.io``.

    Raises ``ValueError`` for anything that is not a region code.
    """
    if not REGION.match(region or ""):
        raise ValueError(f"{region!r} is not a Platform region; use e.g. {REGION_EXAMPLES}")
    if region == DEFAULT_REGION:
        return "https://platform.adobe.io"
    return f"https://platform-{region}.adobe.io"
