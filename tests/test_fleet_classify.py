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
from fleet.report import exit_code, merge
from fleet.stacks import SelectionError, parse_stack_ls, select, stack_files
from tests.test_fleet_doubles import (
    BYOK,
    outputs,
    policy,
    pre,
    prelude,
    step,
    summary,
    urn,
)

VAULT_URN = urn("prod", "azure-native:keyvault:Vault", "cmk-vault")
BYOK_URN = urn("prod", BYOK, "cmk-byok")


def events(*raw: dict) -> list[EngineEvent]:
    return [EngineEvent.from_json({"sequence": i, "timestamp": 0, **e}) for i, e in enumerate(raw)]


def refreshed(meta: dict | None = None) -> list[dict]:
    return [pre(step("refresh", VAULT_URN)), outputs(meta or step("refresh", VAULT_URN))]


# --- classify ------------------------------------------------------------------------------------


def test_classify_no_diffs_is_in_sync():
    outcome = classify(events(prelude(), *refreshed(), summary(same=2)), deployed=True)
    assert outcome.status is Status.IN_SYNC
    assert outcome.drift == () and outcome.pending == ()
    assert outcome.change_summary == {"same": 2}


def test_classify_refresh_diff_is_drift_with_paths_and_kinds():
    meta = step("refresh", VAULT_URN, detailed={"properties.enablePurgeProtection": "delete"})
    outcome = classify(events(*refreshed(meta), summary(same=2)), deployed=True)
    assert outcome.status is Status.DRIFTED
    (change,) = outcome.drift
    assert (change.urn, change.op) == (VAULT_URN, "refresh")
    assert change.paths == {"properties.enablePurgeProtection": "delete"}


def test_classify_refresh_diff_without_detail_keeps_the_keys():
    meta = step("refresh", VAULT_URN, diffs=["properties"])
    (change,) = classify(events(*refreshed(meta)), deployed=True).drift
    assert change.paths == {"properties": "update"}


def test_classify_standalone_refresh_result_op_is_drift():
    # refresh --preview-only: the pre event says refresh, the outputs event its result op.
    gone = step("delete", VAULT_URN)
    outcome = classify(
        events(pre(step("refresh", VAULT_URN)), outputs(gone), summary(delete=1)), deployed=True
    )
    assert outcome.status is Status.DRIFTED
    assert outcome.drift[0].op == "delete"


def test_classify_program_change_without_drift_is_pending():
    change = step("replace", BYOK_URN, BYOK, detailed={"configName": "update-replace"})
    outcome = classify(
        events(
            *refreshed(),
            pre(change),
            pre(step("create-replacement", BYOK_URN, BYOK)),
            summary(same=1, replace=1),
        ),
        deployed=True,
    )
    assert outcome.status is Status.PENDING
    (pending,) = outcome.pending
    assert (pending.op, pending.paths) == ("replace", {"configName": "update-replace"})


def test_classify_summary_changes_alone_are_pending():
    assert classify(events(summary(same=1, update=1)), deployed=True).status is Status.PENDING


def test_classify_stack_without_resources_is_not_deployed():
    outcome = classify(events(pre(step("create", VAULT_URN)), summary(create=4)), deployed=False)
    assert outcome.status is Status.NOT_DEPLOYED


def test_classify_mandatory_policy_violation_fails():
    outcome = classify(
        events(*refreshed(), policy("key-size", "RSA key below 3072 bits\nsee docs")), deployed=True
    )
    assert outcome.status is Status.FAILED
    assert outcome.error == "policy key-size: RSA key below 3072 bits"
    advisory = classify(events(policy("x", "advice", "advisory"), summary(same=1)), deployed=True)
    assert advisory.status is Status.IN_SYNC


def test_classify_never_copies_values():
    meta = step("refresh", VAULT_URN, detailed={"properties.sku.name": "update"})
    outcome = classify(events(prelude(), *refreshed(meta)), deployed=True)
    assert "s3cr3t" not in repr(outcome)


def command_error(stderr: str):
    return create_command_error(CommandResult(stdout="a diff line", stderr=stderr, code=255))


def test_classify_error_types():
    assert (
        classify_error(command_error("error: no stack named 'prod' found"), []).status
        is Status.NOT_INITIALISED
    )
    locked = classify_error(
        command_error(
            "error: the stack is currently locked by 1 lock(s).\n"
            "  azblob://s/.pulumi/locks/o/p/prod/x.json: created by ci@runner (pid 7) at now"
        ),
        [],
    )
    assert locked.status is Status.LOCKED
    assert locked.error == (
        "azblob://s/.pulumi/locks/o/p/prod/x.json: created by ci@runner (pid 7) at now"
    )
    failed = classify_error(command_error("warning: x\nerror: preview failed"), [])
    assert (failed.status, failed.error) == (Status.FAILED, "error: preview failed")


def test_classify_error_prefers_the_engines_diagnostic():
    diag = {"diagnosticEvent": {"message": "Adobe refused: 403\nmore", "severity": "error"}}
    failed = classify_error(command_error("error: update failed"), events(diag))
    assert failed.error == "Adobe refused: 403"


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
