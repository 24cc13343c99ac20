"""scripts/up runs a real stack's ``pulumi up`` with the policy pack, as the pipelines do, after
installing the pack's requirements into the virtualenv the pack uses (not observable here: the
stand-in records only the CLI's calls); an offline stack, one whose Platform URL is loopback
whatever its name, without it. A small executable stands in for the Pulumi CLI on the PATH and
records its arguments."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from preflight.offline import policy_pack_args, run_up

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "up"

FAKE_CLI = """#!{python}
import json, sys
with open({log!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def run_script(tmp_path: Path, *args: str) -> list[list[str]]:
    """``scripts/up <args>`` with the stand-in CLI; the argument lists it was called with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "cli.log"
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_CLI.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "PULUMI_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PULUMI_BACKEND_URL"] = f"file://{tmp_path}/state"
    result = subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.parametrize("args", [(), ("dev", "--yes")])
def test_up_runs_the_policy_pack_after_installing_its_requirements(tmp_path, args):
    calls = run_script(tmp_path, *args)
    (up,) = [c for c in calls if c[:1] == ["up"]]
    assert up[:3] == ["up", "--stack", "dev"], up
    assert up[-2:] == ["--policy-pack", "policy"], up
    assert ("--yes" in up) == ("--yes" in args), up


@pytest.mark.xdist_group("sim-port-8181")  # scripts/up binds Pulumi.sim.yaml's port for the run
def test_the_offline_stack_runs_without_the_policy_pack(tmp_path):
    # Pulumi.sim.yaml is unprotected on purpose and declares nothing of Azure to check.
    calls = run_script(tmp_path, "sim", "--yes")
    (up,) = [c for c in calls if c[:1] == ["up"]]
    assert up == ["up", "--stack", "sim", "--yes"], up


def stack_file(root: Path, stack: str, platform_url: str | None) -> None:
    config = {"adobe-cmk:orgId": "1234ABCD5678@AdobeOrg"}
    if platform_url is not None:
        config["adobe-cmk:platformUrl"] = platform_url
        config["adobe-cmk:imsUrl"] = f"{platform_url}/ims/token/v3"
    (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))


@pytest.mark.parametrize(
    ("stack", "platform_url", "pack"),
    [
        ("demo", "http://127.0.0.1:8181", False),  # a simulator, whatever the stack's name
        ("demo", "http://localhost:9000", False),
        ("demo", "http://[::1]:8181", False),
        ("sim", "https://platform.adobe.io", True),  # named sim, but Adobe itself
        ("sim", None, True),  # Adobe's default address
        ("prod", "https://platform.adobe.io", True),
        ("nofile", None, True),  # no stack file (config elsewhere): a real stack
    ],
)
def test_policy_pack_follows_what_the_stack_points_at_not_its_name(
    tmp_path, stack, platform_url, pack
):
    if stack != "nofile":
        stack_file(tmp_path, stack, platform_url)
    args = policy_pack_args(stack, tmp_path)
    assert bool(args) == pack, args
    if pack:
        assert args[0] == "--policy-pack" and (Path(args[1]) / "PulumiPolicy.yaml").is_file()


def test_the_repository_stacks_run_with_the_policy_pack_as_named_in_the_pipelines():
    assert policy_pack_args("dev") == ["--policy-pack", "policy"]
    assert policy_pack_args("sim") == []  # Pulumi.sim.yaml points at 127.0.0.1


def test_up_of_a_loopback_stack_of_any_name_runs_no_policy_pack(tmp_path):
    # run_up starts a simulator of its own on the stack's port, free here: only the policy
    # decision is under test.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stack_file(tmp_path, "demo", f"http://127.0.0.1:{port}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "cli.log"
    (bin_dir / "pulumi").write_text(FAKE_CLI.format(python=sys.executable, log=str(log)))
    (bin_dir / "pulumi").chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    assert run_up("demo", ["--yes"], environ=env, root=tmp_path) == 0
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    (up,) = [c for c in calls if c[:1] == ["up"]]
    assert up == ["up", "--stack", "demo", "--yes"], up
