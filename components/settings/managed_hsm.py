"""Rules for the Managed HSM tier: an existing, activated HSM named by ARM id or by URI.

The program never creates or activates an HSM (activation is a key ceremony with offline
custodians, and an HSM bills while soft-deleted: docs/runbooks.md). It creates the key in the HSM,
or adopts one of the same name after checking Adobe's rules, and grants Adobe's local HSM role on
that key. So every setting that only shapes a vault is refused with an HSM, as with
bring-your-own-key.

- ``managedHsmId``: ``/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/
  managedHSMs/<name>``; the HSM is looked up at preview (activation, purge protection, network).
- ``managedHsmUri``: ``https://<name>.managedhsm.azure.net`` (or a sovereign cloud's suffix), for
  an HSM the deploying identity cannot read in ARM; the preview checks are then skipped. Plain
  http is accepted only to loopback (a stand-in), by the client's own endpoint rule. The value is
  normalised as the providers compare it (host in lower case, no trailing ``/``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cmk_facts import HSM_SUFFIXES
from components.settings.reader import ConfigReader
from components.settings.values import ManagedHsm
from providers.platform.endpoints import check_endpoint, is_loopback

#: Settings that only shape a vault (or a resource group) the program creates; with an HSM they
#: could do nothing, so a non-default value is refused rather than silently ignored.
VAULT_ONLY = (
    "createResourceGroup",
    "resourceGroupName",
    "keyVaultName",
    "keyVaultSku",
    "keyRotationDays",
    "keyExpiryDays",
    "keyNotifyDaysBeforeExpiry",
    "allowedIpRanges",
    "existingKeyId",
    "existingVaultId",
)
#: The only key type an HSM holds for Adobe.
HSM_KEY_TYPE = "RSA-HSM"

_HSM_ID = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.KeyVault/managedHSMs/(?P<name>[A-Za-z0-9-]{3,24})\Z",
    re.IGNORECASE | re.ASCII,
)
_HSM_HOST = re.compile(
    r"(?P<name>[A-Za-z0-9-]{3,24})\.(?P<suffix>"
    + "|".join(re.escape(s) for s in HSM_SUFFIXES)
    + r")\Z",
    re.IGNORECASE | re.ASCII,
)
_ID_SHAPE = (
    "/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.KeyVault/managedHSMs/<name>"
)


def managed_hsm(r: ConfigReader) -> ManagedHsm | None:
    """The HSM to use; ``None`` when neither ``managedHsmId`` nor ``managedHsmUri`` is set."""
    arm_id = r.string("managedHsmId")
    uri = r.string("managedHsmUri")
    if not arm_id and not uri:
        return None
    match = None
    if arm_id:
        match = _HSM_ID.match(arm_id)
        if not match:
            raise r.fail("managedHsmId", f"is {arm_id!r}: expected {_ID_SHAPE}")
    hsm_uri = _hsm_uri(r, uri) if uri else None
    if match and hsm_uri and not is_loopback(urlsplit(hsm_uri).hostname or ""):
        host_name = (urlsplit(hsm_uri).hostname or "").split(".", 1)[0]
        if host_name != match["name"].lower():
            raise r.fail(
                "managedHsmUri",
                f"is {hsm_uri} but adobe-cmk:managedHsmId names HSM {match['name']!r}: they "
                "must be the same HSM (or set only one of them)",
            )
    return ManagedHsm(
        arm_id=arm_id or None,
        uri=hsm_uri,
        subscription_id=match["subscription"] if match else None,
        resource_group_name=match["group"] if match else None,
        name=match["name"] if match else (urlsplit(hsm_uri or "").hostname or "").split(".")[0],
    )


def check_vault_only_unset(r: ConfigReader) -> None:
    """With an HSM, every vault-only setting is at its default. (``keyType`` is not among them:
    its default, RSA, cannot be told from RSA set on purpose; an HSM key is RSA-HSM either way.)"""
    for name in VAULT_ONLY:
        if not r.is_default(name):
            raise r.fail(
                name,
                "only shapes a vault this program creates (or a key brought to it), and "
                "adobe-cmk:managedHsmId or managedHsmUri is set: remove it "
                f"(`pulumi config rm {r.key(name)}`)",
            )


def _hsm_uri(r: ConfigReader, value: str) -> str:
    try:
        url = check_endpoint(value)
    except ValueError as exc:
        raise r.fail("managedHsmUri", f"{exc}") from None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.path or parts.query or parts.fragment:
        raise r.fail(
            "managedHsmUri",
            f"is {value!r}: give the HSM's address only, https://<name>.managedhsm.azure.net",
        )
    if not is_loopback(host) and not _HSM_HOST.match(host):
        suffixes = ", ".join(HSM_SUFFIXES)
        raise r.fail(
            "managedHsmUri",
            f"is {value!r}: a Managed HSM's host is <name>.<suffix> with suffix one of {suffixes}",
        )
    # Imported only when an HSM is named: a stack without one loads none of the HSM's code.
    from providers.hsm.models import normal_hsm_uri

    return normal_hsm_uri(url)
