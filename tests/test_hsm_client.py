"""The Managed HSM client against the stand-in over loopback: each call's path and status, the
transient answers waited out, the 401 challenge, refusals in one line, no token anywhere."""

from __future__ import annotations

import pytest

from providers.hsm.client import GONE_CONFIRMATIONS, UNKNOWN_ROLE_ATTEMPTS, HsmClient
from providers.hsm.errors import (
    HsmAuthenticationError,
    HsmBadRequestError,
    HsmConflictError,
    HsmPermissionError,
)
from providers.hsm.tokens import StaticToken
from tests.hsm_simulator import SERVICE_ENCRYPTION_USER, HsmSimulator
from tests.hsm_simulator.server import Fault

DEPLOYER_TOKEN = "hsm-deployer-token-5f0c1e"
DEPLOYER = "99999999-8888-7777-6666-555555555555"
ADOBE_SP = "0a0b0c0d-1111-2222-3333-444444444444"
SCOPE = "/keys/adobe-cmk"
ASSIGNMENT = "6f1c1a54-7b55-5bb2-9a52-1f0ad6ad7e11"


class CountingTokens:
    """A token source that renews: the first token is stale, the next ones good."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.minted = 0

    def token(self) -> str:
        return self.tokens[min(self.minted, len(self.tokens) - 1)]

    def invalidate(self) -> None:
        self.minted += 1


@pytest.fixture
def hsm():
    with HsmSimulator({DEPLOYER_TOKEN: DEPLOYER}) as sim:
        yield sim


def client_for(sim: HsmSimulator, tokens=None) -> HsmClient:
    return HsmClient(sim.url, tokens or StaticToken(DEPLOYER_TOKEN), sleep=lambda _s: None)


def test_hsm_client_creates_an_rsa_hsm_key_for_wrap_and_unwrap(hsm):
    key = client_for(hsm).create_key("adobe-cmk", 3072, {"team": "data"})
    assert key.kid.startswith(f"{hsm.url}/keys/adobe-cmk/") and len(key.version) == 32
    assert (key.kty, key.key_size, key.key_ops, key.enabled) == (
        "RSA-HSM",
        3072,
        ("wrapKey", "unwrapKey"),
        True,
    )
    [post] = hsm.requests("POST", "create")
    assert post.path == "/keys/adobe-cmk/create" and post.status == 200
    assert post.body == {
        "kty": "RSA-HSM",
        "key_size": 3072,
        "key_ops": ["wrapKey", "unwrapKey"],
        "attributes": {"enabled": True},
        "tags": {"team": "data"},
    }


def test_hsm_client_get_key_is_none_when_absent(hsm):
    assert client_for(hsm).get_key("nothing-here") is None


def test_hsm_client_waits_out_a_key_not_visible_after_its_creation(hsm):
    hsm.hidden_after_write = 2
    client = client_for(hsm)
    created = client.create_key("adobe-cmk", 4096, {})
    assert client.wait_for_key("adobe-cmk").kid == created.kid
    statuses = [r.status for r in hsm.requests("GET", "key")]
    assert statuses == [404, 404, 200]


def test_hsm_client_a_lost_create_answer_is_looked_up_not_sent_twice(hsm):
    hsm.fail_next("POST", "create", Fault(status=503))
    client = client_for(hsm)
    # The 503 answer came after nothing was made: looked up (404), then sent once more.
    key = client.create_key("adobe-cmk", 3072, {})
    assert [r.status for r in hsm.requests("POST", "create")] == [503, 200]
    assert [r.status for r in hsm.requests("GET", "key")] == [404]
    assert (
        len(hsm.state.keys["adobe-cmk"]) == 1
        and key.version == hsm.state.keys["adobe-cmk"][0].version
    )


def test_hsm_client_soft_deleted_key_is_a_conflict_saying_recover(hsm):
    client = client_for(hsm)
    client.create_key("adobe-cmk", 3072, {})
    hsm.state.soft_delete_key("adobe-cmk")
    with pytest.raises(HsmConflictError, match="recover") as caught:
        client.create_key("adobe-cmk", 3072, {})
    assert "\n" not in str(caught.value)


def test_hsm_client_puts_a_local_role_assignment_at_the_key_scope(hsm):
    client = client_for(hsm)
    made = client.put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    assert (made.scope, made.principal_id, made.role_guid) == (
        SCOPE,
        ADOBE_SP,
        SERVICE_ENCRYPTION_USER,
    )
    [put] = hsm.requests("PUT", "assignment")
    assert put.path == f"{SCOPE}/providers/Microsoft.Authorization/roleAssignments/{ASSIGNMENT}"
    assert put.status == 201
    assert put.body == {
        "properties": {
            "roleDefinitionId": "Microsoft.KeyVault/providers/Microsoft.Authorization/"
            f"roleDefinitions/{SERVICE_ENCRYPTION_USER}",
            "principalId": ADOBE_SP,
        }
    }
    assert client.get_role_assignment("//keys/adobe-cmk", ASSIGNMENT) == made


@pytest.mark.parametrize(("scope", "wire"), [("/", "/providers"), ("/keys", "/keys/providers")])
def test_hsm_client_hsm_wide_scopes_take_single_slashes(hsm, scope, wire):
    client_for(hsm).put_role_assignment(scope, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    [put] = hsm.requests("PUT", "assignment")
    assert put.path.startswith(f"{wire}/Microsoft.Authorization/") and put.status == 201


def test_hsm_client_waits_out_an_unknown_role_definition(hsm):
    unknown = {"error": {"code": "BadParameter", "message": "Unkown role definition"}}
    hsm.fail_next("PUT", "assignment", Fault(400, body=unknown), Fault(400, body=unknown))
    client_for(hsm).put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    assert [r.status for r in hsm.requests("PUT", "assignment")] == [400, 400, 201]


def test_hsm_client_a_role_unknown_for_good_ends_after_bounded_attempts(hsm):
    with pytest.raises(HsmBadRequestError, match="Unkown role definition"):
        client_for(hsm).put_role_assignment(
            SCOPE, ASSIGNMENT, "00000000-0000-0000-0000-000000000001", ADOBE_SP
        )
    assert len(hsm.requests("PUT", "assignment")) == UNKNOWN_ROLE_ATTEMPTS


def test_hsm_client_another_bad_request_is_not_retried(hsm):
    other = {"error": {"code": "BadParameter", "message": "principalId is not a GUID"}}
    hsm.fail_next("PUT", "assignment", Fault(400, body=other))
    with pytest.raises(HsmBadRequestError, match="not a GUID"):
        client_for(hsm).put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    assert len(hsm.requests("PUT", "assignment")) == 1


def test_hsm_client_assignment_name_holding_another_body_is_a_conflict(hsm):
    client = client_for(hsm)
    client.put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    other = "0a0b0c0d-1111-2222-3333-999999999999"
    with pytest.raises(HsmConflictError):
        client.put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, other)


def test_hsm_client_delete_confirms_the_assignment_is_gone(hsm):
    client = client_for(hsm)
    client.put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    hsm.lingering_after_delete = 2
    client.delete_role_assignment(SCOPE, ASSIGNMENT)
    statuses = [r.status for r in hsm.requests("GET", "assignment")]
    assert statuses == [200, 200] + [404] * GONE_CONFIRMATIONS
    assert client.get_role_assignment(SCOPE, ASSIGNMENT) is None


def test_hsm_client_renews_a_refused_token_once(hsm):
    tokens = CountingTokens("stale-token-0000", DEPLOYER_TOKEN)
    assert client_for(hsm, tokens).get_key("adobe-cmk") is None
    assert [r.status for r in hsm.requests("GET", "key")] == [401, 404]
    assert tokens.minted == 1


def test_hsm_client_a_token_refused_twice_is_one_line_without_the_token(hsm):
    with pytest.raises(HsmAuthenticationError) as caught:
        client_for(hsm, StaticToken("refused-token-123456")).get_key("adobe-cmk")
    text = str(caught.value)
    assert "HTTP 401" in text and "refused-token-123456" not in text and "\n" not in text


def test_hsm_client_missing_local_role_says_who_must_grant_it():
    with (
        HsmSimulator({DEPLOYER_TOKEN: DEPLOYER}, deployer_roles=False) as sim,
        pytest.raises(HsmPermissionError) as caught,
    ):
        client_for(sim).create_key("adobe-cmk", 3072, {})
    text = str(caught.value)
    assert "HTTP 403" in text and "Crypto User" in text and "Policy Administrator" in text


def test_hsm_client_an_hsm_not_activated_is_refused_in_those_words(hsm):
    hsm.state.activation = "NotActivated"
    with pytest.raises(HsmBadRequestError, match="not activated"):
        client_for(hsm).get_key("adobe-cmk")


def test_hsm_client_throttled_get_is_retried_after_retry_after(hsm):
    hsm.fail_next("GET", "key", Fault(429, retry_after="1"))
    assert client_for(hsm).get_key("adobe-cmk") is None
    assert [r.status for r in hsm.requests("GET", "key")] == [429, 404]


def test_hsm_client_request_log_and_errors_never_hold_the_token(hsm):
    client = client_for(hsm)
    client.create_key("adobe-cmk", 3072, {})
    client.put_role_assignment(SCOPE, ASSIGNMENT, SERVICE_ENCRYPTION_USER, ADOBE_SP)
    assert DEPLOYER_TOKEN not in repr(hsm.log)
    assert {r.principal for r in hsm.log} == {DEPLOYER}
