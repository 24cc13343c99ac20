"""The simulator's options for what Adobe's docs leave open, each through real HTTP with
``requests``: a never-seen name, echoed fields, absent identifiers, version tokens, resends, stale
reads, failing first jobs, the failure reason's field, the API key, and seeded configurations."""

import select
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.simulator import ACCESS_DENIED_MESSAGE, FAILED_KEY_MESSAGE, PlatformSimulator
from tests.simulator.cli import simulator_for
from tests.simulator_requests import (
    KEY_ID,
    OTHER_KEY_ID,
    TIMEOUT,
    FakeClock,
    beta_body,
    current_body,
    get_app,
    get_status,
    platform_headers,
    post_config,
    walk_statuses,
)

REPO = Path(__file__).resolve().parent.parent
ADOBE_STYLE_KEY_ID = (
    "https://cmkvault.vault.azure.net/keys/cmk-key/7c1d50lo4c0b4fe0a9bd8e47a3c1f2d0"
)
VAULT = "https://adobecmkexample1.vault.azure.net"


# ---- unknown_config ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "status", "content"),
    [("empty-object", 200, b"{}"), ("empty-body", 200, b""), ("204", 204, b"")],
)
def test_unknown_config_answers_in_the_chosen_style(make_simulator, style, status, content):
    sim = make_simulator(unknown_config=style)
    answer = get_status(sim, "never-sent")
    assert answer.status_code == status
    assert answer.content == content
    post_config(sim, current_body("sent"))
    assert get_status(sim, "sent").json()["name"] == "sent"


def test_unknown_config_default_is_404_and_changes_at_run_time(simulator):
    assert simulator.unknown_config == "404"
    answer = get_status(simulator, "never-sent")
    assert answer.status_code == 404
    assert answer.json()["status"] == 404
    simulator.unknown_config = "204"
    assert get_status(simulator, "never-sent").status_code == 204


def test_unknown_config_applies_to_a_removed_configuration(make_simulator):
    sim = make_simulator(unknown_config="empty-object")
    post_config(sim, current_body())
    sim.remove_config("config1")
    assert get_status(sim).json() == {}


# ---- echo -------------------------------------------------------------------------------------


def test_echo_adobe_answers_org_derived_name_and_config_name_as_key_name(make_simulator):
    sim = make_simulator(echo="adobe")
    posted = post_config(sim, current_body()).json()["config"]
    read = get_status(sim).json()
    for answer in (posted, read):
        assert answer["name"] == sim.adobe_echo_name
        assert answer["configData"]["keyName"] == "config1"
        assert answer["configData"]["keyVaultKeyIdentifier"] == KEY_ID
    assert sim.adobe_echo_name.startswith("acp")
    assert sim.adobe_echo_name.endswith("multitenantapp")
    assert sim.adobe_echo_name != "config1"
    # What Adobe holds is unchanged: the truth keeps the name sent and the key's name.
    assert sim.configs["config1"]["name"] == "config1"
    assert sim.configs["config1"]["configData"]["keyName"] == "adobeCMK-key"


def test_echo_adobe_name_depends_on_the_org(make_simulator):
    one = make_simulator(echo="adobe")
    other = make_simulator(echo="adobe", org_id="9999FFFF0000@AdobeOrg")
    assert one.adobe_echo_name != other.adobe_echo_name


def test_echo_adobe_in_the_beta_job_object(make_simulator):
    sim = make_simulator(echo="adobe", config_generation="beta")
    job = post_config(sim, beta_body()).json()
    assert job["jobData"]["config"]["name"] == sim.adobe_echo_name
    assert job["jobData"]["config"]["configData"]["keyName"] == "config1"
    assert get_status(sim).json()["configData"]["keyName"] == "config1"


def test_echo_asked_by_default(simulator):
    assert post_config(simulator, current_body()).json()["config"]["name"] == "config1"
    simulator.echo = "adobe"
    assert get_status(simulator).json()["name"] == simulator.adobe_echo_name


# ---- key_identifier_in_answers ----------------------------------------------------------------


@pytest.mark.parametrize("generation", ["current", "beta"])
def test_without_key_identifier_answers_carry_only_the_vault(make_simulator, generation):
    sim = make_simulator(key_identifier_in_answers=False, config_generation=generation)
    body = current_body() if generation == "current" else beta_body()
    answer = post_config(sim, body).json()
    posted = answer["config"] if generation == "current" else answer["jobData"]["config"]
    read = get_status(sim).json()
    key_name = "adobeCMK-key" if generation == "current" else "key1"
    expected = {"keyVaultUri": VAULT, "keyName": key_name, "providerType": "AZURE_KEYVAULT"}
    assert posted["configData"] == expected
    assert read["configData"] == expected
    assert KEY_ID not in answer.__repr__() + read.__repr__()


# ---- version_token ----------------------------------------------------------------------------


def test_version_token_hex_refuses_adobes_example_version(simulator):
    answer = post_config(simulator, current_body(key_id=ADOBE_STYLE_KEY_ID))
    assert answer.status_code == 400
    assert simulator.configs == {}


