"""ManagedHsmKey and ManagedHsmRoleAssignment through the real dynamic-provider server
(``python -m pulumi.dynamic`` over gRPC), against the Managed HSM stand-in on loopback: the
data-plane calls each operation makes, adoption, refresh drift, and no token anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.adobe_access import role_assignment_name
from providers.hsm.grants import stack_grant_name
from providers.hsm_key import ManagedHsmKeyProvider
from providers.hsm_role_assignment import ManagedHsmRoleAssignmentProvider
from tests.hsm_simulator import SERVICE_ENCRYPTION_USER, HsmSimulator
from tests.hsm_simulator.server import Fault
from tests.provider_host import UNKNOWN, ProviderHost, failure, serialized, urn_for

TOKEN = "hsm-provider-test-token-77aa"
DEPLOYER = "99999999-8888-7777-6666-555555555555"
ADOBE_SP = "0a0b0c0d-1111-2222-3333-444444444444"
NAME = "6f1c1a54-7b55-5bb2-9a52-1f0ad6ad7e11"
KEY_URN = urn_for("pulumi-python:dynamic/hsm:ManagedHsmKey", "adobe-cmk-hsm-key")
ROLE_URN = urn_for("pulumi-python:dynamic/hsm:ManagedHsmRoleAssignment", "adobe-cmk-hsm-role")
KEY_PROVIDER = serialized(ManagedHsmKeyProvider())
ROLE_PROVIDER = serialized(ManagedHsmRoleAssignmentProvider())


@pytest.fixture
def hsm() -> Iterator[HsmSimulator]:
    with HsmSimulator({TOKEN: DEPLOYER}) as sim:
        yield sim


@pytest.fixture(scope="module")
def host() -> Iterator[ProviderHost]:
    """One provider server for the module (each test has its own stand-in, at its own address);
    a test reads what the server printed during it with :func:`printed`."""
    with ProviderHost({}, env={"ADOBE_CMK_HSM_TOKEN": TOKEN}) as running:
        yield running


def printed(host: ProviderHost, since: int) -> str:
    return host.stderr[since:]


def key_news(sim: HsmSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "__provider": KEY_PROVIDER,
        "hsmUri": sim.url,
        "keyName": "adobe-cmk",
        "keySize": 3072,
        "tags": {"team": "data"},
        **overrides,
    }


def role_news(sim: HsmSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "__provider": ROLE_PROVIDER,
        "hsmUri": sim.url,
        "scope": "/keys/adobe-cmk",
        "principalId": ADOBE_SP,
        "roleDefinitionId": SERVICE_ENCRYPTION_USER,
        "assignmentName": NAME,
        **overrides,
    }


def calls(sim: HsmSimulator) -> list[tuple[str, str, int]]:
    return [(r.method, r.route, r.status) for r in sim.log]


# ---- the key ---------------------------------------------------------------------------------


def test_hsm_key_create_makes_one_post_and_returns_the_versioned_kid(hsm, host):
    hsm.hidden_after_write = 1
    _, key_id, outs = host.created(KEY_URN, key_news(hsm))
    assert key_id == f"{hsm.url}/keys/adobe-cmk"
    assert outs["keyId"].startswith(f"{key_id}/") and len(outs["version"]) == 32
    assert (outs["keyType"], outs["keySize"], outs["enabled"]) == ("RSA-HSM", 3072, True)
    assert calls(hsm) == [
        ("GET", "key", 404),
        ("POST", "create", 200),
        ("GET", "key", 404),
        ("GET", "key", 200),
    ]


def test_hsm_key_create_adopts_a_matching_key_without_a_post(hsm, host):
    hsm.state.create_key(
        "adobe-cmk", {"kty": "RSA-HSM", "key_size": 3072, "key_ops": ["wrapKey", "unwrapKey"]}
    )
    _, _, outs = host.created(KEY_URN, key_news(hsm))
    assert outs["version"] == hsm.state.keys["adobe-cmk"][0].version
    assert calls(hsm) == [("GET", "key", 200)]


def test_hsm_key_create_refuses_an_existing_key_of_another_size(hsm, host):
    hsm.state.create_key(
        "adobe-cmk", {"kty": "RSA-HSM", "key_size": 2048, "key_ops": ["wrapKey", "unwrapKey"]}
    )
    inputs = host.checked(KEY_URN, key_news(hsm))
    line = failure(lambda: host.create(KEY_URN, inputs))
    assert "2048 bits" in line and "adobe-cmk:keySize 3072" in line
    assert hsm.requests("POST") == []


def test_hsm_key_check_refuses_a_small_key_and_a_vault_address(hsm, host):
    _, failures = host.check(
        KEY_URN, key_news(hsm, keySize=2048, hsmUri="https://kv.vault.azure.net")
    )
    assert {name for name, _ in failures} == {"keySize", "hsmUri"}


def test_hsm_key_refresh_sees_a_disabled_key_and_diff_replaces(hsm, host):
    inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    hsm.state.disable_key("adobe-cmk")
    read_id, read_outs, _ = host.read(KEY_URN, key_id, outs, inputs)
    assert read_id == key_id and read_outs["enabled"] is False
    diff = host.diff(KEY_URN, key_id, read_outs, inputs)
    assert list(diff.replaces) == ["enabled"]


def test_hsm_key_refresh_of_a_deleted_key_is_gone(hsm, host):
    inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    hsm.state.soft_delete_key("adobe-cmk")
    assert host.read(KEY_URN, key_id, outs, inputs)[0] == ""


def test_hsm_key_no_change_is_an_update(hsm, host):
    _inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    same = host.diff(KEY_URN, key_id, outs, key_news(hsm, tags={"team": "other"}))
    assert same.changes != same.DIFF_SOME and list(same.replaces) == []
    bigger = host.diff(KEY_URN, key_id, outs, key_news(hsm, keySize=4096))
    assert list(bigger.replaces) == ["keySize"]
    unknown = host.diff(KEY_URN, key_id, outs, key_news(hsm, hsmUri=UNKNOWN))
    assert list(unknown.replaces) == ["hsmUri"]


def test_hsm_key_delete_makes_no_call(hsm, host):
    _inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    before = len(hsm.log)
    host.delete(KEY_URN, key_id, outs)
    assert len(hsm.log) == before and "adobe-cmk" in hsm.state.keys


def test_hsm_key_without_local_roles_fails_naming_who_must_grant_them(host):
    with HsmSimulator({TOKEN: DEPLOYER}, deployer_roles=False) as sim:
        inputs = host.checked(KEY_URN, key_news(sim))
        line = failure(lambda: host.create(KEY_URN, inputs))
    assert "HTTP 403" in line and "Crypto User" in line and "Policy Administrator" in line
    assert TOKEN not in line and TOKEN not in host.stderr


# ---- the role assignment ---------------------------------------------------------------------


def test_hsm_role_create_puts_once_and_waits_until_visible(hsm, host):
    hsm.hidden_after_write = 2
    unknown = {"error": {"code": "BadParameter", "message": "Unkown role definition"}}
    hsm.fail_next("PUT", "assignment", Fault(400, body=unknown))
    _, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    path = f"/keys/adobe-cmk/providers/Microsoft.Authorization/roleAssignments/{NAME}"
    assert role_id == outs["assignmentId"] == path
    assert outs["adopted"] is False
    assert calls(hsm) == [
        ("GET", "assignment", 404),
        ("PUT", "assignment", 400),
        ("PUT", "assignment", 201),
        ("GET", "assignment", 404),
        ("GET", "assignment", 404),
        ("GET", "assignment", 200),
    ]
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")


def test_hsm_role_create_adopts_an_identical_assignment(hsm, host):
    hsm.state.put_assignment(
        "/keys/adobe-cmk",
        NAME,
        {
            "properties": {
                "principalId": ADOBE_SP,
                "roleDefinitionId": f"/{SERVICE_ENCRYPTION_USER}",
            }
        },
    )
    host.created(ROLE_URN, role_news(hsm))
    assert calls(hsm) == [("GET", "assignment", 200)]


def test_hsm_role_create_refuses_a_name_holding_another_principal(hsm, host):
    other = "0a0b0c0d-1111-2222-3333-999999999999"
    hsm.state.put_assignment(
        "/keys/adobe-cmk",
        NAME,
        {"properties": {"principalId": other, "roleDefinitionId": SERVICE_ENCRYPTION_USER}},
    )
    inputs = host.checked(ROLE_URN, role_news(hsm))
    line = failure(lambda: host.create(ROLE_URN, inputs))
    assert other in line and ADOBE_SP in line
    assert hsm.requests("PUT") == []


def test_hsm_role_refresh_sees_a_removed_assignment(hsm, host):
    inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    assert host.read(ROLE_URN, role_id, outs, inputs)[0] == role_id
    hsm.state.remove_assignment("/keys/adobe-cmk", NAME)  # by hand, out of band
    assert host.read(ROLE_URN, role_id, outs, inputs)[0] == ""
    # refresh dropped it from the state; the next up creates it again, under the same name
    assert not hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")
    _, again, _ = host.created(ROLE_URN, role_news(hsm))
    assert again == role_id
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, "/keys/adobe-cmk")


def test_hsm_role_delete_confirms_it_is_gone(hsm, host):
    _inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    hsm.lingering_after_delete = 1
    hsm.log.clear()
    host.delete(ROLE_URN, role_id, outs)
    assert (
        calls(hsm)
        == [("DELETE", "assignment", 200), ("GET", "assignment", 200)]
        + [("GET", "assignment", 404)] * 3
    )


def test_hsm_role_every_input_change_replaces(hsm, host):
    _inputs, role_id, outs = host.created(ROLE_URN, role_news(hsm))
    diff = host.diff(ROLE_URN, role_id, outs, role_news(hsm, principalId=UNKNOWN))
    assert list(diff.replaces) == ["principalId"]
    assert list(host.diff(ROLE_URN, role_id, outs, role_news(hsm)).replaces) == []


def test_hsm_role_check_refuses_a_bad_scope_and_a_client_id_shape(hsm, host):
    _, failures = host.check(ROLE_URN, role_news(hsm, scope="/secrets/x", principalId="adobe"))
    assert {name for name, _ in failures} == {"scope", "principalId"}


def test_hsm_no_token_reaches_outputs_or_the_provider_log(hsm, host):
    _, _, key_outs = host.created(KEY_URN, key_news(hsm))
    _, _, role_outs = host.created(ROLE_URN, role_news(hsm))
    assert TOKEN not in repr(key_outs) + repr(role_outs) + host.stderr + repr(hsm.log)


# ---- stacks that share an HSM (issue 20, item 4) ---------------------------------------------

STACK_A = ("org", "adobe-cmk", "brand-a", "AAAA1111AAAA1111AAAA1111@AdobeOrg")
STACK_B = ("org", "adobe-cmk", "brand-b", "BBBB2222BBBB2222BBBB2222@AdobeOrg")
SCOPE = "/keys/adobe-cmk"


def shared_name(sim: HsmSimulator) -> str:
    """The name every stack derived before the seed (components.adobe_access's formula)."""
    return role_assignment_name(f"{sim.url}{SCOPE}", ADOBE_SP, SERVICE_ENCRYPTION_USER)


def own_name(sim: HsmSimulator, stack: tuple[str, ...]) -> str:
    return stack_grant_name(stack, sim.url, SCOPE, ADOBE_SP, SERVICE_ENCRYPTION_USER)


def grant_by_hand(sim: HsmSimulator, name: str) -> None:
    """An assignment already in the HSM under ``name`` (another stack's, or an earlier PUT)."""
    body = {"properties": {"principalId": ADOBE_SP, "roleDefinitionId": SERVICE_ENCRYPTION_USER}}
    assert sim.state.put_assignment(SCOPE, name, body)[0] == 201


def deletes(sim: HsmSimulator) -> int:
    return len(sim.requests("DELETE"))


def test_hsm_role_two_stacks_on_one_hsm_get_two_assignments_and_destroy_only_their_own(hsm, host):
    assert own_name(hsm, STACK_A) != own_name(hsm, STACK_B) != shared_name(hsm)
    _, a_id, a_outs = host.created(ROLE_URN, role_news(hsm, assignmentName=own_name(hsm, STACK_A)))
    _, b_id, b_outs = host.created(ROLE_URN, role_news(hsm, assignmentName=own_name(hsm, STACK_B)))
    assert a_id != b_id and (a_outs["adopted"], b_outs["adopted"]) == (False, False)
    assert len(hsm.requests("PUT")) == 2
    host.delete(ROLE_URN, b_id, b_outs)  # stack B's destroy, after protect false
    assert deletes(hsm) == 1
    assert hsm.state.assignment_body(SCOPE, own_name(hsm, STACK_A)) is not None
    assert hsm.state.assignment_body(SCOPE, own_name(hsm, STACK_B)) is None
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, SCOPE)


