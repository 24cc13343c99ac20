"""The Platform API client against the simulator, through real sockets."""

from __future__ import annotations

import email.utils
import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from providers.errors import (
    AuthenticationError,
    BadRequestError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    TransientError,
    WaitTimeoutError,
)
from providers.ims import ClientCredential, ImsTokenSource, StaticToken
from providers.key_identifier import KeyIdentifier, parse_key_identifier
from providers.platform_api import (
    ByokConfigDetails,
    PlatformClient,
    PollSchedule,
    byok_config_body,
    landed,
    parse_byok_config,
    platform_url_for_region,
)
from providers.transport import build_session
from tests.simulator import Fault, PlatformSimulator

KEY = parse_key_identifier("https://cmkvault.vault.azure.net/keys/adobe-cmk/" + "0a" * 16)
OTHER_KEY = parse_key_identifier("https://cmkvault.vault.azure.net/keys/other-key/" + "0b" * 16)

#: Fast polling for tests that wait for real simulator jobs.
FAST_POLL = PollSchedule(minimum=0.02, fraction=0.1, maximum=0.1)


def make_client(
    sim: PlatformSimulator,
    *,
    org_id: str | None = None,
    client_secret: str | None = None,
    **kwargs: Any,
) -> tuple[PlatformClient, ImsTokenSource]:
    """A client with its own session and token source, like one provider process has."""
    credential = ClientCredential(
        client_id=sim.client_id,
        client_secret=client_secret or sim.client_secret,
        ims_url=sim.ims_url,
    )
    session = build_session(
        ims_url=sim.ims_url,
        deadline_seconds=kwargs.pop("deadline", 30.0),
        backoff_factor=kwargs.pop("backoff", 0.01),
    )
    tokens = ImsTokenSource(credential, session)
    kwargs.setdefault("poll", FAST_POLL)
    kwargs.setdefault("backoff", lambda attempt: 0.01)
    client = PlatformClient(
        base_url=sim.url, org_id=org_id or sim.org_id, tokens=tokens, session=session, **kwargs
    )
    return client, tokens


