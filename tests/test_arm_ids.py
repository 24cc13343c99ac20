"""Names read out of ARM ids, and out of a Managed HSM's address when there is no ARM id."""

from __future__ import annotations

import pytest

from components.arm_ids import arm_name, name_in

KEY_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-cmk/providers/"
    "Microsoft.KeyVault/vaults/kv-cmk/keys/adobe-cmk"
)
HSM_ID = (
    "/subscriptions/22222222-0000-0000-0000-000000000002/resourceGroups/rg-security/providers/"
    "Microsoft.KeyVault/managedHSMs/hsm-shared"
)


@pytest.mark.parametrize(
    ("kinds", "name"),
    [(("resourceGroups",), "rg-cmk"), (("vaults",), "kv-cmk"), (("keys",), "adobe-cmk")],
)
def test_arm_name_is_the_segment_after_its_kind(kinds, name):
    assert arm_name(KEY_ID, *kinds) == name


def test_arm_name_ignores_the_kinds_letter_case():
    assert arm_name(KEY_ID.replace("/resourceGroups/", "/resourcegroups/"), "resourceGroups") == (
        "rg-cmk"
    )


def test_arm_name_refuses_an_id_without_the_kind_naming_it():
    with pytest.raises(ValueError, match="names no vaults or managedHSMs"):
        arm_name(HSM_ID.replace("/managedHSMs/", "/other/"), "vaults", "managedHSMs")


def test_name_in_reads_a_vault_or_an_hsm_from_its_arm_id():
    assert name_in(KEY_ID, "vaults", "managedHSMs") == "kv-cmk"
    assert name_in(HSM_ID, "vaults", "managedHSMs") == "hsm-shared"
    assert name_in(HSM_ID, "resourceGroups") == "rg-security"


def test_name_in_an_hsm_address_names_the_hsm_and_no_group():
    uri = "https://hsm-shared.managedhsm.azure.net"
    assert name_in(uri, "vaults", "managedHSMs") == "hsm-shared"
    assert name_in(uri, "resourceGroups") == ""


def test_name_in_refuses_what_is_neither_an_arm_id_nor_an_address():
    with pytest.raises(ValueError, match="names no resourceGroups"):
        name_in("not-an-id", "resourceGroups")
