"""The pure parts of the fleet: classification of engine events (``EngineEvent.from_json`` on
events shaped as the CLI writes them), discovery of stack files, per-stack credentials, the
report's exit codes and merging."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.automation import CommandResult, EngineEvent
from pulumi.automation._cmd import create_command_error

from fleet.classify import Status, classify, classify_error
from fleet.credentials import check_distinct, per_stack_variable, stack_environment
from fleet.property_diff import changed_paths
from fleet.report import exit_code, merge
from fleet.stacks import SelectionError, parse_stack_ls, select, stack_files
from tests.test_fleet_doubles import (
    BYOK,
    SECRET,
    outputs,
    policy,
    pre,
    recorded_events,
    recorded_result,
    step,
    summary,
    urn,
)

VAULT_URN = urn("prod", "azure-native:keyvault:Vault", "cmk-vault")
BYOK_URN = urn("prod", BYOK, "cmk-byok")


def events(*raw: dict) -> list[EngineEvent]:
    return [EngineEvent.from_json({"sequence": i, "timestamp": 0, **e}) for i, e in enumerate(raw)]


def recorded(case: str) -> list[EngineEvent]:
    """The real engine's events of ``case`` (tests/fixtures/engine_events/)."""
    return [EngineEvent.from_json(e) for e in recorded_events(case, "prod")]


def changes(found) -> list[tuple[str, str, dict]]:
    return [(c.urn.rsplit("::", 1)[-1], c.op, dict(c.paths)) for c in found]


# --- classify: the real engine's events ----------------------------------------------------------


@pytest.mark.parametrize("case", ["in-sync", "in-sync.refresh-only"])
def test_classify_recorded_in_sync(case):
    outcome = classify(recorded(case), deployed=True)
    assert outcome.status is Status.IN_SYNC
    assert outcome.drift == () and outcome.pending == ()
    assert outcome.change_summary == {"same": 4}


def test_classify_recorded_drift_from_the_refresh_steps_old_and_new_outputs():
    """The engine's refresh step carries no diff (``detailedDiff: null``): the fleet finds the
    output Adobe changed (the configuration FAILED), and the update that would send it again."""
    outcome = classify(recorded("drifted"), deployed=True)
    assert outcome.status is Status.DRIFTED
    assert changes(outcome.drift) == [("adobe-cmk-byok", "update", {"status": "update"})]
    assert changes(outcome.pending) == [("adobe-cmk-byok", "update", {})]
    assert outcome.change_summary == {"same": 3, "update": 1}


def test_classify_recorded_gone_resource():
    outcome = classify(recorded("gone"), deployed=True)
    assert outcome.status is Status.DRIFTED
    assert changes(outcome.drift) == [("adobe-cmk-byok", "delete", {})]
    assert changes(outcome.pending) == [("adobe-cmk-byok", "create", {})]


@pytest.mark.parametrize("case", ["drifted", "gone"])
def test_one_preview_with_refresh_finds_the_drift_a_refresh_preview_finds(case):
    """`check` runs one engine pass per stack: its drift is what `refresh --preview-only` (a
    second pass) would find, and its plan is the pending change."""
    one = classify(recorded(case), deployed=True)
    refresh_only = classify(recorded(f"{case}.refresh-only"), deployed=True)
    assert refresh_only.status is one.status is Status.DRIFTED
    assert refresh_only.drift == one.drift
    assert refresh_only.pending == (), "a refresh plans nothing"


def test_classify_recorded_pending_change_without_drift():
    """Another key merged, not deployed: the dynamic resource's step has no engine diff either;
    the input that changed is found, the default provider's update (its inputs are the stack's
    config) is not a change of its own."""
    outcome = classify(recorded("pending"), deployed=True)
    assert outcome.status is Status.PENDING
    assert outcome.drift == ()
    assert changes(outcome.pending) == [("adobe-cmk-byok", "update", {"keyIdentifier": "update"})]


def test_classify_recorded_never_deployed_stack():
    outcome = classify(recorded("not-deployed"), deployed=False)
    assert outcome.status is Status.NOT_DEPLOYED
    assert outcome.change_summary == {"create": 4}