class FakeClock:
    """A monotonic clock that only moves when slept on; ``sleeps`` records every sleep."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


@pytest.fixture
def client(simulator: PlatformSimulator) -> PlatformClient:
    return make_client(simulator)[0]


def statuses_at(sim: PlatformSimulator, route: str) -> list[int]:
    return [r.status for r in sim.requests if r.route == route]


# -- region and bodies (pure) ---------------------------------------------------------------------


def test_platform_url_for_region_va7_is_the_default_host() -> None:
    assert platform_url_for_region("va7") == "https://platform.adobe.io"


def test_platform_url_for_region_other_regions_get_their_own_host() -> None:
    assert platform_url_for_region("nld2") == "https://platform-nld2.adobe.io"


def test_platform_url_for_region_rejects_a_url() -> None:
    with pytest.raises(ValueError, match="not a Platform region"):
        platform_url_for_region("https://platform.adobe.io")


def test_byok_config_body_current_sends_key_vault_key_identifier() -> None:
    body = byok_config_body("cfg", "ORG@AdobeOrg", KEY, "current")
    assert body["configData"] == {
        "providerType": "AZURE_KEYVAULT",
        "keyVaultKeyIdentifier": KEY.versioned,
    }
    assert (body["type"], body["imsOrgId"], body["name"]) == ("BYOK_CONFIG", "ORG@AdobeOrg", "cfg")


def test_byok_config_body_beta_sends_key_vault_uri_and_key_name() -> None:
    body = byok_config_body("cfg", "ORG@AdobeOrg", KEY, "beta")
    assert body["configData"] == {
        "providerType": "AZURE_KEYVAULT",
        "keyVaultUri": KEY.versioned,
        "keyName": "adobe-cmk",
    }


def test_parse_byok_config_reads_the_seed_job_object_like_the_status_object() -> None:
    job = {
        "id": "042db66e",
        "jobType": "CustomerPolicyJob",
        "status": "CREATED",
        "jobData": {
            "x-request-id": "req-1",
            "config": {
                "name": "config1",
                "status": "NEW",
                "configData": {"keyVaultUri": KEY.versioned, "keyName": "adobe-cmk"},
            },
        },
    }
    status = {
        "name": "echo-is-unreliable",
        "status": "NEW",
        "id": "042db66e",
        "configData": {
            "keyVaultUri": "https://cmkvault.vault.azure.net",
            "keyName": "adobe-cmk",
            "keyVersion": KEY.version,
        },
    }
    from_job = parse_byok_config("config1", job)
    from_status = parse_byok_config("config1", status)
    assert from_job.request_id == "req-1"
    assert (from_job.name, from_job.status, from_job.vault_url, from_job.key_name) == (
        from_status.name,
        from_status.status,
        from_status.vault_url,
        from_status.key_name,
    )
    assert from_job.key_version == from_status.key_version == KEY.version


def _details(config_id: str, status: str, key: KeyIdentifier = KEY) -> ByokConfigDetails:
    return ByokConfigDetails("cfg", status, config_id, key.vault_url, key.name, key.version or "")


def test_landed_when_nothing_was_there_or_the_id_changed() -> None:
    assert landed(_details("1", "NEW"), None, KEY)
    assert landed(_details("2", "NEW"), _details("1", "COMPLETED", OTHER_KEY), KEY)


def test_landed_when_updated_in_place_from_failed_or_another_key() -> None:
    assert landed(_details("1", "NEW"), _details("1", "FAILED"), KEY)
    assert landed(_details("1", "RUNNING"), _details("1", "COMPLETED", OTHER_KEY), KEY)


def test_not_landed_when_unchanged() -> None:
    assert not landed(_details("1", "FAILED"), _details("1", "FAILED"), KEY)
    assert not landed(
        _details("1", "COMPLETED", OTHER_KEY), _details("1", "COMPLETED", OTHER_KEY), KEY
    )


def test_poll_schedule_is_five_seconds_then_a_tenth_of_the_wait_up_to_thirty() -> None:
    schedule = PollSchedule()
    assert [schedule.interval(t) for t in (0, 10, 49)] == [5.0, 5.0, 5.0]
    assert schedule.interval(100) == pytest.approx(10.0)
    assert [schedule.interval(t) for t in (300, 3600)] == [30.0, 30.0]


def test_poll_schedule_can_be_fixed() -> None:
    fixed = PollSchedule(minimum=5, fraction=0, maximum=5)
    assert {fixed.interval(t) for t in (0, 60, 3600)} == {5}


# -- tokens ---------------------------------------------------------------------------------------


def test_token_is_reused_across_threads(simulator: PlatformSimulator) -> None:
    client, tokens = make_client(simulator)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                client.get_app_registration()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert simulator.count("POST", "token") == 1
    assert simulator.count("GET", "app-registration") == 24
    assert tokens.minted == 1


def test_token_is_renewed_shortly_before_it_expires(make_simulator: Callable[..., Any]) -> None:
    sim = make_simulator(token_lifetime=1.0)
    client, tokens = make_client(sim)
    client.get_app_registration()
    time.sleep(1.0)
    client.get_app_registration()
    assert tokens.minted == 2
    assert statuses_at(sim, "app-registration") == [200, 200], "no request saw a stale token"


def test_token_revoked_midway_is_renewed_once(simulator: PlatformSimulator) -> None:
    client, tokens = make_client(simulator)
    client.get_app_registration()
    simulator.revoke_tokens()
    assert client.get_app_registration() is not None
    assert tokens.minted == 2
    assert statuses_at(simulator, "app-registration") == [200, 401, 200]


def test_static_token_refused_raises_authentication_error(simulator: PlatformSimulator) -> None:
    token = simulator.issue_token()
    client = PlatformClient(
        base_url=simulator.url, org_id=simulator.org_id, tokens=StaticToken(token)
    )
    assert client.get_app_registration() is not None
    simulator.revoke_tokens()
    with pytest.raises(AuthenticationError, match="adobe-cmk:accessToken") as caught:
        client.get_app_registration()
    assert token not in str(caught.value)


def test_wrong_client_secret_raises_authentication_error(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, client_secret="wrong-secret-value")
    with pytest.raises(AuthenticationError, match="adobe-cmk:clientSecret") as caught:
        client.get_app_registration()
    assert caught.value.status == 401
    assert "wrong-secret-value" not in str(caught.value)
    assert simulator.count("POST", "token") == 1, "a refused credential is not retried"


def test_token_endpoint_5xx_is_retried(simulator: PlatformSimulator) -> None:
    simulator.inject("token", Fault("status", status=503, count=2))
    client, tokens = make_client(simulator)
    assert client.get_app_registration() is not None
    assert simulator.count("POST", "token") == 3
    assert tokens.minted == 1


# -- headers --------------------------------------------------------------------------------------


def test_requests_carry_the_platform_headers(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.create_byok_config("cfg", KEY)
    client.get_byok_config("cfg")
    post = next(r for r in simulator.requests if r.route == "config")
    get = next(r for r in simulator.requests if r.route == "config-status")
    for request in (post, get):
        assert request.headers["x-api-key"] == "acp_provisioning"
        assert request.headers["x-gw-ims-org-id"] == simulator.org_id
        assert request.headers["Authorization"] == "Bearer ***"
    assert post.headers["Content-Type"] == "application/json"
    assert get.query == {"configType": "BYOK_CONFIG"}


def test_wrong_org_raises_permission_denied_with_adobe_code(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, org_id="OTHER0000000@AdobeOrg")
    with pytest.raises(PermissionDeniedError) as caught:
        client.get_byok_config("cfg")
    message = str(caught.value)
    assert "403025" in message and "HTTP 403" in message and "x-request-id: " in message


# -- transient faults on GET ----------------------------------------------------------------------


def test_get_429_honours_retry_after_seconds(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("status", status=429, retry_after="1"))
    started = time.monotonic()
    assert client.get_app_registration() is not None
    assert time.monotonic() - started >= 0.9
    assert statuses_at(simulator, "app-registration") == [429, 200]


def test_get_429_honours_retry_after_http_date(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    simulator.inject("app-registration", Fault("status", status=429, retry_after=when))
    started = time.monotonic()
    assert client.get_app_registration() is not None
    assert time.monotonic() - started >= 0.5
    assert statuses_at(simulator, "app-registration") == [429, 200]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_5xx_is_retried(
    simulator: PlatformSimulator, client: PlatformClient, status: int
) -> None:
    simulator.inject("app-registration", Fault("status", status=status, count=2))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [status, status, 200]


def test_get_dropped_connection_is_retried(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("drop"))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [0, 200]


def test_get_read_timeout_is_retried(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, timeout=(2.0, 0.3))
    simulator.inject("app-registration", Fault("slow", delay=1.0))
    assert client.get_app_registration() is not None
    assert simulator.count("GET", "app-registration") == 2


def test_get_retries_are_bounded_by_attempts(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config-status", Fault("status", status=503, count=50))
    with pytest.raises(TransientError) as caught:
        client.get_byok_config("cfg")
    assert simulator.count("GET", "config-status") == 6, "first attempt and five retries"
    assert "HTTP 503" in str(caught.value) and "x-request-id: " in str(caught.value)


def test_get_retry_after_beyond_the_deadline_fails_at_once(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, deadline=2.0)
    simulator.inject("config-status", Fault("status", status=429, retry_after="60"))
    started = time.monotonic()
    with pytest.raises(TransientError, match="HTTP 429"):
        client.get_byok_config("cfg")
    assert time.monotonic() - started < 1.5, "did not sleep toward a Retry-After past the deadline"
    assert simulator.count("GET", "config-status") == 1


def test_get_malformed_json_is_read_again(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("malformed_json"))
    assert client.get_app_registration() is not None
    assert statuses_at(simulator, "app-registration") == [200, 200]


def test_get_malformed_json_every_time_raises_transient_error(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("app-registration", Fault("malformed_json", count=50))
    with pytest.raises(TransientError, match="not valid JSON"):
        client.get_app_registration()
    assert simulator.count("GET", "app-registration") == 6, "first attempt and five more"


def test_post_lost_and_lookup_failing_is_not_sent_again(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, deadline=1.0)
    simulator.inject("config", Fault("drop", after_processing=True))
    simulator.inject("config-status", Fault("status", status=503, count=50))
    with pytest.raises(TransientError, match="it was not sent again") as caught:
        client.create_byok_config("cfg", KEY)
    assert "pulumi up" in str(caught.value)
    assert simulator.count("POST", "config") == 1


# -- permanent errors -----------------------------------------------------------------------------


def test_not_found_is_none_for_get_byok_config(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    assert client.get_byok_config("absent") is None
    assert statuses_at(simulator, "config-status") == [404]


def test_post_400_fails_fast_with_adobe_detail(make_simulator: Callable[..., Any]) -> None:
    sim = make_simulator(config_generation="beta")
    client, _ = make_client(sim)
    with pytest.raises(BadRequestError) as caught:
        client.create_byok_config("cfg", KEY, "current")
    message = str(caught.value)
    assert "HTTP 400" in message and "configData" in message and "x-request-id: " in message
    assert "\n" not in message
    assert sim.count("POST", "config") == 1


def test_post_403_fails_fast(simulator: PlatformSimulator, client: PlatformClient) -> None:
    simulator.inject("config", Fault("status", status=403))
    with pytest.raises(PermissionDeniedError):
        client.create_byok_config("cfg", KEY)
    assert simulator.count("POST", "config") == 1


# -- never POST twice -----------------------------------------------------------------------------


def test_post_both_generations_are_accepted(make_simulator: Callable[..., Any]) -> None:
    for generation in ("current", "beta"):
        sim = make_simulator(config_generation=generation)
        client, _ = make_client(sim)
        details = client.create_byok_config("cfg", KEY, generation)
        assert details.status in {"NEW", "CREATED"}
        assert details.refers_to(KEY), generation
        assert details.key_version == KEY.version, generation


def test_post_answer_lost_after_processing_is_not_sent_again(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("drop", after_processing=True))
    details = client.create_byok_config("cfg", KEY)
    assert simulator.count("POST", "config") == 1
    assert list(simulator.configs) == ["cfg"]
    assert details.config_id == simulator.configs["cfg"]["id"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_5xx_after_processing_is_not_sent_again(
    simulator: PlatformSimulator, client: PlatformClient, status: int
) -> None:
    simulator.inject("config", Fault("status", status=status, after_processing=True))
    client.create_byok_config("cfg", KEY)
    assert simulator.count("POST", "config") == 1


def test_post_timeout_after_processing_is_not_sent_again(simulator: PlatformSimulator) -> None:
    client, _ = make_client(simulator, timeout=(2.0, 0.3))
    simulator.inject("config", Fault("slow", delay=1.0, after_processing=True))
    client.create_byok_config("cfg", KEY)
    assert simulator.count("POST", "config") == 1


def test_post_lost_before_processing_is_sent_again_once(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("drop"))
    details = client.create_byok_config("cfg", KEY)
    assert simulator.count("POST", "config") == 2
    assert details.refers_to(KEY)


def test_post_replacing_a_failed_config_tells_old_from_new(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.create_byok_config("cfg", OTHER_KEY)
    before = client.get_byok_config("cfg")
    assert before is not None
    # Lost before processing: the old configuration is still there, so the lookup must not
    # mistake it for the new one.
    simulator.inject("config", Fault("drop"))
    client.create_byok_config("cfg", KEY, previous=before)
    assert simulator.count("POST", "config") == 3
    assert simulator.configs["cfg"]["id"] != before.config_id


def test_post_429_is_sent_again_after_retry_after(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.inject("config", Fault("status", status=429, retry_after="1"))
    started = time.monotonic()
    client.create_byok_config("cfg", KEY)
    assert time.monotonic() - started >= 0.9
    assert statuses_at(simulator, "config") == [429, 200]
    assert simulator.count("GET", "config-status") == 0, "a 429 needs no lookup"


def test_post_401_renews_the_token_and_sends_once_more(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.get_byok_config("warm-up")
    simulator.revoke_tokens()
    client.create_byok_config("cfg", KEY)
    assert statuses_at(simulator, "config") == [401, 200]
    assert len(simulator.configs) == 1


# -- app registration -----------------------------------------------------------------------------


def test_app_registration_current_answers_at_once(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    details = client.get_app_registration()
    assert details is not None
    assert details.application_id == "e463a445-c6ac-4ca2-b36a-b5146fcf6a52"
    assert details.consent_url.startswith("https://login.microsoftonline.com/common/")


def test_app_registration_beta_is_started_then_waited_for(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.2)
    client, _ = make_client(sim)
    assert client.get_app_registration() is None
    client.start_app_registration()
    details = client.wait_for_app_registration(timeout_seconds=10)
    assert details.application_id
    assert sim.count("POST", "app-registration") == 1
    assert statuses_at(sim, "app-registration")[-1] == 200


def test_app_registration_beta_start_is_sent_again_after_a_lost_answer(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.1)
    client, _ = make_client(sim)
    sim.inject("app-registration", Fault("status", status=503, method="POST"))
    sim.inject("app-registration", Fault("drop", method="POST"))
    client.start_app_registration()
    assert [r.status for r in sim.requests if r.route == "app-registration"] == [503, 0, 200]
    assert client.wait_for_app_registration(timeout_seconds=10).application_id


def test_app_registration_beta_wait_rides_out_transient_errors(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(app_generation="beta", app_registration_delay=0.1)
    client, _ = make_client(sim)
    client.start_app_registration()
    sim.inject("app-registration", Fault("status", status=503, count=10, method="GET"))
    assert client.wait_for_app_registration(timeout_seconds=10).application_id


# -- waiting for a configuration ------------------------------------------------------------------


def test_wait_reports_each_status_change_until_completed(
    make_simulator: Callable[..., Any],
) -> None:
    sim = make_simulator(job_durations=(0.3, 0.3, 0.3))
    client, _ = make_client(sim)
    client.create_byok_config("cfg", KEY)
    seen: list[str] = []
    details = client.wait_for_byok_config("cfg", 30, on_status=lambda d: seen.append(d.status))
    assert details.status == "COMPLETED"
    assert seen == ["NEW", "RUNNING", "UPDATE_EXISTING_RESOURCES", "COMPLETED"]


def test_wait_raises_job_failed_with_adobe_reason(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    simulator.mark_bad_key(KEY.versionless)
    client.create_byok_config("cfg", KEY)
    with pytest.raises(JobFailedError) as caught:
        client.wait_for_byok_config("cfg", 30)
    message = str(caught.value)
    assert "'cfg' FAILED" in message and "Unable to access key vault key" in message
    assert "x-request-id: " in message


def test_wait_survives_transient_faults(
    simulator: PlatformSimulator, client: PlatformClient
) -> None:
    client.create_byok_config("cfg", KEY)
    simulator.inject("config-status", Fault("malformed_json"))
    simulator.inject("config-status", Fault("status", status=503, count=2))
    assert client.wait_for_byok_config("cfg", 30).status == "COMPLETED"


def test_wait_treats_an_undocumented_status_as_pending(
    simulator: PlatformSimulator, client: PlatformClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.create_byok_config("cfg", KEY)
    simulator.set_config_status("cfg", "VALIDATING")
    seen: list[str] = []

    def on_status(details: ByokConfigDetails) -> None:
        seen.append(details.status)
        if details.status == "VALIDATING":
            simulator.set_config_status("cfg", "COMPLETED")

    assert client.wait_for_byok_config("cfg", 30, on_status=on_status).status == "COMPLETED"
    assert seen == ["VALIDATING", "COMPLETED"]
    assert "'VALIDATING' is not one Adobe documents" in caplog.text


def test_wait_deadline_names_config_and_last_status(simulator: PlatformSimulator) -> None:
    clock = FakeClock()
    sleeps = clock.sleeps
    client, _ = make_client(simulator, poll=PollSchedule(), clock=clock.now, sleep=clock.sleep)
    client.create_byok_config("cfg", KEY)
    simulator.set_config_status("cfg", "RUNNING")
    with pytest.raises(WaitTimeoutError) as caught:
        client.wait_for_byok_config("cfg", 60)
    assert "'cfg' is still RUNNING" in str(caught.value)
    assert caught.value.last_status == "RUNNING"
    assert sum(sleeps) == pytest.approx(60.0), "waited exactly to the deadline, never past it"
    assert sleeps[:10] == [5.0] * 10, "every 5 s while the wait is short"
    assert simulator.count("GET", "config-status") == len(sleeps) + 1


def test_wait_for_an_hour_costs_far_fewer_checks_than_fixed_polling(
    simulator: PlatformSimulator,
) -> None:
    clock = FakeClock()
    sleeps = clock.sleeps
    client, _ = make_client(simulator, poll=PollSchedule(), clock=clock.now, sleep=clock.sleep)
    client.create_byok_config("cfg", KEY)
    simulator.set_config_status("cfg", "UPDATE_EXISTING_RESOURCES")
    with pytest.raises(WaitTimeoutError):
        client.wait_for_byok_config("cfg", 3600)
    gets = simulator.count("GET", "config-status")
    assert 130 <= gets <= 150, f"{gets} checks in an hour (fixed 5 s polling: 721)"
    assert max(sleeps) == 30.0
    # Never late by more than a tenth of the time waited (or 5 s).
    waited = 0.0
    for seconds in sleeps:
        assert seconds <= max(5.0, 0.1 * waited) + 1e-9
        waited += seconds


# -- secrets --------------------------------------------------------------------------------------


def test_no_secret_or_token_in_errors_reprs_or_logs(
    simulator: PlatformSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, tokens = make_client(simulator)
    raised: list[PlatformError] = []
    client.create_byok_config("cfg", KEY)
    simulator.revoke_tokens()
    simulator.inject("config-status", Fault("status", status=503, count=10))
    for action in (
        lambda: client.get_byok_config("cfg"),
        lambda: make_client(simulator, client_secret="not-the-secret")[0].get_app_registration(),
        lambda: make_client(simulator, org_id="OTHER0000000@AdobeOrg")[0].get_byok_config("x"),
    ):
        with pytest.raises(PlatformError) as caught:
            action()
        raised.append(caught.value)
    texts = [caplog.text, repr(client), repr(tokens)]
    for error in raised:
        texts += [str(error), repr(error), repr(pickle.loads(pickle.dumps(error)))]
    secrets = [simulator.client_secret, "not-the-secret", *simulator.issued_tokens]
    assert len(simulator.issued_tokens) >= 2
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert all("\n" not in str(error) for error in raised)


def test_errors_survive_pickling_with_their_fields() -> None:
    error = JobFailedError("boom", method="GET", path="/x", status=200, code="c", request_id="r")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.request_id) == (JobFailedError, str(error), "r")


def test_error_classes_map_from_status() -> None:
    from providers.errors import error_class_for_status

    assert error_class_for_status(404) is NotFoundError
    assert error_class_for_status(503) is TransientError
    assert error_class_for_status(422) is BadRequestError
