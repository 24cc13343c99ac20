"""The offline stack's runs (``scripts/up`` and ``scripts/preflight`` on a stack whose Platform
URL is loopback): the one line without the CLI; a simulator started on the stack's port for the
run, alive while `pulumi up` runs, its request log shown, stopped after; only that simulator
trusted (a port something else holds fails the run before anything is sent to it); and the
simulator's own credential whatever the shell exports. A small executable stands in for the
Pulumi CLI on the PATH."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from preflight.__main__ import preflight
from preflight.offline import INSTALL_PAGE, run_up
from preflight.report import exit_status, render
from providers import credentials
from tests.simulator import TOKEN_PATH

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "up"
#: What a shell of someone who also deploys for real may export.
REAL_LOOKING = {
    "ADOBE_CLIENT_ID": "0123456789abcdef0123456789abcdef",
    "ADOBE_CLIENT_SECRET": "p8e-RealLookingSecret-0123456789abcdef",
    "ADOBE_ACCESS_TOKEN": "eyJhbGciOiJSUzI1NiJ9.real-looking-token.signature",
}
KEY_ID = "https://sim-vault.vault.azure.net/keys/sim-key/0123456789abcdef0123456789abcdef"
VAULT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sim-rg/providers/"
    "Microsoft.KeyVault/vaults/sim-vault"
)

# Records its arguments and the credential it was given; on `up`, asks IMS for a token with that
# credential and then the Platform URL something, as the providers would, and records the
# statuses (or the errors) it got.
FAKE_CLI = """#!{python}
import json, os, sys, urllib.error, urllib.parse, urllib.request
args = sys.argv[1:]
names = ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ACCESS_TOKEN")
record = {{"args": args, "env": {{n: os.environ[n] for n in names if n in os.environ}}}}

def ask(name, url, data=None):
    try:
        with urllib.request.urlopen(url, data=data, timeout=5) as answer:
            record[name] = answer.status
    except urllib.error.HTTPError as exc:
        record[name] = exc.code
    except OSError as exc:
        record[name] = type(exc).__name__

if args[:1] == ["up"] and {url!r}.startswith("http://127."):
    form = {{"grant_type": "client_credentials", "scope": "openid"}}
    form["client_id"] = os.environ.get("ADOBE_CLIENT_ID", "")
    form["client_secret"] = os.environ.get("ADOBE_CLIENT_SECRET", "")
    ask("ims", {url!r} + {token_path!r}, urllib.parse.urlencode(form).encode())
    ask("platform", {url!r} + "/data/infrastructure/manager/byok/app-registration")
if args[:2] == ["stack", "output"]:
    print('{{"configStatus": "COMPLETED"}}')
with open({log!r}, "a") as f:
    f.write(json.dumps(record) + "\\n")
"""


@pytest.fixture(autouse=True)
def _fresh_token_sources():
    credentials.forget_all()
    yield
    credentials.forget_all()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def offline_config(url: str, **settings: object) -> dict[str, object]:
    """Pulumi.sim.yaml's shape for a simulator at ``url`` (``None`` removes a setting)."""
    config: dict[str, object] = {
        "adobe-cmk:orgId": "1234ABCD5678@AdobeOrg",
        "adobe-cmk:clientId": "sim-client-id",
        "adobe-cmk:platformUrl": url,
        "adobe-cmk:imsUrl": url + TOKEN_PATH,
        "adobe-cmk:existingKeyId": KEY_ID,
        "adobe-cmk:existingVaultId": VAULT_ID,
        "adobe-cmk:servicePrincipal": "none",
    }
    for name, value in settings.items():
        if value is None:
            config.pop(f"adobe-cmk:{name}", None)
        else:
            config[f"adobe-cmk:{name}"] = value
    return config


