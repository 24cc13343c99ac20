"""Key identifier parsing and comparison (pure)."""

from __future__ import annotations

import pytest

from providers.key_identifier import parse_key_identifier

VERSION = "02cee357ad5d4c72b2b04881fdffd626"
VERSIONED = f"https://adobecmkexample1.vault.azure.net/keys/adobeCMK-key/{VERSION}"


def test_parse_key_identifier_versioned_gives_vault_name_and_version() -> None:
    key = parse_key_identifier(VERSIONED)
    assert key.vault_url == "https://adobecmkexample1.vault.azure.net"
    assert (key.name, key.version) == ("adobeCMK-key", VERSION)
    assert key.versioned == VERSIONED
    assert key.versionless == "https://adobecmkexample1.vault.azure.net/keys/adobeCMK-key"
    assert not key.managed_hsm


def test_parse_key_identifier_versionless_is_refused_by_default() -> None:
    with pytest.raises(ValueError, match="has no version; Adobe needs the versioned identifier"):
        parse_key_identifier("https://v1a.vault.azure.net/keys/k")


def test_parse_key_identifier_versionless_is_accepted_when_allowed() -> None:
    key = parse_key_identifier("https://v1a.vault.azure.net/keys/k", require_version=False)
    assert key.version is None
    with pytest.raises(ValueError, match="has no version"):
        _ = key.versioned


def test_parse_key_identifier_managed_hsm_is_recognised() -> None:
    key = parse_key_identifier(f"https://myhsm.managedhsm.azure.net/keys/k1/{VERSION}")
    assert key.managed_hsm
    assert key.vault_url == "https://myhsm.managedhsm.azure.net"


def test_parse_key_identifier_lowercases_the_host_only() -> None:
    key = parse_key_identifier(f"https://MyVault.Vault.Azure.Net/keys/MyKey/{VERSION}")
    assert key.vault_url == "https://myvault.vault.azure.net"
    assert key.name == "MyKey"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is required"),
        ("http://v1a.vault.azure.net/keys/k/" + VERSION, "not a Key Vault key identifier"),
        ("https://v1a.example.com/keys/k/" + VERSION, "not a Key Vault key identifier"),
        ("https://v1a.vault.azure.net/secrets/k/" + VERSION, "not a Key Vault key identifier"),
        ("https://v1a.vault.azure.net/keys/k_1/" + VERSION, "not a Key Vault key identifier"),
        ("https://v1a.vault.azure.net/keys/k/not-hex", "not a Key Vault key identifier"),
        ("https://v1a.vault.azure.net/keys/k/abc123", "a key version is 32 hex digits"),
    ],
)
def test_parse_key_identifier_malformed_gives_one_line_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_key_identifier(text)
    assert "\n" not in str(caught.value)


def test_same_key_ignores_version_and_case_of_the_name() -> None:
    a = parse_key_identifier(VERSIONED)
    b = parse_key_identifier(VERSIONED.replace(VERSION, "f" * 32).replace("adobeCMK", "ADOBEcmk"))
    assert a.same_key(b)


def test_same_key_differs_for_another_vault_or_name() -> None:
    a = parse_key_identifier(VERSIONED)
    assert not a.same_key(parse_key_identifier(VERSIONED.replace("example1", "example2")))
    assert not a.same_key(parse_key_identifier(VERSIONED.replace("adobeCMK-key", "other")))
