"""What each Platform route answers once a request has passed the gateway (and what it changes)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cmk_facts import CONFIG_NAME
from tests.simulator.answers import job_object
from tests.simulator.gateway import gateway_check, token_answer
from tests.simulator.jobs import (
    ANY_VERSION_KEY_IDENTIFIER_RE,
    KEY_IDENTIFIER_RE,
    key_parts,
    new_configuration,
)
from tests.simulator.wire import (
    APPLICATION_ID,
    CONFIG_TYPE,
    PROVIDER_TYPE,
    ROUTE_METHODS,
    Request,
    Response,
    media_type,
    problem,
)

if TYPE_CHECKING:
    from tests.simulator.simulator import PlatformSimulator

# App registration answers; the current one is Adobe's documented example, the beta one the older
# API's.
_APP_NAMES: dict[str, str] = {
    "current": "acpebae9422Caepcmkmultitenantapp",
    "beta": "acpebae9422Kacpprovisioningbyok",
}
_APP_IDS: dict[str, str] = {"current": "byok", "beta": "acpebae9422Kacpprovisioningbyok"}


def process(sim: PlatformSimulator, request: Request, config_name: str | None) -> Response:
    """The answer to ``request``, applying its state change (if any)."""
    route, method = request.route, request.method
    if route == "unknown":
        return problem(404, f"No route for {method} {request.path}")
    allowed = ROUTE_METHODS[route]
    if method not in allowed:
        response = problem(405, f"{method} is not supported on {request.path}")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    if route == "token":
        return token_answer(
            request, sim.client_id, sim.client_secret, sim.issue_token, sim.token_lifetime
        )
    denied = gateway_check(request.headers, sim._tokens, sim.org_id, sim.expected_api_key)
    if denied is not None:
        return denied
    if request.raw_body and media_type(request.headers) != "application/json":
        return problem(415, "Content-Type must be application/json on requests with a body")
    if route == "app-registration":
        return _app_registration(sim, request)
    if route == "config":
        return _create_config(sim, request)
    assert config_name is not None
    return _config_status(sim, request, config_name)


def _app_registration(sim: PlatformSimulator, request: Request) -> Response:
    generation = sim.app_generation
    if request.method == "POST":
        if request.raw_body.strip():
            return problem(400, "This endpoint does not accept a payload for POST requests")
        sim._start_app_registration()
        return Response(
            200, job_object("BYOK_APP_REGISTRATION", request.request_id, sim.org_id, {})
        )
    if generation == "beta" and not sim._app_registration_done():
        return problem(
            404,
            f"No app registration found for {sim.org_id}: POST to this endpoint first to start it",
        )
    name = _APP_NAMES[generation]
    uri = f"https://adobe.com/{name}"
    return Response(
        200,
        {
            "id": _APP_IDS[generation],
            "name": name,
            "applicationUri": uri,
            "applicationId": APPLICATION_ID,
            "applicationRedirectUrl": (
                "https://login.microsoftonline.com/common/oauth2/authorize"
                f"?response_type=code&client_id={APPLICATION_ID}"
                f"&redirect_uri={uri}&scope=user.read"
            ),
        },
    )


def _create_config(sim: PlatformSimulator, request: Request) -> Response:
    try:
        body = json.loads(request.raw_body) if request.raw_body else None
    except (ValueError, RecursionError):
        return problem(400, "The request body is not valid JSON")
    if not isinstance(body, dict):
        return problem(400, "The request body must be a JSON object")
    name = body.get("name")
    config_data = body.get("configData")
    if body.get("type") != CONFIG_TYPE:
        return problem(400, f"type must be {CONFIG_TYPE!r}, got {body.get('type')!r}")
    if body.get("imsOrgId") != request.headers.get("x-gw-ims-org-id"):
        return problem(400, "imsOrgId must equal the x-gw-ims-org-id header")
    if not isinstance(name, str) or not CONFIG_NAME.match(name):
        return problem(400, f"name must match {CONFIG_NAME.pattern}, got {name!r}")
    if not isinstance(config_data, dict):
        return problem(400, "configData must be an object")
    if config_data.get("providerType") != PROVIDER_TYPE:
        return problem(
            400,
            f"configData.providerType must be {PROVIDER_TYPE!r}, "
            f"got {config_data.get('providerType')!r}",
        )
    generation = sim.config_generation
    key_field = "keyVaultUri" if generation == "beta" else "keyVaultKeyIdentifier"
    identifier = config_data.get(key_field)
    pattern = ANY_VERSION_KEY_IDENTIFIER_RE if sim.version_token == "any" else KEY_IDENTIFIER_RE
    if not isinstance(identifier, str) or pattern.match(identifier) is None:
        return problem(
            400,
            f"configData.{key_field} must be a versioned key identifier "
            "https://<vault>.vault.azure.net/keys/<name>/<version>, "
            f"got {identifier!r}",
        )
    key_name = config_data.get("keyName")
    if generation == "beta" and (not isinstance(key_name, str) or not key_name):
        return problem(400, "configData.keyName must be a non-empty string")
    config = new_configuration(
        name=name,
        org_id=sim.org_id,
        key_identifier=identifier,
        key_name=str(key_name) if generation == "beta" else key_parts(identifier).name,
        generation=generation,
        created=sim.clock(),
    )
    held = sim._configs.post(
        config,
        resend=sim.resend,
        stale_reads=sim.stale_reads,
        failing_jobs=sim.failing_jobs,
        durations=sim.job_durations,
    )
    if held is None:  # refused: nothing changed
        return _refusal(sim.resend, name)
    return Response(
        200,
        sim._answer_style().post_answer(
            held, body.get("imsOrgId"), dict(config_data), request.request_id
        ),
    )


def _refusal(resend: str, name: str) -> Response:
    detail = f"A configuration named {name!r} of type {CONFIG_TYPE} already exists"
    if resend == "refuse-409":
        return problem(409, detail)
    return problem(400, f"Invalid request: {detail}")


def _config_status(sim: PlatformSimulator, request: Request, name: str) -> Response:
    config_type = request.query.get("configType")
    if config_type != CONFIG_TYPE:
        return problem(
            400, f"query parameter configType must be {CONFIG_TYPE!r}, got {config_type!r}"
        )
    config = sim._configs.read(name)
    if config is None:
        return _never_seen(sim.unknown_config, name)
    status, reason = sim._configs.status_of(config, sim.job_durations)
    return Response(200, sim._answer_style().view(config, status, reason))


def _never_seen(style: str, name: str) -> Response:
    """A GET of a name Adobe holds no configuration for, in the chosen style."""
    if style == "empty-object":
        return Response(200, {})
    if style == "empty-body":
        return Response(200, None, raw=b"")
    if style == "204":
        return Response(204, None, content_type=None, raw=b"")
    return problem(404, f"No configuration named {name!r} of type {CONFIG_TYPE}")