def setup(tmp_path: Path, url: str, **settings: object) -> tuple[dict[str, str], Path]:
    """A stack file ``Pulumi.t.yaml`` for ``url``, and a PATH whose ``pulumi`` is the
    stand-in; returns the environment and the stand-in's log."""
    config = (
        offline_config(url, **settings)
        if url.startswith("http://")
        else {"adobe-cmk:platformUrl": url}
    )
    (tmp_path / "Pulumi.t.yaml").write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "cli.log"
    fake = bin_dir / "pulumi"
    fake.write_text(
        FAKE_CLI.format(python=sys.executable, url=url, token_path=TOKEN_PATH, log=str(log))
    )
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    return env, log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def stranger() -> Iterator[socket.socket]:
    """Something else listening on a loopback port (it never accepts: a pending connection
    would show as readable)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener


def assert_nothing_reached(listener: socket.socket) -> None:
    readable, _, _ = select.select([listener], [], [], 0)
    assert readable == [], "something connected to the port the run did not own"


# --- scripts/up ------------------------------------------------------------------------------


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

    assert run_up("t", ["--yes"], environ=env, root=tmp_path) == 0

    install, select_, up, output = calls(log)
    assert install["args"] == ["install", "--no-plugins"]  # the offline stack uses no Azure
    assert select_["args"] == ["stack", "select", "--create", "t"]
    assert up["args"] == ["up", "--stack", "t", "--yes"]
    assert up["ims"] == 200 and up["platform"] == 403  # IMS issued a token; none was sent
    assert up["env"]["ADOBE_CLIENT_SECRET"] == "sim-client-secret"  # the simulator's own
    assert output["args"] == ["stack", "output", "--stack", "t"]
    assert not listening(port), "the simulator still listens after the run"
    out = capsys.readouterr().out
    assert f"started the Platform API simulator at http://127.0.0.1:{port}" in out
    assert '{"configStatus": "COMPLETED"}' not in out  # the CLI's own output is its own
    assert "Requests the simulator received (2):" in out
    assert f"POST {TOKEN_PATH} → 200" in out
    assert "GET /data/infrastructure/manager/byok/app-registration → 403" in out
    assert "stopped the simulator" in out


def test_up_runs_with_the_simulators_credential_whatever_the_shell_exports(tmp_path, capsys):
    """A real-looking credential exported in the shell never reaches the simulator: the run gets
    the simulator's client id and secret and no pre-issued token, and IMS accepts them."""
    env, log = setup(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert run_up("t", [], environ={**env, **REAL_LOOKING}, root=tmp_path) == 0
    for call in calls(log):
        assert call["env"] == {
            "ADOBE_CLIENT_ID": "sim-client-id",
            "ADOBE_CLIENT_SECRET": "sim-client-secret",
        }, call["args"]
    assert calls(log)[2]["ims"] == 200  # the simulator refuses any other secret (401)
    captured = capsys.readouterr()
    for value in REAL_LOOKING.values():
        assert value not in captured.out + captured.err


def test_up_refuses_a_port_something_else_holds_and_sends_it_nothing(tmp_path, capsys, stranger):
    port = stranger.getsockname()[1]
    env, log = setup(tmp_path, f"http://127.0.0.1:{port}")
    assert run_up("t", ["--yes"], environ={**env, **REAL_LOOKING}, root=tmp_path) == 1
    assert calls(log) == [], "the CLI ran although the simulator could not start"
    assert_nothing_reached(stranger)
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert f"127.0.0.1:{port}, the offline stack's simulator port, is taken" in line
    assert "fix: stop what listens there" in line
    assert "started the Platform API simulator" not in captured.out


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"imsUrl": None}, "adobe-cmk:imsUrl is unset (Adobe IMS)"),
        ({"imsUrl": "http://127.0.0.1:1/ims/token/v3"}, "adobe-cmk:imsUrl is http://127.0.0.1:1"),
        ({"clientSecret": {"secure": "v1:AAAAencryptedAAAA"}}, "adobe-cmk:clientSecret is set"),
        ({"accessToken": {"secure": "v1:AAAAencryptedAAAA"}}, "adobe-cmk:accessToken is set"),
    ],
    ids=["ims-unset", "ims-elsewhere", "own-secret", "own-token"],
)
def test_up_refuses_an_offline_stack_whose_credential_could_go_elsewhere(
    tmp_path, capsys, settings, named
):
    port = free_port()
    env, log = setup(tmp_path, f"http://127.0.0.1:{port}", **settings)
    assert run_up("t", [], environ=env, root=tmp_path) == 1
    assert calls(log) == []
    (line,) = capsys.readouterr().err.splitlines()
    assert named in line and "fix: `pulumi config" in line
    assert not listening(port)