def test_hsm_role_under_the_shared_name_is_adopted_and_its_delete_sends_no_delete(hsm, host):
    grant_by_hand(hsm, shared_name(hsm))  # stack A's grant, made before names were seeded
    _, role_id, outs = host.created(ROLE_URN, role_news(hsm, assignmentName=shared_name(hsm)))
    assert outs["adopted"] is True and hsm.requests("PUT") == []
    since = len(host.stderr)
    host.delete(ROLE_URN, role_id, outs)
    assert deletes(hsm) == 0
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, SCOPE)  # A keeps its access
    said = printed(host, since)
    assert "stays in the HSM (this stack adopted it" in said
    assert f"--name {shared_name(hsm)}" in said


def test_hsm_role_found_under_the_stacks_own_name_after_a_crash_is_its_own(hsm, host):
    # The PUT landed, then the process died before the state recorded it; `up` runs create again.
    name = own_name(hsm, STACK_A)
    grant_by_hand(hsm, name)
    _, role_id, outs = host.created(ROLE_URN, role_news(hsm, assignmentName=name))
    assert outs["adopted"] is False and hsm.requests("PUT") == []
    host.delete(ROLE_URN, role_id, outs)
    assert deletes(hsm) == 1
    assert hsm.state.assignment_body(SCOPE, name) is None


