"""Adobe's BYOK (customer-managed key) configuration as a Pulumi dynamic resource.

Lifecycle, and what each step does at Adobe:

- ``check`` / ``diff``: offline. A key identifier that differs only in its version is *no change*
  (Adobe keeps the vault and key name; rotation must not touch Adobe). Another vault or key name
  is an update that sends the configuration again. Another org, Platform URL or name replaces.
- ``create``: safe to run again after a crash, a timeout or Ctrl-C. It reads the configuration by
  name first: completed with the same vault and key → adopted, no POST; still running → waits
  again, no POST; absent, ``FAILED`` or another key → POST, then waits. The wait is bounded by the
  ``waitTimeoutMinutes`` input (custom timeouts never reach a dynamic provider).
- ``read``: one GET; an empty id when Adobe no longer has it.
- ``delete``: no call. Adobe has no delete and CMK cannot be switched off: the configuration stays.

The resource's id is the configuration name, which is how Adobe reads it back (case-sensitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from providers.adobe_provider import (
    AdobeProvider,
    AdobeResource,
    check_platform_inputs,
    inputs_of,
    is_unknown,
    log,
)
from providers.errors import JobFailedError, WaitTimeoutError
from providers.key_identifier import KeyIdentifier, parse_key_identifier
from providers.platform_api import (
    CONFIG_NAME,
    FAILURE_STATUS,
    SUCCESS_STATUS,
    ByokConfigDetails,
    PlatformClient,
)

#: Python attribute → property name in the state and on the wire.
PROPERTIES = {
    "org_id": "orgId",
    "platform_url": "platformUrl",
    "config_name": "configName",
    "key_identifier": "keyIdentifier",
    "api_generation": "apiGeneration",
    "wait_timeout_minutes": "waitTimeoutMinutes",
    "status": "status",
    "config_id": "configId",
    "key_vault_url": "keyVaultUrl",
    "key_name": "keyName",
    "key_version": "keyVersion",
}
INPUTS = (
    "orgId",
    "platformUrl",
    "configName",
    "keyIdentifier",
    "apiGeneration",
    "waitTimeoutMinutes",
)
#: Another org, Platform or name is another configuration.
REPLACE_ON = ("orgId", "platformUrl", "configName")
#: Inputs that change nothing at Adobe: how to call it and how long to wait.
LOCAL_ONLY = ("apiGeneration", "waitTimeoutMinutes")
#: Longest wait accepted (a day); Adobe documents minutes to hours.
MAX_WAIT_MINUTES = 24 * 60

#: What usually makes Adobe's job fail, appended to a FAILED error.
FAILURE_CAUSES = (
    "usual causes: the role assignment for Adobe's app is missing or not yet propagated (Entra "
    "and RBAC can take minutes), the key is disabled or expired, or the vault firewall blocks "
    "Adobe (allow 20.88.123.53 and trusted Microsoft services)"
)


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


class ByokConfig(AdobeResource, module="adobe", name="ByokConfig"):
    """Adobe's BYOK configuration for an organisation (type ``…dynamic/adobe:ByokConfig``)."""

    PROPERTIES = PROPERTIES

    org_id: pulumi.Output[str]
    platform_url: pulumi.Output[str]
    config_name: pulumi.Output[str]
    key_identifier: pulumi.Output[str]
    api_generation: pulumi.Output[str]
    wait_timeout_minutes: pulumi.Output[float]
    status: pulumi.Output[str]
    config_id: pulumi.Output[str]
    key_vault_url: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_version: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: ByokConfigArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(ByokConfigProvider(), resource_name, args, opts)


class ByokConfigProvider(AdobeProvider):
    """Sends the key to Adobe and waits for Adobe's job; never deletes anything."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates inputs offline; unknown values pass."""
        failures = check_platform_inputs(news)
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
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Decides offline what a change means at Adobe (see :func:`decide_diff`)."""
        changes, replaces = decide_diff(olds, news)
        return DiffResult(
            changes=bool(changes),
            replaces=replaces,
            stables=[name for name in REPLACE_ON if name not in replaces],
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopts, resumes or sends the configuration, then waits for ``COMPLETED``."""
        details = self._converge(props)
        return CreateResult(props["configName"], _outputs(details, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET by name; an empty id when Adobe no longer has the configuration."""
        name = props.get("configName") or id_
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
        client = self.client(props)
        name: str = props["configName"]
        key = parse_key_identifier(props["keyIdentifier"])
        existing = client.get_byok_config(name)
        action = decide_create(existing, key)
        if action == "adopt":
            assert existing is not None
            log.info("BYOK configuration %s is already COMPLETED for this key: adopted", name)
            return existing
        if action == "post":
            if existing is not None:
                log.info(
                    "BYOK configuration %s is %s for %s/keys/%s: sending it again",
                    name,
                    existing.status,
                    existing.vault_url,
                    existing.key_name,
                )
            client.create_byok_config(
                name,
                key,
                props["apiGeneration"],
                previous=existing,
            )
        else:
            log.info("BYOK configuration %s is still running at Adobe: waiting again", name)
        return self._wait(client, name, float(props["waitTimeoutMinutes"]))

    def _wait(self, client: PlatformClient, name: str, timeout_minutes: float) -> ByokConfigDetails:
        try:
            return client.wait_for_byok_config(name, timeout_minutes * 60.0)
        except JobFailedError as exc:
            raise RuntimeError(f"{exc}; {FAILURE_CAUSES}") from None
        except WaitTimeoutError as exc:
            minutes = f"{timeout_minutes:g} minute{'' if timeout_minutes == 1 else 's'}"
            raise RuntimeError(
                f"BYOK configuration {name!r} is still {exc.last_status or 'not visible'} at Adobe "
                f"after {minutes} (adobe-cmk:waitTimeoutMinutes); the job goes "
                "on at Adobe, and running `pulumi up` again resumes waiting without a second POST"
            ) from None


def decide_create(existing: ByokConfigDetails | None, key: KeyIdentifier) -> str:
    """``adopt`` (completed, same key), ``wait`` (running, same key) or ``post``."""
    if existing is None or existing.status == FAILURE_STATUS or not existing.refers_to(key):
        return "post"
    return "adopt" if existing.status == SUCCESS_STATUS else "wait"


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
    elif status not in (None, FAILURE_STATUS, SUCCESS_STATUS) and not changes:
        # A refresh found the job running again: `up` waits for it (no POST), and a drift
        # check sees that Adobe is not settled on the key.
        changes.append("status")
    return changes, [name for name in changes if name in REPLACE_ON]


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
        if details.refers_to(parse_key_identifier(stored)):
            return stored
    except ValueError:
        pass
    live = f"{details.vault_url}/keys/{details.key_name}"
    return f"{live}/{details.key_version}" if details.key_version else live


def _outputs(details: ByokConfigDetails, props: dict[str, Any]) -> dict[str, Any]:
    """The one place a configuration becomes outputs (create, read and update agree)."""
    return {
        **inputs_of(props, INPUTS),
        "status": details.status,
        "configId": details.config_id,
        "keyVaultUrl": details.vault_url,
        "keyName": details.key_name,
        "keyVersion": details.key_version,
    }
