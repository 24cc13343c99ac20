"""Tests of the Platform API simulator itself, with plain ``requests`` through real sockets."""

import json
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.simulator import Fault, PlatformSimulator

ORG = "1234ABCD5678@AdobeOrg"
APP_PATH = "/data/infrastructure/manager/byok/app-registration"
CONFIG_PATH = "/data/infrastructure/manager/customer/config"
KEY_ID = (
    "https://adobecmkexample1.vault.azure.net/keys/adobeCMK-key/02cee357ad5d4c72b2b04881fdffd626"
)
HSM_KEY_ID = "https://cmkhsm.managedhsm.azure.net/keys/cmk-key/0123456789abcdef0123456789abcdef"
TIMEOUT = 5.0
REPO = Path(__file__).resolve().parent.parent


# ---- helpers ----------------------------------------------------------------------------------


def token_for(sim: PlatformSimulator) -> str:
    answer = requests.post(
        sim.ims_url,
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "scope": "openid,AdobeID,read_organizations",
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def platform_headers(sim: PlatformSimulator, token: str | None = None) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token or sim.issue_token()}",
        "x-api-key": "acp_provisioning",
        "x-gw-ims-org-id": sim.org_id,
    }


def current_body(name: str = "config1", key_id: str = KEY_ID) -> dict[str, Any]:
    return {
        "name": name,
        "type": "BYOK_CONFIG",
        "imsOrgId": ORG,
        "configData": {"providerType": "AZURE_KEYVAULT", "keyVaultKeyIdentifier": key_id},
    }


def beta_body(name: str = "config1", key_id: str = KEY_ID) -> dict[str, Any]:
    return {
        "name": name,
        "type": "BYOK_CONFIG",
        "imsOrgId": ORG,
        "configData": {"providerType": "AZURE_KEYVAULT", "keyVaultUri": key_id, "keyName": "key1"},
    }


def post_config(
    sim: PlatformSimulator, body: Any, headers: dict[str, str] | None = None, **kwargs: Any
) -> requests.Response:
    return requests.post(
        sim.url + CONFIG_PATH,
        json=body,
        headers=headers or platform_headers(sim),
        timeout=kwargs.pop("timeout", TIMEOUT),
        **kwargs,
    )


def get_status(sim: PlatformSimulator, name: str = "config1", **kwargs: Any) -> requests.Response:
    return requests.get(
        f"{sim.url}{CONFIG_PATH}/{name}",
        params={"configType": "BYOK_CONFIG"},
        headers=platform_headers(sim),
        timeout=kwargs.pop("timeout", TIMEOUT),
        **kwargs,
    )


