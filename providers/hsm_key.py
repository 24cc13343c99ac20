"""A key in an existing Managed HSM, as a Pulumi dynamic resource (module path kept: states
name it).

Lifecycle, and the data-plane calls each step makes (:mod:`providers.hsm.client`):

- ``check`` / ``diff``: offline. Another HSM, name or size **replaces** (an HSM key's type and
  size are fixed at creation); the HSM's address is compared normalised (a change of letter case
  or a trailing ``/`` is no change); ``tags`` are applied at creation only and a change is no
  change.
  A key a refresh found disabled shows as a replacement of ``enabled``: on a protected key the
  preview then fails, which is the alarm (re-enable the key; docs/runbooks.md). Nothing is ever
  updated in place (an update's outputs are unknown in a real preview).
- ``create``: ``GET /keys/<name>``; an existing key is adopted when it is RSA-HSM of the size
  asked, for exactly wrapKey and unwrapKey, and enabled (else one line says what differs);
  otherwise ``POST /keys/<name>/create`` (looked up again, never re-sent blindly) then GETs until
  the key is visible.
- ``read``: one ``GET /keys/<name>``; an empty id when the key is gone.
- every answer's ``kid`` must be ``<hsmUri>/keys/<keyName>/<32 hex>`` before it becomes
  ``keyId`` (what Adobe is sent): one naming another vault, HSM or key fails the step, in one line
  naming the HSM and what came back (:func:`providers.hsm.models.key_from`).
- ``delete``: no call. Deleting the key cuts Adobe off; the component also retains it.

The id is the versionless key identifier; ``keyId`` is the versioned one Adobe takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult

from cmk_facts import KEY_NAME, KEY_OPERATIONS, KEY_SIZES
from providers.adobe_provider import AdobeResource, inputs_of, is_unknown, log
from providers.hsm.models import HsmKey
from providers.hsm_provider import HsmProvider, check_hsm_uri, replaced

PROPERTIES = {
    "hsm_uri": "hsmUri",
    "key_name": "keyName",
    "key_size": "keySize",
    "tags": "tags",
    "key_id": "keyId",
    "key_id_versionless": "keyIdVersionless",
    "version": "version",
    "key_type": "keyType",
    "enabled": "enabled",
}
INPUTS = ("hsmUri", "keyName", "keySize", "tags")
REPLACE_ON = ("hsmUri", "keyName", "keySize")
KEY_TYPE = "RSA-HSM"


@dataclass
class ManagedHsmKeyArgs:
    """Inputs of :class:`ManagedHsmKey`."""

    hsm_uri: pulumi.Input[str]
    """``https://<hsm>.managedhsm.azure.net``."""
    key_name: pulumi.Input[str]
    """The key's name in the HSM; Adobe keeps it, so keep it stable."""
    key_size: pulumi.Input[int]
    """3072 or 4096 bits."""
    tags: pulumi.Input[dict[str, str]]
    """Tags set at creation."""


class ManagedHsmKey(AdobeResource, module="hsm", name="ManagedHsmKey"):
    """An RSA-HSM key for wrapKey and unwrapKey (type ``…dynamic/hsm:ManagedHsmKey``)."""

    PROPERTIES = PROPERTIES

    hsm_uri: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_size: pulumi.Output[int]
    tags: pulumi.Output[dict[str, str]]
    key_id: pulumi.Output[str]
    key_id_versionless: pulumi.Output[str]
    version: pulumi.Output[str]
    key_type: pulumi.Output[str]
    enabled: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        args: ManagedHsmKeyArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(ManagedHsmKeyProvider(), resource_name, args, opts)


class ManagedHsmKeyProvider(HsmProvider):
    """Creates or adopts the key; never updates or deletes it."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates inputs offline; unknown values pass."""
        failures: list[CheckFailure] = []
        check_hsm_uri(news, failures)
        name = news.get("keyName")
        if not is_unknown(name) and not (isinstance(name, str) and KEY_NAME.match(name)):
            failures.append(
                CheckFailure("keyName", f"keyName {name!r} must be 1-127 letters, digits, '-'")
            )
        size = news.get("keySize")
        if not is_unknown(size) and size not in KEY_SIZES:
            sizes = " or ".join(str(s) for s in KEY_SIZES)
            failures.append(CheckFailure("keySize", f"keySize {size!r} must be {sizes}"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Every change replaces; tags are no change; a disabled key replaces ``enabled``."""
        changes = replaced(olds, news, REPLACE_ON)
        if olds.get("enabled") is False:
            changes.append("enabled")
        return DiffResult(changes=bool(changes), replaces=changes, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopts a matching key of that name, or creates one and waits until it is visible."""
        client = self.client(props["hsmUri"])
        name, size = props["keyName"], int(props["keySize"])
        existing = client.get_key(name)
        if existing is not None:
            problem = _unusable(existing, size)
            if problem:
                raise RuntimeError(
                    f"key {name} already exists in {props['hsmUri']} and {problem}: fix it, or "
                    "choose another adobe-cmk:keyName"
                )
            log.info("adopting Managed HSM key %s (version %s)", name, existing.version)
            key = existing
        else:
            log.info("creating Managed HSM key %s (RSA-HSM, %d bits)", name, size)
            client.create_key(name, size, dict(props.get("tags") or {}))
            key = client.wait_for_key(name)
        return CreateResult(key.versionless, _outputs(key, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; an empty id when the key is gone (a disabled key reads ``enabled: false``)."""
        key = self.client(props["hsmUri"]).get_key(props["keyName"])
        if key is None:
            return ReadResult("", {})
        outs = _outputs(key, props)
        return ReadResult(key.versionless, outs, inputs_of(outs, INPUTS))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """No call: deleting the key would cut Adobe off; a person deletes it deliberately."""
        log.info("Managed HSM key %s stays in the HSM (no delete)", props.get("keyName"))


def _unusable(key: HsmKey, size: int) -> str:
    """Why an existing key cannot serve Adobe, or ``""``."""
    if key.kty != KEY_TYPE:
        return f"is {key.kty}, not {KEY_TYPE}"
    if key.key_size != size:
        return f"has {key.key_size} bits, not adobe-cmk:keySize {size}"
    if sorted(key.key_ops) != sorted(KEY_OPERATIONS):
        return (
            f"allows {', '.join(key.key_ops) or 'every operation'}, not exactly wrapKey, unwrapKey"
        )
    if not key.enabled:
        return "is disabled (a revocation): enable it first"
    return ""


def _outputs(key: HsmKey, props: dict[str, Any]) -> dict[str, Any]:
    """The one place a key becomes outputs (create and read agree)."""
    return {
        **inputs_of(props, INPUTS),
        "keySize": key.key_size or props.get("keySize"),
        "keyId": key.kid,
        "keyIdVersionless": key.versionless,
        "version": key.version,
        "keyType": key.kty,
        "enabled": key.enabled,
    }