def test_hsm_role_state_without_the_record_keeps_its_grant_on_delete(hsm, host):
    # A state written before `adopted` was recorded: it cannot say who made the assignment.
    grant_by_hand(hsm, shared_name(hsm))
    inputs = host.checked(ROLE_URN, role_news(hsm, assignmentName=shared_name(hsm)))
    legacy = {**inputs, "assignmentId": f"{SCOPE}/providers/x/{shared_name(hsm)}"}
    since = len(host.stderr)
    host.delete(ROLE_URN, legacy["assignmentId"], legacy)
    assert deletes(hsm) == 0
    assert hsm.state.allowed(ADOBE_SP, SERVICE_ENCRYPTION_USER, SCOPE)
    assert "the state does not record whether this stack made it" in printed(host, since)


def test_hsm_role_existing_state_keeps_its_name_and_plans_no_replacement(hsm, host):
    # What an `up` of the fixed program sends for a stack whose state holds the shared name.
    olds = {k: v for k, v in role_news(hsm, assignmentName=shared_name(hsm)).items()}
    old_outs = {**olds, "assignmentId": f"{SCOPE}/x/{shared_name(hsm)}"}
    del old_outs["__provider"]
    news = role_news(hsm, assignmentName=own_name(hsm, STACK_A))
    inputs, failures = host.check(ROLE_URN, news, olds)
    assert failures == [] and inputs["assignmentName"] == shared_name(hsm)
    diff = host.diff(ROLE_URN, old_outs["assignmentId"], old_outs, inputs)
    assert diff.changes != diff.DIFF_SOME and list(diff.replaces) == []
    assert hsm.log == []  # check and diff are offline


