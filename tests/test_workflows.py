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
detection that fails on changes, Azure by OIDC with no stored Azure secret, Adobe's credential and
the Pulumi backend from secrets, least-privilege permissions.
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
        assert job.get("environment") in ("preview", "production"), where


def test_workflows_hold_no_azure_secret():
    for path in WORKFLOW_FILES:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("client-secret", "creds:", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"):
            assert forbidden not in text, f"{path.name} holds an Azure secret ({forbidden})"


def test_pulumi_jobs_take_adobe_credentials_and_backend_from_secrets():
    for workflow, job_id, job in pulumi_jobs():
        env = job["env"]
        for name in (
            "ADOBE_CLIENT_ID",
            "ADOBE_CLIENT_SECRET",
            "PULUMI_BACKEND_URL",
            "PULUMI_ACCESS_TOKEN",
            "PULUMI_CONFIG_PASSPHRASE",
        ):
            assert env[name] == f"${{{{ secrets.{name} }}}}", f"{workflow}:{job_id} {name}"


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
