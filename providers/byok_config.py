"""Adobe's BYOK (customer-managed key) configuration as a Pulumi dynamic resource.

Lifecycle, and what each step does at Adobe:

- ``check`` / ``diff``: offline. A key identifier that differs only in its version is *no change*
  (Adobe keeps the vault and key name; rotation must not touch Adobe). Another vault or key name
  is an update that sends the configuration again. Another org, Platform URL or name replaces.
- ``create``: safe to run again after a crash, a timeout or Ctrl-C: the BYOK operation of
  :mod:`providers.platform.byok` (look up; adopt, wait or send once; wait; resend a job that ends
  ``FAILED`` up to ``failedResends`` times). The wait is bounded by the ``waitTimeoutMinutes``
  input (custom timeouts never reach a dynamic provider).
- ``read``: one GET; an empty id when Adobe no longer has it. An answer that does not say which
  key it holds keeps the stored key (no diff).
- ``delete``: no call. Adobe has no delete and CMK cannot be switched off: the configuration stays.

The resource's id is the configuration name, which is how Adobe reads it back (case-sensitive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from cmk_facts import CONFIG_NAME, MAX_FAILED_RESENDS, MAX_WAIT_MINUTES
from providers.adobe_provider import (
    AdobeProvider,
    AdobeResource,
    input_names,
    inputs_of,
    is_unknown,
    log,
)
from providers.key_identifier import parse_key_identifier
from providers.platform import byok
from providers.platform.decisions import FAILURE_STATUS, PENDING_STATUSES
from providers.platform.models import ByokConfigDetails
from providers.user_errors import in_user_words

#: Another org, Platform or name is another configuration.
REPLACE_ON = ("orgId", "platformUrl", "configName")
#: Inputs that change nothing at Adobe: how to call it and how long to wait.
LOCAL_ONLY = ("apiGeneration", "waitTimeoutMinutes", "failedResends")


@dataclass
class ByokConfigArgs:
    """Inputs of :class:`ByokConfig`."""

    org_id: pulumi.Input[str]
    """IMS organisation id, ``…@AdobeOrg``."""
    platform_url: pulumi.Input[str]
    """Platform base URL, e.g. ``https://platform.adobe.io``."""
    config_name: pulumi.Input[str]
    """Configuration name: case-sensitive, stable; letters, digits, ``-`` and ``_``, ≤ 64."""
    key_identifier: pulumi.Input[str]
    """The key's *versioned* identifier, ``https://<vault>.vault.azure.net/keys/<name>/<version>``."""
    api_generation: pulumi.Input[str]
    """``current`` (``keyVaultKeyIdentifier`` body) or ``beta`` (``keyVaultUri`` + ``keyName``)."""
    wait_timeout_minutes: pulumi.Input[float]
    """How long ``create``/``update`` wait for Adobe's job before failing (it keeps running)."""
    failed_resends: pulumi.Input[int] = 0
    """How many times a job that ends ``FAILED`` is sent again within the wait."""


class ByokConfig(AdobeResource[ByokConfigArgs], module="adobe", name="ByokConfig"):
    """Adobe's BYOK configuration for an organisation (type ``…dynamic/adobe:ByokConfig``):
    ``ByokConfig(resource_name, ByokConfigArgs(…), opts)``."""

    org_id: pulumi.Output[str]
    platform_url: pulumi.Output[str]
    config_name: pulumi.Output[str]
    key_identifier: pulumi.Output[str]
    api_generation: pulumi.Output[str]
    wait_timeout_minutes: pulumi.Output[float]
    failed_resends: pulumi.Output[int]
    status: pulumi.Output[str]
    config_id: pulumi.Output[str]
    key_vault_url: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_version: pulumi.Output[str]


#: Python attribute → property name in the state and on the wire.
PROPERTIES = ByokConfig.PROPERTIES
INPUTS = input_names(ByokConfigArgs)


