"""Adobe's answers, parsed leniently, and the bodies the client sends.

Adobe's documentation shows answers whose echoed fields are not what was sent: ``name`` as an
org-derived string, ``configData.keyName`` as the configuration's name, a version token that is
not hex. So an answer is *evidence*: the configuration is known by the name that was asked for,
and the key Adobe holds comes only from a full key identifier in the answer
(``keyVaultKeyIdentifier``, or the beta generation's ``keyVaultUri``), read with any version
token. When no identifier is there, the key is unknown (``key is None``), never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from providers.key_identifier import KeyIdentifier, read_key_identifier
from providers.platform.errors import one_line

CONFIG_TYPE = "BYOK_CONFIG"
PROVIDER_TYPE = "AZURE_KEYVAULT"
#: Where Adobe may put a FAILED job's reason (none is documented), in order of preference.
REASON_FIELDS = ("errorMessage", "message", "reason", "statusMessage", "error")
#: A status is an upper-case word; anything else in the field (a line break that would forge a
#: progress line, markup, pages of text) is dropped before it is shown or compared.
_NOT_STATUS = re.compile(r"[^A-Z_]")


class Unreadable(ValueError):
    """An answer that is no plausible shape of the one asked for; ``str()`` says how, briefly."""


@dataclass(frozen=True)
class AppRegistrationDetails:
    """Adobe's CMK multi-tenant application for the organisation."""

    application_id: str
    application_name: str
    application_uri: str
    consent_url: str


@dataclass(frozen=True)
class ByokConfigDetails:
    """A BYOK configuration as an answer reports it, in either API generation's shape.

    ``name`` is the name that was asked for. ``key`` is the key the answer names, ``None`` when
    it does not say unambiguously. ``config_id`` is the configuration's id ("" when the answer
    gives none: a POST answer's ``id`` is its job's, not the configuration's).
    """

    name: str
    status: str
    config_id: str
    key: KeyIdentifier | None
    vault_url: str = ""
    reason: str = ""
    request_id: str = ""

    def holds(self, key: KeyIdentifier) -> bool | None:
        """Whether this configuration names ``key``'s vault and key name (any version); ``None``
        when the answer does not say which key it holds."""
        return None if self.key is None else self.key.same_key(key)


def decode_json(content: bytes) -> Any:
    """The JSON in ``content`` (``None`` when empty); :class:`Unreadable` when it is not JSON,
    or nested too deep to read."""
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise Unreadable("not valid JSON") from None


def byok_config_body(name: str, org_id: str, key: KeyIdentifier, generation: str) -> dict[str, Any]:
    """The ``POST customer/config`` body: ``keyVaultKeyIdentifier`` (current) or the original
    guide's ``keyVaultUri`` + ``keyName`` (beta). Both carry the versioned identifier."""
    config_data: dict[str, str] = {"providerType": PROVIDER_TYPE}
    if generation == "beta":
        config_data.update(keyVaultUri=key.versioned, keyName=key.name)
    else:
        config_data["keyVaultKeyIdentifier"] = key.versioned
    return {"name": name, "type": CONFIG_TYPE, "imsOrgId": org_id, "configData": config_data}


def carries_configuration(body: Any) -> bool:
    """Whether a 2xx answer to a configuration GET carries one: an empty body and ``{}`` do not
    (Adobe may answer a name it has never seen that way); :class:`Unreadable` for any shape that
    is neither."""
    if body is None or body == {}:
        return False
    if not isinstance(body, dict):
        raise Unreadable(f"a JSON {type(body).__name__}, not an object")
    if not any(field in body for field in ("status", "configData", "config", "jobData")):
        raise Unreadable("an object with no status and no configData")
    return True


def parse_byok_config(name: str, body: Any, request_id: str = "") -> ByokConfigDetails:
    """Any of Adobe's configuration answers → :class:`ByokConfigDetails`.

    Shapes: the status object (``GET …/config/<name>``), the current POST answer
    (``{"id", "status", "config": {…}}``) and the beta job object (``jobData.config``).
    """
    if not isinstance(body, dict):
        raise Unreadable(f"a JSON {type(body).__name__}, not an object")
    config: dict[str, Any] = body
    config_id = str(body.get("id") or "")
    if isinstance(body.get("config"), dict):
        config, config_id = body["config"], ""
    elif isinstance(body.get("jobData"), dict) and isinstance(body["jobData"].get("config"), dict):
        config, config_id = body["jobData"]["config"], ""
        request_id = request_id or str(body["jobData"].get("x-request-id") or "")
    status = _NOT_STATUS.sub("", str(config.get("status") or body.get("status") or "").upper())
    data = config.get("configData")
    data = data if isinstance(data, dict) else {}
    key = _key_of(data)
    vault_url = key.vault_url if key else str(data.get("keyVaultUri") or "")
    return ByokConfigDetails(
        name=name,
        status=status[:40],
        config_id=one_line(str(config.get("id") or config_id), 80),
        key=key,
        vault_url=one_line(vault_url.rstrip("/").lower(), 200),
        reason=failure_reason(body),
        request_id=request_id,
    )


def parse_app_registration(body: Any) -> AppRegistrationDetails:
    """``GET byok/app-registration`` → :class:`AppRegistrationDetails`; :class:`Unreadable`
    without an ``applicationId``."""
    if not isinstance(body, dict) or not body.get("applicationId"):
        raise Unreadable("no applicationId")
    return AppRegistrationDetails(
        application_id=one_line(str(body["applicationId"]), 80),
        application_name=one_line(str(body.get("name") or body.get("id") or ""), 200),
        application_uri=one_line(str(body.get("applicationUri") or ""), 500),
        consent_url=one_line(str(body.get("applicationRedirectUrl") or ""), 1000),
    )


def failure_reason(body: dict[str, Any]) -> str:
    """A FAILED job's reason, wherever the answer puts it ("" when it gives none)."""
    for container in (body, body.get("config"), body.get("jobData")):
        if isinstance(container, dict):
            for field in REASON_FIELDS:
                if container.get(field):
                    return one_line(str(container[field]))
    return ""


def _key_of(data: dict[str, Any]) -> KeyIdentifier | None:
    """The key a ``configData`` names by a full identifier; ``keyName`` alone is no evidence."""
    for field in ("keyVaultKeyIdentifier", "keyVaultUri"):
        key = read_key_identifier(data.get(field))
        if key is not None:
            return key
    return None
