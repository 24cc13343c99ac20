"""A preview needs no Adobe credential; ``up`` still does.

The pipelines preview a pull request's own code with no Adobe credential at all
(docs/pipelines.md): a preview makes no call to Adobe, so the program must preview cleanly without
one and say, in one warning line, what ``up`` will need. Any run that is not a preview still fails
on a missing credential with one line, before anything is declared; a credential that is set but
malformed, or a secret in plain text, fails the preview too. The whole program runs under Pulumi
mocks (``preview`` is the engine's dry-run flag, as ``pulumi preview`` sets it), and its warnings
are what the mock engine logs.
"""

from __future__ import annotations

import logging

import pulumi
import pytest

from components.settings import Settings, SettingsError
from tests.mocks import AzureMocks, run_main, run_program, valid_config

NO_CREDENTIAL = valid_config(clientId=None, clientSecret=None)
#: What ``up`` will need, as the warning must name it (settings and environment variables).
NEEDED = (
    "adobe-cmk:clientId",
    "adobe-cmk:clientSecret",
    "ADOBE_CLIENT_ID",
    "ADOBE_CLIENT_SECRET",
    "adobe-cmk:accessToken",
    "ADOBE_ACCESS_TOKEN",
    "`pulumi up`",
)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_the_program_previews_without_any_credential_with_one_warning(caplog):
    caplog.set_level(logging.WARNING)
    with_credential = run_main(preview=True)
    assert warnings(caplog) == [], "a preview with a credential warns of nothing"
    run = run_main(NO_CREDENTIAL, preview=True, environ={})
    assert sorted(run.types()) == sorted(with_credential.types())
    (line,) = warnings(caplog)
    assert "\n" not in line, line
    for name in NEEDED:
        assert name in line, f"{name} missing from: {line}"


def test_the_settings_loader_at_preview_names_the_part_that_is_missing(caplog):
    caplog.set_level(logging.WARNING)
    loaded: list[Settings] = []
    run_program(
        lambda: loaded.append(Settings.load()),
        config=valid_config(clientSecret=None),
        preview=True,
        environ={},
    )
    assert loaded and loaded[0].org_id == valid_config()["adobe-cmk:orgId"]
    (line,) = warnings(caplog)
    assert line.startswith("adobe-cmk:clientSecret is not set (adobe-cmk:clientId is)"), line
    assert "ADOBE_CLIENT_SECRET" in line and "`pulumi up`" in line, line


def test_up_without_a_credential_fails_in_one_line_before_declaring_anything(caplog):
    mocks = AzureMocks()
    with pytest.raises(SettingsError) as caught:
        run_main(NO_CREDENTIAL, preview=False, environ={}, mocks=mocks)
    error = caught.value
    assert isinstance(error, pulumi.RunError)
    assert "\n" not in str(error), str(error)
    assert error.key == "adobe-cmk:clientSecret", error.key
    for name in NEEDED[:-1]:
        assert name in str(error), f"{name} missing from: {error}"
    assert mocks.created == [], f"declared before the settings failed: {mocks.created[0].name}"
    assert warnings(caplog) == [], "up fails; it does not warn and go on"


def test_the_pure_loader_is_strict_unless_told_it_is_a_preview(caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(SettingsError):
        Settings.from_config(NO_CREDENTIAL)
    settings = Settings.from_config(NO_CREDENTIAL, preview=True)
    assert settings.org_id == NO_CREDENTIAL["adobe-cmk:orgId"]


@pytest.mark.parametrize(
    ("config", "environ", "key"),
    [
        (
            NO_CREDENTIAL,
            {"ADOBE_CLIENT_ID": "0123 4567", "ADOBE_CLIENT_SECRET": "s"},
            "ADOBE_CLIENT_ID",
        ),
        (valid_config(), {}, "adobe-cmk:clientSecret"),  # not marked secret below: plain text
    ],
    ids=["malformed", "plain-text-secret"],
)
def test_a_credential_that_is_set_but_wrong_still_fails_the_preview(config, environ, key):
    with pytest.raises(SettingsError) as caught:
        run_main(config, preview=True, environ=environ, secret_keys=())
    assert caught.value.key == key, str(caught.value)
    assert "\n" not in str(caught.value)
