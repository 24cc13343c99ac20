"""The policy pack (``policy/``), driven as ``pulumi preview --policy-pack policy`` drives it.

One analyzer process per test module, started from ``policy/`` the way the CLI's
``pulumi-analyzer-policy-python`` starts it (``python -u -m pulumi.policy <engine> .``, with
``PULUMI_PROJECT``/``PULUMI_STACK``/``PULUMI_DRY_RUN`` set); then the engine's calls: Handshake
(this SDK answers UNIMPLEMENTED, which the engine accepts), ConfigureStack, GetAnalyzerInfo,
Configure with every policy at its declared level, then ``Analyze`` for each custom resource (its
inputs, internal ``__`` keys dropped) and one ``AnalyzeStack`` (outputs, options, parents,
dependencies).

The stacks are the program's own: ``__main__.py`` run under mocks (:func:`tests.mocks.run_main`),
every registration captured with its options. Tests (``tests/test_policy*.py``) check that a
compliant stack passes with no diagnostic, and change one thing in a copy to expect exactly one
policy, with its message. The engine hands the pack the stack's configuration in
``ConfigureStack`` (the pack reads a brought key's place from it): an analyzer is configured with
the stack's config, or with none.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.mocks import PROJECT, SECRET_KEYS, STACK, ProgramRun, run_main, valid_config

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
RPC_TIMEOUT = 20.0
#: How the engine spells a value that is not known yet (a string, on the wire).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# --- the stack under test ----------------------------------------------------------------------


@dataclass
class Resource:
    """One resource as the engine would hand it to the analyzer."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool
    protect: bool
    parent: str
    dependencies: list[str]
    #: The engine's property dependencies (property -> URNs); the mocks record none.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def set(self, path: str, value: Any) -> None:
        """Set ``a.b.c`` in both inputs and outputs (a program declaring it differently)."""
        for props in (self.inputs, self.outputs):
            *parents, last = path.split(".")
            for step in parents:
                props = props.setdefault(step, {})
            props[last] = value

    def remove(self, path: str) -> None:
        """Remove ``a.b.c`` from both inputs and outputs (the program leaving it unset)."""
        for props in (self.inputs, self.outputs):
            *parents, last = path.split(".")
            for step in parents:
                props = props[step]
            props.pop(last, None)


@dataclass
class Stack:
    resources: list[Resource]

    @classmethod
    def of(cls, run: ProgramRun) -> Stack:
        return cls(
            [
                Resource(
                    type=r.type,
                    name=r.name,
                    urn=r.urn,
                    inputs=copy.deepcopy(r.inputs),
                    outputs=copy.deepcopy(r.outputs),
                    custom=r.custom,
                    protect=r.protect,
                    parent=r.parent,
                    dependencies=list(r.dependencies),
                )
                for r in run.registrations
            ]
        )

    def one(self, type_: str) -> Resource:
        found = [r for r in self.resources if r.type == type_]
        assert len(found) == 1, f"expected one {type_}, found {[r.urn for r in found]}"
        return found[0]

    def copy(self) -> Stack:
        return copy.deepcopy(self)


# --- the analyzer, driven like the engine ------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    message: str
    urn: str
    enforcement: int


