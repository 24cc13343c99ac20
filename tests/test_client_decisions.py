"""The client's pure parts: decisions, parsed answers, bodies, the poll schedule and loop (on a
fake clock), ``Retry-After``, token lifetimes and errors. No network."""

from __future__ import annotations

import math
import pickle

import pytest

from cmk_facts import platform_url_for_region
from providers.key_identifier import KeyIdentifier
from providers.platform.decisions import (
    FAILED_RESEND_DELAYS_SECONDS,
    Action,
    about_this_post,
    decide_create,
    failed_resend_delay,
    refused_resend,
    retry_after_seconds,
)
from providers.platform.errors import (
    BadRequestError,
    JobFailedError,
    NotFoundError,
    TransientError,
    error_class_for_status,
    one_line,
)
from providers.platform.ims import ASSUMED_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS, lifetime_of
from providers.platform.models import (
    ByokConfigDetails,
    Unreadable,
    byok_config_body,
    carries_configuration,
    decode_json,
    parse_byok_config,
)
from providers.platform.polling import PollSchedule, poll_until, sleep_within
from tests.client_support import KEY, OTHER_KEY, FakeClock

# -- region and bodies ----------------------------------------------------------------------------


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


# -- parsed answers -------------------------------------------------------------------------------

JOB = {
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
STATUS_WITHOUT_IDENTIFIER = {
    "name": "echo-is-unreliable",
    "status": "NEW",
    "id": "042db66e",
    "configData": {
        "keyVaultUri": "https://cmkvault.vault.azure.net",
        "keyName": "adobe-cmk",
        "keyVersion": KEY.version,
    },
}


def test_parse_byok_config_reads_the_beta_job_object_like_the_status_object() -> None:
    from_job = parse_byok_config("config1", JOB)
    from_status = parse_byok_config("config1", STATUS_WITHOUT_IDENTIFIER)
    assert from_job.request_id == "req-1"
    assert (from_job.name, from_job.status, from_job.vault_url) == (
        from_status.name,
        from_status.status,
        from_status.vault_url,
    )
    assert from_job.key == KEY
    assert from_job.config_id == "", "a job's id is not the configuration's"


def test_parse_byok_config_without_a_full_identifier_names_no_key() -> None:
    details = parse_byok_config("config1", STATUS_WITHOUT_IDENTIFIER)
    assert details.key is None, "keyName and keyVersion alone are no evidence"
    assert details.holds(KEY) is None
    assert details.config_id == "042db66e"


def test_parse_byok_config_reads_a_non_hex_version_token() -> None:
    body = {"status": "COMPLETED", "configData": {"keyVaultKeyIdentifier": KEY.versionless + "/v1"}}
    details = parse_byok_config("cfg", body)
    assert details.key is not None and details.key.version == "v1"
    assert details.holds(KEY) is True


def test_parse_byok_config_reads_the_reason_wherever_it_is() -> None:
    for field in ("errorMessage", "message", "reason"):
        body = {"status": "FAILED", field: "Unable to\naccess key"}
        assert parse_byok_config("cfg", body).reason == "Unable to access key"


def test_parse_byok_config_keeps_a_status_to_one_upper_case_word() -> None:
    details = parse_byok_config("cfg", {"status": "running\n[INFO] BYOK configuration cfg is"})
    assert "\n" not in details.status and " " not in details.status
    assert details.status.startswith("RUNNING")


@pytest.mark.parametrize("body", [[1, 2], "COMPLETED", 3, None])
def test_parse_byok_config_refuses_what_is_not_an_object(body: object) -> None:
    with pytest.raises(Unreadable):
        parse_byok_config("cfg", body)


@pytest.mark.parametrize(
    ("body", "carries"), [(None, False), ({}, False), ({"status": "NEW"}, True)]
)
def test_carries_configuration_empty_answers_carry_none(body: object, carries: bool) -> None:
    assert carries_configuration(body) is carries


@pytest.mark.parametrize("body", [[], {"unrelated": 1}, "text"])
def test_carries_configuration_refuses_other_shapes(body: object) -> None:
    with pytest.raises(Unreadable):
        carries_configuration(body)


@pytest.mark.parametrize(
    "content", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000]
)
def test_decode_json_nested_too_deep_is_unreadable(content: bytes) -> None:
    with pytest.raises(Unreadable, match="not valid JSON"):
        decode_json(content)


