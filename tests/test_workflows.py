"""The GitHub workflows (``.github/workflows/``): linted, and held to what docs/pipelines.md says
they do.

The linter is zizmor (PyPI, a binary wheel, installed by requirements-dev.txt): it validates every
workflow against GitHub's schema (``--strict-collection`` turns a schema or syntax error into a
failure instead of a skipped file) and audits it for the usual mistakes: unpinned actions,
template injection, credentials persisted by checkout, excessive permissions, dangerous triggers.
It runs ``--offline`` (no GitHub API) with the ``pedantic`` persona and no configuration file, so
nothing outside this test can relax it. The tests with deliberately broken workflows show that it
does catch what it is here for.

The contract tests read the workflows as data: preview on pull requests with the policy pack and
a comment, ``up`` on main behind the protected environment after the tests, daily drift
detection that fails on changes, Azure by OIDC with no stored Azure secret, least-privilege
permissions. And who can reach what: a pull request's code (the preview) gets no Adobe credential
and no passphrase; every job holding the Adobe credential runs on main only, in an environment
that docs/pipelines.md says is main only; a job started by hand or on a schedule that holds a
secret is guarded to main; no workflow passes a passphrase (production stacks use the
``azurekeyvault://`` secrets provider); every secret and variable the workflows read is in
docs/pipelines.md's one table, with exactly the jobs that read it and where it lives; and every
job installs the hash-checked lock, nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
PIPELINES_DOC = ROOT / "docs" / "pipelines.md"
#: The guard of every job that holds a credential outside a pull request (deploy.yml's too).
MAIN_ONLY = "github.ref == 'refs/heads/main'"
ADOBE_SECRETS = ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ACCESS_TOKEN")
REFERENCE = re.compile(r"\$\{\{\s*(secrets|vars)\.(\w+)\s*\}\}")
LOCKED_INSTALL = ".venv/bin/pip install --require-hashes -r requirements.lock"
AZURE_LOGIN = "azure/login@"
PULUMI_ACTION = "pulumi/actions@"


def zizmor() -> str:
    """The zizmor executable of this virtualenv (or the PATH); a failure, never a skip, when
    missing: it is a dev requirement."""
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    assert found, "zizmor is not installed: .venv/bin/pip install -r requirements-dev.txt"
    return found


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN", "ZIZMOR_CONFIG")
    }
    return subprocess.run(
        [
            zizmor(),
            "--offline",
            "--strict-collection",
            "--persona",
            "pedantic",
            "--no-config",
            "--no-progress",
            "--color",
            "never",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )


def load(name: str) -> dict[str, Any]:
    with open(WORKFLOWS / name, encoding="utf-8") as stream:
        workflow = yaml.safe_load(stream)
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).startswith(action)]


def pulumi_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    """(workflow, job id, job) for every job that runs Pulumi against the stack."""
    found = []
    for path in WORKFLOW_FILES:
        for job_id, job in load(path.name)["jobs"].items():
            if steps_using(job, PULUMI_ACTION):
                found.append((path.name, job_id, job))
    return found


# --- the linter --------------------------------------------------------------------------------


def test_workflows_exist():
    assert {p.name for p in WORKFLOW_FILES} >= {"ci.yml", "preview.yml", "deploy.yml", "drift.yml"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=[p.name for p in WORKFLOW_FILES])
def test_workflow_passes_the_linter(path):
    """One file at a time: with ``--strict-collection`` a file zizmor cannot read is an error,
    so a pass means this file was audited and found clean."""
    result = lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


BROKEN = {
    "schema-error": (
        """
        name: broken
        on: push
        permissions: {}
        jobs:
          build:
            runs-onn: ubuntu-24.04
            steps:
              - run: echo hello
        """,
        "does not match expected validation schema",
    ),
    "unpinned-action": (
        """
        name: unpinned
        on: push
        permissions: {}
        concurrency: {group: x, cancel-in-progress: true}
        jobs:
          build:
            name: build
            runs-on: ubuntu-24.04
            permissions: {contents: read}
            steps:
              - uses: actions/checkout@v4
                with: {persist-credentials: false}
        """,
        "unpinned-uses",
    ),
    "template-injection": (
        """
        name: injection
        on: pull_request
        permissions: {}
        concurrency: {group: x, cancel-in-progress: true}
        jobs:
          build:
            name: build
            runs-on: ubuntu-24.04
            permissions: {contents: read}
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """,
        "template-injection",
    ),
    "persisted-checkout-credentials": (
        """
        name: artipacked
        on: push
        permissions: {}
        concurrency: {group: x, cancel-in-progress: true}
        jobs:
          build:
            name: build
            runs-on: ubuntu-24.04
            permissions: {contents: read}
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        """,
        "artipacked",
    ),
    "write-all-permissions": (
        """
        name: permissions
        on: push
        permissions: write-all
        concurrency: {group: x, cancel-in-progress: true}
        jobs:
          build:
            name: build
            runs-on: ubuntu-24.04
            steps:
              - run: echo hello
        """,
        "excessive-permissions",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_linter_rejects_broken_workflow(tmp_path, case):
    text, finding = BROKEN[case]
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "broken.yml").write_text(
        "\n".join(line[8:] for line in text.splitlines()), encoding="utf-8"
    )
    result = lint(workflows)
    assert result.returncode != 0, result.stdout + result.stderr
    assert finding in result.stdout + result.stderr


# --- what the pipelines must do ----------------------------------------------------------------


def test_preview_runs_on_pull_requests_with_policy_pack_and_comment():
    workflow = load("preview.yml")
    assert "pull_request" in workflow["on"]
    (job,) = workflow["jobs"].values()
    (step,) = steps_using(job, PULUMI_ACTION)
    assert step["with"]["command"] == "preview"
    assert step["with"]["policyPacks"] == "policy"
    assert step["with"]["comment-on-pr"] is True
    assert job["permissions"]["pull-requests"] == "write"


def test_up_runs_on_main_behind_protected_environment_after_tests():
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    up = workflow["jobs"]["up"]
    (step,) = steps_using(up, PULUMI_ACTION)
    assert step["with"]["command"] == "up"
    assert step["with"]["policyPacks"] == "policy"
    assert up["environment"] == "production"
    assert up["if"] == "github.ref == 'refs/heads/main'"
    assert up["needs"] == "test"
    assert up["concurrency"]["cancel-in-progress"] is False
    test_steps = workflow["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in test_steps)


def test_drift_detection_is_scheduled_and_fails_on_changes():
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"], "drift detection must run on a schedule"
    (job,) = workflow["jobs"].values()
    commands = [step["run"] for step in job["steps"] if "run" in step]
    preview = [c for c in commands if c.startswith("pulumi preview")]
    assert len(preview) == 1, commands
    for flag in (
        "--refresh",
        "--expect-no-changes",
        "--non-interactive",
        '--stack "$PULUMI_STACK"',
    ):
        assert flag in preview[0], preview[0]


def test_ci_runs_the_project_test_command():
    workflow = load("ci.yml")
    assert "pull_request" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert any(step.get("run") == "bash .ci/run" for step in job["steps"])


def test_pulumi_jobs_use_azure_oidc_and_no_azure_secret():
    jobs = pulumi_jobs()
    assert {(w, j) for w, j, _ in jobs} == {
        ("preview.yml", "preview"),
        ("deploy.yml", "up"),
        ("drift.yml", "drift"),
    }
    for workflow, job_id, job in jobs:
        where = f"{workflow}:{job_id}"
        assert job["permissions"]["id-token"] == "write", where
        (login,) = steps_using(job, AZURE_LOGIN)
        assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}, where
        assert job["env"]["ARM_USE_OIDC"] == "true", where
        for name in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
            assert job["env"][name].startswith("${{ vars.AZURE_"), where
        assert job.get("environment") in environments(), where


def test_workflows_hold_no_azure_secret():
    for path in WORKFLOW_FILES:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("client-secret", "creds:", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"):
            assert forbidden not in text, f"{path.name} holds an Azure secret ({forbidden})"


def test_pulumi_jobs_take_the_backend_from_secrets():
    for workflow, job_id, job in pulumi_jobs():
        for name in ("PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN"):
            assert job["env"][name] == f"${{{{ secrets.{name} }}}}", f"{workflow}:{job_id} {name}"


def test_up_and_drift_take_the_adobe_credential_from_secrets():
    for workflow, job_id in (("deploy.yml", "up"), ("drift.yml", "drift")):
        env = load(workflow)["jobs"][job_id]["env"]
        for name in ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET"):
            assert env[name] == f"${{{{ secrets.{name} }}}}", f"{workflow}:{job_id} {name}"


# --- who can reach what -------------------------------------------------------------------------


def strings(value: Any) -> list[str]:
    """Every string in a workflow's (or job's) data, keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [value] if isinstance(value, str) else []


