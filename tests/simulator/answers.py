"""How Adobe's answers show a configuration, in each of the styles Adobe's docs leave open.

``AnswerStyle`` holds the choices (see docs/offline-stack.md): which ``name`` and ``keyName`` are
echoed, whether the key identifier is in the answer at all, and where a failure's reason goes.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from tests.simulator.jobs import Configuration, key_parts
from tests.simulator.wire import CONFIG_TYPE, PROVIDER_TYPE

Echo = Literal["asked", "adobe"]
ECHOES: tuple[str, ...] = ("asked", "adobe")
FailureReasonField = Literal["errorMessage", "message", "reason", "none"]
FAILURE_REASON_FIELDS: tuple[str, ...] = ("errorMessage", "message", "reason", "none")


def adobe_echo_name(org_id: str) -> str:
    """The org-derived ``name`` Adobe's examples echo (``acpcf978863A…multitenantapp``)."""
    return f"acp{hashlib.sha256(org_id.encode()).hexdigest()[:8]}Aaepcmkmultitenantapp"


@dataclass(frozen=True)
class AnswerStyle:
    echo: Echo
    key_identifier_in_answers: bool
    failure_reason_field: FailureReasonField
    org_id: str

    @property
    def plain(self) -> bool:
        """Today's style: every field as asked."""
        return self.echo == "asked" and self.key_identifier_in_answers

    def name(self, config: Configuration) -> str:
        return adobe_echo_name(self.org_id) if self.echo == "adobe" else config.name

    def config_data(self, config: Configuration) -> dict[str, Any]:
        """``configData`` as the answers show it."""
        parts = key_parts(config.key_identifier)
        key_name = config.name if self.echo == "adobe" else config.key_name
        if not self.key_identifier_in_answers:
            return {"keyVaultUri": parts.base, "keyName": key_name, "providerType": PROVIDER_TYPE}
        if config.generation == "beta":
            return {
                "keyVaultUri": config.key_identifier,
                "keyName": key_name,
                "providerType": PROVIDER_TYPE,
            }
        return {
            "keyVaultUri": parts.base,
            "keyVaultKeyIdentifier": config.key_identifier,
            "keyVersion": parts.version,
            "keyName": key_name,
            "providerType": PROVIDER_TYPE,
        }

    def view(self, config: Configuration, status: str, reason: str | None) -> dict[str, Any]:
        """The GET answer."""
        view: dict[str, Any] = {
            "name": self.name(config),
            "type": CONFIG_TYPE,
            "status": status,
            "configData": self.config_data(config),
            "imsOrgId": config.ims_org_id,
            "subscriptionId": "undefined",
            "id": config.id,
            "rowType": "BYOK_KEY",
        }
        if reason is not None and self.failure_reason_field != "none":
            view[self.failure_reason_field] = reason
        return view

    def post_answer(
        self,
        config: Configuration,
        sent_org: Any,
        sent_config_data: dict[str, Any],
        request_id: str,
    ) -> dict[str, Any]:
        """The POST answer: the beta job object, or the current ``{"id", "status", "config"}``."""
        echoed = {
            "name": self.name(config),
            "type": CONFIG_TYPE,
            "imsOrgId": sent_org,
            "status": "NEW",
        }
        if config.generation == "beta":
            # Today's beta answer echoes configData exactly as sent.
            data = dict(sent_config_data) if self.plain else self.config_data(config)
            job_config = {**echoed, "configData": data}
            return job_object("BYOK_CONFIG", request_id, config.ims_org_id, {"config": job_config})
        # The job id differs from the configuration's id (as in Adobe's examples): never rely on
        # it.
        return {
            "id": str(uuid.uuid4()),
            "status": "CREATED",
            "config": {**echoed, "configData": self.config_data(config)},
        }


def job_object(
    workflow_type: str, request_id: str, org_id: str, job_data: dict[str, Any]
) -> dict[str, Any]:
    """The beta generation's ``CustomerPolicyJob`` answer."""
    return {
        "id": str(uuid.uuid4()),
        "jobType": "CustomerPolicyJob",
        "workflowType": workflow_type,
        "status": "CREATED",
        "currentState": "CALL_PROVISIONING_ENDPOINT",
        "recoverableState": True,
        "doRetryCurrentState": True,
        "retryCount": 3,
        "retryDelayInSeconds": 5,
        "jobData": {"x-request-id": request_id, "userId": "", **job_data},
        "imsOrgId": org_id,
        "executionComplete": False,
        "recovered": False,
        "timeOutForCurrentStateInMins": 5,
        "monitorJob": True,
        "firstJobStateTimestamp": 0,
        "startTime": int(time.time() * 1000),
        "endTime": 0,
    }