# -- decisions ------------------------------------------------------------------------------------


def _details(config_id: str, status: str, key: KeyIdentifier | None = KEY) -> ByokConfigDetails:
    return ByokConfigDetails("cfg", status, config_id, key)


def test_about_this_post_when_nothing_was_there_or_the_id_changed() -> None:
    assert about_this_post(_details("1", "NEW"), None, KEY)
    assert about_this_post(_details("2", "NEW"), _details("1", "COMPLETED", OTHER_KEY), KEY)


def test_about_this_post_when_updated_in_place_from_failed_or_another_key() -> None:
    assert about_this_post(_details("1", "NEW"), _details("1", "FAILED"), KEY)
    assert about_this_post(_details("1", "COMPLETED"), _details("1", "COMPLETED", OTHER_KEY), KEY)


def test_about_this_post_once_a_pending_status_was_seen() -> None:
    previous = _details("1", "COMPLETED")
    assert not about_this_post(_details("1", "COMPLETED"), previous, KEY)
    assert about_this_post(_details("1", "COMPLETED"), previous, KEY, pending_seen=True)


def test_not_about_this_post_when_unchanged() -> None:
    assert not about_this_post(_details("1", "FAILED"), _details("1", "FAILED"), KEY)
    assert not about_this_post(
        _details("1", "COMPLETED", OTHER_KEY), _details("1", "COMPLETED", OTHER_KEY), KEY
    )


def test_not_about_this_post_when_the_answer_names_no_key_and_nothing_changed() -> None:
    previous = _details("1", "COMPLETED", OTHER_KEY)
    assert not about_this_post(_details("1", "COMPLETED", None), previous, KEY)


@pytest.mark.parametrize(
    ("existing", "action"),
    [
        (None, Action.POST),
        (_details("1", "FAILED"), Action.POST),
        (_details("1", "COMPLETED", OTHER_KEY), Action.POST),
        (_details("1", "RUNNING", OTHER_KEY), Action.POST),
        (_details("1", "COMPLETED"), Action.ADOPT),
        (_details("1", "COMPLETED", None), Action.ADOPT),
        (_details("1", "RUNNING"), Action.WAIT),
        (_details("1", "VALIDATING", None), Action.WAIT),
    ],
)
def test_decide_create(existing: ByokConfigDetails | None, action: Action) -> None:
    assert decide_create(existing, KEY) is action


def test_refused_resend_is_409_or_a_400_saying_it_exists() -> None:
    assert refused_resend(409, "", existed=True)
    assert refused_resend(400, "Configuration already EXISTS", existed=True)
    assert not refused_resend(400, "configData.keyVaultKeyIdentifier is required", existed=True)
    assert not refused_resend(400, "the key does not exist", existed=True)
    assert not refused_resend(503, "already exists", existed=True)


def test_nothing_existed_is_never_a_refused_resend() -> None:
    assert not refused_resend(409, "", existed=False)
    assert not refused_resend(400, "Configuration already exists", existed=False)


def test_failed_resend_delay_grows_then_stays() -> None:
    delays = [failed_resend_delay(n) for n in (1, 2, 3, 9)]
    assert delays == [120.0, 300.0, 300.0, 300.0]
    assert delays[:2] == list(FAILED_RESEND_DELAYS_SECONDS)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 7 ", 7.0),
        ("", 1.0),
        ("-5", 1.0),
        ("1.5", 1.0),
        ("99999999999999999999999999", 121.0),
        ("\uff13", 1.0),  # a full-width digit: isdigit() but not ASCII
        ("\u0663", 1.0),  # an Arabic-Indic digit
        ("soon", 1.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
        ("Fri, 31 Dec 9999 23:59:59 GMT", 121.0),
    ],
)
def test_retry_after_seconds_is_within_zero_and_the_cap(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, now=1.7e9, default=1.0, cap=121.0) == seconds


