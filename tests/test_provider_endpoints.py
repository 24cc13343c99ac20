"""The providers check the credential and the URLs themselves: plain http only to real loopback
(parsed as requests parses it), and a malformed token or secret refused in one line naming it.

``pulumi refresh`` and ``destroy`` configure providers from the stored stack config without
running the program, so the settings never see those values: the provider server must refuse them
on its own, naming the setting, before any request carries the secret anywhere.
"""

from __future__ import annotations

import pytest

from tests.conftest import credentials_config
from tests.provider_host import failure
from tests.test_byok_config import INSTANT, URN, MakeSimulator, news_for


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("adobe-cmk:clientSecret", "first-half\nsecond-half", "spans several lines"),
        ("adobe-cmk:clientSecret", "sécret-with-accent", "printable ASCII"),
        ("adobe-cmk:clientId", "idpart-one idpart-two", "spaces"),
    ],
)
def test_malformed_credential_is_refused_naming_the_setting(
    make_simulator: MakeSimulator, start_host, setting: str, value: str, said: str
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = start_host({**credentials_config(sim), setting: value})
    message = failure(lambda: host.created(URN, news_for(sim)))
    assert message.startswith(f"{setting} ") or f"{setting} " in message, message
    assert said in message
    for piece in value.split():
        assert piece not in message
    assert sim.requests == []


@pytest.mark.parametrize(
    "ims_url",
    [
        "http://evil.test:8080\\@127.0.0.1/ims/token/v3",
        "http://user@127.0.0.1/ims/token/v3",
        "http://0.0.0.0:8080/ims/token/v3",
        "http://ims.example.com/ims/token/v3",
    ],
)
def test_ims_url_that_may_not_carry_the_secret_is_refused_before_any_request(
    make_simulator: MakeSimulator, start_host, ims_url: str
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = start_host({**credentials_config(sim), "adobe-cmk:imsUrl": ims_url})
    message = failure(lambda: host.created(URN, news_for(sim)))
    assert "adobe-cmk:imsUrl" in message, message
    assert sim.client_secret not in message
    assert sim.requests == []


def test_platform_url_over_plain_http_elsewhere_fails_the_check(
    make_simulator: MakeSimulator, host_for
) -> None:
    sim = make_simulator(job_durations=INSTANT)
    host = host_for(sim)
    _, failures = host.check(URN, news_for(sim, platformUrl="http://platform.example.com"))
    assert [name for name, _ in failures] == ["platformUrl"]
    assert "plain http" in failures[0][1]


@pytest.mark.parametrize(
    "url", ["https://platform.example.com/?debug=1", "https://platform.example.com/#top"]
)
def test_a_base_url_with_a_query_or_fragment_is_refused_by_provider_and_settings(
    make_simulator: MakeSimulator, host_for, url: str
) -> None:
    from components.settings import Settings, SettingsError
    from tests.mocks import SECRET_KEYS, valid_config

    sim = make_simulator(job_durations=INSTANT)
    _, failures = host_for(sim).check(URN, news_for(sim, platformUrl=url))
    assert [name for name, _ in failures] == ["platformUrl"]
    assert "query or fragment" in failures[0][1]
    with pytest.raises(SettingsError, match="query or fragment"):
        Settings.from_config(valid_config(platformUrl=url), environ={}, secret_keys=SECRET_KEYS)
