"""``scripts/fleet`` through the real Automation API, with a Pulumi CLI stand-in: the fast cases.

Every command goes through ``fleet.cli.main`` → the real ``pulumi.automation`` SDK (workspaces,
``Stack.select``, ``preview``/``up``, its event server and error typing) → the ``PulumiCommand``
double of tests/test_fleet_doubles.py, which answers with what the real CLI answered (recorded
engine events, outputs and errors). Selection, install-once, fan-out width, the table, the JSON,
the rollout's stopping rules, credentials and the cases the real-CLI run does not take (pending,
gone, the policy pack, an Adobe failure) run here; the fleet under the real CLI, in sync, drifted,
broken, locked and rolled out, is tests/test_cli_fleet.py.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from fleet.cli import main
from tests.test_fleet_doubles import INSTALL_FAILED, SECRET, FakePulumi

ORGS = {
    "brand-eu": "1111AAAA2222@AdobeOrg",
    "brand-us": "3333BBBB4444@AdobeOrg",
    "agency": "5555CCCC6666@AdobeOrg",
    "retail": "7777DDDD8888@AdobeOrg",
}


def write_stack(project: Path, stack: str, org_id: str) -> None:
    (project / f"Pulumi.{stack}.yaml").write_text(
        "config:\n"
        f"  adobe-cmk:orgId: {org_id}\n"
        "  adobe-cmk:clientId: client-of-" + stack + "\n"
        "  adobe-cmk:clientSecret:\n"
        "    secure: v1:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0\n",
        encoding="utf-8",
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: adobe-cmk\nruntime: python\n", encoding="utf-8")
    for stack, org in ORGS.items():
        write_stack(tmp_path, stack, org)
    write_stack(tmp_path, "dev", "<your-org-id>@AdobeOrg")
    write_stack(tmp_path, "sim", "1234ABCD5678@AdobeOrg")
    (tmp_path / "Pulumi.brand-eu.deploy.yaml").write_text("settings: {}\n", encoding="utf-8")
    (tmp_path / "policy").mkdir()
    return tmp_path


class Run:
    """One command's exit code, stdout and stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def json(self) -> dict:
        return json.loads(self.out)

    def statuses(self) -> dict[str, str]:
        return {s["stack"]: s["status"] for s in self.json["stacks"]}


def fleet(project: Path, fake: FakePulumi, *argv: str, environ: dict | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv), command=fake, project_dir=project, environ=environ or {}, out=out, err=err
    )
    return Run(code, out.getvalue(), err.getvalue())


def all_in(scenario: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names or ORGS, scenario)


# --- list --------------------------------------------------------------------------------------


def test_list_cross_checks_the_stack_files_with_the_backend(project):
    backend = {"brand-eu": "in-sync", "brand-us": "in-sync", "agency": "in-sync", "old-brand": "x"}
    run = fleet(project, FakePulumi(stacks=backend), "list", "--json")
    assert run.code == 0, run.err
    doc = run.json
    by_stack = {s["stack"]: s for s in doc["stacks"]}
    assert sorted(by_stack) == sorted(ORGS), "dev, sim and the .deploy.yaml file are not members"
    assert by_stack["retail"]["in_backend"] is False
    assert by_stack["brand-eu"]["org_id"] == ORGS["brand-eu"]
    assert by_stack["brand-eu"]["resources"] == 5
    assert doc["orphans"] == ["old-brand"]
    assert sorted(doc["excluded"]) == ["dev", "sim"]


def test_list_table_names_orphans_and_uninitialised_stacks(project):
    run = fleet(project, FakePulumi(stacks={"brand-eu": "in-sync", "old-brand": "x"}), "list")
    assert run.code == 0, run.err
    lines = {line.split()[0]: line for line in run.out.splitlines() if line.strip()}
    assert "not initialised" in lines["retail"]
    assert "orphan: no stack file" in lines["old-brand"]
    assert "excluded: dev, sim" in run.out


# --- check: classification, table, JSON, exit codes --------------------------------------------