def get_app(sim: PlatformSimulator, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(
        sim.url + APP_PATH, headers=headers or platform_headers(sim), timeout=TIMEOUT
    )


def walk_statuses(sim: PlatformSimulator, name: str, limit: float = 2.0) -> list[str]:
    """Poll until a final status; return the distinct statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        status = get_status(sim, name).json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("COMPLETED", "FAILED"):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"no final status within {limit} s: {seen}")


# ---- IMS tokens -------------------------------------------------------------------------------


def test_token_valid_credentials_issues_bearer_token(simulator):
    answer = requests.post(
        simulator.ims_url,
        data={
            "grant_type": "client_credentials",
            "client_id": "sim-client-id",
            "client_secret": "sim-client-secret",
            "scope": "openid,AdobeID",
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert len(body["access_token"]) >= 40
    assert simulator.issued_tokens == [body["access_token"]]
    assert get_app(simulator, platform_headers(simulator, body["access_token"])).status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"client_id": "sim-client-id", "client_secret": "wrong"},
        {"client_id": "other-client", "client_secret": "sim-client-secret"},
        {"client_id": "sim-client-id"},
        {},
    ],
    ids=["wrong-secret", "wrong-id", "missing-secret", "missing-both"],
)
def test_token_bad_credentials_answer_401_invalid_client(simulator, form):
    answer = requests.post(
        simulator.ims_url,
        data={"grant_type": "client_credentials", **form},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "error_description": "invalid client_id or client_secret",
    }
    assert simulator.issued_tokens == []


def test_token_wrong_grant_type_answers_400_unsupported(simulator):
    answer = requests.post(
        simulator.ims_url,
        data={"grant_type": "password", "client_id": "sim-client-id", "client_secret": "x"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_token_expires_after_its_lifetime(make_simulator):
    sim = make_simulator(token_lifetime=0.2)
    token = token_for(sim)
    assert get_app(sim, platform_headers(sim, token)).status_code == 200
    time.sleep(0.3)
    answer = get_app(sim, platform_headers(sim, token))
    assert answer.status_code == 401
    assert answer.json() == {"error_code": "401013", "message": "Oauth token is not valid"}


def test_revoke_tokens_rejects_old_tokens_and_accepts_new_ones(simulator):
    old = token_for(simulator)
    simulator.revoke_tokens()
    assert get_app(simulator, platform_headers(simulator, old)).json()["error_code"] == "401013"
    new = token_for(simulator)
    assert get_app(simulator, platform_headers(simulator, new)).status_code == 200
    assert simulator.issued_tokens == [old, new]


# ---- gateway checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"Authorization": None}, 403, "403010"),
        ({"Authorization": "Bearer "}, 403, "403010"),
        ({"Authorization": "Bearer not-a-token"}, 401, "401013"),
        ({"x-api-key": None}, 403, "403000"),
        ({"x-api-key": "sim-client-id"}, 403, "403003"),
        ({"x-gw-ims-org-id": None}, 400, "400003"),
        ({"x-gw-ims-org-id": "OTHER0000@AdobeOrg"}, 403, "403025"),
    ],
    ids=[
        "token-missing",
        "token-empty",
        "token-unknown",
        "api-key-missing",
        "api-key-wrong",
        "org-missing",
        "org-other",
    ],
)
def test_gateway_header_check_answers_adobe_error_code(simulator, change, status, code):
    headers = platform_headers(simulator)
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    answer = get_app(simulator, headers)
    assert answer.status_code == status
    assert answer.json()["error_code"] == code


def test_gateway_checks_token_before_api_key_and_org(simulator):
    answer = requests.get(simulator.url + APP_PATH, timeout=TIMEOUT)
    assert answer.json() == {"error_code": "403010", "message": "Oauth token is missing."}


def test_gateway_body_without_json_content_type_answers_415(simulator):
    answer = requests.post(
        simulator.url + CONFIG_PATH,
        data=json.dumps(current_body()),
        headers={**platform_headers(simulator), "Content-Type": "text/plain"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 415
    assert answer.json()["status"] == 415
    assert simulator.configs == {}


def test_every_response_has_a_fresh_request_id(simulator):
    ids = {
        get_app(simulator).headers["x-request-id"],
        get_app(simulator).headers["x-request-id"],
        requests.get(simulator.url + "/nowhere", timeout=TIMEOUT).headers["x-request-id"],
        requests.post(simulator.ims_url, data={}, timeout=TIMEOUT).headers["x-request-id"],
    }
    assert len(ids) == 4
    assert all(len(request_id) >= 16 for request_id in ids)


def test_unknown_path_answers_404(simulator):
    answer = requests.get(simulator.url + "/data/foundation/catalog", timeout=TIMEOUT)
    assert answer.status_code == 404


def test_unsupported_method_answers_405_with_allow(simulator):
    answer = requests.delete(
        f"{simulator.url}{CONFIG_PATH}/config1", headers=platform_headers(simulator), timeout=5
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"


# ---- app registration -------------------------------------------------------------------------


def test_app_registration_current_answers_at_once(simulator):
    answer = get_app(simulator)
    assert answer.status_code == 200
    body = answer.json()
    assert body["applicationId"] == "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
    assert set(body) == {"id", "name", "applicationUri", "applicationId", "applicationRedirectUrl"}
    assert body["applicationRedirectUrl"].startswith(
        "https://login.microsoftonline.com/common/oauth2/authorize?response_type=code"
        "&client_id=e463a445-c6ac-4ca2-b36a-b5146fcf6a52&redirect_uri=https://adobe.com/"
    )
    assert body["applicationRedirectUrl"].endswith("&scope=user.read")


def test_app_registration_beta_404_until_post_then_200_after_delay(make_simulator):
    sim = make_simulator(app_generation="beta", app_registration_delay=0.2)
    assert get_app(sim).status_code == 404
    posted = requests.post(sim.url + APP_PATH, headers=platform_headers(sim), timeout=TIMEOUT)
    assert posted.status_code == 200
    job = posted.json()
    assert job["jobType"] == "CustomerPolicyJob"
    assert job["workflowType"] == "BYOK_APP_REGISTRATION"
    assert job["status"] == "CREATED"
    assert job["retryDelayInSeconds"] == 5
    assert job["imsOrgId"] == ORG
    assert job["jobData"]["x-request-id"] == posted.headers["x-request-id"]
    assert get_app(sim).status_code == 404  # the job is still running
    time.sleep(0.25)
    answer = get_app(sim)
    assert answer.status_code == 200
    assert answer.json()["applicationId"] == "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
    again = requests.post(sim.url + APP_PATH, headers=platform_headers(sim), timeout=TIMEOUT)
    assert again.status_code == 200
    assert get_app(sim).status_code == 200


def test_app_registration_post_with_body_answers_400(make_simulator):
    sim = make_simulator(app_generation="beta")
    answer = requests.post(
        sim.url + APP_PATH, json={"x": 1}, headers=platform_headers(sim), timeout=TIMEOUT
    )
    assert answer.status_code == 400
    assert "payload" in answer.json()["detail"]


# ---- configuration: POST ----------------------------------------------------------------------


def test_config_post_current_answers_created_with_split_key(simulator):
    answer = post_config(simulator, current_body())
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "CREATED"
    assert body["config"] == {
        "name": "config1",
        "type": "BYOK_CONFIG",
        "imsOrgId": ORG,
        "status": "NEW",
        "configData": {
            "keyVaultUri": "https://adobecmkexample1.vault.azure.net",
            "keyVaultKeyIdentifier": KEY_ID,
            "keyVersion": "02cee357ad5d4c72b2b04881fdffd626",
            "keyName": "adobeCMK-key",
            "providerType": "AZURE_KEYVAULT",
        },
    }
    stored = simulator.configs["config1"]
    assert stored["configData"] == body["config"]["configData"]
    assert stored["subscriptionId"] == "undefined"
    assert stored["rowType"] == "BYOK_KEY"


def test_config_post_beta_answers_job_object(make_simulator):
    sim = make_simulator(config_generation="beta")
    answer = post_config(sim, beta_body())
    assert answer.status_code == 200
    job = answer.json()
    assert job["jobType"] == "CustomerPolicyJob"
    assert job["workflowType"] == "BYOK_CONFIG"
    assert job["status"] == "CREATED"
    assert job["jobData"]["config"] == {**beta_body(), "status": "NEW"}
    status = get_status(sim).json()
    assert status["configData"] == {
        "keyVaultUri": KEY_ID,
        "keyName": "key1",
        "providerType": "AZURE_KEYVAULT",
    }
    assert status["id"] != job["id"]


def test_config_post_accepts_managed_hsm_identifier(simulator):
    answer = post_config(simulator, current_body(key_id=HSM_KEY_ID))
    assert answer.status_code == 200
    assert answer.json()["config"]["configData"]["keyVaultUri"] == (
        "https://cmkhsm.managedhsm.azure.net"
    )


def _without_field(body: dict[str, Any], dotted: str) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    *parents, leaf = dotted.split(".")
    target = body
    for parent in parents:
        target = target[parent]
    del target[leaf]
    return body


def _with(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    *parents, leaf = dotted.split(".")
    target = body
    for parent in parents:
        target = target[parent]
    target[leaf] = value
    return body


UNVERSIONED = "https://adobecmkexample1.vault.azure.net/keys/adobeCMK-key"


@pytest.mark.parametrize(
    ("generation", "body", "field"),
    [
        ("current", _with(current_body(), "type", "OTHER"), "type"),
        ("current", _with(current_body(), "imsOrgId", "OTHER@AdobeOrg"), "imsOrgId"),
        ("current", _with(current_body(), "name", ""), "name"),
        ("current", _with(current_body(), "name", "has space"), "name"),
        ("current", _with(current_body(), "name", "x" * 65), "name"),
        ("current", _without_field(current_body(), "configData"), "configData"),
        ("current", _with(current_body(), "configData.providerType", "AWS_KMS"), "providerType"),
        (
            "current",
            _with(current_body(), "configData.keyVaultKeyIdentifier", UNVERSIONED),
            "keyVaultKeyIdentifier",
        ),
        (
            "current",
            _with(current_body(), "configData.keyVaultKeyIdentifier", UNVERSIONED + "/"),
            "keyVaultKeyIdentifier",
        ),
        ("current", beta_body(), "keyVaultKeyIdentifier"),
        ("beta", _with(beta_body(), "configData.keyVaultUri", UNVERSIONED), "keyVaultUri"),
        ("beta", _without_field(beta_body(), "configData.keyName"), "keyName"),
        ("beta", current_body(), "keyVaultUri"),
        ("beta", [beta_body()], "object"),
    ],
    ids=[
        "type",
        "org-mismatch",
        "name-empty",
        "name-space",
        "name-too-long",
        "configData-missing",
        "providerType",
        "current-unversioned-key",
        "current-trailing-slash",
        "current-given-beta-body",
        "beta-unversioned-key",
        "beta-keyName-missing",
        "beta-given-current-body",
        "beta-not-an-object",
    ],
)
def test_config_post_invalid_body_answers_400_naming_field(make_simulator, generation, body, field):
    sim = make_simulator(config_generation=generation)
    answer = post_config(sim, body)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["status"] == 400
    assert field in problem["detail"]
    assert sim.configs == {}


def test_config_post_invalid_json_answers_400(simulator):
    answer = requests.post(
        simulator.url + CONFIG_PATH,
        data='{"name": ',
        headers={**platform_headers(simulator), "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert simulator.configs == {}


def test_config_post_same_name_replaces_and_restarts_job(simulator):
    post_config(simulator, current_body())
    first_id = simulator.configs["config1"]["id"]
    time.sleep(0.35)
    assert simulator.configs["config1"]["status"] == "COMPLETED"
    other = KEY_ID.replace("adobeCMK-key", "other-key")
    assert post_config(simulator, current_body(key_id=other)).status_code == 200
    replaced = simulator.configs["config1"]
    assert replaced["status"] == "NEW"
    assert replaced["id"] != first_id
    assert replaced["configData"]["keyName"] == "other-key"
    assert list(simulator.configs) == ["config1"]


# ---- configuration: status --------------------------------------------------------------------


def test_config_job_walks_every_status_to_completed(make_simulator):
    sim = make_simulator(job_durations=(0.15, 0.15, 0.15))
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1") == [
        "NEW",
        "RUNNING",
        "UPDATE_EXISTING_RESOURCES",
        "COMPLETED",
    ]
    assert "errorMessage" not in get_status(sim).json()


def test_config_bad_key_ends_failed_with_reason(make_simulator):
    sim = make_simulator(job_durations=(0.15, 0.15, 0.15))
    sim.mark_bad_key("https://adobecmkexample1.vault.azure.net/")
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1") == ["NEW", "RUNNING", "FAILED"]
    body = get_status(sim).json()
    assert body["errorMessage"] == "Unable to access key vault key: forbidden"
    assert sim.configs["config1"]["status"] == "FAILED"


def test_config_status_answers_reference_shape(simulator):
    post_config(simulator, current_body())
    body = get_status(simulator).json()
    assert set(body) == {
        "name",
        "type",
        "status",
        "configData",
        "imsOrgId",
        "subscriptionId",
        "id",
        "rowType",
    }
    assert body["name"] == "config1"
    assert body["type"] == "BYOK_CONFIG"
    assert body["imsOrgId"] == ORG


@pytest.mark.parametrize("params", [{}, {"configType": "OTHER"}], ids=["missing", "other"])
def test_config_status_without_config_type_answers_400(simulator, params):
    post_config(simulator, current_body())
    answer = requests.get(
        f"{simulator.url}{CONFIG_PATH}/config1",
        params=params,
        headers=platform_headers(simulator),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert "configType" in answer.json()["detail"]


def test_config_status_unknown_name_answers_404(simulator):
    answer = get_status(simulator, "nothing")
    assert answer.status_code == 404
    assert answer.json()["status"] == 404


def test_config_status_is_case_sensitive(simulator):
    post_config(simulator, current_body("Config1"))
    assert get_status(simulator, "Config1").status_code == 200
    assert get_status(simulator, "config1").status_code == 404


def test_remove_config_makes_get_answer_404(simulator):
    post_config(simulator, current_body())
    simulator.remove_config("config1")
    assert get_status(simulator).status_code == 404
    assert simulator.configs == {}


def test_set_config_status_freezes_status(simulator):
    post_config(simulator, current_body())
    simulator.set_config_status("config1", "RUNNING")
    time.sleep(0.35)
    assert get_status(simulator).json()["status"] == "RUNNING"
    simulator.set_config_status("config1", "FAILED")
    body = get_status(simulator).json()
    assert body["status"] == "FAILED"
    assert body["errorMessage"]


# ---- faults -----------------------------------------------------------------------------------


def test_fault_429_answers_retry_after_then_recovers(simulator):
    post_config(simulator, current_body())
    simulator.inject("config-status", Fault("status", status=429, retry_after="2"))
    answer = get_status(simulator)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "2"
    assert answer.json() == {"error_code": "429050", "message": "Too many requests"}
    assert answer.headers["x-request-id"]
    assert get_status(simulator).status_code == 200
    assert simulator.count("GET", "config-status") == 2


def test_fault_503_with_http_date_retry_after(simulator):
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    simulator.inject("app-registration", Fault("status", status=503, retry_after=date))
    answer = get_app(simulator)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == date
    assert answer.json()["error_code"] == "503000"


def test_fault_4xx_answers_problem_body(simulator):
    simulator.inject("config", Fault("status", status=403))
    answer = post_config(simulator, current_body())
    assert answer.status_code == 403
    assert answer.json()["status"] == 403
    assert {"type", "title", "detail"} <= set(answer.json())
    assert simulator.configs == {}


def test_fault_count_applies_to_consecutive_requests(simulator):
    simulator.inject("app-registration", Fault("status", status=502, count=2))
    assert [get_app(simulator).status_code for _ in range(3)] == [502, 502, 200]


def test_fault_queue_is_fifo(simulator):
    simulator.inject("app-registration", Fault("status", status=500))
    simulator.inject("app-registration", Fault("status", status=504))
    assert [get_app(simulator).status_code for _ in range(3)] == [500, 504, 200]


def test_fault_method_filter_skips_other_methods(simulator):
    simulator.inject("app-registration", Fault("status", status=500, method="POST"))
    assert get_app(simulator).status_code == 200
    posted = requests.post(
        simulator.url + APP_PATH, headers=platform_headers(simulator), timeout=TIMEOUT
    )
    assert posted.status_code == 500
    assert get_app(simulator).status_code == 200


def test_fault_on_token_route_applies_to_ims(simulator):
    simulator.inject("token", Fault("status", status=503))
    answer = requests.post(
        simulator.ims_url,
        data={
            "grant_type": "client_credentials",
            "client_id": simulator.client_id,
            "client_secret": simulator.client_secret,
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 503
    assert simulator.issued_tokens == []
    assert token_for(simulator) in simulator.issued_tokens


def test_fault_drop_closes_connection_before_processing(simulator):
    simulator.inject("config", Fault("drop"))
    with pytest.raises(requests.ConnectionError):
        post_config(simulator, current_body())
    assert simulator.configs == {}
    assert simulator.requests[-1].status == 0
    assert post_config(simulator, current_body()).status_code == 200


def test_fault_drop_after_processing_leaves_config_created(simulator):
    simulator.inject("config", Fault("drop", after_processing=True, method="POST"))
    with pytest.raises(requests.ConnectionError):
        post_config(simulator, current_body())
    assert simulator.configs["config1"]["status"] == "NEW"
    assert get_status(simulator).status_code == 200
    assert simulator.count("POST", "config") == 1


def test_fault_status_after_processing_leaves_config_created(simulator):
    simulator.inject("config", Fault("status", status=504, after_processing=True))
    assert post_config(simulator, current_body()).status_code == 504
    assert "config1" in simulator.configs


def test_fault_malformed_json_answers_truncated_body(simulator):
    post_config(simulator, current_body())
    simulator.inject("config-status", Fault("malformed_json"))
    answer = get_status(simulator)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        answer.json()
    assert get_status(simulator).json()["name"] == "config1"


def test_fault_slow_trips_client_read_timeout(simulator):
    simulator.inject("app-registration", Fault("slow", delay=0.5))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.get(
            simulator.url + APP_PATH, headers=platform_headers(simulator), timeout=(2, 0.1)
        )
    assert time.monotonic() - started < 0.4
    assert get_app(simulator).status_code == 200


def test_fault_slow_then_answers_normally(simulator):
    simulator.inject("app-registration", Fault("slow", delay=0.2))
    started = time.monotonic()
    answer = get_app(simulator)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_inject_unknown_route_raises(simulator):
    with pytest.raises(ValueError, match="route"):
        simulator.inject("configs", Fault("drop"))


def test_fault_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        Fault("explode")  # type: ignore[arg-type]


# ---- request log ------------------------------------------------------------------------------


def test_request_log_masks_token_and_secret(simulator):
    token = token_for(simulator)
    get_app(simulator, platform_headers(simulator, token))
    logged = simulator.requests
    assert [(r.method, r.route, r.status) for r in logged] == [
        ("POST", "token", 200),
        ("GET", "app-registration", 200),
    ]
    assert logged[0].body is not None
    assert logged[0].body["client_secret"] == "***"
    assert logged[0].body["client_id"] == "sim-client-id"
    assert logged[1].headers["Authorization"] == "Bearer ***"
    assert logged[1].headers["x-api-key"] == "acp_provisioning"
    text = repr(logged)
    assert token not in text
    assert "sim-client-secret" not in text


def test_request_log_records_path_query_and_json_body(simulator):
    post_config(simulator, current_body())
    get_status(simulator)
    post, get = simulator.requests
    assert post.body == current_body()
    assert post.path == CONFIG_PATH
    assert get.path == f"{CONFIG_PATH}/config1"
    assert get.query == {"configType": "BYOK_CONFIG"}
    assert get.route == "config-status"
    assert post.time <= get.time
    simulator.clear_log()
    assert simulator.requests == []
    assert simulator.count("POST", "config") == 0


def test_count_includes_faulted_requests(simulator):
    simulator.inject("config", Fault("status", status=500))
    post_config(simulator, current_body())
    post_config(simulator, current_body())
    assert simulator.count("POST", "config") == 2
    assert simulator.count("post", "config") == 2
    assert simulator.count("GET", "config-status") == 0


# ---- server robustness ------------------------------------------------------------------------


def test_server_serves_concurrent_clients(simulator):
    post_config(simulator, current_body())
    results: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with requests.Session() as session:
            for _ in range(5):
                code = session.get(
                    f"{simulator.url}{CONFIG_PATH}/config1",
                    params={"configType": "BYOK_CONFIG"},
                    headers=platform_headers(simulator),
                    timeout=TIMEOUT,
                ).status_code
                with lock:
                    results.append(code)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [200] * 40
    assert simulator.count("GET", "config-status") == 40


def test_session_keeps_working_after_a_drop(simulator):
    simulator.inject("app-registration", Fault("drop"))
    with requests.Session() as session:
        headers = platform_headers(simulator)
        with pytest.raises(requests.ConnectionError):
            session.get(simulator.url + APP_PATH, headers=headers, timeout=TIMEOUT)
        answer = session.get(simulator.url + APP_PATH, headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200


def test_stop_is_prompt_with_a_slow_request_in_flight():
    sim = PlatformSimulator().start()
    sim.inject("app-registration", Fault("slow", delay=30))
    headers = platform_headers(sim)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            requests.get(sim.url + APP_PATH, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            errors.append(error)

    thread = threading.Thread(target=client)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1.0
    thread.join(timeout=TIMEOUT)
    assert not thread.is_alive()
    assert len(errors) == 1
    sim.stop()  # idempotent


def test_url_before_start_raises():
    with pytest.raises(RuntimeError, match="start"):
        _ = PlatformSimulator().url


def test_cli_prints_a_url_that_answers():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.simulator", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the simulator printed nothing within 10 s"
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.post(
            url + "/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": "sim-client-id",
                "client_secret": "sim-client-secret",
            },
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200
        assert answer.json()["token_type"] == "bearer"
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)