class ByokConfigProvider(AdobeProvider, serves=ByokConfig):
    """Sends the key to Adobe and waits for Adobe's job; never deletes anything."""

    def check_own(self, news: Mapping[str, Any], failures: list[CheckFailure]) -> None:
        """``configName``, ``keyIdentifier``, ``waitTimeoutMinutes`` and ``failedResends``."""
        name = news.get("configName")
        if not is_unknown(name) and not (isinstance(name, str) and CONFIG_NAME.match(name)):
            failures.append(
                CheckFailure(
                    "configName",
                    f"configName {name!r} must be 1-64 letters, digits, '-' or '_'",
                )
            )
        key = news.get("keyIdentifier")
        if not is_unknown(key):
            try:
                parse_key_identifier(str(key or ""))
            except ValueError as exc:
                failures.append(CheckFailure("keyIdentifier", f"keyIdentifier: {exc}"))
        wait = news.get("waitTimeoutMinutes")
        if not is_unknown(wait) and not (
            isinstance(wait, int | float)
            and not isinstance(wait, bool)
            and 0 < wait <= MAX_WAIT_MINUTES
        ):
            failures.append(
                CheckFailure(
                    "waitTimeoutMinutes",
                    f"waitTimeoutMinutes {wait!r} must be a number of minutes, "
                    f"above 0 and at most {MAX_WAIT_MINUTES}",
                )
            )
        resends = news.get("failedResends", 0)
        if not is_unknown(resends) and not (
            isinstance(resends, int | float)
            and not isinstance(resends, bool)
            and resends == int(resends)
            and 0 <= resends <= MAX_FAILED_RESENDS
        ):
            failures.append(
                CheckFailure(
                    "failedResends",
                    f"failedResends {resends!r} must be a whole number from 0 to "
                    f"{MAX_FAILED_RESENDS}",
                )
            )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Decides offline what a change means at Adobe (see :func:`decide_diff`)."""
        changes, replaces = decide_diff(olds, news)
        note = status_note(olds, news)
        if note:
            # A dynamic provider's diff names no property the CLI could show for a status read
            # at the last refresh: without this line a preview says "update" and not why.
            log.warning("%s", note)
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopts, resumes or sends the configuration, then waits for ``COMPLETED``."""
        details = self._converge(props)
        return CreateResult(props["configName"], _outputs(details, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET by name; an empty id when Adobe no longer has the configuration."""
        name = props.get("configName") or id_
        with in_user_words(config_name=name):
            details = self.client(props).get_byok_config(name)
        if details is None:
            return ReadResult("", {})
        outs = _outputs(details, {**props, "keyIdentifier": _live_key_identifier(details, props)})
        return ReadResult(name, outs, inputs_of(outs, INPUTS))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Sends the configuration for the new key (or again after ``FAILED``) and waits."""
        return UpdateResult(_outputs(self._converge(news), news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """No call: Adobe has no delete and CMK cannot be switched off; the configuration stays."""
        log.info(
            "BYOK configuration %s stays at Adobe: it has no delete and CMK cannot be switched "
            "off; only the Pulumi state forgets it",
            props.get("configName"),
        )

    def _converge(self, props: dict[str, Any]) -> ByokConfigDetails:
        """Brings Adobe to ``COMPLETED`` for the given key, POSTing only when needed."""
        name: str = props["configName"]
        with in_user_words(config_name=name):
            return byok.converge(
                self.client(props),
                name,
                parse_key_identifier(props["keyIdentifier"]),
                props["apiGeneration"],
                timeout_seconds=float(props["waitTimeoutMinutes"]) * 60.0,
                # A state written before this input existed has none: no resend.
                failed_resends=int(props.get("failedResends") or 0),
            )


def decide_diff(olds: dict[str, Any], news: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``(changed properties, properties that force a replacement)``.

    A new version of the same key is no change; another vault or key name is an update; a
    configuration that a refresh saw ``FAILED`` is sent again, and one it saw still running is
    waited for again (``status``); unknown values count as changed.
    """
    changes: list[str] = []
    for name in INPUTS:
        if name in LOCAL_ONLY:
            continue
        old, new = olds.get(name), news.get(name)
        if is_unknown(new):
            changes.append(name)
        elif name == "keyIdentifier":
            if not _same_key(old, new):
                changes.append(name)
        elif old != new:
            changes.append(name)
    status = olds.get("status")
    if status == FAILURE_STATUS and "keyIdentifier" not in changes:
        changes.append("keyIdentifier")
    elif status in PENDING_STATUSES and not changes:
        # A refresh found the job running again: `up` waits for it (no POST), and a drift
        # check sees that Adobe is not settled on the key.
        changes.append("status")
    return changes, [name for name in changes if name in REPLACE_ON]


def status_note(olds: dict[str, Any], news: dict[str, Any]) -> str | None:
    """What `up` will do about the status Adobe reported at the last read, in one line, when
    that status alone changes the plan (``FAILED``: sent again; still running: waited for)."""
    name, status = olds.get("configName") or news.get("configName"), olds.get("status")
    if status == FAILURE_STATUS:
        return (f"BYOK configuration {name} was {status} at Adobe when last read: "
                "`pulumi up` sends it again")
    if status in PENDING_STATUSES:
        return (f"BYOK configuration {name} was {status} at Adobe when last read: "
                "`pulumi up` waits for it to complete (no new POST)")
    return None


def _same_key(old: Any, new: Any) -> bool:
    try:
        return parse_key_identifier(old).same_key(parse_key_identifier(new))
    except (TypeError, ValueError):
        return old == new


def _live_key_identifier(details: ByokConfigDetails, props: dict[str, Any]) -> str:
    """The key identifier a refresh records: the stored one while Adobe reports the same key
    (Adobe may not report a version), else the key Adobe reports, so the drift shows."""
    stored = str(props.get("keyIdentifier") or "")
    try:
        if details.holds(parse_key_identifier(stored)) is not False:
            return stored
    except ValueError:
        pass
    assert details.key is not None  # holds() is False only for a known key
    live = details.key.versionless
    return f"{live}/{details.key.version}" if details.key.version else live


def _outputs(details: ByokConfigDetails, props: dict[str, Any]) -> dict[str, Any]:
    """The one place a configuration becomes outputs (create, read and update agree)."""
    return {
        **inputs_of(props, INPUTS),
        "status": details.status,
        "configId": details.config_id,
        "keyVaultUrl": details.vault_url,
        "keyName": details.key.name if details.key else "",
        "keyVersion": (details.key.version or "") if details.key else "",
    }