def test_check_pending_and_gone_exit_2_with_paths_and_kinds(project):
    stacks = {**all_in("in-sync"), "brand-eu": "gone", "agency": "pending"}
    run = fleet(project, FakePulumi(stacks=stacks), "check", "--json")
    assert run.code == 2, run.err
    assert run.statuses() == {
        "agency": "pending",
        "brand-eu": "drifted",
        "brand-us": "in-sync",
        "retail": "in-sync",
    }
    eu = next(s for s in run.json["stacks"] if s["stack"] == "brand-eu")
    (gone,) = eu["drift"]
    assert (gone["type"], gone["op"], gone["paths"]) == (
        "pulumi-python:dynamic/adobe:ByokConfig",
        "delete",
        {},
    )
    assert [(c["op"], c["paths"]) for c in eu["pending"]] == [("create", {})], "up sends it again"
    assert eu["change_summary"] == {"create": 1, "same": 3}
    agency = next(s for s in run.json["stacks"] if s["stack"] == "agency")
    assert agency["drift"] == []
    # Another key: the engine gives no diff for a dynamic resource, the fleet finds the input.
    (pending,) = agency["pending"]
    assert (pending["op"], pending["paths"]) == ("update", {"keyIdentifier": "update"})


def test_check_mandatory_policy_violation_fails_naming_what_was_violated(project):
    fake = FakePulumi(stacks={**all_in("in-sync"), "retail": "policy"})
    run = fleet(project, fake, "check", "--json", "--policy-pack", "policy")
    assert run.code == 3, run.err
    retail = next(s for s in run.json["stacks"] if s["stack"] == "retail")
    assert retail["status"] == "failed"
    # The policy event's message is the rule's description, then the violation: the latter.
    assert retail["error"] == {
        "kind": "CommandError",
        "first_line": "policy adobe-access-protected: BYOK configuration adobe-cmk-byok is not "
        "protected: deleting or replacing it cuts Adobe off from the key, and Adobe may then "
        "purge the organisation's data. Register it with protect=True (stack setting "
        "adobe-cmk:protect true).",
    }


def test_check_reports_uninitialised_and_never_deployed_stacks(project):
    fake = FakePulumi(
        stacks={"brand-eu": "pending", "brand-us": "not-deployed"}, resources={"brand-us": 0}
    )
    run = fleet(
        project,
        fake,
        "check",
        "--json",
        "--stack",
        "brand-eu",
        "--stack",
        "brand-us",
        "--stack",
        "retail",
    )
    assert run.statuses() == {
        "brand-eu": "pending",
        "brand-us": "not-deployed",
        "retail": "not-initialised",
    }
    assert run.code == 3
    assert not [a for a in fake.commands("preview") if "retail" in a], "nothing runs on it"


def test_check_table_shows_one_row_per_stack_with_paths(project):
    stacks = {**all_in("in-sync"), "brand-eu": "drifted", "brand-us": "failed"}
    run = fleet(project, FakePulumi(stacks=stacks), "check")
    assert run.code == 3
    header, *rows = [line for line in run.out.splitlines() if line.strip()][:5]
    assert header.split()[:3] == ["STACK", "ORG", "STATUS"]
    eu = next(r for r in rows if r.startswith("brand-eu"))
    assert ORGS["brand-eu"] in eu
    assert "  adobe-cmk-byok: status (update)  ~adobe-cmk-byok  5  " in eu, "drift, pending"
    assert "2026-11-30 08:15" in eu
    us = next(r for r in rows if r.startswith("brand-us"))
    assert " failed " in us and "adobe-cmk:orgId is 'not-an-org'" in us


def test_check_runs_preview_with_refresh_read_only(project):
    fake = FakePulumi(stacks=all_in("in-sync"))
    fleet(project, fake, "check", "--policy-pack", "policy")
    previews = fake.commands("preview")
    assert len(previews) == len(ORGS)
    for args in previews:
        assert "--refresh" in args and "--policy-pack" in args, args
    assert not fake.commands("up") and not fake.commands("refresh")


def test_check_refresh_only_runs_refresh_preview_only(project):
    fake = FakePulumi(stacks=all_in("drifted"))
    run = fleet(project, fake, "check", "--refresh-only", "--json")
    assert run.code == 2
    assert set(run.statuses().values()) == {"drifted"}
    for args in fake.commands("refresh"):
        assert "--preview-only" in args, args
    assert len(fake.commands("refresh")) == len(ORGS) and not fake.commands("preview")


# --- install-once and width --------------------------------------------------------------------


def write_offline_stack(project: Path, stack: str) -> None:
    (project / f"Pulumi.{stack}.yaml").write_text(
        "config:\n  adobe-cmk:orgId: 1234ABCD5678@AdobeOrg\n"
        "  adobe-cmk:platformUrl: http://127.0.0.1:8181\n",
        encoding="utf-8",
    )