def test_version_token_any_accepts_and_echoes_a_non_hex_version(make_simulator):
    sim = make_simulator(version_token="any")
    posted = post_config(sim, current_body(key_id=ADOBE_STYLE_KEY_ID))
    assert posted.status_code == 200
    for data in (posted.json()["config"]["configData"], get_status(sim).json()["configData"]):
        assert data["keyVaultKeyIdentifier"] == ADOBE_STYLE_KEY_ID
        assert data["keyVersion"] == "7c1d50lo4c0b4fe0a9bd8e47a3c1f2d0"
        assert data["keyName"] == "cmk-key"


# ---- resend -----------------------------------------------------------------------------------


def completed_then_resent(
    sim: PlatformSimulator, clock: FakeClock
) -> tuple[str, requests.Response]:
    post_config(sim, current_body())
    first_id = sim.configs["config1"]["id"]
    clock.advance(1)
    assert sim.configs["config1"]["status"] == "COMPLETED"
    return first_id, post_config(sim, current_body(key_id=OTHER_KEY_ID))


def test_resend_update_in_place_keeps_the_id_and_restarts_the_job(make_simulator):
    clock = FakeClock()
    sim = make_simulator(resend="update-in-place", clock=clock)
    first_id, answer = completed_then_resent(sim, clock)
    assert answer.status_code == 200
    held = sim.configs["config1"]
    assert held["id"] == first_id
    assert held["configData"]["keyVaultKeyIdentifier"] == OTHER_KEY_ID
    assert held["status"] == "NEW"
    assert get_status(sim).json() == held


def test_resend_replace_gives_a_new_id(make_simulator):
    clock = FakeClock()
    sim = make_simulator(clock=clock)
    first_id, _ = completed_then_resent(sim, clock)
    assert sim.configs["config1"]["id"] != first_id
    assert sim.configs["config1"]["status"] == "NEW"


@pytest.mark.parametrize(("style", "status"), [("refuse-409", 409), ("refuse-400", 400)])
def test_resend_refused_answers_problem_and_changes_nothing(make_simulator, style, status):
    clock = FakeClock()
    sim = make_simulator(resend=style, clock=clock)
    post_config(sim, current_body())
    clock.advance(1)
    before = sim.configs
    answer = post_config(sim, current_body(key_id=OTHER_KEY_ID))
    assert answer.status_code == status
    problem = answer.json()
    assert problem["status"] == status
    assert "config1" in problem["detail"]
    assert "already exists" in problem["detail"]
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert len(answer.headers["x-request-id"]) >= 16
    assert sim.configs == before
    assert sim.configs["config1"]["configData"]["keyVaultKeyIdentifier"] == KEY_ID
    # A new name is still accepted.
    assert post_config(sim, current_body("config2")).status_code == 200


# ---- stale_reads ------------------------------------------------------------------------------


def test_stale_reads_show_the_previous_configuration_then_the_new_one(make_simulator):
    clock = FakeClock()
    sim = make_simulator(stale_reads=2, clock=clock)
    first_id, _ = completed_then_resent(sim, clock)
    new_id = sim.configs["config1"]["id"]
    reads = [get_status(sim).json() for _ in range(3)]
    assert [(r["id"], r["status"]) for r in reads] == [
        (first_id, "COMPLETED"),
        (first_id, "COMPLETED"),
        (new_id, "NEW"),
    ]
    assert reads[0]["configData"]["keyVaultKeyIdentifier"] == KEY_ID
    assert reads[2]["configData"]["keyVaultKeyIdentifier"] == OTHER_KEY_ID


def test_stale_reads_show_an_old_failure_with_its_reason(make_simulator):
    sim = make_simulator(stale_reads=1, resend="update-in-place")
    post_config(sim, current_body())
    sim.set_config_status("config1", "FAILED")
    post_config(sim, current_body(key_id=OTHER_KEY_ID))
    stale, fresh = get_status(sim).json(), get_status(sim).json()
    assert stale["status"] == "FAILED"
    assert stale["errorMessage"] == FAILED_KEY_MESSAGE
    assert stale["configData"]["keyVaultKeyIdentifier"] == KEY_ID
    assert stale["id"] == fresh["id"]  # updated in place: same id, only the key tells them apart
    assert fresh["configData"]["keyVaultKeyIdentifier"] == OTHER_KEY_ID
    assert fresh["status"] != "FAILED"


def test_stale_reads_not_after_a_first_post(make_simulator):
    sim = make_simulator(stale_reads=3)
    post_config(sim, current_body())
    assert get_status(sim).status_code == 200


# ---- failing_jobs -----------------------------------------------------------------------------


def test_failing_jobs_fail_the_first_jobs_with_access_denied(make_simulator):
    clock = FakeClock()
    sim = make_simulator(failing_jobs=1, clock=clock)
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1", clock, step=0.05) == ["NEW", "RUNNING", "FAILED"]
    assert get_status(sim).json()["errorMessage"] == ACCESS_DENIED_MESSAGE
    assert "access denied" in ACCESS_DENIED_MESSAGE
    post_config(sim, current_body())
    assert walk_statuses(sim, "config1", clock, step=0.05)[-1] == "COMPLETED"


