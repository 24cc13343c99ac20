"""Where the Adobe credential comes from (providers/credentials.py): config before environment,
Adobe's defaults for the token request, and what is missing named by what the user set. Pure:
``resolve`` over plain mappings; the token sources themselves are exercised through the provider
server in test_byok_config.py."""

from __future__ import annotations

import pytest

from cmk_facts import DEFAULT_IMS_URL, DEFAULT_SCOPES
from providers import credentials

CONFIG = {"adobe-cmk:clientId": "cfg-id", "adobe-cmk:clientSecret": "cfg-secret-5e1"}
ENVIRON = {"ADOBE_CLIENT_ID": "env-id", "ADOBE_CLIENT_SECRET": "env-secret-77a"}
NOTHING: dict[str, str] = {}


def test_credentials_stack_config_wins_over_the_environment():
    found = credentials.resolve(CONFIG.get, ENVIRON)
    assert found.kind == "client"
    assert found.client_id == credentials.Part("cfg-id", "adobe-cmk:clientId")
    assert found.client_secret == credentials.Part("cfg-secret-5e1", "adobe-cmk:clientSecret")


def test_credentials_environment_fills_what_the_config_leaves_empty():
    found = credentials.resolve({"adobe-cmk:clientId": " "}.get, ENVIRON)
    assert found.client_id == credentials.Part("env-id", "ADOBE_CLIENT_ID")
    assert found.client_secret == credentials.Part("env-secret-77a", "ADOBE_CLIENT_SECRET")
    assert found.missing() is None


def test_credentials_token_request_defaults_are_adobes():
    found = credentials.resolve(NOTHING.get, {"ADOBE_ACCESS_TOKEN": "tok"})
    assert found.kind == "token"
    assert found.ims_url == credentials.Part(DEFAULT_IMS_URL, "")
    assert found.scopes == credentials.Part(DEFAULT_SCOPES, "")
    assert credentials.DEFAULTS == {"imsUrl": DEFAULT_IMS_URL, "scopes": DEFAULT_SCOPES}


def test_credentials_token_request_tuning_comes_from_the_config_only():
    config = {"adobe-cmk:imsUrl": "http://127.0.0.1:9/ims", "adobe-cmk:scopes": "openid"}
    found = credentials.resolve(config.get, {"ADOBE_ACCESS_TOKEN": "tok"})
    assert found.ims_url == credentials.Part("http://127.0.0.1:9/ims", "adobe-cmk:imsUrl")
    assert found.scopes == credentials.Part("openid", "adobe-cmk:scopes")


def test_credentials_client_credential_is_preferred_to_a_token():
    found = credentials.resolve(CONFIG.get, {"ADOBE_ACCESS_TOKEN": "tok"})
    assert found.kind == "client"


@pytest.mark.parametrize(
    ("config", "environ", "key", "named"),
    [
        ({}, {"ADOBE_CLIENT_ID": "x"}, "adobe-cmk:clientSecret", "(ADOBE_CLIENT_ID is)"),
        ({"adobe-cmk:clientId": "x"}, {}, "adobe-cmk:clientSecret", "(adobe-cmk:clientId is)"),
        ({}, {"ADOBE_CLIENT_SECRET": "s-9"}, "adobe-cmk:clientId", "(ADOBE_CLIENT_SECRET is)"),
        ({}, {}, "adobe-cmk:clientSecret", "ADOBE_ACCESS_TOKEN"),
    ],
)
def test_credentials_missing_part_is_named_beside_what_is_set(config, environ, key, named):
    missing = credentials.resolve(config.get, environ).missing()
    assert missing is not None
    assert missing.key == key and missing.message.startswith(key), missing
    assert named in missing.message, missing.message
    assert "s-9" not in missing.message


def test_credentials_never_show_a_value_in_a_repr():
    found = credentials.resolve(CONFIG.get, ENVIRON)
    assert "cfg-secret-5e1" not in repr(found) and "cfg-id" not in repr(found), repr(found)


def test_credentials_token_source_without_any_credential_says_how_to_set_one():
    with pytest.raises(ValueError) as caught:
        credentials.token_source(NOTHING.get, {})
    assert str(caught.value) == credentials.MISSING_CREDENTIALS