def test_install_skips_plugins_only_when_every_selected_stack_is_offline(project):
    """Offline, `pulumi install` cannot fetch the Azure plugins the program's packages name and
    fails (as scripts/up found): a fleet of offline stacks installs without plugins."""
    for stack in ("lab-a", "lab-b"):
        write_offline_stack(project, stack)
    fake = FakePulumi(stacks=all_in("in-sync", *ORGS, "lab-a", "lab-b"))
    run = fleet(project, fake, "check", "--stack", "lab-a", "--stack", "lab-b")
    assert run.code == 0, run.err
    assert fake.commands("install") == [["install", "--no-plugins"]]
    assert "without plugins (every stack selected is offline)" in run.err
    fake = FakePulumi(stacks=all_in("in-sync", *ORGS, "lab-a", "lab-b"))
    fleet(project, fake, "check", "--stack", "lab-a", "--stack", "agency")
    assert fake.commands("install") == [["install"]], "agency reaches Adobe: it needs its plugins"


def test_install_failure_exits_1_with_the_clis_error_line(project):
    fake = FakePulumi(stacks=all_in("in-sync"), install_fails=True)
    run = fleet(project, fake, "check")
    assert run.code == 1
    (line,) = [line for line in run.err.splitlines() if "install" in line and "once" not in line]
    assert line == f"fleet: CommandError: {INSTALL_FAILED.splitlines()[0]}"
    assert not fake.commands("preview")


def test_check_installs_once_before_any_stack_runs(project):
    fake = FakePulumi(stacks=all_in("in-sync"))
    fleet(project, fake, "check")
    verbs = [args[0] for args, _ in fake.calls if args[0] in ("install", "preview")]
    assert verbs[0] == "install" and verbs.count("install") == 1, verbs


def test_check_runs_the_stacks_at_once_up_to_the_width(project):
    # Each preview waits at the barrier until 4 run together: it trips only at width 4.
    fake = FakePulumi(stacks=all_in("in-sync"), barrier=threading.Barrier(4, timeout=30))
    run = fleet(project, fake, "check", "--parallel", "4")
    assert run.code == 0, run.out + run.err
    assert fake.most_running == 4


def test_check_never_runs_more_than_the_width(project):
    for extra in ("e1", "e2", "e3", "e4"):
        write_stack(project, extra, "9999EEEE0000@AdobeOrg")
    fake = FakePulumi(
        stacks=all_in("in-sync", *ORGS, "e1", "e2", "e3", "e4"),
        barrier=threading.Barrier(2, timeout=30),
    )
    run = fleet(project, fake, "check", "--parallel", "2")
    assert run.code == 0, run.out + run.err
    assert fake.most_running == 2
    assert len(fake.commands("preview")) == 8


# --- up ----------------------------------------------------------------------------------------


def test_up_stops_at_the_first_failure(project):
    fake = FakePulumi(stacks=all_in("in-sync"), up_outcome={"brand-eu": "fail"})
    run = fleet(project, fake, "up", "--yes", "--json")
    assert run.code == 3
    # Stacks in name order: agency, brand-eu, brand-us, retail.
    assert run.statuses() == {
        "agency": "updated",
        "brand-eu": "failed",
        "brand-us": "skipped",
        "retail": "skipped",
    }
    ups = fake.commands("up")
    assert [a[a.index("--stack") + 1] for a in ups] == ["agency", "brand-eu"]
    for args in ups:
        assert args[args.index("--policy-pack") + 1] == str(project / "policy"), args
        assert "--refresh" in args, "an up acts on what the cloud holds, as check saw it"
    failed = next(s for s in run.json["stacks"] if s["stack"] == "brand-eu")
    # The provider's failure reaches the engine as a Python traceback: its exception line.
    line = failed["error"]["first_line"]
    assert line.startswith("RuntimeError: GET /data/infrastructure/manager/customer/config/"), line
    assert "BYOK configuration 'cmk-brand-eu' FAILED" in line and "Traceback" not in line
    assert fake.most_running == 1


def test_up_max_failures_lets_the_rollout_go_on(project):
    fake = FakePulumi(stacks=all_in("in-sync"), up_outcome={"agency": "fail", "brand-us": "fail"})
    run = fleet(project, fake, "up", "--yes", "--max-failures", "2", "--json")
    assert run.code == 3
    assert run.statuses() == {
        "agency": "failed",
        "brand-eu": "updated",
        "brand-us": "failed",
        "retail": "skipped",
    }