def references(value: Any, kind: str = "secrets") -> set[str]:
    """The names of the ``secrets`` (or ``vars``) that ``value`` reads."""
    return {name for text in strings(value) for k, name in REFERENCE.findall(text) if k == kind}


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, job_id, job)
        for path in WORKFLOW_FILES
        for job_id, job in load(path.name)["jobs"].items()
    ]


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def doc_table(first_header: str) -> list[dict[str, str]]:
    """The rows of the docs/pipelines.md table whose first header cell is ``first_header``."""
    lines = PIPELINES_DOC.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |")]
    assert len(starts) == 1, f"one table headed {first_header!r} in docs/pipelines.md"
    header = cells(lines[starts[0]])
    rows = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, cells(line), strict=True)))
    return rows


def environments() -> dict[str, bool]:
    """Each GitHub environment docs/pipelines.md sets up → whether it is restricted to main."""
    found = {}
    for row in doc_table("environment"):
        (name,) = re.findall(r"`([\w-]+)`", row["environment"])
        found[name] = row["deployment branches"] == "`main` only"
    return found


def test_the_environments_are_as_documented():
    assert environments() == {"preview": False, "production": True, "drift": True}
    used = {job.get("environment") for _, _, job in jobs()} - {None}
    assert used == set(environments()), used


