"""The scheduled fleet workflow (``.github/workflows/fleet.yml``), read as data. The linter runs
on it with every other workflow (tests/test_workflows.py globs the folder)."""

from __future__ import annotations

from tests.test_workflows import PINNED, load


def test_fleet_workflow_lists_checks_per_stack_and_reports():
    workflow = load("fleet.yml")
    assert workflow["on"]["schedule"], "the fleet check must run on a schedule"
    jobs = workflow["jobs"]
    assert list(jobs) == ["list", "check", "report"]
    assert "fleet list --json" in " ".join(s.get("run", "") for s in jobs["list"]["steps"])
    check = jobs["check"]
    assert check["needs"] == "list"
    assert check["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.list.outputs.stacks) }}"
    assert check["strategy"]["fail-fast"] is False
    assert check["strategy"]["max-parallel"] == 4
    runs = " ".join(s.get("run", "") for s in check["steps"])
    assert 'fleet check --stack "$STACK" --json' in runs
    report = jobs["report"]
    assert report["needs"] == ["list", "check"]
    assert report["if"].startswith("always()")
    assert "$GITHUB_STEP_SUMMARY" in " ".join(s.get("run", "") for s in report["steps"])


def test_fleet_check_shares_each_stacks_deployment_concurrency_group():
    deploy = load("deploy.yml")["jobs"]["up"]["concurrency"]
    check = load("fleet.yml")["jobs"]["check"]["concurrency"]
    prefix = "pulumi-stack-"
    assert deploy["group"].startswith(prefix) and check["group"].startswith(prefix)
    assert check["group"] == prefix + "${{ matrix.stack }}"
    assert check["cancel-in-progress"] is False


def test_fleet_workflow_passes_no_shared_adobe_credential():
    workflow = load("fleet.yml")
    for job_id, job in workflow["jobs"].items():
        for name in ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ACCESS_TOKEN"):
            assert name not in job.get("env", {}), f"{job_id} passes {name} to every stack"


def test_fleet_workflow_pins_actions_and_the_cli_version():
    workflow = load("fleet.yml")
    assert workflow["env"]["PULUMI_VERSION"] == load("deploy.yml")["env"]["PULUMI_VERSION"]
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED.match(step["uses"]), step["uses"]
            if "sha256sum" in step.get("run", ""):
                assert "--check --strict" in step["run"]