# -- polling --------------------------------------------------------------------------------------


def test_poll_schedule_is_five_seconds_then_a_tenth_of_the_wait_up_to_thirty() -> None:
    schedule = PollSchedule()
    assert [schedule.interval(t) for t in (0, 10, 49)] == [5.0, 5.0, 5.0]
    assert schedule.interval(100) == pytest.approx(10.0)
    assert [schedule.interval(t) for t in (300, 3600)] == [30.0, 30.0]


def test_poll_schedule_can_be_fixed() -> None:
    fixed = PollSchedule(minimum=5, fraction=0, maximum=5)
    assert {fixed.interval(t) for t in (0, 60, 3600)} == {5}


def test_poll_until_checks_at_once_and_returns_the_first_result() -> None:
    clock = FakeClock()
    seen: list[float] = []

    def check(elapsed: float) -> str | None:
        seen.append(elapsed)
        return "done" if elapsed >= 12 else None

    assert poll_until(check, timeout=60, schedule=PollSchedule(), clock=clock.clock) == "done"
    assert seen == [0.0, 5.0, 10.0, 15.0]


def test_poll_until_ends_with_a_check_on_the_deadline() -> None:
    clock = FakeClock()
    seen: list[float] = []

    def check(elapsed: float) -> None:
        seen.append(elapsed)

    assert poll_until(check, timeout=12, schedule=PollSchedule(), clock=clock.clock) is None
    assert seen == [0.0, 5.0, 10.0, 12.0]
    assert clock.sleeps == [5.0, 5.0, 2.0]


def test_sleep_within_never_sleeps_past_the_deadline() -> None:
    clock = FakeClock()
    assert sleep_within(clock.clock, 10.0, 4.0)
    assert not sleep_within(clock.clock, 10.0, 7.0)
    assert clock.sleeps == [4.0]


# -- token lifetimes ------------------------------------------------------------------------------


@pytest.mark.parametrize("expires_in", [0, -1, "-1", math.nan, "NaN", math.inf, None, "soon", []])
def test_lifetime_of_an_unbelievable_expires_in_is_assumed(expires_in: object) -> None:
    assert lifetime_of(expires_in) == ASSUMED_LIFETIME_SECONDS


def test_lifetime_of_is_bounded() -> None:
    assert lifetime_of(1) == 60.0, "never a token per call"
    assert lifetime_of("86399") == 86399.0
    assert lifetime_of(10**9) == MAX_LIFETIME_SECONDS


# -- errors ---------------------------------------------------------------------------------------


def test_errors_survive_pickling_with_their_fields() -> None:
    error = JobFailedError("boom", method="GET", path="/x", status=200, code="c", request_id="r")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.request_id) == (JobFailedError, str(error), "r")


def test_error_classes_map_from_status() -> None:
    assert error_class_for_status(404) is NotFoundError
    assert error_class_for_status(503) is TransientError
    assert error_class_for_status(422) is BadRequestError


def test_error_text_is_one_bounded_line() -> None:
    error = BadRequestError(
        "line one\r\nline two\u2028" + "x" * 5000,
        method="POST",
        path="/p",
        status=400,
        code="400\nFORGED",
        request_id="id\n2",
    )
    text = str(error)
    assert "\n" not in text and "\r" not in text and "\u2028" not in text
    assert len(text) < 1400
    assert "[400 FORGED]" in text


def test_one_line_cuts_to_its_limit() -> None:
    assert one_line("a\nb" * 10, 6) == "a ba …"
    assert len(one_line("y" * 1000, 20)) == 20
