"""Pure unit tests of the BYOK decisions: ``decide_diff``, ``decide_create`` and ``check``.

No I/O: these functions run in the preview, where nothing may call Adobe. The same rules are
exercised over gRPC against the simulator in ``test_byok_config.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from cmk_facts import MAX_WAIT_MINUTES
from providers.app_registration import AppRegistrationProvider
from providers.byok_config import ByokConfigProvider, decide_diff, status_note
from providers.key_identifier import parse_key_identifier
from providers.platform.decisions import Action, decide_create
from providers.platform.models import ByokConfigDetails

VERSION_1 = "0123456789abcdef0123456789abcdef"
VERSION_2 = "fedcba9876543210fedcba9876543210"
KEY = f"https://cmk-vault.vault.azure.net/keys/cmk-key/{VERSION_1}"
KEY_NEW_VERSION = f"https://cmk-vault.vault.azure.net/keys/cmk-key/{VERSION_2}"
KEY_OTHER_NAME = f"https://cmk-vault.vault.azure.net/keys/other-key/{VERSION_1}"
KEY_OTHER_VAULT = f"https://other-vault.vault.azure.net/keys/cmk-key/{VERSION_1}"
HSM_KEY = f"https://cmk-hsm.managedhsm.azure.net/keys/cmk-key/{VERSION_1}"


def inputs(**overrides: Any) -> dict[str, Any]:
    """Valid ByokConfig inputs, as ``check`` receives them (numbers arrive as floats)."""
    values: dict[str, Any] = {
        "orgId": "1234ABCD5678@AdobeOrg",
        "platformUrl": "https://platform.adobe.io",
        "configName": "cmk-config_1",
        "keyIdentifier": KEY,
        "apiGeneration": "current",
        "waitTimeoutMinutes": 60.0,
    }
    values.update(overrides)
    return values


def state(**overrides: Any) -> dict[str, Any]:
    """Outputs of a completed configuration for :func:`inputs` (what ``diff`` gets as olds)."""
    outputs = {
        **inputs(),
        "status": "COMPLETED",
        "configId": "4df7886b-0000-0000-0000-000000000000",
        "keyVaultUrl": "https://cmk-vault.vault.azure.net",
        "keyName": "cmk-key",
        "keyVersion": VERSION_1,
    }
    outputs.update(overrides)
    return outputs


def details(status: str = "COMPLETED", key: str = KEY) -> ByokConfigDetails:
    parsed = parse_key_identifier(key)
    return ByokConfigDetails(
        name="cmk-config_1",
        status=status,
        config_id="4df7886b-0000-0000-0000-000000000000",
        key=parsed,
        vault_url=parsed.vault_url,
    )


# ---- decide_diff ------------------------------------------------------------------------------


def test_decide_diff_same_inputs_is_no_change() -> None:
    assert decide_diff(state(), inputs()) == ([], [])


def test_decide_diff_new_key_version_is_no_change() -> None:
    assert decide_diff(state(), inputs(keyIdentifier=KEY_NEW_VERSION)) == ([], [])


def test_decide_diff_key_name_in_other_case_is_no_change() -> None:
    # Key Vault names are case-insensitive: CMK-KEY is the same key as cmk-key.
    other_case = f"https://CMK-VAULT.vault.azure.net/keys/CMK-KEY/{VERSION_2}"
    assert decide_diff(state(), inputs(keyIdentifier=other_case)) == ([], [])


@pytest.mark.parametrize("key", [KEY_OTHER_NAME, KEY_OTHER_VAULT, HSM_KEY])
def test_decide_diff_other_key_is_update_without_replace(key: str) -> None:
    assert decide_diff(state(), inputs(keyIdentifier=key)) == (["keyIdentifier"], [])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("orgId", "9999ZZZZ0000@AdobeOrg"),
        ("platformUrl", "https://platform-nld2.adobe.io"),
        ("configName", "cmk-config_2"),
    ],
)
def test_decide_diff_identity_change_is_replace(name: str, value: str) -> None:
    assert decide_diff(state(), inputs(**{name: value})) == ([name], [name])


@pytest.mark.parametrize(
    ("name", "value"), [("waitTimeoutMinutes", 5.0), ("apiGeneration", "beta")]
)
def test_decide_diff_local_only_change_is_no_change(name: str, value: Any) -> None:
    assert decide_diff(state(), inputs(**{name: value})) == ([], [])


def test_decide_diff_failed_status_is_update_without_replace() -> None:
    assert decide_diff(state(status="FAILED"), inputs()) == (["keyIdentifier"], [])


def test_decide_diff_failed_status_with_other_key_lists_key_once() -> None:
    changes, replaces = decide_diff(state(status="FAILED"), inputs(keyIdentifier=KEY_OTHER_NAME))
    assert (changes, replaces) == (["keyIdentifier"], [])


@pytest.mark.parametrize("status", ["NEW", "RUNNING", "UPDATE_EXISTING_RESOURCES"])
def test_decide_diff_pending_status_is_waited_for_again(status: str) -> None:
    assert decide_diff(state(status=status), inputs()) == (["status"], [])


@pytest.mark.parametrize("status", ["", "SOMETHING"])
def test_decide_diff_undocumented_status_is_no_change(status: str) -> None:
    # Only a documented running status makes `up` wait again; anything else would be a diff on
    # every preview that no `up` could settle.
    assert decide_diff(state(status=status), inputs()) == ([], [])


def test_decide_diff_unknown_key_is_update_without_replace() -> None:
    assert decide_diff(state(), inputs(keyIdentifier=Unknown())) == (["keyIdentifier"], [])


def test_decide_diff_unknown_config_name_is_replace() -> None:
    assert decide_diff(state(), inputs(configName=Unknown())) == (["configName"], ["configName"])


def test_decide_diff_unknown_local_only_input_is_no_change() -> None:
    news = inputs(waitTimeoutMinutes=Unknown(), apiGeneration=Unknown())
    assert decide_diff(state(), news) == ([], [])


def test_decide_diff_state_without_key_is_update() -> None:
    olds = state()
    del olds["keyIdentifier"]
    assert decide_diff(olds, inputs()) == (["keyIdentifier"], [])


# ---- decide_create ----------------------------------------------------------------------------


def test_decide_create_absent_configuration_posts() -> None:
    assert decide_create(None, parse_key_identifier(KEY)) is Action.POST


def test_decide_create_completed_same_key_adopts() -> None:
    assert decide_create(details("COMPLETED"), parse_key_identifier(KEY)) is Action.ADOPT


def test_decide_create_completed_same_key_other_version_adopts() -> None:
    key = parse_key_identifier(KEY_NEW_VERSION)
    assert decide_create(details("COMPLETED"), key) is Action.ADOPT


@pytest.mark.parametrize("status", ["NEW", "CREATED", "RUNNING", "UPDATE_EXISTING_RESOURCES", ""])
def test_decide_create_pending_same_key_waits(status: str) -> None:
    assert decide_create(details(status), parse_key_identifier(KEY)) is Action.WAIT


def test_decide_create_failed_same_key_posts() -> None:
    assert decide_create(details("FAILED"), parse_key_identifier(KEY)) is Action.POST


@pytest.mark.parametrize("status", ["COMPLETED", "RUNNING"])
@pytest.mark.parametrize("key", [KEY_OTHER_NAME, KEY_OTHER_VAULT])
def test_decide_create_other_key_posts(status: str, key: str) -> None:
    assert decide_create(details(status), parse_key_identifier(key)) is Action.POST


# ---- check ------------------------------------------------------------------------------------


def failures_of(news: dict[str, Any]) -> list[tuple[str, str]]:
    result = ByokConfigProvider().check({}, news)
    return [(f.property, f.reason) for f in result.failures]


def test_check_valid_inputs_pass() -> None:
    assert failures_of(inputs()) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"keyIdentifier": HSM_KEY},
        {"platformUrl": "http://127.0.0.1:8080"},
        {"platformUrl": "https://platform-nld2.adobe.io"},
        {"apiGeneration": "beta"},
        {"waitTimeoutMinutes": float(MAX_WAIT_MINUTES)},
        {"waitTimeoutMinutes": 0.01},
        {"configName": "A" * 64},
    ],
)
def test_check_valid_variants_pass(overrides: dict[str, Any]) -> None:
    assert failures_of(inputs(**overrides)) == []


def test_check_unknown_inputs_pass() -> None:
    news = {name: Unknown() for name in inputs()}
    assert failures_of(news) == []


INVALID = [
    ("orgId", "1234ABCD5678"),
    ("orgId", "1234ABCD5678@adobe.com"),
    ("orgId", None),
    ("platformUrl", "http://platform.adobe.io"),
    ("platformUrl", "platform.adobe.io"),
    ("platformUrl", ""),
    ("apiGeneration", "v2"),
    ("apiGeneration", None),
    ("configName", "has space"),
    ("configName", "a/b"),
    ("configName", ""),
    ("configName", "A" * 65),
    ("configName", None),
    ("keyIdentifier", "https://cmk-vault.vault.azure.net/keys/cmk-key"),
    ("keyIdentifier", f"https://cmk-vault.example.com/keys/cmk-key/{VERSION_1}"),
    ("keyIdentifier", "https://cmk-vault.vault.azure.net/keys/cmk-key/notaversion"),
    ("keyIdentifier", f"https://cmk-vault.vault.azure.net/secrets/cmk-key/{VERSION_1}"),
    ("keyIdentifier", ""),
    ("keyIdentifier", None),
    ("waitTimeoutMinutes", 0.0),
    ("waitTimeoutMinutes", -1.0),
    ("waitTimeoutMinutes", float(MAX_WAIT_MINUTES) + 1),
    ("waitTimeoutMinutes", "60"),
    ("waitTimeoutMinutes", True),
    ("waitTimeoutMinutes", None),
]


@pytest.mark.parametrize(("name", "value"), INVALID)
def test_check_invalid_input_fails_naming_it_in_one_line(name: str, value: Any) -> None:
    failures = failures_of(inputs(**{name: value}))
    assert len(failures) == 1, failures
    prop, reason = failures[0]
    assert prop == name
    assert name in reason
    assert "\n" not in reason


def test_check_missing_inputs_fail_each_by_name() -> None:
    names = {prop for prop, _ in failures_of({})}
    assert names == {
        "orgId",
        "platformUrl",
        "configName",
        "keyIdentifier",
        "apiGeneration",
        "waitTimeoutMinutes",
    }


def test_check_returns_inputs_unchanged() -> None:
    news = inputs()
    assert ByokConfigProvider().check({}, dict(news)).inputs == news


@pytest.mark.parametrize(
    ("name", "value"),
    [("orgId", "nope"), ("platformUrl", "ftp://x"), ("apiGeneration", "v3"), ("tenantId", "x")],
)
def test_check_app_registration_invalid_input_fails_naming_it(name: str, value: str) -> None:
    news = {
        "orgId": "1234ABCD5678@AdobeOrg",
        "platformUrl": "https://platform.adobe.io",
        "apiGeneration": "current",
        "tenantId": "11111111-2222-3333-4444-555555555555",
        name: value,
    }
    failures = [(f.property, f.reason) for f in AppRegistrationProvider().check({}, news).failures]
    assert len(failures) == 1, failures
    assert failures[0][0] == name
    assert name in failures[0][1]
    assert "\n" not in failures[0][1]


@pytest.mark.parametrize(("status", "says"), [
    ("FAILED", "`pulumi up` sends it again"),
    ("RUNNING", "`pulumi up` waits for it to complete (no new POST)"),
    ("NEW", "`pulumi up` waits for it to complete (no new POST)"),
])
def test_status_note_says_what_up_does_about_the_status_last_read(status: str, says: str) -> None:
    note = status_note({**inputs(), "status": status}, inputs())
    assert note == f"BYOK configuration {inputs()['configName']} was {status} at Adobe when last " \
        f"read: {says}"


def test_status_note_is_silent_for_a_completed_configuration() -> None:
    assert status_note({**inputs(), "status": "COMPLETED"}, inputs()) is None