def test_classify_recorded_mandatory_policy_violation_names_the_violation():
    result = recorded_result("policy", "prod")
    outcome = classify_error(create_command_error(result), recorded("policy"))
    assert outcome.status is Status.FAILED
    assert outcome.error.startswith(
        "policy adobe-access-protected: BYOK configuration adobe-cmk-byok is not protected: "
    ), outcome.error


def test_classify_recorded_refused_setting_is_the_programs_one_line():
    result = recorded_result("failed", "prod")
    outcome = classify_error(create_command_error(result), recorded("failed"))
    assert (outcome.status, outcome.error) == (
        Status.FAILED,
        "adobe-cmk:orgId is 'not-an-org': an IMS org id looks like 1234ABCD5678@AdobeOrg",
    )


def test_classify_recorded_adobe_failure_is_the_exception_not_the_traceback():
    """A dynamic provider's failure reaches the engine as a Python traceback (Pulumi's dynamic
    provider server aborts with it): the detail is its exception line."""
    result = recorded_result("up-failed", "prod")
    outcome = classify_error(create_command_error(result), recorded("up-failed"))
    assert outcome.status is Status.FAILED
    assert outcome.error.startswith("RuntimeError: GET /data/infrastructure/"), outcome.error
    assert "Unable to access key vault key: forbidden" in outcome.error


def test_classify_recorded_lock_names_the_lock_file_and_its_holder():
    outcome = classify_error(create_command_error(recorded_result("locked", "prod")), [])
    assert outcome.status is Status.LOCKED
    assert outcome.error == (
        "file://<project>/.state/.pulumi/locks/organization/adobe-cmk/prod/"
        "0e4f6c1e-3c35-4a8e-9d3c-5c1d2b7a9f00.json?no_tmp_dir=true: created by runner@ci-host "
        "(pid 4242) at 2026-12-01T05:17:00Z"
    )


def test_classify_recorded_missing_stack_is_not_initialised():
    error = create_command_error(recorded_result("stack-select-missing", "prod"))
    assert classify_error(error, []).status is Status.NOT_INITIALISED


@pytest.mark.parametrize("case", ["drifted", "pending", "gone", "policy"])
def test_classify_never_copies_values(case):
    outcome = classify(recorded(case), deployed=True)
    # The planted value, and values the recorded states hold (a status, a key, a message).
    for value in (SECRET, "COMPLETED", "sim-key", "the key could not be read", "127.0.0.1"):
        assert value not in repr(outcome), value


# --- classify: what the recordings do not show ---------------------------------------------------


def test_classify_keeps_the_engines_detailed_diff_when_a_provider_gives_one():
    change = step("update", VAULT_URN, detailed={"properties.networkAcls.defaultAction": "update"})
    outcome = classify(
        events(
            pre(step("refresh", VAULT_URN)),
            outputs(step("refresh", VAULT_URN)),
            pre(change),
            summary(same=1, update=1),
        ),
        deployed=True,
    )
    assert outcome.status is Status.PENDING
    (pending,) = outcome.pending
    assert pending.paths == {"properties.networkAcls.defaultAction": "update"}


def test_classify_step_with_diff_keys_only_keeps_the_keys():
    outcome = classify(events(pre(step("update", VAULT_URN, diffs=["properties"]))), deployed=True)
    assert changes(outcome.pending) == [("cmk-vault", "update", {"properties": "update"})]


def test_classify_replacement_is_one_pending_change():
    change = step("replace", BYOK_URN, BYOK, detailed={"configName": "update-replace"})
    outcome = classify(
        events(
            pre(change), pre(step("create-replacement", BYOK_URN, BYOK)), summary(same=1, replace=1)
        ),
        deployed=True,
    )
    assert outcome.status is Status.PENDING
    assert changes(outcome.pending) == [("cmk-byok", "replace", {"configName": "update-replace"})]


def test_classify_summary_changes_alone_are_pending():
    assert classify(events(summary(same=1, update=1)), deployed=True).status is Status.PENDING


def test_classify_advisory_policy_does_not_fail():
    advisory = classify(events(policy("x", "advice", "advisory"), summary(same=1)), deployed=True)
    assert advisory.status is Status.IN_SYNC