def test_up_refuses_a_loopback_name_the_simulator_does_not_listen_on(tmp_path, capsys):
    """``localhost`` may resolve to ``::1``, where anything may listen: the simulator binds
    127.0.0.1 only, so only that address names it."""
    port = free_port()
    env, log = setup(tmp_path, f"http://localhost:{port}")
    assert run_up("t", [], environ=env, root=tmp_path) == 1
    assert calls(log) == []
    (line,) = capsys.readouterr().err.splitlines()
    assert f"adobe-cmk:platformUrl is http://localhost:{port}" in line
    assert f"pulumi config set adobe-cmk:platformUrl http://127.0.0.1:{port}" in line


def test_up_stops_the_simulator_when_up_fails(tmp_path):
    port = free_port()
    env, log = setup(tmp_path, f"http://127.0.0.1:{port}")
    fake = Path(env["PATH"].split(os.pathsep)[0]) / "pulumi"
    fake.write_text(fake.read_text() + "sys.exit(3 if args[:1] == ['up'] else 0)\n")
    assert run_up("t", [], environ=env, root=tmp_path) == 3
    assert [c["args"][0] for c in calls(log)] == ["install", "stack", "up"]  # no outputs
    assert not listening(port)


def test_up_never_starts_a_simulator_for_a_remote_platform(tmp_path, capsys):
    env, log = setup(tmp_path, "https://platform.adobe.io")
    assert run_up("t", [], environ={**env, "ADOBE_CLIENT_SECRET": "mine"}, root=tmp_path) == 0
    up = calls(log)[2]
    assert up["env"] == {"ADOBE_CLIENT_SECRET": "mine"}  # a real stack's credential is its own
    assert "simulator" not in capsys.readouterr().out


# --- scripts/preflight -----------------------------------------------------------------------


def write_offline_stack(tmp_path: Path, url: str) -> None:
    (tmp_path / "Pulumi.t.yaml").write_text(
        yaml.safe_dump({"config": offline_config(url)}), encoding="utf-8"
    )


def test_preflight_offline_uses_a_simulator_of_its_own_with_its_credential(tmp_path):
    port = free_port()
    write_offline_stack(tmp_path, f"http://127.0.0.1:{port}")
    checks = preflight("t", REAL_LOOKING, root=tmp_path, cli="", seconds=3.0)
    output = render(checks)
    assert exit_status(checks) == 0, output
    assert f"✓ simulator of this run: started at http://127.0.0.1:{port}" in output
    assert "✓ IMS issues a token: client sim-client-id" in output  # not the exported token
    for value in REAL_LOOKING.values():
        assert value not in output
    assert not listening(port), "the simulator still listens after the checks"


def test_preflight_offline_refuses_a_port_something_else_holds_and_sends_it_nothing(
    tmp_path, stranger
):
    port = stranger.getsockname()[1]
    write_offline_stack(tmp_path, f"http://127.0.0.1:{port}")
    checks = preflight("t", REAL_LOOKING, root=tmp_path, cli="", seconds=3.0)
    output = render(checks)
    assert exit_status(checks) == 1
    assert f"✗ simulator of this run: 127.0.0.1:{port}, the offline stack's simulator port" in (
        output
    )
    assert [c.passed for c in checks[2:]] == [None] * 5, output
    assert_nothing_reached(stranger)
    for value in REAL_LOOKING.values():
        assert value not in output