@dataclass
class Verdict:
    """Everything the pack said about one stack: Analyze per resource plus AnalyzeStack."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def policies(self) -> set[str]:
        return {d.policy for d in self.diagnostics}

    def describe(self) -> str:
        return "\n".join(f"[{d.policy}] {d.urn or '-'}: {d.message}" for d in self.diagnostics)

    def only(self, policy: str) -> list[Diagnostic]:
        """The diagnostics, asserting that ``policy`` (and no other) reported something, at the
        mandatory level."""
        assert self.policies == {policy}, f"expected only {policy}, got:\n{self.describe()}"
        assert all(d.enforcement == analyzer_pb2.MANDATORY for d in self.diagnostics)
        return self.diagnostics


class Analyzer:
    """One policy-pack process, started and configured as the engine does, with the stack's
    ``config`` (full keys) in ``ConfigureStack``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=POLICY_DIR,
            env={
                **os.environ,
                "PULUMI_PROJECT": PROJECT,
                "PULUMI_STACK": STACK,
                "PULUMI_DRY_RUN": "true",
                "PULUMI_CONFIG": "{}",
            },
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        # The engine's form: every value a string (lists and booleans in JSON).
        self._config = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()
        }
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self._handshake()
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
            self.stub.Configure(
                analyzer_pb2.ConfigureAnalyzerRequest(
                    policyConfig={
                        p.name: analyzer_pb2.PolicyConfig(enforcementLevel=p.enforcementLevel)
                        for p in self.info.policies
                    }
                ),
                timeout=RPC_TIMEOUT,
            )
        except BaseException:
            self.stop()
            raise

    def _read_port(self) -> int:
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], RPC_TIMEOUT)
        line = self._proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise AssertionError(f"the policy pack printed no port: {line!r}\n{self.stderr()}")
        return int(line)

    def _handshake(self) -> None:
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address="127.0.0.1:0",
            root_directory=str(POLICY_DIR),
            program_directory=str(POLICY_DIR),
        )
        try:
            self.stub.Handshake(request, timeout=RPC_TIMEOUT)
        except grpc.RpcError as error:
            # What the engine tolerates from analyzers that predate the handshake.
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=STACK,
                project=PROJECT,
                organization="organization",
                dry_run=True,
                config=self._config,
                config_secret_keys=[k for k in self._config if k in SECRET_KEYS],
            ),
            timeout=RPC_TIMEOUT,
        )

    def check(self, stack: Stack) -> Verdict:
        """Analyze every custom resource, then the whole stack, as a preview does."""
        verdict = Verdict()
        for resource in stack.resources:
            if not resource.custom:
                continue
            response = self.stub.Analyze(
                analyzer_pb2.AnalyzeRequest(
                    type=resource.type,
                    name=resource.name,
                    urn=resource.urn,
                    properties=_struct(resource.inputs),
                    options=_options(resource),
                ),
                timeout=RPC_TIMEOUT,
            )
            self._collect(verdict, response, resource.urn)
        response = self.stub.AnalyzeStack(
            analyzer_pb2.AnalyzeStackRequest(
                resources=[
                    analyzer_pb2.AnalyzerResource(
                        type=resource.type,
                        name=resource.name,
                        urn=resource.urn,
                        properties=_struct(resource.outputs),
                        options=_options(resource),
                        parent=resource.parent,
                        dependencies=resource.dependencies,
                        propertyDependencies={
                            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                            for key, urns in resource.property_dependencies.items()
                        },
                    )
                    for resource in stack.resources
                ]
            ),
            timeout=RPC_TIMEOUT,
        )
        self._collect(verdict, response, "")
        return verdict

    @staticmethod
    def _collect(verdict: Verdict, response: Any, urn: str) -> None:
        for d in response.diagnostics:
            verdict.diagnostics.append(
                Diagnostic(d.policyName, d.message, d.urn or urn, d.enforcementLevel)
            )
        for item in response.not_applicable:
            verdict.not_applicable[item.policy_name] = item.reason

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine marshals them for analyzers: internal ``__`` keys skipped,
    unknowns kept as their sentinel strings."""
    struct = struct_pb2.Struct()
    struct.update({k: v for k, v in props.items() if not k.startswith("__")})
    return struct


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent)


@contextmanager
def running_analyzer(config: Mapping[str, Any] | None = None) -> Iterator[Analyzer]:
    """The pack's analyzer for the ``with`` block (given the stack's ``config``), stopped after."""
    pack = Analyzer(config)
    try:
        yield pack
    finally:
        pack.stop()


@functools.cache
def _restricted_stack() -> Stack:
    return Stack.of(run_main(valid_config(allowedIpRanges=["203.0.113.0/24"])))


def restricted_stack() -> Stack:
    """A fresh copy of the program's compliant stack with a firewall (so every rule has something
    to check), for one test to break; the program runs once per process."""
    return _restricted_stack().copy()


def first_preview(stack: Stack) -> Stack:
    """``stack`` as a first preview under the real engine shows it to the stack policies: the
    vaults' and keys' outputs hold neither name nor address (azure-native's outputs never carry
    the inputs ``vaultName``/``keyName``, and ``name``, ``id``, ``vaultUri`` and the key URIs are
    not known yet); their inputs, handed to ``Analyze`` after the provider's ``Check``, hold the
    names (``Check`` gives an auto-named vault its ``vaultName``, which the mocks do not)."""
    for resource in stack.resources:
        if resource.type.endswith((":Vault", ":Key")) and "keyvault" in resource.type:
            if resource.type.endswith(":Vault"):
                resource.inputs.setdefault("vaultName", resource.outputs.get("vaultName"))
            for name in ("vaultName", "keyName"):
                resource.outputs.pop(name, None)
            for name in ("name", "id", "keyUri", "keyUriWithVersion"):
                resource.outputs[name] = UNKNOWN
            if isinstance(resource.outputs.get("properties"), dict):
                resource.outputs["properties"]["vaultUri"] = UNKNOWN
    return stack