def test_the_preview_gets_no_adobe_credential_and_no_passphrase():
    """It runs the pull request's code: whoever can push a branch reads what it is given."""
    workflow = load("preview.yml")
    assert references(workflow) == {"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN"}
    (job,) = workflow["jobs"].values()
    for name in (*ADOBE_SECRETS, "PULUMI_CONFIG_PASSPHRASE"):
        assert not any(name in text for text in strings(workflow)), f"preview.yml: {name}"
    assert environments()[job["environment"]] is False, "any branch previews"


def test_no_workflow_passes_a_passphrase():
    """Production stacks use the azurekeyvault:// secrets provider (docs/pipelines.md): one
    passphrase would decrypt every stack's secrets."""
    for path in WORKFLOW_FILES:
        assert "PULUMI_CONFIG_PASSPHRASE" not in path.read_text(encoding="utf-8"), path.name


def test_the_adobe_credential_is_only_in_jobs_on_main_in_a_main_only_environment():
    holders = []
    for workflow, job_id, job in jobs():
        if references(job) & set(ADOBE_SECRETS):
            holders.append((workflow, job_id))
            assert environments().get(job.get("environment", "")) is True, (workflow, job_id)
            assert MAIN_ONLY in str(job.get("if", "")), f"{workflow}:{job_id} is not main only"
    assert sorted(holders) == [("deploy.yml", "up"), ("drift.yml", "drift")]
    for path in WORKFLOW_FILES:
        shared = load(path.name).get("env", {})
        assert not references(shared), f"{path.name}: a secret for every job"


def test_jobs_holding_a_secret_outside_pull_requests_run_on_main_only():
    """A workflow started by hand runs on any branch its starter picks; a job there holding a
    secret or an OIDC token is guarded to main, and its environment is main only too."""
    guarded = []
    for path in WORKFLOW_FILES:
        workflow = load(path.name)
        if set(workflow["on"]) <= {"pull_request"}:
            continue
        for job_id, job in workflow["jobs"].items():
            holds = references(job) or job["permissions"].get("id-token") == "write"
            if holds:
                guarded.append(f"{path.name}:{job_id}")
                assert MAIN_ONLY in str(job.get("if", "")), f"{path.name}:{job_id}"
                assert environments().get(job.get("environment", "")) is True, job_id
    assert sorted(guarded) == [
        "deploy.yml:up",
        "drift.yml:drift",
        "fleet.yml:check",
        "fleet.yml:list",
    ]


def test_the_one_table_lists_every_secret_and_variable_where_it_lives_and_who_reads_it():
    rows = doc_table("name")
    documented: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        kind = row["kind"]
        assert kind in ("secret", "variable"), row
        for name in re.findall(r"`(\w+)`", row["name"]):
            documented[("secrets" if kind == "secret" else "vars", name)] = row
    read: dict[tuple[str, str], set[tuple[str, str, str | None]]] = {}
    for workflow, job_id, job in jobs():
        for kind in ("secrets", "vars"):
            for name in references(job, kind):
                read.setdefault((kind, name), set()).add((workflow, job_id, job.get("environment")))
    assert set(read) == set(documented), "the table and the workflows name different ones"
    for key, readers in read.items():
        row = documented[key]
        assert {f"{w}:{j}" for w, j, _ in readers} == set(
            re.findall(r"`([\w-]+\.yml:[\w-]+)`", row["read by"])
        ), f"{key[1]}: read by {sorted(readers)}, the table says {row['read by']}"
        homes = set(re.findall(r"`([\w-]+)`", row["lives in"]))
        if row["lives in"].startswith("repository"):
            assert not homes, row
        else:
            assert homes <= set(environments()), row
            assert {env for _, _, env in readers} <= homes, f"{key[1]} read outside {homes}"
        assert row["who can reach it"], key


def test_every_install_is_the_hash_checked_lock():
    installs = 0
    for workflow, job_id, job in jobs():
        for step in job.get("steps", []):
            for line in str(step.get("run", "")).splitlines():
                if "pip install" in line or "pip3 install" in line:
                    installs += 1
                    assert line.strip() == LOCKED_INSTALL, f"{workflow}:{job_id}: {line.strip()}"
    assert installs >= 5, "every job that runs the program installs it"


def test_workflows_grant_no_permission_by_default():
    for path in WORKFLOW_FILES:
        workflow = load(path.name)
        assert workflow["permissions"] == {}, path.name
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}:{job_id} must declare its permissions"
            assert job["permissions"].get("contents") == "read", f"{path.name}:{job_id}"


def test_workflows_pin_every_action_to_a_commit():
    for path in WORKFLOW_FILES:
        for job_id, job in load(path.name)["jobs"].items():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert PINNED.match(step["uses"]), f"{path.name}:{job_id} {step['uses']}"


def test_workflows_install_one_pulumi_cli_version():
    versions = {load(p.name).get("env", {}).get("PULUMI_VERSION") for p in WORKFLOW_FILES}
    versions.discard(None)
    assert len(versions) == 1, versions
    for _, _, job in pulumi_jobs():
        for step in steps_using(job, PULUMI_ACTION):
            assert step["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}"
