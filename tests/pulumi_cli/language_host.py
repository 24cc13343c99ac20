"""The project's own Python language host for the Pulumi CLI the tests build (Option C of
shared/reference/pulumi-cli-from-source.md).

The Go module proxy refuses Pulumi's `pulumi-language-python` at every version, so the CLI built by
`scripts/pulumi-cli` gets this one in its place, started by the `bin/pulumi-language-python`
launcher. It serves the `LanguageRuntime` calls the engine makes for `stack init`, `config`,
`preview`, `up`, `refresh`, `destroy`, `install`, `--policy-pack` and the Automation API:

- `Run` starts `bin/pulumi-language-python-exec` in the program's virtualenv with the command line
  and environment of the contract (section 3a); exit 32 becomes `bail` (the program has reported
  its error), any other failure an error naming the exit code;
- `RunPlugin` starts a policy pack (`kind` "analyzer") as `python -u -m pulumi.policy <engine>
  <pack directory>` in the pack's virtualenv and streams its output and exit code (section 3c);
- `GetRequiredPackages` names the resource plugins the virtualenv's packages ship (a
  `pulumi-plugin.json` with `"resource": true`), as the real host does;
- `InstallDependencies` creates the virtualenv when missing and pip-installs `requirements.txt`.

Only the `pip` toolchain is served (the project's); another is refused in one line naming it.
What it does not do: the real host's policy proxy, which hands a pack the stack's configuration
(this project's pack reads none), and the code generation calls (`pulumi new`, `convert`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

HERE = Path(__file__).resolve().parent
EXECUTOR = HERE / "bin" / "pulumi-language-python-exec"
# The exit code with which the executor says it has already reported the failure to the engine.
REPORTED_FAILURE = 32


class HostError(Exception):
    """A request this host cannot serve, in one line."""


# --- pure rules, unit-tested without the engine ---------------------------------------------------


def runtime_options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    """`runtime.options` of Pulumi.yaml (or PulumiPolicy.yaml) as a plain dict."""
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def interpreter(root_directory: str, options: Mapping[str, Any]) -> Path:
    """The Python that runs a program or pack: `<root>/<virtualenv>/bin/python` for the pip
    toolchain with a virtualenv, else `PULUMI_PYTHON_CMD` or `python3`."""
    toolchain = options.get("toolchain", "pip")
    if toolchain != "pip":
        raise HostError(f"runtime.options.toolchain {toolchain!r} is not served by the test host "
                        "(only 'pip')")
    venv = options.get("virtualenv")
    if not venv:
        return Path(os.environ.get("PULUMI_PYTHON_CMD", "python3"))
    return Path(root_directory, str(venv)) / "bin" / "python"


def executor_arguments(request: language_pb2.RunRequest, engine: str) -> list[str]:
    """The executor's command line after the interpreter: the contract of section 3a, an option
    only when its value is non-empty, the entry point and the program's arguments last."""
    options = {
        "monitor": request.monitor_address,
        "engine": engine,
        "project": request.project,
        "root_directory": request.info.root_directory,
        "stack": request.stack,
        "pwd": request.pwd,
        "dry_run": "true" if request.dryRun else "false",
        "parallel": str(request.parallel),
        "organization": request.organization,
    }
    args = [str(EXECUTOR)]
    for name, value in options.items():
        if value or name in ("dry_run", "parallel"):
            args += [f"--{name}", value]
    return [*args, request.info.entry_point or request.program or ".", *request.args]


def program_environment(request: language_pb2.RunRequest, python: Path) -> dict[str, str]:
    """The executor's environment: the host's own, the virtualenv activated, and the stack's
    configuration (secrets decrypted) with the list of its secret keys."""
    env = activated(dict(os.environ), python)
    env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
    return env


def activated(env: dict[str, str], python: Path) -> dict[str, str]:
    """`env` with the virtualenv of `python` first on PATH, `VIRTUAL_ENV` set, no PYTHONHOME."""
    if python.is_absolute():
        venv = python.parent.parent
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONHOME", None)
    return env


def run_outcome(exit_code: int) -> language_pb2.RunResponse:
    """The answer to `Run` for the executor's exit code."""
    if exit_code == 0:
        return language_pb2.RunResponse()
    if exit_code == REPORTED_FAILURE:
        return language_pb2.RunResponse(bail=True)
    return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {exit_code}")


