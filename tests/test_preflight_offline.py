"""scripts/up's offline demo: the one line without the CLI, and the simulator started on the
stack's loopback port only when nothing listens there, alive while `pulumi up` runs, its request
log shown, and stopped after. A small executable stands in for the Pulumi CLI on the PATH."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from preflight.offline import INSTALL_PAGE, listening, run_up, simulator_port
from tests.simulator import PlatformSimulator

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "up"

# Records its arguments and environment; on `up`, asks the Platform URL something, as the
# providers would, and records the status (or the error) it got.
FAKE_CLI = """#!{python}
import json, os, sys, urllib.error, urllib.request
args = sys.argv[1:]
record = {{"args": args, "secret": os.environ.get("ADOBE_CLIENT_SECRET", "")}}
if args[:1] == ["up"] and {url!r}.startswith("http://127."):
    url = {url!r} + "/data/infrastructure/manager/byok/app-registration"
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as exc:
        record["platform"] = exc.code
    except OSError as exc:
        record["platform"] = type(exc).__name__
if args[:2] == ["stack", "output"]:
    print('{{"configStatus": "COMPLETED"}}')
with open({log!r}, "a") as f:
    f.write(json.dumps(record) + "\\n")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(tmp_path: Path, url: str) -> tuple[dict[str, str], Path]:
    """A stack file ``Pulumi.t.yaml`` with ``platformUrl`` = ``url``, and a PATH whose
    ``pulumi`` is the stand-in; returns the environment and the stand-in's log."""
    (tmp_path / "Pulumi.t.yaml").write_text(
        yaml.safe_dump({"config": {"adobe-cmk:platformUrl": url}}), encoding="utf-8"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "cli.log"
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_CLI.format(python=sys.executable, url=url, log=str(log)))
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    return env, log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_up_without_cli_says_so_in_one_line_with_the_install_page():
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    result = subprocess.run(
        [str(SCRIPT), "sim", "--yes"],
        env={**env, "PATH": "/usr/bin:/bin", "PULUMI_BACKEND_URL": "file:///nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "Pulumi CLI is not on the PATH" in line and INSTALL_PAGE in line


def test_up_starts_the_simulator_for_the_run_and_stops_it_after(tmp_path, capsys):
    port = free_port()
    env, log = setup(tmp_path, f"http://127.0.0.1:{port}")
    assert simulator_port("t", tmp_path) == port

    assert run_up("t", ["--yes"], environ=env, root=tmp_path) == 0

    install, select, up, output = calls(log)
    assert install["args"] == ["install"]
    assert select["args"] == ["stack", "select", "--create", "t"]
    assert up["args"] == ["up", "--stack", "t", "--yes"]
    assert up["platform"] == 403  # the simulator's gateway answered (no token sent)
    assert up["secret"] == "sim-client-secret"  # the offline stack's, supplied for the demo
    assert output["args"] == ["stack", "output", "--stack", "t"]
    assert not listening("127.0.0.1", port), "the simulator still listens after the run"
    out = capsys.readouterr().out
    assert f"started the Platform API simulator at http://127.0.0.1:{port}" in out
    assert '{"configStatus": "COMPLETED"}' not in out  # the CLI's own output is its own
    assert "Requests the simulator received (1):" in out
    assert "GET /data/infrastructure/manager/byok/app-registration → 403" in out
    assert "stopped the simulator" in out


def test_up_stops_the_simulator_when_up_fails(tmp_path):
    port = free_port()
    env, log = setup(tmp_path, f"http://127.0.0.1:{port}")
    fake = Path(env["PATH"].split(os.pathsep)[0]) / "pulumi"
    fake.write_text(fake.read_text() + "sys.exit(3 if args[:1] == ['up'] else 0)\n")
    assert run_up("t", [], environ=env, root=tmp_path) == 3
    assert [c["args"][0] for c in calls(log)] == ["install", "stack", "up"]  # no outputs
    assert not listening("127.0.0.1", port)


def test_up_uses_a_simulator_already_listening_and_leaves_it_running(tmp_path, capsys):
    port = free_port()
    with PlatformSimulator(port=port) as running:
        env, log = setup(tmp_path, running.url)
        env["ADOBE_CLIENT_SECRET"] = "mine"
        assert simulator_port("t", tmp_path) is None
        assert run_up("t", [], environ=env, root=tmp_path) == 0
        assert listening("127.0.0.1", port)
        assert running.count("GET", "app-registration") == 1
    up = calls(log)[2]
    assert up["platform"] == 403 and up["secret"] == "mine"
    assert "simulator" not in capsys.readouterr().out


def test_up_never_starts_a_simulator_for_a_remote_platform(tmp_path, capsys):
    env, log = setup(tmp_path, "https://platform.adobe.io")
    assert simulator_port("t", tmp_path) is None
    assert run_up("t", [], environ=env, root=tmp_path) == 0
    up = calls(log)[2]
    assert up["secret"] == ""  # nothing supplied outside the demo
    assert "simulator" not in capsys.readouterr().out
