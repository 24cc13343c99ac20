"""preview.yml posts the preview's output on the pull request when the preview fails, too:
pulumi/actions comments only on success, so a mandatory policy violation would otherwise leave
the pull request without the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "preview.yml"


def preview_job() -> dict[str, Any]:
    (job,) = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"].values()
    return job


def test_a_failed_preview_is_posted_on_the_pull_request():
    steps = preview_job()["steps"]
    (action,) = [s for s in steps if str(s.get("uses", "")).startswith("pulumi/actions@")]
    (on_failure,) = [s for s in steps if "failure()" in str(s.get("if", ""))]
    assert steps.index(on_failure) > steps.index(action)
    assert on_failure["if"] == f"failure() && steps.{action['id']}.outcome == 'failure'"
    script = on_failure["run"]
    assert "pulumi preview --policy-pack policy" in script, script
    assert '--stack "$STACK"' in script and on_failure["env"]["STACK"] == "${{ vars.PULUMI_STACK }}"
    assert 'gh pr comment "$PR_NUMBER"' in script, script
    assert on_failure["env"]["GH_TOKEN"] == "${{ github.token }}"
    # Values reach the script through the environment, never spliced into it (template injection).
    assert "${{" not in script, script
    assert preview_job()["permissions"]["pull-requests"] == "write"