def resource_plugins(python: Path) -> list[plugin_pb2.PackageDependency]:
    """The resource plugins the virtualenv's packages ship: every top-level package with a
    `pulumi-plugin.json` saying `"resource": true`, at the version it names."""
    venv = python.parent.parent
    found = []
    for manifest in sorted(venv.glob("lib/python*/site-packages/*/pulumi-plugin.json")):
        data = json.loads(manifest.read_text())
        if data.get("resource") and data.get("name"):
            version = str(data.get("version", ""))
            found.append(plugin_pb2.PackageDependency(
                name=data["name"], kind="resource",
                version=version if not version or version.startswith("v") else f"v{version}",
                server=data.get("server", "")))
    return found


# --- the service ----------------------------------------------------------------------------------


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The `LanguageRuntime` service for Python programs and policy packs."""

    def __init__(self, version: str, engine: str) -> None:
        self.version = version
        self.engine = engine

    def Handshake(self, request: Any, context: Any) -> Any:
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=self.version)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        python = self._python(request.info, context)
        return language_pb2.GetRequiredPackagesResponse(packages=resource_plugins(python))

    def Run(self, request: Any, context: Any) -> Any:
        python = self._python(request.info, context)
        if not python.exists():
            return language_pb2.RunResponse(
                error=f"the virtualenv's interpreter {python} does not exist: run `pulumi install`")
        exit_code = subprocess.call([str(python), *executor_arguments(request, self.engine)],
                                    env=program_environment(request, python))
        return run_outcome(exit_code)

    def RunPlugin(self, request: Any, context: Any) -> Iterator[Any]:
        if request.kind != "analyzer":
            context.abort(grpc.StatusCode.UNIMPLEMENTED,
                          f"plugins of kind {request.kind!r} are not served by the test host")
        python = self._python(request.info, context)
        env = dict(item.split("=", 1) for item in request.env if "=" in item) or dict(os.environ)
        pack = request.info.program_directory
        process = subprocess.Popen(
            [str(python), "-u", "-m", "pulumi.policy", *request.args, pack],
            cwd=pack, env=activated(env, python),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        yield from _stream(process)

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        root = request.info.root_directory or request.directory
        python = self._python(request.info, context)
        commands = []
        if not python.exists():
            commands.append([sys.executable, "-m", "venv", str(python.parent.parent)])
        requirements = Path(root, "requirements.txt")
        if requirements.exists():
            commands.append([str(python), "-m", "pip", "install", "-r", str(requirements)])
        for command in commands:
            process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
            for response in _stream(process):
                if response.WhichOneof("output") == "exitcode":
                    if response.exitcode:
                        context.abort(grpc.StatusCode.UNKNOWN,
                                      f"{' '.join(command)} exited with {response.exitcode}")
                    continue
                yield language_pb2.InstallDependenciesResponse(stdout=response.stdout,
                                                               stderr=response.stderr)

    def About(self, request: Any, context: Any) -> Any:
        return language_pb2.AboutResponse(executable=sys.executable,
                                          version=sys.version.split()[0])

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse()

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def _python(self, info: Any, context: Any) -> Path:
        try:
            return interpreter(info.root_directory, runtime_options(info))
        except HostError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
            raise  # unreachable: abort raises


def _stream(process: subprocess.Popen[bytes]) -> Iterator[language_pb2.RunPluginResponse]:
    """The process's stdout and stderr as they come, then its exit code."""
    chunks: list[tuple[str, bytes]] = []
    ready = threading.Condition()
    open_pipes = 2

    def pump(name: str, pipe: Any) -> None:
        nonlocal open_pipes
        for chunk in iter(lambda: pipe.read1(65536), b""):
            with ready:
                chunks.append((name, chunk))
                ready.notify()
        with ready:
            open_pipes -= 1
            ready.notify()

    for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr)):
        threading.Thread(target=pump, args=(name, pipe), daemon=True).start()
    while True:
        with ready:
            ready.wait_for(lambda: chunks or not open_pipes)
            pending, chunks[:] = list(chunks), []
            done = not open_pipes and not pending
        for name, chunk in pending:
            yield (language_pb2.RunPluginResponse(stdout=chunk) if name == "stdout"
                   else language_pb2.RunPluginResponse(stderr=chunk))
        if done:
            break
    yield language_pb2.RunPluginResponse(exitcode=process.wait())


def main(argv: list[str]) -> int:
    """Serve on a free loopback port, print it first on stdout (the engine reads it), and stop
    quietly when the engine sends SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="pulumi-language-python")
    parser.add_argument("--stamp", default="v3.0.0", help="the version to report (the CLI's)")
    parser.add_argument("engine", nargs="?", default="")
    options, _ = parser.parse_known_args(argv)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageHost(options.stamp, options.engine), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(port, flush=True)
    stop.wait()
    server.stop(grace=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
