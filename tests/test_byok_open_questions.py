"""ByokConfig under every plausible answer to what Adobe's docs leave open (the table in
docs/production-checklist.md, and the simulator's options in docs/offline-stack.md).

Each answer is a simulator option; each test drives the real provider server over gRPC against it
and counts the POSTs Adobe received, the outcome, and the message the user sees.
"""

from __future__ import annotations

import re

import pytest
from pulumi.runtime.proto import provider_pb2

from tests.conftest import credentials_config
from tests.provider_host import failure
from tests.simulator import Fault
from tests.test_byok_config import (
    INSTANT,
    KEY,
    KEY_OTHER_NAME,
    NAME,
    URN,
    Host,
    MakeSimulator,
    after_answer,
    created,
    news_for,
    posts,
)

REQUEST_ID = re.compile(r"x-request-id: [A-Za-z0-9]{32}\b")
GENERATIONS = ["current", "beta"]


# ---- 1. a configuration name Adobe has never seen ---------------------------------------------


@pytest.mark.parametrize("answer", ["404", "empty-object", "empty-body", "204"])
@pytest.mark.parametrize("generation", GENERATIONS)
def test_never_seen_name_in_any_plausible_answer_is_absent(
    make_simulator: MakeSimulator, host_for: Host, answer: str, generation: str
) -> None:
    sim = make_simulator(job_durations=INSTANT, unknown_config=answer, config_generation=generation)
    _, resource_id, outputs = created(host_for(sim), news_for(sim))
    assert posts(sim) == [200]
    assert outputs["status"] == "COMPLETED"
    assert resource_id == NAME


@pytest.mark.parametrize(
    "body", [b"[]", b'"nothing"', b"42", b'{"message": "internal routing"}', b"<html>oops</html>"]
)
def test_other_answer_for_a_name_fails_in_one_line_and_sends_nothing(
    make_simulator: MakeSimulator, host_for: Host, body: bytes
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    sim.inject(
        "config-status",
        Fault("body", status=200, body=body, method="GET", count=20,
              headers=(("Content-Type", "application/json"),)),
    )
    message = failure(lambda: created(host_for(sim), news_for(sim)))
    assert posts(sim) == []
    assert NAME in message and "\n" not in message
    assert "nothing was sent" in message or "not valid JSON" in message, message


# ---- 2. echoed fields are evidence, not truth -------------------------------------------------


@pytest.mark.parametrize("generation", GENERATIONS)
def test_adobe_style_echo_still_adopts_the_same_key(
    make_simulator: MakeSimulator, host_for: Host, generation: str
) -> None:
    sim = make_simulator(job_durations=INSTANT, echo="adobe", config_generation=generation)
    sim.seed_config(NAME, KEY, status="COMPLETED")
    host = host_for(sim)
    inputs, resource_id, outputs = created(host, news_for(sim))
    assert posts(sim) == []
    assert outputs["keyName"] == "cmk-key"  # from the identifier, not the echoed keyName
    _, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert host.diff(URN, resource_id, read_outputs, read_inputs).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )


def test_adobe_style_echo_of_another_key_is_sent_once(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT, echo="adobe")
    sim.seed_config(NAME, KEY_OTHER_NAME, status="COMPLETED")
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert posts(sim) == [200]
    assert outputs["keyName"] == "cmk-key"


@pytest.mark.parametrize("status", ["COMPLETED", "RUNNING"])
def test_answer_without_key_identifier_is_kept_never_resent(
    make_simulator: MakeSimulator, host_for: Host, status: str
) -> None:
    sim = make_simulator(job_durations=INSTANT, key_identifier_in_answers=False, echo="adobe")
    sim.seed_config(NAME, KEY_OTHER_NAME, status="COMPLETED")
    if status == "RUNNING":
        sim.set_config_status(NAME, "RUNNING")
    host = host_for(sim)
    if status == "RUNNING":
        after_answer(sim, "config-status", lambda: sim.set_config_status(NAME, "COMPLETED"))
    inputs, resource_id, outputs = created(host, news_for(sim))
    assert posts(sim) == []
    assert outputs["status"] == "COMPLETED"
    if status == "COMPLETED":
        assert "the key could not be confirmed" in host.stderr
    _, read_outputs, read_inputs = host.read(URN, resource_id, outputs, inputs)
    assert read_inputs["keyIdentifier"] == KEY
    assert host.diff(URN, resource_id, read_outputs, inputs).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )


def test_non_hex_version_token_in_answers_is_the_same_key(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT, version_token="any")
    sim.seed_config(NAME, KEY.rsplit("/", 1)[0] + "/7c1d50lo8e2b4a", status="COMPLETED")
    _, _, outputs = created(host_for(sim), news_for(sim))
    assert posts(sim) == []
    assert outputs["keyVersion"] == "7c1d50lo8e2b4a"