def command_error(stderr: str):
    return create_command_error(CommandResult(stdout="a diff line", stderr=stderr, code=255))


def test_classify_error_first_error_line_of_stderr():
    failed = classify_error(command_error("warning: x\nerror: preview failed"), [])
    assert (failed.status, failed.error) == (Status.FAILED, "error: preview failed")


# --- where two property maps differ --------------------------------------------------------------


def test_changed_paths_names_paths_and_kinds_into_objects_and_lists():
    old = {
        "status": "COMPLETED",
        "tags": {"a": 1, "b": 2},
        "ips": ["1.1.1.1", "2.2.2.2"],
        "gone": 1,
        "odd.key": 1,
        "__provider": "old",
    }
    new = {
        "status": "FAILED",
        "tags": {"a": 1, "c": 3},
        "ips": ["1.1.1.1", "9.9.9.9"],
        "odd.key": 2,
        "added": True,
        "__provider": "new",
    }
    assert changed_paths(old, new) == {
        "status": "update",
        "tags.b": "delete",
        "tags.c": "add",
        "ips[1]": "update",
        "gone": "delete",
        '["odd.key"]': "update",
        "added": "add",
    }


def test_changed_paths_lists_of_another_length_and_secrets_are_one_value():
    secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "ciphertext": "[secret]",
    }
    assert changed_paths({"ips": [1], "key": secret}, {"ips": [1, 2], "key": secret}) == {
        "ips": "update"
    }
    assert changed_paths({"key": secret}, {"key": "plain"}) == {"key": "update"}
    assert changed_paths({"same": {"x": [1]}}, {"same": {"x": [1]}}) == {}


# --- discovery ---------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in (
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.sim.yaml",
        "Pulumi.b.yml",
        "Pulumi.a.json",
        "Pulumi.a.deploy.yaml",
        "Pulumi.c.yaml",
    ):
        (tmp_path / name).write_text("config:\n  adobe-cmk:orgId: X@AdobeOrg\n", encoding="utf-8")
    return tmp_path


def test_stack_files_are_members_and_exclusions_apply(files):
    members = stack_files(files)
    assert [m.stack for m in members] == ["a", "b", "c", "dev", "sim"]
    assert members[0].org_id == "X@AdobeOrg"
    chosen = select(members, exclude=["b"])
    assert [m.stack for m in chosen.members] == ["a", "c"]
    assert sorted(chosen.excluded) == ["b", "dev", "sim"]
    assert [m.stack for m in select(members, tagged={"c", "zz"}).members] == ["c"]


@pytest.mark.parametrize(
    "shadow",
    ["Pulumi.c.yaml\n", "Pulumi.c\n.yaml", "Pulumi.c.yaml.bak", "Pulumi.<b>c.yaml"],
    ids=["line-break-after", "line-break-inside", "other-extension", "markup"],
)
def test_stack_files_match_whole_names_only(files, shadow):
    """A file whose name only starts like a stack file is none: it can shadow no stack."""
    (files / shadow).write_text("config:\n  adobe-cmk:orgId: EVIL@AdobeOrg\n", encoding="utf-8")
    members = stack_files(files)
    assert [m.stack for m in members] == ["a", "b", "c", "dev", "sim"]
    assert {m.org_id for m in members} == {"X@AdobeOrg"}
    (c,) = [m for m in members if m.stack == "c"]
    assert c.file.name == "Pulumi.c.yaml"


def test_two_files_for_one_stack_are_refused(files):
    (files / "Pulumi.c.yml").write_text("config: {}\n", encoding="utf-8")
    with pytest.raises(SelectionError, match="two stack files for stack c"):
        stack_files(files)


def test_selection_errors(files):
    members = stack_files(files)
    with pytest.raises(SelectionError, match="no stack file for zz"):
        select(members, stacks=["zz"])
    with pytest.raises(SelectionError, match="no stack selected"):
        select(members, tagged=set())


def test_parse_stack_ls_reads_the_cli_json():
    found = parse_stack_ls(
        '[{"name":"org/adobe-cmk/prod","current":true,"lastUpdate":"2026-11-30T08:15:05.000Z",'
        '"resourceCount":7},{"name":"new","current":false}]'
    )
    assert found["prod"].resource_count == 7 and found["prod"].deployed
    last = found["prod"].last_update
    assert last is not None and last.isoformat() == "2026-11-30T08:15:05+00:00"
    assert not found["new"].deployed


