"""The shared valid base of the settings tests and how they build settings and check errors."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from cmk_facts import NAMESPACE
from components.settings import Settings, SettingsError
from tests.mocks import SECRET_KEYS, valid_config

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
