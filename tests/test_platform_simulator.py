"""Tests of the Platform API simulator itself, with plain ``requests`` through real sockets:
IMS tokens, the gateway's checks, the app registration and the BYOK configuration."""

import json
from typing import Any

import pytest
import requests

from tests.simulator_requests import (
    APP_PATH,
    CONFIG_PATH,
    HSM_KEY_ID,
    KEY_ID,
    ORG,
    OTHER_KEY_ID,
    TIMEOUT,
    FakeClock,
    beta_body,
    current_body,
    get_app,
    get_status,
    platform_headers,
    post_config,
    token_for,
    wait_until,
    walk_statuses,
)

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
    clock = FakeClock()
    sim = make_simulator(token_lifetime=60, clock=clock)
    token = token_for(sim)
    clock.advance(59.5)
    assert get_app(sim, platform_headers(sim, token)).status_code == 200
    clock.advance(0.5)
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
    clock = FakeClock()
    sim = make_simulator(app_generation="beta", app_registration_delay=0.5, clock=clock)
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
    clock.advance(0.25)
    assert get_app(sim).status_code == 404  # the job is still running
    clock.advance(0.25)
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


def test_config_post_same_name_replaces_and_restarts_job(make_simulator):
    clock = FakeClock()
    simulator = make_simulator(clock=clock)
    post_config(simulator, current_body())
    first_id = simulator.configs["config1"]["id"]
    clock.advance(1)
    assert simulator.configs["config1"]["status"] == "COMPLETED"
    assert post_config(simulator, current_body(key_id=OTHER_KEY_ID)).status_code == 200
    replaced = simulator.configs["config1"]
    assert replaced["status"] == "NEW"
    assert replaced["id"] != first_id
    assert replaced["configData"]["keyName"] == "other-key"
    assert list(simulator.configs) == ["config1"]


# ---- configuration: status --------------------------------------------------------------------


def test_config_job_walks_every_status_to_completed(make_simulator):
    clock = FakeClock()
    sim = make_simulator(job_durations=(0.15, 0.15, 0.15), clock=clock)
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1", clock, step=0.05) == [
        "NEW",
        "RUNNING",
        "UPDATE_EXISTING_RESOURCES",
        "COMPLETED",
    ]
    assert "errorMessage" not in get_status(sim).json()


def test_config_job_completes_on_the_real_clock(simulator):
    post_config(simulator, current_body())
    wait_until(
        lambda: get_status(simulator).json()["status"] == "COMPLETED", what="the job completing"
    )
    assert simulator.configs["config1"]["status"] == "COMPLETED"


def test_config_bad_key_ends_failed_with_reason(make_simulator):
    clock = FakeClock()
    sim = make_simulator(job_durations=(0.15, 0.15, 0.15), clock=clock)
    sim.mark_bad_key("https://adobecmkexample1.vault.azure.net/")
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1", clock, step=0.05) == ["NEW", "RUNNING", "FAILED"]
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
    post_config(simulator, current_body("unfrozen"))
    # Once a configuration posted later has completed in real time, the frozen one has had time.
    wait_until(lambda: get_status(simulator, "unfrozen").json()["status"] == "COMPLETED")
    assert get_status(simulator).json()["status"] == "RUNNING"
    simulator.set_config_status("config1", "FAILED")
    body = get_status(simulator).json()
    assert body["status"] == "FAILED"
    assert body["errorMessage"]