# --- credentials -------------------------------------------------------------------------------


def test_stack_environment_blanks_the_shared_credential():
    assert per_stack_variable("ADOBE_CLIENT_ID", "brand-eu.2") == "ADOBE_CLIENT_ID__BRAND_EU_2"
    environ = {"ADOBE_CLIENT_ID": "a", "ADOBE_ACCESS_TOKEN": "t", "ADOBE_CMK_HSM_TOKEN": "h"}
    env = stack_environment("x", environ)
    assert env == {
        "ADOBE_CLIENT_ID": "",
        "ADOBE_CLIENT_SECRET": "",
        "ADOBE_ACCESS_TOKEN": "",
        "ADOBE_CMK_HSM_TOKEN": "",
    }


def test_stack_environment_clears_every_per_stack_variable_but_takes_its_own():
    """No stack's processes hold another stack's values, the HSM token included."""
    environ = {
        "ADOBE_CMK_HSM_TOKEN": "shared-hsm-token",
        "ADOBE_CMK_HSM_TOKEN__BRAND_EU": "eu-hsm-token",
        "ADOBE_CLIENT_SECRET__BRAND_EU": "eu-secret",
        "ADOBE_CLIENT_SECRET__BRAND_US": "us-secret",
        "PULUMI_CONFIG_PASSPHRASE_FILE__BRAND_US": "/run/us-passphrase",
        "ARM_CLIENT_ID": "shared-azure-identity",
    }
    eu = stack_environment("brand-eu", environ)
    assert eu["ADOBE_CMK_HSM_TOKEN"] == "eu-hsm-token"
    assert eu["ADOBE_CLIENT_SECRET"] == "eu-secret"
    for name in environ:
        if "__" in name:
            assert eu[name] == "", name
    assert "ARM_CLIENT_ID" not in eu  # shared on purpose: the process's own value applies
    us = stack_environment("brand-us", environ)
    assert us["ADOBE_CMK_HSM_TOKEN"] == "" and us["ADOBE_CLIENT_SECRET"] == "us-secret"
    assert us["PULUMI_CONFIG_PASSPHRASE_FILE"] == "/run/us-passphrase"
    assert "eu-hsm-token" not in us.values() and "eu-secret" not in us.values()


@pytest.mark.parametrize("other", ["brand.eu", "brand_eu", "BRAND-EU"])
def test_stacks_reading_the_same_variables_are_refused_naming_both(other):
    with pytest.raises(ValueError, match="would read the same credential") as refused:
        check_distinct(["agency", "brand-eu", other])
    message = str(refused.value)
    assert "\n" not in message
    assert "brand-eu" in message and other in message and "ADOBE_CLIENT_SECRET__BRAND_EU" in message


def test_stacks_of_distinct_variables_pass():
    check_distinct(["brand-eu", "brand-eu2", "brand-us", "agency"])


# --- exit codes and merging --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["in-sync", "updated"], 0),
        (["in-sync", "drifted"], 2),
        (["pending", "not-deployed"], 2),
        (["drifted", "locked"], 3),
        (["in-sync", "not-initialised"], 3),
        (["updated", "skipped"], 3),
        (["failed"], 3),
    ],
)
def test_exit_code(statuses, code):
    assert exit_code(statuses) == code


def entry(stack: str, status: str) -> dict:
    return {"stack": stack, "status": status, "drift": [], "pending": [], "error": None}


def test_merge_combines_reports_and_recomputes_the_exit_code():
    one = {"schema": 1, "command": "check", "stacks": [entry("b", "drifted")], "orphans": ["o"]}
    two = {"schema": 1, "command": "check", "stacks": [entry("a", "in-sync")], "orphans": ["o"]}
    merged = merge([one, two])
    assert [s["stack"] for s in merged["stacks"]] == ["a", "b"]
    assert merged["orphans"] == ["o"]
    assert merged["exit_code"] == 2
    with pytest.raises(ValueError, match="schema"):
        merge([{"schema": 2, "stacks": []}])