def test_up_report_survives_a_backend_that_cannot_be_listed_after_the_rollout(project):
    fake = FakePulumi(stacks=all_in("in-sync"), listing_fails_after_up=True)
    run = fleet(project, fake, "up", "--yes", "--json")
    assert run.code == 0, run.err
    assert set(run.statuses().values()) == {"updated"}
    assert {s["resources"] for s in run.json["stacks"]} == {5}, "the rows as before the rollout"


def test_up_without_yes_changes_nothing_and_exits_1(project):
    fake = FakePulumi(stacks=all_in("in-sync"))
    run = fleet(project, fake, "up")
    assert run.code == 1
    assert "--yes" in run.err
    assert fake.calls == []


# --- selection ---------------------------------------------------------------------------------


def test_selection_by_stack_exclude_and_tag(project):
    fake = FakePulumi(
        stacks=all_in("in-sync"), tags={"brand-eu": {"tier=gold"}, "agency": {"tier=gold"}}
    )
    assert sorted(fleet(project, fake, "check", "--json", "--tag", "tier=gold").statuses()) == [
        "agency",
        "brand-eu",
    ]
    run = fleet(project, fake, "check", "--json", "--exclude", "agency", "--exclude", "retail")
    assert sorted(run.statuses()) == ["brand-eu", "brand-us"]
    assert sorted(run.json["excluded"]) == ["agency", "dev", "retail", "sim"]
    named = fleet(
        project, FakePulumi(stacks={"sim": "in-sync"}), "check", "--json", "--stack", "sim"
    )
    assert named.statuses() == {"sim": "in-sync"}, "naming an excluded stack selects it"


def test_unknown_stack_is_a_command_failure(project):
    fake = FakePulumi(stacks=all_in("in-sync"))
    run = fleet(project, fake, "check", "--stack", "nope")
    assert run.code == 1
    assert "no stack file for nope" in run.err
    assert not fake.commands("preview")


def test_bad_arguments_exit_1_not_2(project):
    run = fleet(project, FakePulumi(stacks={}), "check", "--parallel", "0")
    assert run.code == 1


def test_missing_cli_is_a_command_failure(project, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["list"], project_dir=project, environ={}, out=out, err=err)
    assert code == 1
    assert "Pulumi CLI is not on the PATH" in err.getvalue()


# --- credentials and secrets -------------------------------------------------------------------


def test_each_stack_gets_its_own_adobe_credential_never_the_shared_one(project):
    environ = {
        "ADOBE_CLIENT_ID": "shared-id",
        "ADOBE_CLIENT_SECRET": "shared-secret-value",
        "ADOBE_CLIENT_ID__BRAND_EU": "eu-id",
        "ADOBE_CLIENT_SECRET__BRAND_EU": "eu-secret-value",
        "PULUMI_CONFIG_PASSPHRASE__BRAND_US": "us-passphrase",
    }
    fake = FakePulumi(stacks=all_in("in-sync"))
    run = fleet(project, fake, "check", environ=environ)
    eu, us = fake.env_of("preview", "brand-eu"), fake.env_of("preview", "brand-us")
    assert (eu["ADOBE_CLIENT_ID"], eu["ADOBE_CLIENT_SECRET"]) == ("eu-id", "eu-secret-value")
    assert (us["ADOBE_CLIENT_ID"], us["ADOBE_CLIENT_SECRET"]) == ("", "")
    assert us["PULUMI_CONFIG_PASSPHRASE"] == "us-passphrase"
    assert "PULUMI_CONFIG_PASSPHRASE" not in eu
    assert "ADOBE_CLIENT_ID, ADOBE_CLIENT_SECRET ignored" in run.err
    assert "shared-secret-value" not in run.err


