"""The policy pack under the real CLI: `pulumi preview --policy-pack policy` on the offline stack's
settings pointed at Adobe's real Platform API (a preview makes no call, and this machine reaches
no Adobe), with no Adobe credential (as the preview workflow runs it) — compliant, then with
`protect` false; and the failed preview's own output through the preview workflow's comment step.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from tests.pulumi_cli.cli import ROOT, Project

pytestmark = [pytest.mark.xdist_group("cli-policy"), pytest.mark.timeout(300)]

STACK = "prod"
WORKFLOW = ROOT / ".github" / "workflows" / "preview.yml"
VIOLATION = re.compile(r"\[mandatory\].*adobe-access-protected")
FAKE_GH = """#!/bin/sh
# gh pr comment <number> --repo <repo> --body-file <file>: keep the body.
while [ $# -gt 0 ]; do
  if [ "$1" = --body-file ]; then cp "$2" "$COMMENT_COPY"; fi
  shift
done
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The offline stack's settings with Adobe's own Platform and IMS URLs, protected."""
    project = Project(tmp_path_factory.mktemp("policy"))
    settings = yaml.safe_load((ROOT / "Pulumi.sim.yaml").read_text())["config"]
    for key in ("adobe-cmk:platformUrl", "adobe-cmk:imsUrl"):
        del settings[key]
    settings["adobe-cmk:protect"] = True
    (project.dir / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": settings}))
    project.run("stack", "init", STACK)
    return project


def test_compliant_stack_passes_the_policy_pack_without_an_adobe_credential(
        project: Project) -> None:
    result = project.run("preview", "--policy-pack", "policy", "--stack", STACK)
    assert "adobe-cmk@v" in result.stdout, result.stdout  # the pack ran
    assert not VIOLATION.search(result.stdout), result.stdout
    assert "+ 4 to create" in result.stdout, result.stdout


def test_unprotected_stack_fails_with_the_mandatory_violation(project: Project) -> None:
    project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "false")
    try:
        result = project.run("preview", "--policy-pack", "policy", "--stack", STACK, check=False)
    finally:
        project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "true")
    assert result.returncode != 0
    assert VIOLATION.search(result.stdout), result.stdout
    assert "BYOK configuration adobe-cmk-byok is not protected" in result.stdout


def test_failed_preview_reaches_the_pull_request_through_the_comment_step(
        project: Project, tmp_path: Path) -> None:
    """The workflow's own failure step, run by bash with the real CLI (and a stand-in `gh`)."""
    (job,) = yaml.safe_load(WORKFLOW.read_text())["jobs"].values()
    (step,) = [s for s in job["steps"] if "failure()" in str(s.get("if", ""))]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "false")
    try:
        subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project.dir, check=True, timeout=240,
                       env={**project.env, **dict.fromkeys(step["env"], "stand-in"),
                            "PATH": f"{bin_dir}{os.pathsep}{project.env['PATH']}",
                            "COMMENT_COPY": str(tmp_path / "posted.md"),
                            "GITHUB_REPOSITORY": "example/adobe-cmk", "PR_NUMBER": "7",
                            "STACK": STACK})
    finally:
        project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "true")
    comment = (tmp_path / "posted.md").read_text()
    tokens = MarkdownIt("commonmark").parse(comment)
    (block,) = [t for t in tokens if t.type == "fence"]
    assert VIOLATION.search(block.content), comment
    assert f"Previewing update ({STACK})" in block.content  # the real CLI's own words
    assert re.search(r"\(exit [1-9][0-9]*\)", comment), comment
