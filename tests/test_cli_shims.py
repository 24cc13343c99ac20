"""The project's own language host, program executor and dynamic-provider plugin
(tests/pulumi_cli/), which stand where the CLI expects Pulumi's: their pure rules without I/O,
then each started as the engine starts it, and the executor's outcomes under the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from tests.pulumi_cli import language_host as host
from tests.pulumi_cli.cli import ROOT, cli_bin, offline_env

VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def program_info(root: str, **options: object) -> language_pb2.ProgramInfo:
    struct = struct_pb2.Struct()
    struct.update(options)
    return language_pb2.ProgramInfo(root_directory=root, program_directory=root, entry_point=".",
                                    options=struct)


# --- pure rules -----------------------------------------------------------------------------------


def test_interpreter_is_the_virtualenv_python_resolved_against_the_project_root() -> None:
    info = program_info("/work/project", toolchain="pip", virtualenv=".venv")
    assert host.interpreter(info.root_directory, host.runtime_options(info)) == Path(
        "/work/project/.venv/bin/python")
    assert host.interpreter("/p", {"virtualenv": "/abs/venv"}) == Path("/abs/venv/bin/python")


def test_interpreter_without_a_virtualenv_is_pulumi_python_cmd_or_python3(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
    assert host.interpreter("/p", {}) == Path("python3")
    monkeypatch.setenv("PULUMI_PYTHON_CMD", "/opt/python")
    assert host.interpreter("/p", {"toolchain": "pip"}) == Path("/opt/python")


def test_interpreter_refuses_a_toolchain_other_than_pip_naming_it() -> None:
    with pytest.raises(host.HostError, match="'uv'"):
        host.interpreter("/p", {"toolchain": "uv"})


def test_executor_arguments_follow_the_hosts_contract() -> None:
    request = language_pb2.RunRequest(
        project="adobe-cmk", stack="sim", pwd="/p", monitor_address="127.0.0.1:1", dryRun=True,
        parallel=0, organization="", info=program_info("/p"), args=["--flag"])
    args = host.executor_arguments(request, engine="127.0.0.1:2")
    assert args[0] == str(host.EXECUTOR)
    assert args[1:] == ["--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2",
                        "--project", "adobe-cmk", "--root_directory", "/p", "--stack", "sim",
                        "--pwd", "/p", "--dry_run", "true", "--parallel", "0", ".", "--flag"]


def test_program_environment_carries_the_config_and_its_secret_keys_in_the_virtualenv(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONHOME", "/elsewhere")
    request = language_pb2.RunRequest(config={"adobe-cmk:orgId": "X@AdobeOrg"},
                                      configSecretKeys=["adobe-cmk:clientSecret"])
    env = host.program_environment(request, Path("/v/bin/python"))
    assert json.loads(env["PULUMI_CONFIG"]) == {"adobe-cmk:orgId": "X@AdobeOrg"}
    assert json.loads(env["PULUMI_CONFIG_SECRET_KEYS"]) == ["adobe-cmk:clientSecret"]
    assert env["PATH"].split(os.pathsep)[0] == "/v/bin" and env["VIRTUAL_ENV"] == "/v"
    assert "PYTHONHOME" not in env


@pytest.mark.parametrize(("code", "answer"), [
    (0, language_pb2.RunResponse()),
    (32, language_pb2.RunResponse(bail=True)),
    (3, language_pb2.RunResponse(error="program exited with non-zero exit code: 3")),
])
def test_run_outcome_of_each_exit_code(code: int, answer: language_pb2.RunResponse) -> None:
    assert host.run_outcome(code) == answer


def test_resource_plugins_are_the_packages_declaring_a_resource_plugin(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for package, manifest in (("pulumi_azuread", {"resource": True, "name": "azuread",
                                                  "version": "6.11.1"}),
                              ("pulumi_policy", {"resource": False, "name": "policy"}),
                              ("plain", None)):
        (site / package).mkdir(parents=True)
        if manifest is not None:
            (site / package / "pulumi-plugin.json").write_text(json.dumps(manifest))
    (found,) = host.resource_plugins(tmp_path / "bin" / "python")
    assert (found.name, found.kind, found.version) == ("azuread", "resource", "v6.11.1")


def test_resource_plugins_of_the_project_virtualenv_are_its_azure_providers() -> None:
    names = {p.name for p in host.resource_plugins(VENV_PYTHON)}
    assert {"azure-native", "azuread"} <= names


# --- started as the engine starts them --------------------------------------------------------


def first_line(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().decode().strip()


def test_language_host_serves_on_the_port_it_prints_and_stops_quietly_on_sigint() -> None:
    process = subprocess.Popen([str(cli_bin() / "pulumi-language-python"), "127.0.0.1:1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = int(first_line(process))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = language_pb2_grpc.LanguageRuntimeStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
            assert info.version == (cli_bin() / ".pulumi-version").read_text().strip()
            packages = stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(
                info=program_info(str(ROOT), toolchain="pip", virtualenv=".venv")), timeout=10)
            assert {"azure-native", "azuread"} <= {p.name for p in packages.packages}
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert b"Traceback" not in stderr, stderr.decode()


def test_dynamic_provider_plugin_runs_pulumi_dynamic_in_the_virtualenv() -> None:
    env = {**os.environ, "PULUMI_RUNTIME_VIRTUALENV": ".venv"}
    process = subprocess.Popen([str(cli_bin() / "pulumi-resource-pulumi-python"), "127.0.0.1:1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert 0 < int(first_line(process)) < 65536
    finally:
        process.kill()
        process.communicate(timeout=10)


def test_dynamic_provider_plugin_without_its_virtualenv_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "PULUMI_RUNTIME_VIRTUALENV": "missing-venv"}
    result = subprocess.run([str(cli_bin() / "pulumi-resource-pulumi-python"), "127.0.0.1:1"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 1
    assert f"{tmp_path}/missing-venv has no bin/python" in result.stderr


# --- the executor's outcomes under the real CLI ---------------------------------------------------


def toy(tmp_path: Path, program: str) -> tuple[Path, dict[str, str]]:
    """A one-file project in the repository's virtualenv, on a backend of its own."""
    (tmp_path / "Pulumi.yaml").write_text(
        "name: toy\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {ROOT / '.venv'}\n")
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / ".state").mkdir()
    env = offline_env(tmp_path / ".state")
    subprocess.run(["pulumi", "stack", "init", "t"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    return tmp_path, env


def preview(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pulumi", "preview", "--stack", "t"], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_program_error_is_shown_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    program = "import pulumi\nraise pulumi.RunError('adobe-cmk:orgId is bad')\n"
    directory, env = toy(tmp_path, program)
    result = preview(directory, env)
    assert result.returncode != 0
    assert "adobe-cmk:orgId is bad" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "non-zero exit code" not in result.stdout


def test_unexpected_exception_is_shown_with_its_traceback(tmp_path: Path) -> None:
    directory, env = toy(tmp_path, "def broken():\n    return 1 / 0\n\nbroken()\n")
    result = preview(directory, env)
    assert result.returncode != 0
    assert "Traceback" in result.stdout and "ZeroDivisionError" in result.stdout
    assert "in broken" in result.stdout


def test_program_reads_config_and_exports_outputs(tmp_path: Path) -> None:
    directory, env = toy(tmp_path, "import pulumi\n"
                                   "pulumi.export('said', pulumi.Config().require('word'))\n"
                                   "pulumi.export('dry', pulumi.runtime.is_dry_run())\n")
    subprocess.run(["pulumi", "config", "set", "--stack", "t", "word", "hello"], cwd=directory,
                   env=env, check=True, capture_output=True)
    subprocess.run(["pulumi", "up", "--yes", "--stack", "t"], cwd=directory, env=env, check=True,
                   capture_output=True, timeout=120)
    outputs = subprocess.run(["pulumi", "stack", "output", "--json", "--stack", "t"],
                             cwd=directory, env=env, check=True, capture_output=True, text=True)
    assert json.loads(outputs.stdout) == {"said": "hello", "dry": False}