def test_no_stack_runs_with_another_stacks_or_the_shared_hsm_token(project):
    environ = {
        "ADOBE_CMK_HSM_TOKEN": "shared-hsm-token",
        "ADOBE_CMK_HSM_TOKEN__BRAND_EU": "eu-hsm-token",
        "ADOBE_CLIENT_SECRET__BRAND_EU": "eu-secret-value",
    }
    fake = FakePulumi(stacks=all_in("in-sync"))
    run = fleet(project, fake, "check", environ=environ)
    assert run.code == 0, run.err
    assert "ADOBE_CMK_HSM_TOKEN ignored" in run.err
    eu = fake.env_of("preview", "brand-eu")
    assert eu["ADOBE_CMK_HSM_TOKEN"] == "eu-hsm-token"
    for stack in ("brand-us", "agency", "retail"):
        env = fake.env_of("preview", stack)
        assert env["ADOBE_CMK_HSM_TOKEN"] == "", stack  # not the shared one, not brand-eu's
        assert env["ADOBE_CMK_HSM_TOKEN__BRAND_EU"] == env["ADOBE_CLIENT_SECRET__BRAND_EU"] == ""


@pytest.mark.parametrize("other", ["brand.eu", "brand_eu", "BRAND-EU"])
def test_stacks_that_would_share_credential_variables_are_refused(project, other):
    write_stack(project, other, "9999EEEE0000@AdobeOrg")
    fake = FakePulumi(stacks=all_in("in-sync"))
    run = fleet(project, fake, "check", environ={"ADOBE_CLIENT_SECRET__BRAND_EU": "eu-secret"})
    assert run.code == 1
    (line,) = run.err.splitlines()
    assert "brand-eu" in line and other in line and "would read the same" in line
    assert fake.commands("preview") == [], "a stack ran although its credential was ambiguous"


def test_a_file_named_like_a_stack_file_and_a_line_break_shadows_nothing(project):
    (project / "Pulumi.brand-eu.yaml\n").write_text(
        "config:\n  adobe-cmk:orgId: 0000EVIL0000@AdobeOrg\n", encoding="utf-8"
    )
    run = fleet(project, FakePulumi(stacks=all_in("in-sync")), "list", "--json")
    (eu,) = [s for s in run.json["stacks"] if s["stack"] == "brand-eu"]
    assert eu["org_id"] == ORGS["brand-eu"] and eu["file"] == "Pulumi.brand-eu.yaml"
    assert len(run.json["stacks"]) == len(ORGS)


def test_no_secret_value_reaches_the_table_or_the_json(project):
    """The double puts the stack's secret in every event's old and new inputs and outputs, in a
    stdout event, in the prelude's config, in the stack outputs and in the update history's
    config (as ``--show-secrets`` gives it); none of it may reach a report."""
    environ = {"ADOBE_CLIENT_SECRET__BRAND_EU": "eu-secret-value"}
    stacks = {"brand-eu": "drifted", "brand-us": "pending", "agency": "failed", "retail": "policy"}
    # (the double plants SECRET in every step's states, the prelude, a stdout event, the outputs
    # and the history)
    for argv in (
        ["check"],
        ["check", "--json"],
        ["check", "--markdown"],
        ["up", "--yes", "--json"],
    ):
        fake = FakePulumi(stacks=stacks, up_outcome={"agency": "fail"})
        run = (
            fleet(project, fake, *argv, "--max-failures", "9")
            if argv[0] == "up"
            else fleet(project, fake, *argv, environ=environ)
        )
        assert run.code == 3, (argv, run.err)
        for text in (run.out, run.err):
            assert SECRET not in text, argv
            assert "eu-secret-value" not in text, argv
    reads = [args[:2] for args in fake.commands("stack")]
    assert ["stack", "output"] in reads and ["stack", "history"] in reads, "values were offered"


# --- report: the workflow's merge --------------------------------------------------------------


def test_report_merges_per_stack_reports_into_one_table_and_exit_code(project, tmp_path):
    stacks = {**all_in("in-sync"), "brand-us": "pending"}
    paths = []
    for stack in ("brand-eu", "brand-us"):
        path = tmp_path / f"{stack}.json"
        run = fleet(
            project, FakePulumi(stacks=stacks), "check", "--stack", stack, "--json", str(path)
        )
        assert run.out.startswith("STACK"), "with a FILE, the table still goes to stdout"
        paths.append(str(path))
    merged = fleet(project, FakePulumi(stacks={}), "report", *paths, "--markdown")
    assert merged.code == 2
    lines = merged.out.splitlines()
    assert lines[0].startswith("| STACK | ORG | STATUS |")
    assert [line.split("|")[1].strip() for line in lines[2:4]] == ["`brand-eu`", "`brand-us`"]
    as_json = fleet(project, FakePulumi(stacks={}), "report", *paths, "--json")
    assert as_json.json["exit_code"] == 2 and len(as_json.json["stacks"]) == 2