def test_hsm_role_another_principal_takes_the_new_name_and_replaces(hsm, host):
    olds = role_news(hsm, assignmentName=shared_name(hsm))
    other = "0a0b0c0d-1111-2222-3333-999999999999"
    news = role_news(hsm, principalId=other, assignmentName=own_name(hsm, STACK_A))
    inputs, _ = host.check(ROLE_URN, news, olds)
    assert inputs["assignmentName"] == own_name(hsm, STACK_A)
    diff = host.diff(ROLE_URN, "id", {**olds, "adopted": False}, inputs)
    assert set(diff.replaces) == {"principalId", "assignmentName"}
    assert diff.deleteBeforeReplace is False  # another assignment: made before the old one goes


def test_hsm_role_replaced_under_the_same_name_deletes_the_old_one_first(hsm, host):
    name = own_name(hsm, STACK_A)
    olds = role_news(hsm, assignmentName=name)
    news = role_news(hsm, hsmUri=UNKNOWN, assignmentName=name)
    diff = host.diff(ROLE_URN, "id", {**olds, "adopted": False}, news)
    assert list(diff.replaces) == ["hsmUri"] and diff.deleteBeforeReplace is True


@pytest.mark.parametrize(
    "changed",
    ["https://HSM-Shared.managedhsm.azure.net", "https://hsm-shared.managedhsm.azure.net/"],
)
def test_hsm_an_hsm_uri_differing_in_case_or_slash_plans_no_replacement(host, changed):
    uri = "https://hsm-shared.managedhsm.azure.net"
    role_olds = {
        "hsmUri": uri,
        "scope": SCOPE,
        "principalId": ADOBE_SP,
        "roleDefinitionId": SERVICE_ENCRYPTION_USER,
        "assignmentName": NAME,
        "assignmentId": f"{SCOPE}/x/{NAME}",
        "adopted": True,
    }
    role_news_ = {**role_olds, "__provider": ROLE_PROVIDER, "hsmUri": changed}
    inputs, failures = host.check(ROLE_URN, role_news_, role_olds)
    assert failures == [] and inputs["assignmentName"] == NAME
    role_diff = host.diff(ROLE_URN, role_olds["assignmentId"], role_olds, inputs)
    assert list(role_diff.replaces) == [] and role_diff.changes != role_diff.DIFF_SOME
    key_olds = {"hsmUri": uri, "keyName": "adobe-cmk", "keySize": 3072, "tags": {}, "enabled": True}
    key_news_ = {**key_olds, "__provider": KEY_PROVIDER, "hsmUri": changed}
    key_diff = host.diff(
        KEY_URN, f"{uri}/keys/adobe-cmk", key_olds, host.checked(KEY_URN, key_news_)
    )
    assert list(key_diff.replaces) == [] and key_diff.changes != key_diff.DIFF_SOME