def test_failing_jobs_count_only_accepted_posts(make_simulator):
    clock = FakeClock()
    sim = make_simulator(failing_jobs=1, resend="refuse-409", clock=clock)
    post_config(sim, current_body())
    assert post_config(sim, current_body()).status_code == 409
    post_config(sim, current_body("config2"))
    clock.advance(1)
    assert sim.configs["config1"]["status"] == "FAILED"
    assert sim.configs["config2"]["status"] == "COMPLETED"


# ---- failure_reason_field ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["errorMessage", "message", "reason", "none"])
def test_failure_reason_field_carries_the_reason(make_simulator, field):
    sim = make_simulator(failure_reason_field=field)
    post_config(sim, current_body())
    sim.set_config_status("config1", "FAILED", "key disabled")
    body = get_status(sim).json()
    assert body["status"] == "FAILED"
    carried = {name: body[name] for name in ("errorMessage", "message", "reason") if name in body}
    assert carried == ({} if field == "none" else {field: "key disabled"})


# ---- expected_api_key -------------------------------------------------------------------------


def test_expected_api_key_accepts_only_that_key(make_simulator):
    sim = make_simulator(expected_api_key="sim-client-id")
    refused = get_app(sim)  # acp_provisioning
    assert refused.status_code == 403
    assert refused.json() == {"error_code": "403003", "message": "Api Key is invalid"}
    assert get_app(sim, {**platform_headers(sim), "x-api-key": "sim-client-id"}).status_code == 200
    headers = platform_headers(sim)
    del headers["x-api-key"]
    assert get_app(sim, headers).json()["error_code"] == "403000"
    sim.expected_api_key = None
    assert get_app(sim).status_code == 200


# ---- seeding ----------------------------------------------------------------------------------


def test_seed_config_holds_any_identifier_text_without_a_request(simulator):
    text = "https://cmkvault.vault.azure.net/keys/cmk-key/not hex at all"
    view = simulator.seed_config("seeded", text, status="COMPLETED")
    assert simulator.requests == []
    read = get_status(simulator, "seeded").json()
    assert read == view
    assert read["status"] == "COMPLETED"
    assert read["configData"]["keyVaultKeyIdentifier"] == text
    assert read["configData"]["keyVaultUri"] == "https://cmkvault.vault.azure.net"
    assert len(view["id"]) == 36


def test_seed_config_without_status_starts_a_job(make_simulator):
    clock = FakeClock()
    sim = make_simulator(clock=clock, failing_jobs=1)
    sim.seed_config("seeded", ADOBE_STYLE_KEY_ID)
    assert walk_statuses(sim, "seeded", clock, step=0.05)[-1] == "COMPLETED"  # not a job


def test_seed_config_failed_with_reason(simulator):
    simulator.seed_config("seeded", KEY_ID, status="FAILED", error_message="no access")
    assert get_status(simulator, "seeded").json()["errorMessage"] == "no access"


# ---- construction and command line ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unknown_config": "500"},
        {"echo": "other"},
        {"version_token": "hex32"},
        {"resend": "merge"},
        {"failure_reason_field": "why"},
        {"stale_reads": -1},
        {"failing_jobs": -1},
    ],
)
def test_constructor_refuses_unknown_option_values(kwargs):
    with pytest.raises(ValueError):
        PlatformSimulator(**kwargs)


def test_cli_flags_set_every_option():
    sim = simulator_for(
        [
            "--unknown-config=empty-body",
            "--echo=adobe",
            "--no-key-identifier-in-answers",
            "--version-token=any",
            "--resend=refuse-400",
            "--stale-reads=2",
            "--failing-jobs=1",
            "--failure-reason-field=reason",
            "--expected-api-key=my-client",
        ]
    )
    assert (
        sim.unknown_config,
        sim.echo,
        sim.key_identifier_in_answers,
        sim.version_token,
        sim.resend,
        sim.stale_reads,
        sim.failing_jobs,
        sim.failure_reason_field,
        sim.expected_api_key,
    ) == ("empty-body", "adobe", False, "any", "refuse-400", 2, 1, "reason", "my-client")
    defaults = simulator_for([])
    assert (defaults.unknown_config, defaults.resend, defaults.expected_api_key) == (
        "404",
        "replace",
        None,
    )


def test_cli_serves_with_its_flags():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.simulator", "--port", "0", "--unknown-config", "204"],
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
        token = requests.post(
            url + "/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": "sim-client-id",
                "client_secret": "sim-client-secret",
            },
            timeout=TIMEOUT,
        ).json()["access_token"]
        answer = requests.get(
            url + "/data/infrastructure/manager/customer/config/nothing",
            params={"configType": "BYOK_CONFIG"},
            headers={
                "Authorization": f"Bearer {token}",
                "x-api-key": "acp_provisioning",
                "x-gw-ims-org-id": "1234ABCD5678@AdobeOrg",
            },
            timeout=TIMEOUT,
        )
        assert answer.status_code == 204
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)
