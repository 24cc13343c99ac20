"""Settings: one test per rule, from one valid base, built purely with ``Settings.from_config``
(the Adobe side, the credential, values as the CLI passes them); and ``Pulumi.yaml`` /
``Pulumi.dev.yaml`` checked against the module. The Azure side: test_settings_azure.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from cmk_facts import DEFAULT_IMS_URL, DEFAULT_SCOPES, MAX_WAIT_MINUTES, NAMESPACE
from components.settings import KeyRotation, Settings, SettingsError, declared_settings
from providers import credentials
from tests.mocks import CLIENT_ID, CLIENT_SECRET, ORG_ID, SECRET_KEYS, valid_config
from tests.settings_support import assert_names, build, error_of

ROOT = Path(__file__).resolve().parent.parent


# --- the valid base and the defaults --------------------------------------------------------


def test_settings_defaults_are_the_declared_ones():
    settings = build()
    declared = {name: spec.default for name, spec in declared_settings().items()}
    assert declared["region"] == "va7"
    assert settings.platform_url == "https://platform.adobe.io"
    assert settings.api_key == declared["apiKey"] == "acp_provisioning"
    assert settings.failed_resends == declared["failedResends"] == 2
    assert settings.api_generation == declared["apiGeneration"] == "current"
    assert settings.config_name == declared["configName"] == "adobe-cmk"
    assert settings.wait_timeout_minutes == declared["waitTimeoutMinutes"] == 120
    assert settings.key_type == declared["keyType"] == "RSA"
    assert settings.key_size == declared["keySize"] == 3072
    assert settings.key_name == declared["keyName"]
    assert settings.key_vault_sku == "standard"
    assert settings.role_scope == declared["roleScope"] == "vault"
    assert settings.service_principal == declared["servicePrincipal"] == "create"
    assert settings.protect is declared["protect"] is True
    assert settings.create_resource_group is True
    assert settings.rotation is None
    assert settings.allowed_ip_ranges == ()
    assert settings.existing_key is None
    assert settings.tenant_id is None
    assert settings.key_vault_name is None
    assert settings.resource_group_name is None
    assert settings.tags == {}


def test_settings_accept_values_as_the_cli_passes_them():
    settings = build(
        keySize="4096",
        protect="false",
        createResourceGroup="true",
        allowedIpRanges='["203.0.113.0/24"]',
        tags='["owner=team-a"]',
        waitTimeoutMinutes="30",
    )
    assert settings.key_size == 4096
    assert settings.protect is False
    assert settings.allowed_ip_ranges == ("203.0.113.0/24",)
    assert settings.tags == {"owner": "team-a"}
    assert settings.wait_timeout_minutes == 30


def test_settings_never_hold_a_credential():
    settings = build()
    text = repr(settings)
    assert CLIENT_SECRET not in text and CLIENT_ID not in text
    for name in ("credential_source", "client_id", "client_secret", "access_token"):
        assert not hasattr(settings, name), f"Settings.{name}: the providers resolve credentials"


def test_settings_load_reads_the_running_stack_config():
    pulumi.runtime.set_all_config(valid_config(keySize="4096"), list(SECRET_KEYS))
    try:
        settings = Settings.load()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert settings.key_size == 4096
    assert settings.org_id == ORG_ID


def test_settings_load_sees_a_secret_set_in_plain_text():
    pulumi.runtime.set_all_config(valid_config(), [])
    try:
        with pytest.raises(SettingsError) as caught:
            Settings.load()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert_names(caught.value, "clientSecret", "plain text")


# --- one rule per test ------------------------------------------------------------------------


def test_settings_unknown_key_suggests_the_declared_one():
    error = error_of(raw={"adobe-cmk:keysize": "4096"})
    assert error.key == "adobe-cmk:keysize", str(error)
    assert "did you mean adobe-cmk:keySize?" in str(error), str(error)


def test_settings_misspelt_secret_in_plain_text_says_so_and_how_to_move_it():
    error = error_of(raw={"adobe-cmk:clientsecret": "s3cr3t-plain-9d"}, clientSecret=None)
    assert error.key == "adobe-cmk:clientsecret", str(error)
    for fragment in (
        "did you mean adobe-cmk:clientSecret?",
        "secret stored in plain text in the stack file",
        "`pulumi config rm adobe-cmk:clientsecret`",
        "`pulumi config set --secret adobe-cmk:clientSecret <value>`",
    ):
        assert fragment in str(error), f"{fragment!r} missing from: {error}"
    assert "s3cr3t-plain-9d" not in str(error)


def test_settings_misspelt_secret_set_with_secret_is_not_called_plain_text():
    with pytest.raises(SettingsError) as caught:
        build(
            secret_keys=(*SECRET_KEYS, "adobe-cmk:accesstoken"),
            raw={"adobe-cmk:accesstoken": "tok-0042"},
        )
    error = str(caught.value)
    assert "did you mean adobe-cmk:accessToken?" in error, error
    assert "pulumi config set --secret adobe-cmk:accessToken" in error, error
    assert "plain text" not in error and "tok-0042" not in error, error


def test_settings_misspelt_plain_setting_gets_no_secret_advice():
    error = str(error_of(raw={"adobe-cmk:keysize": "4096"}))
    assert "secret" not in error, error


def test_settings_other_namespaces_are_not_checked():
    assert build(raw={"azure-native:subscriptionId": "x"}).org_id == ORG_ID


def test_settings_org_id_is_required():
    assert_names(error_of(orgId=None), "orgId", "required", "pulumi config set adobe-cmk:orgId")


def test_settings_org_id_must_look_like_an_ims_org():
    assert_names(error_of(orgId="1234ABCD5678"), "orgId", "@AdobeOrg")


def test_settings_region_must_be_a_region_code():
    assert_names(error_of(region="Europe West"), "region", "va7", "nld2")


def test_settings_region_other_than_va7_picks_its_platform_host():
    assert build(region="nld2").platform_url == "https://platform-nld2.adobe.io"


def test_settings_platform_url_overrides_the_region():
    settings = build(region="aus5", platformUrl="https://proxy.example.com/adobe/")
    assert settings.platform_url == "https://proxy.example.com/adobe"


def test_settings_platform_url_may_be_plain_http_on_loopback_only():
    assert build(platformUrl="http://127.0.0.1:8080").platform_url == "http://127.0.0.1:8080"
    assert_names(error_of(platformUrl="http://platform.adobe.io"), "platformUrl", "https")


def test_settings_ims_url_must_be_https():
    assert_names(error_of(imsUrl="ftp://ims.example.com"), "imsUrl", "https")


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.test:8080\\@127.0.0.1/ims/token/v3",  # requests sends it to evil.test
        "http://user@127.0.0.1/ims/token/v3",
        "http://0.0.0.0:8080/ims/token/v3",  # not loopback
        "https://ims.example.com/ims token",
    ],
)
def test_settings_ims_url_is_read_as_the_http_stack_reads_it(url: str):
    assert_names(error_of(imsUrl=url), "imsUrl", "https")


def test_settings_platform_url_on_other_loopback_addresses():
    assert build(platformUrl="http://127.0.0.2:8080").platform_url == "http://127.0.0.2:8080"
    assert build(platformUrl="http://[::1]:8080").platform_url == "http://[::1]:8080"


def test_settings_scopes_must_be_a_comma_separated_list():
    assert_names(error_of(scopes="openid,,AdobeID"), "scopes", "comma-separated")


def test_settings_api_generation_must_be_current_or_beta():
    assert_names(error_of(apiGeneration="v2"), "apiGeneration", "current, beta")


def test_settings_config_name_must_use_accepted_characters():
    assert_names(error_of(configName="my config"), "configName", "letters, digits")


def test_settings_wait_timeout_must_be_positive():
    assert_names(error_of(waitTimeoutMinutes="0"), "waitTimeoutMinutes", "between 1 and 1440")


def test_settings_wait_timeout_must_be_a_whole_number():
    assert_names(error_of(waitTimeoutMinutes="ten"), "waitTimeoutMinutes", "whole number")


def test_settings_missing_credentials_say_how_to_set_them():
    error = error_of(clientId=None, clientSecret=None)
    assert_names(
        error,
        "clientSecret",
        "pulumi config set --secret adobe-cmk:clientSecret",
        "ADOBE_CLIENT_SECRET",
        "adobe-cmk:accessToken",
        "ADOBE_ACCESS_TOKEN",
    )


def test_settings_client_id_without_secret_names_the_secret():
    assert_names(error_of(clientSecret=None), "clientSecret", "--secret", "ADOBE_CLIENT_SECRET")


def test_settings_client_secret_without_id_names_the_id():
    assert_names(error_of(clientId=None), "clientId", "ADOBE_CLIENT_ID")


def test_settings_credentials_may_come_from_the_environment():
    environ = {"ADOBE_CLIENT_ID": "env-id", "ADOBE_CLIENT_SECRET": "env-secret"}
    settings = build(environ=environ, clientId=None, clientSecret=None)
    assert settings.org_id == ORG_ID
    assert "env-secret" not in repr(settings) and "env-id" not in repr(settings)


def test_settings_an_access_token_is_enough():
    settings = build(environ={"ADOBE_ACCESS_TOKEN": "token"}, clientId=None, clientSecret=None)
    assert settings.org_id == ORG_ID


def test_settings_client_id_from_the_environment_is_named_by_its_variable():
    error = error_of(environ={"ADOBE_CLIENT_ID": "env-id"}, clientId=None, clientSecret=None)
    assert_names(error, "clientSecret", "(ADOBE_CLIENT_ID is)", "ADOBE_CLIENT_SECRET")
    assert "adobe-cmk:clientId is" not in str(error), str(error)


def test_settings_client_secret_from_the_environment_is_named_by_its_variable():
    environ = {"ADOBE_CLIENT_SECRET": "env-secret-81f"}
    error = error_of(environ=environ, clientId=None, clientSecret=None)
    assert_names(error, "clientId", "(ADOBE_CLIENT_SECRET is)", "ADOBE_CLIENT_ID")
    assert "env-secret-81f" not in str(error)


def test_settings_malformed_client_id_names_where_it_came_from():
    environ = {"ADOBE_CLIENT_ID": "0123 4567", "ADOBE_CLIENT_SECRET": "s"}
    error = error_of(environ=environ, clientId=None, clientSecret=None)
    assert_names(error, "ADOBE_CLIENT_ID", "one word", "Developer Console")
    assert_names(error_of(clientId="0123\t4567"), "clientId", "one word")


def test_settings_secret_in_plain_text_is_refused_without_echoing_it():
    with pytest.raises(SettingsError) as caught:
        build(secret_keys=())
    assert_names(caught.value, "clientSecret", "pulumi config set --secret adobe-cmk:clientSecret")
    assert CLIENT_SECRET not in str(caught.value)


def test_settings_access_token_in_plain_text_is_refused():
    with pytest.raises(SettingsError) as caught:
        build(secret_keys=(), clientId=None, clientSecret=None, accessToken="tok-123456")
    assert_names(caught.value, "accessToken", "--secret")
    assert "tok-123456" not in str(caught.value)


def test_settings_api_key_defaults_to_adobes_documented_one_and_may_be_a_client_id():
    assert build().api_key == "acp_provisioning"
    assert build(apiKey="0123456789abcdef0123456789abcdef").api_key == (
        "0123456789abcdef0123456789abcdef"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("acp provisioning", "one word"),
        ("acp_\nprovisioning", "one line"),
        ("acp_prov\u00efsioning", "printable ASCII"),
        ("key\x07", "printable ASCII"),
    ],
)
def test_settings_api_key_must_be_one_word_of_printable_ascii(value, problem):
    error = error_of(apiKey=value)
    assert_names(error, "apiKey", problem, "acp_provisioning")
    assert value not in str(error), "the value may be a pasted secret: never echoed"


def test_settings_api_key_must_not_be_empty():
    assert_names(error_of(apiKey="  "), "apiKey", "empty", "pulumi config rm adobe-cmk:apiKey")


def test_settings_failed_resends_may_be_turned_off():
    assert build(failedResends="0").failed_resends == 0
    assert build(failedResends=5).failed_resends == 5


@pytest.mark.parametrize("value", ["6", "-1"])
def test_settings_failed_resends_are_bounded(value):
    assert_names(error_of(failedResends=value), "failedResends", "between 0", "and 5")


def test_settings_failed_resends_must_be_a_whole_number():
    assert_names(error_of(failedResends="two"), "failedResends", "whole number")


# --- Pulumi.yaml and Pulumi.dev.yaml against the module -----------------------------------


def project() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_project_file_declares_the_python_runtime():
    proj = project()
    assert proj["name"] == NAMESPACE
    assert proj["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }


def test_project_file_declares_every_key_with_type_description_and_default():
    for name, spec in project()["config"].items():
        assert spec.get("type") in ("string", "integer", "boolean", "array"), name
        if spec["type"] == "array":
            assert spec.get("items") == {"type": "string"}, name
        assert len(spec.get("description", "")) > 20, f"{name} has no real description"
        # A typed key without a default is required by the CLI: only orgId may be.
        assert ("default" in spec) != (name == "orgId"), f"{name}: default or required?"


def test_project_file_keys_are_exactly_what_settings_read():
    read: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    Settings.from_config(Recording(valid_config()), environ={}, secret_keys=SECRET_KEYS)
    declared = {f"{NAMESPACE}:{name}" for name in declared_settings()}
    read_here = {key for key in read if key.startswith(f"{NAMESPACE}:")}
    assert read_here == declared, (
        f"read but undeclared: {read_here - declared}; declared but unread: {declared - read_here}"
    )


def test_project_file_leaves_adobes_ims_defaults_to_the_credentials_module():
    declared = declared_settings()
    assert declared["imsUrl"].default == "" and declared["scopes"].default == ""
    defaults = {f"{NAMESPACE}:{name}": declared[name].default for name in ("imsUrl", "scopes")}
    found = credentials.resolve(defaults.get, {})
    assert (found.ims_url.value, found.ims_url.source) == (DEFAULT_IMS_URL, "")
    assert (found.scopes.value, found.scopes.source) == (DEFAULT_SCOPES, "")


def test_settings_wait_timeout_limit_is_the_facts_longest_wait():
    longest = build(waitTimeoutMinutes=MAX_WAIT_MINUTES)
    assert longest.wait_timeout_minutes == MAX_WAIT_MINUTES
    assert_names(error_of(waitTimeoutMinutes=MAX_WAIT_MINUTES + 1), "waitTimeoutMinutes")


def test_example_stack_holds_no_plain_text_secret():
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    for key in SECRET_KEYS:
        assert key not in stack or (isinstance(stack[key], dict) and "secure" in stack[key]), key


def test_example_stack_uses_declared_keys_and_is_valid_once_filled_in():
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    assert stack["adobe-cmk:orgId"].startswith("<"), "the org id must stay a placeholder"
    with pytest.raises(SettingsError):
        Settings.from_config(stack, environ={"ADOBE_ACCESS_TOKEN": "t"})
    filled = {**stack, "adobe-cmk:orgId": ORG_ID}
    settings = Settings.from_config(filled, environ={"ADOBE_ACCESS_TOKEN": "t"})
    assert settings.rotation == KeyRotation(365, 455, 30)
