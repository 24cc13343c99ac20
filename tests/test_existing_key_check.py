"""A brought key is checked before Adobe is called (soft delete, purge protection, RBAC when the
role is granted, RSA of 3072 bits or more with wrapKey and unwrapKey, enabled and within its
dates, refused at preview in one line naming adobe-cmk:existingKeyId): pure rules, and the program
under mocks answering the vault and key lookups."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pulumi
import pytest

from components.existing_key_check import key_problems, vault_problems
from tests.mocks import GET_KEY, GET_VAULT, AzureMocks, run_main, valid_config
from tests.test_program import BYO_KEY_ID, BYO_VAULT_ID

NOW = 1_800_000_000.0
BYOK = {"existingKeyId": BYO_KEY_ID, "existingVaultId": BYO_VAULT_ID}


def vault(**overrides: Any) -> SimpleNamespace:
    values = {
        "enable_soft_delete": True,
        "enable_purge_protection": True,
        "enable_rbac_authorization": True,
    }
    return SimpleNamespace(**{**values, **overrides})


def key(**overrides: Any) -> SimpleNamespace:
    attributes = SimpleNamespace(
        enabled=overrides.pop("enabled", True),
        expires=overrides.pop("expires", None),
        not_before=overrides.pop("not_before", None),
    )
    values = {"kty": "RSA", "key_size": 3072, "key_ops": ["wrapKey", "unwrapKey"]}
    return SimpleNamespace(**{**values, **overrides, "attributes": attributes})


def test_a_good_vault_and_key_have_no_problem():
    assert vault_problems(vault(), grants_role=True) == []
    assert key_problems(key(), now=NOW) == []
    assert key_problems(key(kty="RSA-HSM", key_size=4096, expires=NOW + 60), now=NOW) == []


@pytest.mark.parametrize(
    ("overrides", "grants_role", "said"),
    [
        ({"enable_soft_delete": False}, True, "soft delete is off"),
        ({"enable_purge_protection": False}, True, "purge protection is off"),
        ({"enable_purge_protection": None}, True, "purge protection is off"),
        ({"enable_rbac_authorization": False}, True, "access policies"),
    ],
)
def test_vault_problems(overrides: dict[str, Any], grants_role: bool, said: str):
    problems = vault_problems(vault(**overrides), grants_role=grants_role)
    assert len(problems) == 1 and said in problems[0]


def test_an_access_policy_vault_is_fine_when_a_person_grants_the_access():
    assert vault_problems(vault(enable_rbac_authorization=False), grants_role=False) == []


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"kty": "EC"}, "not RSA or RSA-HSM"),
        ({"key_size": 2048}, "2048 bits, under 3072"),
        ({"key_ops": ["encrypt", "decrypt"]}, "does not allow wrapKey and unwrapKey"),
        ({"key_ops": ["wrapKey"]}, "does not allow unwrapKey"),
        ({"enabled": False}, "disabled"),
        ({"expires": NOW - 1}, "expired"),
        ({"not_before": NOW + 3600}, "not active yet"),
    ],
)
def test_key_problems(overrides: dict[str, Any], said: str):
    problems = key_problems(key(**overrides), now=NOW)
    assert len(problems) == 1 and said in problems[0], problems


def test_a_compliant_brought_key_is_looked_up_and_accepted():
    mocks = AzureMocks()
    run = run_main(valid_config(**BYOK), preview=True, mocks=mocks)
    tokens = [call.token for call in mocks.calls]
    assert GET_VAULT in tokens and GET_KEY in tokens
    looked_up = next(call for call in mocks.calls if call.token == GET_KEY).args
    assert looked_up["keyName"] == "byo-key" and looked_up["vaultName"] == "byo-vault"
    assert run.types()


@pytest.mark.parametrize(
    ("vault_answer", "key_answer", "said"),
    [
        ({"enablePurgeProtection": False}, {}, "vault byo-vault: purge protection is off"),
        ({"enableRbacAuthorization": False}, {}, "vault byo-vault: it uses access policies"),
        ({}, {"keySize": 2048}, "key byo-key: it has 2048 bits"),
        ({}, {"attributes": {"enabled": False}}, "key byo-key: it is disabled"),
        ({}, {"attributes": {"enabled": True, "expires": int(time.time()) - 60}}, "expired"),
    ],
)
def test_a_brought_key_adobe_could_not_use_fails_the_preview_in_one_line(
    vault_answer: dict[str, Any], key_answer: dict[str, Any], said: str
):
    mocks = AzureMocks(existing_vault=vault_answer, existing_key=key_answer)
    with pytest.raises(pulumi.RunError) as caught:
        run_main(valid_config(**BYOK), preview=True, mocks=mocks)
    message = str(caught.value)
    assert message.startswith("adobe-cmk:existingKeyId names a key Adobe could not rely on")
    assert said in message and "\n" not in message
    byok = [r for r in mocks.created if "ByokConfig" in r.typ]
    assert byok == [], "nothing reaches Adobe before the key is checked"


def test_a_stack_that_uses_no_azure_looks_nothing_up():
    # servicePrincipal none with a brought key: the program touches nothing of Azure (the offline
    # stack's shape), so it has no Azure credential to look the key up with.
    mocks = AzureMocks(existing_vault={"enablePurgeProtection": False})
    run_main(valid_config(servicePrincipal="none", **BYOK), preview=True, mocks=mocks)
    assert GET_VAULT not in [call.token for call in mocks.calls]
