"""Pure functions behind issue 20's items 4 and 5, without I/O: the HSM address compared
normalised, the ``kid`` that must name this HSM's key, the stack-seeded assignment name (and the
shared name states made before it hold)."""

from __future__ import annotations

import pytest

from cmk_facts import HSM_CRYPTO_SERVICE_ENCRYPTION_USER as ROLE
from components.adobe_access import role_assignment_name
from providers.hsm.grants import is_shared_name, shared_grant_name, stack_grant_name
from providers.hsm.models import kid_problem, normal_hsm_uri

HSM = "https://hsm-shared.managedhsm.azure.net"
PRINCIPAL = "0a0b0c0d-1111-2222-3333-444444444444"
SCOPE = "/keys/adobe-cmk"
VERSION = "0123456789abcdef0123456789abcdef"
STACK = ("acme", "adobe-cmk", "brand-eu", "1234ABCD5678EF901234ABCD@AdobeOrg")


@pytest.mark.parametrize(
    "uri",
    [
        "https://hsm-shared.managedhsm.azure.net",
        "https://HSM-Shared.managedhsm.azure.net",
        "https://hsm-shared.managedhsm.azure.net/",
        "HTTPS://hsm-shared.MANAGEDHSM.azure.net:443//",
    ],
)
def test_hsm_uri_normalised_ignores_case_trailing_slashes_and_the_default_port(uri):
    assert normal_hsm_uri(uri) == HSM


def test_hsm_uri_normalised_keeps_what_tells_two_hsms_apart():
    assert normal_hsm_uri("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"
    assert normal_hsm_uri("https://other.managedhsm.azure.net") != HSM
    assert normal_hsm_uri("http://hsm-shared.managedhsm.azure.net") != HSM


@pytest.mark.parametrize(
    "kid",
    [
        f"{HSM}/keys/adobe-cmk/{VERSION}",
        f"https://HSM-SHARED.managedhsm.azure.net/keys/adobe-cmk/{VERSION}",
        f"{HSM}:443/keys/Adobe-CMK/{VERSION.upper()}",
    ],
)
def test_kid_of_this_hsms_key_passes(kid):
    assert kid_problem(kid, f"{HSM}/", "adobe-cmk") == ""


@pytest.mark.parametrize(
    ("kid", "problem"),
    [
        (f"https://evil.vault.azure.net/keys/adobe-cmk/{VERSION}", "names https://evil.vault"),
        (f"https://hsm-shared.managedhsm.azure.net.evil.io/keys/adobe-cmk/{VERSION}", "not this"),
        (f"http://hsm-shared.managedhsm.azure.net/keys/adobe-cmk/{VERSION}", "not this HSM"),
        (f"{HSM}:8443/keys/adobe-cmk/{VERSION}", "not this HSM"),
        (f"{HSM}/keys/other/{VERSION}", "names key other, not adobe-cmk"),
        (f"{HSM}/keys/adobe-cmk", "path is not"),
        (f"{HSM}/secrets/adobe-cmk/{VERSION}", "path is not"),
        (f"{HSM}/keys/adobe-cmk/{VERSION}/", "path is not"),
        (f"{HSM}//keys/adobe-cmk/{VERSION}", "path is not"),
        (f"{HSM}/keys/adobe-cmk/{VERSION[:-1]}", "not 32 hex digits"),
        (f"{HSM}/keys/adobe-cmk/{VERSION}?api-version=7.5", "query or fragment"),
        (f"{HSM}/keys/adobe-cmk/{VERSION}#x", "query or fragment"),
        (f"https://user@{HSM.removeprefix('https://')}/keys/adobe-cmk/{VERSION}", "not this"),
        (f"{HSM.removeprefix('https://')}/keys/adobe-cmk/{VERSION}", "no address"),
        ("", "no address"),
    ],
)
def test_kid_naming_anything_else_is_a_problem(kid, problem):
    assert problem in kid_problem(kid, HSM, "adobe-cmk")


def test_stack_grant_name_is_the_same_for_the_same_stack_and_grant_whatever_the_spelling():
    name = stack_grant_name(STACK, HSM, SCOPE, PRINCIPAL, ROLE)
    assert name == stack_grant_name(
        STACK, f"{HSM.upper()}/", "//keys/ADOBE-CMK", PRINCIPAL.upper(), f"/{ROLE}"
    )


@pytest.mark.parametrize("part", range(4))
def test_stack_grant_name_differs_for_every_other_stack(part):
    other = list(STACK)
    other[part] = f"{other[part]}-2"
    assert stack_grant_name(tuple(other), HSM, SCOPE, PRINCIPAL, ROLE) != stack_grant_name(
        STACK, HSM, SCOPE, PRINCIPAL, ROLE
    )


def test_stack_grant_name_parts_cannot_run_into_each_other():
    assert stack_grant_name(("a|b", "c"), HSM, SCOPE, PRINCIPAL, ROLE) != stack_grant_name(
        ("a", "b|c"), HSM, SCOPE, PRINCIPAL, ROLE
    )


def test_shared_grant_name_is_what_every_stack_derived_before_the_seed():
    # The program named the HSM assignment role_assignment_name(f"{hsm_uri}{scope}", …) before.
    legacy = role_assignment_name(f"{HSM}{SCOPE}", PRINCIPAL, ROLE)
    assert shared_grant_name(HSM, SCOPE, PRINCIPAL, ROLE) == legacy
    assert shared_grant_name(f"{HSM.upper()}/", SCOPE, PRINCIPAL.upper(), ROLE) == legacy
    assert is_shared_name(legacy.upper(), HSM, SCOPE, PRINCIPAL, ROLE)
    assert not is_shared_name(
        stack_grant_name(STACK, HSM, SCOPE, PRINCIPAL, ROLE), HSM, SCOPE, PRINCIPAL, ROLE
    )
