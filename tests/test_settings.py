"""Settings: one test per rule, from one valid base, built purely with ``Settings.from_config``;
and ``Pulumi.yaml`` / ``Pulumi.dev.yaml`` checked against the module."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from cmk_facts import DEFAULT_IMS_URL, DEFAULT_SCOPES, MAX_WAIT_MINUTES, NAMESPACE
from components.settings import KeyRotation, Settings, SettingsError, declared_settings
from components.settings.firewall import NOT_PUBLIC
from providers import credentials
from tests.mocks import CLIENT_ID, CLIENT_SECRET, ORG_ID, SECRET_KEYS, valid_config

ROOT = Path(__file__).resolve().parent.parent
KEY_ID = "https://byo-vault.vault.azure.net/keys/byo-key/0123456789abcdef0123456789abcdef"
SUBSCRIPTION = "99999999-0000-0000-0000-000000000001"
VAULT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/byo-rg/providers/Microsoft.KeyVault/vaults/"
    "byo-vault"
)


def build(environ=None, secret_keys=SECRET_KEYS, raw=None, **settings: Any) -> Settings:
    """Settings from the shared valid base plus ``settings`` (short names; None removes) and
    ``raw`` (full keys, e.g. of another namespace)."""
    config = {**valid_config(**settings), **(raw or {})}
    return Settings.from_config(config, environ=environ or {}, secret_keys=secret_keys)


def error_of(environ=None, raw=None, **settings: Any) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        build(environ=environ, raw=raw, **settings)
    error = caught.value
    assert isinstance(error, pulumi.RunError)
    assert "\n" not in str(error), f"not one line: {error}"
    return error


def assert_names(error: SettingsError, name: str, *fragments: str) -> None:
    """``error`` names ``name`` (a short name of this namespace, or a full key or environment
    variable) first, and holds every fragment."""
    key = name if ":" in name or name.isupper() else f"{NAMESPACE}:{name}"
    assert error.key == key, f"error names {error.key}, expected {key}: {error}"
    assert str(error).startswith(key), f"message does not start with {key}: {error}"
    for fragment in fragments:
        assert fragment in str(error), f"{fragment!r} missing from: {error}"


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


def test_settings_tenant_id_must_be_a_guid():
    assert_names(error_of(tenantId="contoso.onmicrosoft.com"), "tenantId", "GUID")


def test_settings_location_is_needed_to_create_a_resource_group():
    assert_names(error_of(location=None), "location", "azure-native:location")


def test_settings_location_falls_back_to_the_azure_provider_setting():
    settings = build(location=None, raw={"azure-native:location": "West Europe"})
    assert settings.location == "westeurope"


def test_settings_location_must_be_a_region_name():
    assert_names(error_of(location="west-europe!"), "location", "westeurope")


def test_settings_location_from_the_azure_setting_is_reported_under_its_key():
    error = error_of(location=None, raw={"azure-native:location": "West-Europe"})
    assert_names(error, "azure-native:location", "'West-Europe'", "westeurope")
    assert "adobe-cmk:location" not in str(error), str(error)


def test_settings_own_location_wins_over_the_azure_setting():
    settings = build(location="northeurope", raw={"azure-native:location": "West-Europe"})
    assert settings.location == "northeurope"


def test_settings_existing_resource_group_needs_its_name():
    assert_names(error_of(createResourceGroup=False), "resourceGroupName", "createResourceGroup")


def test_settings_existing_resource_group_needs_no_location():
    settings = build(createResourceGroup=False, resourceGroupName="rg-cmk", location=None)
    assert settings.create_resource_group is False
    assert settings.location is None


def test_settings_resource_group_name_must_be_valid_for_azure():
    assert_names(error_of(resourceGroupName="rg."), "resourceGroupName", "not ending in '.'")


def test_settings_tags_are_key_value_entries():
    assert_names(error_of(tags=["owner"]), "tags", "key=value")


def test_settings_tags_must_be_a_list():
    assert_names(error_of(tags="owner=me"), "tags", "list of strings")


@pytest.mark.parametrize("name", ["kv", "1vault", "my--vault", "vault-", "a" * 25, "my_vault"])
def test_settings_vault_name_must_be_valid_for_azure(name):
    assert_names(error_of(keyVaultName=name), "keyVaultName", "3-24")


def test_settings_vault_sku_must_be_known():
    assert_names(error_of(keyVaultSku="gold"), "keyVaultSku", "auto, standard, premium")


def test_settings_rsa_hsm_on_a_standard_vault_is_refused():
    assert_names(error_of(keyType="RSA-HSM", keyVaultSku="standard"), "keyVaultSku", "premium")


def test_settings_rsa_hsm_picks_a_premium_vault():
    assert build(keyType="RSA-HSM").key_vault_sku == "premium"


def test_settings_key_type_must_be_rsa():
    assert_names(error_of(keyType="EC"), "keyType", "RSA, RSA-HSM")


def test_settings_key_name_must_be_valid_for_key_vault():
    assert_names(error_of(keyName="adobe_cmk"), "keyName", "letters, digits and hyphens")


def test_settings_key_size_under_3072_is_refused():
    assert_names(error_of(keySize="2048"), "keySize", "Adobe refuses keys under 3072")


def test_settings_key_size_must_be_a_key_vault_size():
    assert_names(error_of(keySize="3500"), "keySize", "3072 or 4096")


def test_settings_rotation_days_have_a_floor():
    assert_names(error_of(keyRotationDays="3"), "keyRotationDays", "at least 7")


def test_settings_expiry_days_have_a_floor():
    assert_names(error_of(keyRotationDays="7", keyExpiryDays="20"), "keyExpiryDays", "28")


def test_settings_expiry_without_rotation_is_refused():
    assert_names(error_of(keyExpiryDays="365"), "keyExpiryDays", "expire unrotated")


def test_settings_expiry_must_leave_room_after_rotation():
    error = error_of(keyRotationDays="90", keyExpiryDays="95")
    assert_names(error, "keyExpiryDays", "at least 97")


def test_settings_notify_must_fall_inside_the_lifetime():
    error = error_of(keyRotationDays="90", keyExpiryDays="120", keyNotifyDaysBeforeExpiry="120")
    assert_names(error, "keyNotifyDaysBeforeExpiry", "less than adobe-cmk:keyExpiryDays")


def test_settings_rotation_with_expiry_and_notice():
    settings = build(keyRotationDays=90, keyExpiryDays=120, keyNotifyDaysBeforeExpiry=14)
    assert settings.rotation == KeyRotation(90, 120, 14)


def test_settings_rotation_without_expiry_has_no_notice():
    assert build(keyRotationDays=365).rotation == KeyRotation(365, None, None)


@pytest.mark.parametrize("entry", ["10.0.0.1/24", "2001:db8::/32", "10.0.0.300", "any"])
def test_settings_allowed_ip_ranges_must_be_ipv4_networks(entry):
    assert_names(error_of(allowedIpRanges=[entry]), "allowedIpRanges", repr(entry))


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("10.20.0.0/16", "private (RFC 1918)"),
        ("172.20.0.0/14", "private (RFC 1918)"),
        ("192.168.1.10", "private (RFC 1918)"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0/8", "'this network'"),
        ("8.0.0.0/5", "private (RFC 1918)"),
    ],
)
def test_settings_allowed_ip_ranges_refuse_addresses_that_are_not_public(entry, kind):
    error = error_of(allowedIpRanges=["203.0.113.0/24", entry])
    assert_names(error, "allowedIpRanges", repr(entry), kind, "public addresses only")


def test_settings_allowed_ip_ranges_refuse_a_range_admitting_everyone():
    error = error_of(allowedIpRanges=["0.0.0.0/0"])
    assert_names(error, "allowedIpRanges", "'0.0.0.0/0'", "admits every address", "empty")


def test_settings_allowed_ip_ranges_refuse_entries_admitting_everyone_together():
    public = [ipaddress.IPv4Network("0.0.0.0/0")]
    for special in NOT_PUBLIC:
        public = [
            part
            for network in public
            for part in (
                network.address_exclude(special) if special.subnet_of(network) else [network]
            )
        ]
    error = error_of(allowedIpRanges=[str(network) for network in public])
    assert_names(error, "allowedIpRanges", "admits every public address", "empty")
    assert build(allowedIpRanges=[str(network) for network in public[1:]]).allowed_ip_ranges


def test_settings_allowed_ip_ranges_accept_wide_public_ranges():
    assert build(allowedIpRanges=["1.0.0.0/8"]).allowed_ip_ranges == ("1.0.0.0/8",)


def test_settings_allowed_ip_ranges_are_normalised_for_azure():
    settings = build(allowedIpRanges=["198.51.100.7", "203.0.113.0/24", "198.51.100.7/32"])
    assert settings.allowed_ip_ranges == ("198.51.100.7/32", "203.0.113.0/24")


def test_settings_existing_key_needs_its_vault():
    assert_names(error_of(existingKeyId=KEY_ID), "existingVaultId", "existingKeyId")


def test_settings_existing_vault_needs_its_key():
    assert_names(error_of(existingVaultId=VAULT_ID), "existingKeyId", "versioned")


def test_settings_existing_key_must_be_versioned():
    key = KEY_ID.rsplit("/", 1)[0]
    assert_names(error_of(existingKeyId=key, existingVaultId=VAULT_ID), "existingKeyId", "version")


def test_settings_existing_vault_id_must_be_an_arm_id():
    error = error_of(existingKeyId=KEY_ID, existingVaultId="byo-vault")
    assert_names(error, "existingVaultId", "/subscriptions/")


def test_settings_existing_key_and_vault_must_match():
    other = VAULT_ID.replace("/vaults/byo-vault", "/vaults/other-vault")
    error = error_of(existingKeyId=KEY_ID, existingVaultId=other)
    assert_names(error, "existingVaultId", "same vault")


def test_settings_existing_managed_hsm_key_needs_access_managed_elsewhere():
    hsm_key = KEY_ID.replace("byo-vault.vault.azure.net", "byo-hsm.managedhsm.azure.net")
    hsm_id = VAULT_ID.replace("vaults/byo-vault", "managedHSMs/byo-hsm")
    error = error_of(existingKeyId=hsm_key, existingVaultId=hsm_id)
    assert_names(error, "servicePrincipal", "Managed HSM", "none")
    settings = build(existingKeyId=hsm_key, existingVaultId=hsm_id, servicePrincipal="none")
    assert settings.existing_key is not None and settings.existing_key.managed_hsm


def test_settings_existing_key_refuses_settings_for_a_created_vault():
    error = error_of(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, allowedIpRanges=["1.2.3.4"])
    assert_names(error, "allowedIpRanges", "existingKeyId", "pulumi config rm")


@pytest.mark.parametrize(
    ("name", "value"),
    [("tags", ["owner=team"]), ("createResourceGroup", False), ("keyNotifyDaysBeforeExpiry", 14)],
)
def test_settings_existing_key_refuses_group_and_rotation_settings(name, value):
    error = error_of(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, **{name: value})
    assert_names(error, name, "existingKeyId", "pulumi config rm")


def test_settings_access_managed_elsewhere_refuses_a_role_scope():
    error = error_of(servicePrincipal="none", roleScope="key")
    assert_names(error, "roleScope", "servicePrincipal", "none", "pulumi config rm")


def test_settings_existing_key_is_described_in_every_shape():
    settings = build(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, location=None)
    key = settings.existing_key
    assert key is not None
    assert key.key_id == KEY_ID
    assert key.key_id_versionless == "https://byo-vault.vault.azure.net/keys/byo-key"
    assert key.vault_uri == "https://byo-vault.vault.azure.net/"
    assert key.subscription_id == SUBSCRIPTION
    assert key.key_resource_id == f"{VAULT_ID}/keys/byo-key"
    assert settings.create_resource_group is False
    assert settings.key_name == "byo-key"
    assert settings.resource_group_name == "byo-rg"


def test_settings_service_principal_mode_must_be_known():
    assert_names(error_of(servicePrincipal="manual"), "servicePrincipal", "create, existing, none")


def test_settings_role_scope_must_be_vault_or_key():
    assert_names(error_of(roleScope="subscription"), "roleScope", "vault, key")


def test_settings_protect_must_be_a_boolean():
    assert_names(error_of(protect="yes"), "protect", "true or false")


def test_settings_offline_stack_uses_no_azure():
    settings = build(existingKeyId=KEY_ID, existingVaultId=VAULT_ID, servicePrincipal="none")
    assert not settings.uses_azure


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
