"""Resource policies for Key Vault keys: each key's inputs, as the program declares them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import facts
from adobe_resources import is_key
from property_values import UNKNOWN, get, is_number, known_items, show
from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

KEY_OPERATIONS = frozenset(facts.KEY_OPERATIONS)
_KEY_OPS_FIX = "set key_ops=[" + ", ".join(f"'{op}'" for op in facts.KEY_OPERATIONS) + "]"


def _adobe_key_type(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_key(args.resource_type):
        return
    kty = get(args.props, "properties", "kty")
    if kty is UNKNOWN or kty in facts.KEY_TYPES:
        return
    report(
        f"key {args.name}: properties.kty is {kty or 'unset'}; Adobe accepts "
        f"{' or '.join(facts.KEY_TYPES)} keys only: set kty to RSA (or RSA-HSM in a premium "
        "vault).",
        None,
    )


def _adobe_key_size(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_key(args.resource_type):
        return
    size = get(args.props, "properties", "keySize")
    if size is UNKNOWN or (is_number(size) and size >= facts.MIN_KEY_SIZE):
        return
    state = (
        f"unset (Key Vault then makes {facts.DEFAULT_KEY_SIZE} bits)"
        if size is None
        else show(size)
    )
    report(
        f"key {args.name}: properties.keySize is {state}; Adobe refuses RSA keys under "
        f"{facts.MIN_KEY_SIZE} bits: set key_size to "
        f"{' or '.join(str(size) for size in facts.KEY_SIZES)}.",
        None,
    )


def _adobe_key_operations(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_key(args.resource_type):
        return
    operations = known_items(get(args.props, "properties", "keyOps"))
    if operations is UNKNOWN:
        return
    if operations is None:
        report(
            f"key {args.name}: properties.keyOps is unset, which allows every operation; Adobe "
            f"needs wrapKey and unwrapKey only: {_KEY_OPS_FIX}.",
            None,
        )
        return
    given = {str(op) for op in operations}
    missing = sorted(KEY_OPERATIONS - given)
    extra = sorted(given - KEY_OPERATIONS)
    if missing:
        report(
            f"key {args.name}: properties.keyOps lacks {', '.join(missing)}; Adobe wraps and "
            f"unwraps its data keys with this key: {_KEY_OPS_FIX}.",
            None,
        )
    if extra:
        report(
            f"key {args.name}: properties.keyOps also allows {', '.join(extra)}; a key for Adobe "
            "allows wrapKey and unwrapKey only (least privilege): remove the others.",
            None,
        )


def _adobe_key_enabled(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_key(args.resource_type):
        return
    if get(args.props, "properties", "attributes", "enabled") is False:
        report(
            f"key {args.name}: properties.attributes.enabled is false. A disabled key revokes "
            "Adobe's access, and Adobe may then purge the organisation's data: enable it (revoke "
            "deliberately, following the revocation runbook, not through a deployment).",
            None,
        )


def _adobe_key_validity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """``attributes.expires`` and ``attributes.notBefore`` are epoch seconds (azure-native's
    ``KeyAttributes``); Adobe needs the key usable now: activated, and not expired."""
    if not is_key(args.resource_type):
        return
    now = time.time()
    expires = get(args.props, "properties", "attributes", "expires")
    if is_number(expires) and expires <= now:
        report(
            f"key {args.name}: properties.attributes.expires is {_when(expires)}, in the past. "
            "Key Vault refuses an expired key's operations, so Adobe could not wrap or unwrap "
            "with it and the organisation's data would be cut off: remove expires (let "
            "adobe-cmk:keyRotationDays and keyExpiryDays rotate versions) or set a future date.",
            None,
        )
    not_before = get(args.props, "properties", "attributes", "notBefore")
    if is_number(not_before) and not_before > now:
        report(
            f"key {args.name}: properties.attributes.notBefore is {_when(not_before)}, in the "
            "future. Key Vault refuses the key's operations until then, so Adobe's BYOK job "
            "would fail: remove notBefore or set a date in the past.",
            None,
        )


def _when(epoch_seconds: Any) -> str:
    """Epoch seconds as an ISO 8601 UTC time, with the number itself (what the program wrote)."""
    try:
        moment = datetime.fromtimestamp(float(epoch_seconds), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return show(epoch_seconds)
    return f"{show(epoch_seconds)} ({moment:%Y-%m-%dT%H:%M:%SZ})"


KEY_POLICIES: list[ResourceValidationPolicy] = [
    ResourceValidationPolicy(
        name="adobe-key-type",
        description=f"Keys for Adobe are {' or '.join(facts.KEY_TYPES)}.",
        validate=_adobe_key_type,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="adobe-key-size",
        description=f"Keys for Adobe have at least {facts.MIN_KEY_SIZE} bits.",
        validate=_adobe_key_size,
        severity=Severity.HIGH,
    ),
    ResourceValidationPolicy(
        name="adobe-key-operations",
        description="Keys for Adobe allow exactly wrapKey and unwrapKey.",
        validate=_adobe_key_operations,
        severity=Severity.MEDIUM,
    ),
    ResourceValidationPolicy(
        name="adobe-key-enabled",
        description="Keys for Adobe are enabled.",
        validate=_adobe_key_enabled,
        severity=Severity.CRITICAL,
    ),
    ResourceValidationPolicy(
        name="adobe-key-validity",
        description="Keys for Adobe are usable now: not expired, and past their notBefore date.",
        validate=_adobe_key_validity,
        severity=Severity.CRITICAL,
    ),
]
