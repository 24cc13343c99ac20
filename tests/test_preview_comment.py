"""preview.yml posts the preview's output on the pull request when the preview fails, too:
pulumi/actions comments only on success, so a mandatory policy violation would otherwise leave
the pull request without the reason."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

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


FAKE_PULUMI = """#!/bin/sh
cat "$PREVIEW_OUTPUT"
exit 255
"""
FAKE_GH = """#!/bin/sh
# gh pr comment <number> --repo <repo> --body-file <file>: keep the body.
while [ $# -gt 0 ]; do
  if [ "$1" = --body-file ]; then cp "$2" "$COMMENT_COPY"; fi
  shift
done
"""


def posted_comment(tmp_path: Path, output: str) -> str:
    """The comment the failure step posts when the preview prints ``output``: the step's own
    script, run by bash with stand-ins for ``pulumi`` and ``gh`` on the PATH."""
    (on_failure,) = [s for s in preview_job()["steps"] if "failure()" in str(s.get("if", ""))]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("pulumi", FAKE_PULUMI), ("gh", FAKE_GH)):
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "preview-output.txt").write_text(output, encoding="utf-8")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "PREVIEW_OUTPUT": str(tmp_path / "preview-output.txt"),
        "COMMENT_COPY": str(tmp_path / "posted.md"),
        "GITHUB_REPOSITORY": "example/adobe-cmk",
        # What the step's env: gets from the event and the variables (values made up here).
        **dict.fromkeys(on_failure["env"], "stand-in"),
        "PR_NUMBER": "7",
        "STACK": "prod",
    }
    subprocess.run(
        ["bash", "-e", "-c", on_failure["run"]],  # bash, as the runner runs `run:`
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=60,
    )
    return (tmp_path / "posted.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "output",
    [
        "Policy Violations:\n    [mandatory]  adobe-cmk  vault-purge-protection\n",
        "a message quoting Markdown:\n```\nnot the end\n```\nmore after it\n",
        "a longer run ```` and ``````` inside a line\n``````\nand no newline at the end",
    ],
    ids=["plain", "triple-backticks", "longer-runs"],
)
def test_a_failed_preview_comment_holds_the_output_verbatim(tmp_path, output):
    comment = posted_comment(tmp_path, output)
    # Read as GitHub reads it (CommonMark): one code block holding exactly what preview printed.
    blocks = [t for t in MarkdownIt("commonmark").parse(comment) if t.type == "fence"]
    assert [b.content for b in blocks] == [output if output.endswith("\n") else output + "\n"], (
        comment
    )
    assert comment.startswith("#### `pulumi preview --policy-pack policy` failed for stack `prod`")
    assert "(exit 255)" in comment