# ---- the kid the HSM answers (issue 20, items 5 and 9) ---------------------------------------

VERSION = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("kid", "problem"),
    [
        ("https://evil.vault.azure.net/keys/{name}/{version}", "names https://evil.vault"),
        ("https://other-hsm.managedhsm.azure.net/keys/{name}/{version}", "not this HSM"),
        ("{base}/keys/someone-elses-key/{version}", "names key someone-elses-key"),
        ("{base}/keys/{name}/{version}/extra", "path is not /keys/<name>/<version>"),
        ("{base}/keys/{name}/{version}?x=1", "query or fragment"),
        ("{base}/keys/{name}/" + "9" * 31 + "z", "not 32 hex digits"),
    ],
    ids=["another-vault", "another-hsm", "another-key", "longer-path", "query", "bad-version"],
)
def test_hsm_key_whose_kid_names_anything_else_fails_naming_the_hsm_and_the_answer(
    hsm, host, kid, problem
):
    hsm.state.hostile_kid = kid
    inputs = host.checked(KEY_URN, key_news(hsm))
    line = failure(lambda: host.create(KEY_URN, inputs))
    assert f"the HSM {hsm.url} answered key adobe-cmk with kid '" in line, line
    assert f"not {hsm.url}/keys/adobe-cmk/<32 hex digits>" in line and problem in line, line
    shown = kid.format(base=hsm.url, name="adobe-cmk", version="")
    assert shown.split("?")[0][:30] in line


def test_hsm_key_an_existing_key_with_a_foreign_kid_is_refused_without_a_post(hsm, host):
    hsm.state.create_key(
        "adobe-cmk", {"kty": "RSA-HSM", "key_size": 3072, "key_ops": ["wrapKey", "unwrapKey"]}
    )
    hsm.state.hostile_kid = "https://attacker.managedhsm.azure.net/keys/{name}/{version}"
    _, failures = host.check(KEY_URN, key_news(hsm))
    inputs = host.checked(KEY_URN, key_news(hsm))
    line = failure(lambda: host.create(KEY_URN, inputs))
    assert failures == [] and "attacker.managedhsm.azure.net" in line
    assert hsm.requests("POST") == []


def test_hsm_key_refresh_refuses_a_kid_that_changed_to_another_vault(hsm, host):
    inputs, key_id, outs = host.created(KEY_URN, key_news(hsm))
    hsm.state.hostile_kid = "https://evil.vault.azure.net/keys/{name}/{version}"
    line = failure(lambda: host.read(KEY_URN, key_id, outs, inputs))
    assert "evil.vault.azure.net" in line and hsm.url in line


@pytest.mark.parametrize(
    "template",
    ["{base}/keys/{name}/{pad}{token}", "{base}/keys/{pad}{token}/{version}"],
    ids=["unversioned", "another-key"],
)
def test_hsm_key_a_token_echoed_in_the_kid_across_the_cut_is_masked(hsm, host, template):
    # The stand-in echoes the bearer token in the kid so that it straddles the 200-character
    # cut of the quoted kid: masked first, nothing of it is left; cut first, its start leaked.
    head = template.split("{pad}")[0].format(base=hsm.url, name="adobe-cmk")
    pad = "p" * (190 - len(head))
    hsm.state.hostile_kid = template.replace("{pad}", pad).replace("{token}", TOKEN)
    inputs = host.checked(KEY_URN, key_news(hsm))
    line = failure(lambda: host.create(KEY_URN, inputs))
    assert pad in line and "***" in line, line
    assert TOKEN[:6] not in line and TOKEN[:6] not in host.stderr
