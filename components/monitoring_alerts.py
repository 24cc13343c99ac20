"""What each key-access alert is called, how severe it is, and what its description tells the
person it wakes: what happened and what to do, with the runbook section to open.

The sections are in docs/runbooks.md (``RUNBOOK``); ``tests/test_key_access_monitoring.py``
checks that every anchor named here is a heading there.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where the runbooks are, relative to the repository's root.
RUNBOOK = "docs/runbooks.md"


@dataclass(frozen=True)
class AlertText:
    """An alert's name, severity and description."""

    what: str
    """What happened, as the alert's title says it."""
    severity: int | None
    """Azure Monitor severity, 0 (critical) to 4 (verbose); ``None`` for activity-log alerts,
    which have none."""
    do: str
    """What to do, first steps."""
    anchor: str
    """The runbook section's anchor in :data:`RUNBOOK`."""

    def title(self, product: str) -> str:
        """``Adobe CMK (<product>): <what>``."""
        return f"Adobe CMK ({product}): {self.what}"

    @property
    def description(self) -> str:
        """What happened, what to do, and the runbook section."""
        return f"{self.what}. {self.do} Runbook: {RUNBOOK}#{self.anchor}"


#: The alerts, by the name part of their resources (``<name>-<label>-<alert>``).
ALERTS: dict[str, AlertText] = {
    "adobe-refused": AlertText(
        what="Adobe's application was refused a key operation on the customer-managed key",
        severity=0,
        do=(
            "Adobe is losing, or has lost, access to the organisation's key; it will report "
            "'Key access failure' and may treat the key as withdrawn. Run the alert's query, read "
            "HttpStatus and ResultDescription, and restore access now: the key enabled and not "
            "expired, Adobe's role assignment on the vault, the firewall allowing Adobe's address."
            " (Throttling, 429, is not counted here: it has its own alert.)"
        ),
        anchor="alert-adobe-refused-a-key-operation",
    ),
    "adobe-throttled": AlertText(
        what="Key Vault throttled Adobe's key operations on the customer-managed key",
        severity=2,
        do=(
            "The vault answered Adobe 429 (too many requests): Adobe's calls wait and are "
            "retried, and if it lasts Adobe will report 'Key access failure'; access itself is "
            "intact. Run the alert's query: Key Vault limits each vault, and the subscription's "
            "vaults in a region together, so move other busy callers to vaults of their own; if "
            "Adobe alone is that busy, ask Adobe."
        ),
        anchor="alert-adobe-was-throttled",
    ),
    "key-changed": AlertText(
        what="The customer-managed key was disabled, deleted or changed",
        severity=1,
        do=(
            "A disabled, deleted or purged key cuts Adobe off, and Adobe may then purge the "
            "organisation's data; a recovered or restored key may not be the one Adobe had. Run "
            "the alert's query to see who did what; if it was not a planned change, re-enable or "
            "recover the key at once."
        ),
        anchor="alert-the-key-was-disabled-deleted-or-changed",
    ),
    "key-expiry": AlertText(
        what="The customer-managed key's current version is near expiry or has expired",
        severity=1,
        do=(
            "An expired key is refused to Adobe, which then reports 'Key access failure' and may "
            "treat the key as withdrawn; rotating needs nothing from Adobe. Run the alert's query "
            "(KeyName, OperationName): near expiry, check that the key's rotation policy makes a "
            "new version before then, or rotate it now; expired, rotate it at once."
        ),
        anchor="alert-the-key-is-near-expiry-or-expired",
    ),
    "vault-changed": AlertText(
        what="The key's vault was changed (its network rules among its properties) or deleted",
        severity=2,
        do=(
            "A firewall that no longer allows Adobe's address, or a deleted vault, cuts Adobe off. "
            "Run the alert's query to see who changed it, and check the vault's network rules "
            "with a `pulumi preview` (a diff is a change made outside the stack)."
        ),
        anchor="alert-the-vault-was-changed",
    ),
    "vault-deleted": AlertText(
        what="The key's vault was deleted",
        severity=None,
        do=(
            "Adobe can no longer reach the key, and deleting the vault also deleted its role "
            "assignments. Recover the vault (soft delete keeps it 90 days) and run `pulumi up` "
            "to grant Adobe's role again."
        ),
        anchor="alert-the-vault-was-deleted",
    ),
    "role-assignment-deleted": AlertText(
        what="Adobe's role assignment on the key's vault was deleted",
        severity=None,
        do=(
            "Adobe can no longer unwrap with the key. Run `pulumi up` to assign the role again "
            "(the stack still declares it), then watch Adobe's key operations succeed."
        ),
        anchor="alert-adobes-role-assignment-was-deleted",
    ),
    "hsm-role-assignment-deleted": AlertText(
        what="Adobe's local role assignment on the key in the Managed HSM was deleted",
        severity=1,
        do=(
            "Adobe can no longer unwrap with the key. Run the alert's query to see who deleted "
            "it, then `pulumi refresh` and `pulumi up` to assign the role again (the stack still "
            "declares it), and watch Adobe's key operations succeed."
        ),
        anchor="alert-adobes-managed-hsm-role-assignment-was-deleted",
    ),
}