# ---- 3. after a POST, the old job is not the new one -------------------------------------------


@pytest.mark.parametrize("resend", ["replace", "update-in-place"])
def test_stale_completed_for_the_old_key_is_never_done(
    make_simulator: MakeSimulator, host_for: Host, resend: str
) -> None:
    sim = make_simulator(job_durations=(0.0, 0.3, 0.0), resend=resend, stale_reads=3)
    sim.seed_config(NAME, KEY_OTHER_NAME, status="COMPLETED")
    host = host_for(sim)
    _, _, outputs = created(host, news_for(sim))
    assert posts(sim) == [200]
    assert outputs["status"] == "COMPLETED"
    assert outputs["keyName"] == "cmk-key"
    assert sim.configs[NAME]["configData"]["keyVaultKeyIdentifier"] == KEY
    assert "still shows the previous job" in host.stderr


@pytest.mark.parametrize("resend", ["replace", "update-in-place"])
def test_stale_failed_is_never_this_jobs_failure(
    make_simulator: MakeSimulator, host_for: Host, resend: str
) -> None:
    sim = make_simulator(job_durations=(0.0, 0.3, 0.0), resend=resend, stale_reads=3)
    sim.seed_config(NAME, KEY, status="FAILED", error_message="old failure")
    host = host_for(sim)
    _, _, outputs = created(host, news_for(sim))
    assert posts(sim) == [200]
    assert outputs["status"] == "COMPLETED"
    assert "old failure" not in host.stderr.split("sent BYOK configuration")[-1]


# ---- 4. a resend Adobe refuses -----------------------------------------------------------------


@pytest.mark.parametrize("resend", ["refuse-409", "refuse-400"])
def test_refused_resend_sends_nothing_else_and_names_the_way_out(
    make_simulator: MakeSimulator, host_for: Host, resend: str
) -> None:
    sim = make_simulator(job_durations=INSTANT, resend=resend)
    sim.seed_config(NAME, KEY, status="FAILED")
    message = failure(lambda: created(host_for(sim), news_for(sim)))
    assert posts(sim) == [409 if resend == "refuse-409" else 400]
    assert NAME in message
    assert "adobe-cmk:configName" in message
    assert REQUEST_ID.search(message), message
    assert "exist" in message.lower()


# ---- 5. x-api-key ------------------------------------------------------------------------------


def test_api_key_setting_is_sent(make_simulator: MakeSimulator, start_host) -> None:
    sim = make_simulator(job_durations=INSTANT, expected_api_key="sim-client-id")
    host = start_host({**credentials_config(sim), "adobe-cmk:apiKey": "sim-client-id"})
    _, _, outputs = created(host, news_for(sim))
    assert outputs["status"] == "COMPLETED"


def test_refused_api_key_names_the_setting(make_simulator: MakeSimulator, host_for: Host) -> None:
    sim = make_simulator(job_durations=INSTANT, expected_api_key="sim-client-id")
    message = failure(lambda: created(host_for(sim), news_for(sim)))
    assert "403003" in message and "adobe-cmk:apiKey" in message
    assert posts(sim) == []


# ---- 6. FAILED while access propagates ---------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 6, 1.5, "2", True])
def test_failed_resends_out_of_range_fails_the_check(
    make_simulator: MakeSimulator, host_for: Host, value: object
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    _, failures = host_for(sim).check(URN, news_for(sim, failedResends=value))
    assert [name for name, _ in failures] == ["failedResends"]


def test_failed_first_job_without_time_to_resend_lists_the_attempt(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT, failing_jobs=1)
    message = failure(lambda: created(host_for(sim), news_for(sim, wait=0.05, failedResends=2)))
    assert posts(sim) == [200]
    assert "no time left in the wait to send it again" in message
    assert "attempt 1:" in message and "usual causes" in message


def test_failed_resends_zero_reports_the_first_failure(
    make_simulator: MakeSimulator, host_for: Host
) -> None:
    sim = make_simulator(job_durations=INSTANT, failing_jobs=1)
    message = failure(lambda: created(host_for(sim), news_for(sim, wait=60, failedResends=0)))
    assert posts(sim) == [200]
    assert "no time left" not in message and "attempt 1:" in message


@pytest.mark.parametrize("field", ["message", "reason", "none"])
def test_failure_reason_wherever_adobe_puts_it(
    make_simulator: MakeSimulator, host_for: Host, field: str
) -> None:
    sim = make_simulator(job_durations=INSTANT, failing_jobs=1, failure_reason_field=field)
    message = failure(lambda: created(host_for(sim), news_for(sim, failedResends=0)))
    if field == "none":
        assert "Adobe gave no reason" in message
    else:
        assert "Adobe gave no reason" not in message

