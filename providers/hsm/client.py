"""The Managed HSM data-plane client: one method per call, API version 7.5.

Transport is the Platform client's (:mod:`providers.platform.http`): a session without redirects,
urllib3 retries of 429/5xx honouring ``Retry-After``, every call under one deadline
(:data:`CALL_SECONDS`). GET, PUT and DELETE are idempotent and retried by the transport; the
key-creating POST is not (a second POST makes a second version), so :meth:`HsmClient.create_key`
looks the key up before it sends again.

The HSM's documented transient answers are waited out here, under the same deadline, with the
transport's backoff schedule (:func:`~providers.platform.http.backoff_seconds`):

- 400 ``BadParameter`` "Unkown role definition" (sic) on a role-assignment PUT;
- 404 right after a write (a key or assignment not visible yet), and 200 right after a DELETE;
- 401: the token is renewed once (a token source that cannot renew fails then).

The bearer token is sent only to the HSM's own address (https, or plain http to loopback for the
stand-in) and never appears in an error or a log line (:mod:`providers.platform.redaction`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from cmk_facts import KEY_OPERATIONS
from providers.hsm.errors import (
    HsmAuthenticationError,
    HsmBadRequestError,
    HsmConflictError,
    HsmError,
    HsmTransientError,
    HsmUnexpectedAnswerError,
    error_for,
)
from providers.hsm.models import (
    API_VERSION,
    HsmKey,
    RoleAssignment,
    ShapeError,
    assignment_from,
    key_from,
    parse_json,
    role_definition_id,
    scope_path,
)
from providers.hsm.tokens import HsmTokens
from providers.platform.endpoints import check_endpoint
from providers.platform.http import (
    Answer,
    NoAnswer,
    backoff_seconds,
    build_retry,
    deadline,
    remaining,
    send,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The deadline of one operation (a create with its look-ups and waits, a delete with its
#: confirmations), retries included.
CALL_SECONDS = 120.0
#: Consecutive 404s that confirm a deleted assignment is gone (azurerm waits for five, 5 s apart;
#: three on the backoff schedule is what the stand-in's tests pin).
GONE_CONFIRMATIONS = 3
#: The role-definition answer the HSM gives while a definition replicates (its own spelling).
UNKNOWN_ROLE = ("unkown role definition", "unknown role definition")
#: PUTs sent while the HSM says the role is unknown (about 30 s on the backoff schedule): longer,
#: and a role id that is really wrong would hold ``up`` for the whole deadline.
UNKNOWN_ROLE_ATTEMPTS = 6
_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"


class HsmClient:
    """Calls to one HSM, ``base_url`` ``https://<hsm>.managedhsm.azure.net``."""

    def __init__(
        self,
        base_url: str,
        tokens: HsmTokens,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_endpoint(base_url)
        self.tokens = tokens
        self._sleep = sleep
        session = requests.Session()
        session.trust_env = False
        adapter = HTTPAdapter(
            max_retries=build_retry(allowed_methods=frozenset({"GET", "PUT", "DELETE"})),
            pool_maxsize=8,
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._session = session

    # --- keys -------------------------------------------------------------------------------

    def get_key(self, name: str) -> HsmKey | None:
        """``GET /keys/<name>`` → 200 the latest version; ``None`` on 404."""
        path = f"/keys/{name}"
        answer = self._call("GET", path, expect=(200, 404))
        return None if answer.status == 404 else self._key(answer, name, "GET", path)

    def create_key(self, name: str, key_size: int, tags: dict[str, str]) -> HsmKey:
        """``POST /keys/<name>/create`` → 200, an RSA-HSM key for wrapKey and unwrapKey.

        Sent once per attempt; after an attempt that got no answer (or 429/5xx) the key is looked
        up before sending again, so a lost answer never makes a second version. 409 (a
        soft-deleted key of that name) is a :class:`HsmConflictError` saying what to do.
        """
        body = {
            "kty": "RSA-HSM",
            "key_size": key_size,
            "key_ops": list(KEY_OPERATIONS),
            "attributes": {"enabled": True},
            "tags": dict(tags),
        }
        path = f"/keys/{name}/create"
        with deadline(CALL_SECONDS):
            attempt = 0
            while True:
                attempt += 1
                try:
                    answer = self._request("POST", path, json=body)
                except NoAnswer as exc:
                    answer = None
                    cause = str(exc)
                if answer is not None and answer.status == 200:
                    return self._key(answer, name, "POST", path)
                if answer is not None and answer.status == 409:
                    raise HsmConflictError(
                        f"key {name} exists soft-deleted in the HSM: recover it (az keyvault key "
                        "recover --hsm-name <hsm> --name <key>) or, if it must go, purge it, then "
                        "run again",
                        method="POST",
                        path=path,
                        status=409,
                    )
                if answer is not None and answer.status < 429 and answer.status != 408:
                    raise error_for("POST", path, answer)
                cause = f"HTTP {answer.status}" if answer is not None else cause
                found = self.get_key(name)
                if found is not None:
                    return found
                if not self._pause(attempt, "POST", path, cause):
                    raise HsmTransientError(
                        f"no answer creating key {name} before the deadline ({cause})",
                        method="POST",
                        path=path,
                    )

    def wait_for_key(self, name: str) -> HsmKey:
        """The key once a GET sees it (it may 404 for a while right after its creation)."""
        return self._wait(lambda: self.get_key(name), f"key {name}", f"/keys/{name}")

    # --- local role assignments -------------------------------------------------------------

    def get_role_assignment(self, scope: str, name: str) -> RoleAssignment | None:
        """``GET /<scope>/providers/Microsoft.Authorization/roleAssignments/<name>`` → 200;
        ``None`` on 404. Listing at ``/`` does not show key-scoped assignments: read by name."""
        path = self._assignment_path(scope, name)
        answer = self._call("GET", path, expect=(200, 404))
        return None if answer.status == 404 else self._read(answer, assignment_from, "GET", path)

    def put_role_assignment(
        self, scope: str, name: str, role: str, principal_id: str
    ) -> RoleAssignment:
        """``PUT …/roleAssignments/<name>`` → 201 (200 for an identical one). A 400 "Unkown role
        definition" is waited out; a 409 (the name holds another body) is an error."""
        path = self._assignment_path(scope, name)
        body = {
            "properties": {
                "roleDefinitionId": role_definition_id(role),
                "principalId": principal_id,
            }
        }
        with deadline(CALL_SECONDS):
            attempt = 0
            while True:
                attempt += 1
                answer = self._call("PUT", path, expect=(200, 201, 400), json=body)
                if answer.status in (200, 201):
                    return self._read(answer, assignment_from, "PUT", path)
                error = error_for("PUT", path, answer)
                if not any(text in error.summary.lower() for text in UNKNOWN_ROLE):
                    raise error
                if attempt >= UNKNOWN_ROLE_ATTEMPTS or not self._pause(
                    attempt, "PUT", path, "role definition not known yet"
                ):
                    raise error

    def wait_for_role_assignment(self, scope: str, name: str) -> RoleAssignment:
        """The assignment once a GET sees it (it may 404 for a while after the PUT)."""
        path = self._assignment_path(scope, name)
        return self._wait(lambda: self.get_role_assignment(scope, name), f"assignment {name}", path)

    def delete_role_assignment(self, scope: str, name: str) -> None:
        """``DELETE …/roleAssignments/<name>`` → 200 (404: already gone), then GETs until
        :data:`GONE_CONFIRMATIONS` 404s in a row (the HSM shows a deleted one for a while)."""
        path = self._assignment_path(scope, name)
        with deadline(CALL_SECONDS):
            self._call("DELETE", path, expect=(200, 204, 404))
            gone, attempt = 0, 0
            while gone < GONE_CONFIRMATIONS:
                attempt += 1
                gone = gone + 1 if self.get_role_assignment(scope, name) is None else 0
                if gone < GONE_CONFIRMATIONS and not self._pause(
                    attempt, "GET", path, "confirming the deletion"
                ):
                    raise HsmTransientError(
                        f"assignment {name} still answers after its deletion", path=path
                    )

    # --- transport --------------------------------------------------------------------------

    def _assignment_path(self, scope: str, name: str) -> str:
        return f"{scope_path(scope)}/{_ASSIGNMENTS}/{name}"

    def _call(self, method: str, path: str, *, expect: tuple[int, ...], **kwargs: Any) -> Answer:
        """One request under the call deadline; an unexpected status is raised as an error."""
        with deadline(CALL_SECONDS):
            try:
                answer = self._request(method, path, **kwargs)
            except NoAnswer as exc:
                raise HsmTransientError(f"no answer ({exc})", method=method, path=path) from None
        if answer.status not in expect:
            raise error_for(method, path, answer)
        return answer

    def _request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """Send with the bearer token; on 401 renew it once and send again."""
        url = f"{self.base_url}{path}?api-version={API_VERSION}"
        for renewed in (False, True):
            try:
                token = self.tokens.token()
            except (PermissionError, ValueError) as exc:
                raise HsmAuthenticationError(str(exc), method=method, path=path) from None
            answer = send(
                self._session, method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            if answer.status != 401:
                return answer
            if not renewed:
                log.warning("%s %s: HTTP 401, renewing the token once", method, path)
                self.tokens.invalidate()
        error = error_for(method, path, answer)
        raise HsmAuthenticationError(
            f"the HSM refused the token twice ({error.summary}): is the deploying identity in "
            "this HSM's tenant?",
            method=method,
            path=path,
            status=401,
            code=error.code,
        )

    def _read(
        self, answer: Answer, parse: Callable[[dict[str, Any]], T], method: str, path: str
    ) -> T:
        try:
            return parse(parse_json(answer.content))
        except ShapeError as exc:
            raise HsmUnexpectedAnswerError(
                str(exc), method=method, path=path, status=answer.status
            ) from None

    def _key(self, answer: Answer, name: str, method: str, path: str) -> HsmKey:
        """The key in an answer, its ``kid`` proven to name key ``name`` in this HSM."""
        return self._read(answer, lambda body: key_from(body, self.base_url, name), method, path)

    def _wait(self, look: Callable[[], T | None], what: str, path: str) -> T:
        with deadline(CALL_SECONDS):
            attempt = 0
            while True:
                attempt += 1
                found = look()
                if found is not None:
                    return found
                if not self._pause(attempt, "GET", path, "HTTP 404 right after the write"):
                    raise HsmTransientError(f"{what} not visible before the deadline", path=path)

    def _pause(self, attempt: int, method: str, path: str, cause: str) -> bool:
        """Sleep before the next attempt; False (no sleep) when that would pass the deadline."""
        wait = backoff_seconds(attempt)
        if wait >= remaining():
            return False
        log.warning(
            "retrying %s %s after %s (attempt %d, sleeping %.1fs)",
            method,
            path,
            cause,
            attempt + 1,
            wait,
        )
        self._sleep(wait)
        return True


__all__ = ["HsmBadRequestError", "HsmClient", "HsmError"]
