"""Drive the real dynamic-provider server (`python -m pulumi.dynamic`) over gRPC like the engine.

The server is started from the program directory (so the provider modules are importable there,
exactly as under ``pulumi up``), configured with a stack config, and sent Check / Diff / Create /
Read / Update / Delete requests carrying the provider serialized the way ``Resource.__init__``
serializes it. Nothing here knows the providers' internals.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROGRAM_DIR = Path(__file__).resolve().parent.parent
PROJECT = "adobe-cmk"
#: How the engine spells a value that is not known yet.
UNKNOWN = rpc.UNKNOWN


def serialized(provider: ResourceProvider) -> str:
    """The ``__provider`` value, made as ``pulumi.dynamic.Resource.__init__`` makes it."""
    blob, _ = _serialize(True, serialize_provider, provider)
    return str(blob)


def urn_for(type_token: str, name: str) -> str:
    """A URN of the dev stack for a resource of ``type_token`` named ``name``."""
    return f"urn:pulumi:dev::{PROJECT}::{type_token}::{name}"


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


class ProviderHost:
    """One provider-server process. Use as a context manager; ``stderr`` holds what it printed."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.config = dict(config)
        self.timeout = timeout
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("ADOBE_")}
        self._env = {**base_env, "PULUMI_PROJECT": PROJECT, **(env or {})}
        self._proc: subprocess.Popen[str] | None = None
        # A file, not a pipe drained by a thread: the server writes its progress lines before it
        # answers a call, so once the answer is here the file holds them (a reader thread might
        # not have caught up yet, which made tests flaky).
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - read after stop(); closed with the host
        self._channel: grpc.Channel | None = None
        self.stub: provider_pb2_grpc.ResourceProviderStub | None = None

    def __enter__(self) -> ProviderHost:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stderr(self) -> str:
        """Everything the server wrote to stderr before its last answer (what the CLI shows)."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def start(self) -> None:
        """Start the server, read its port from the first stdout line, send Configure."""
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
            cwd=PROGRAM_DIR,
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        assert self._proc.stdout is not None
        port_line = self._proc.stdout.readline()
        if not port_line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"provider server did not start: {port_line!r} {self.stderr}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{int(port_line)}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._call(
            "Configure",
            provider_pb2.ConfigureRequest(args=_struct(self.config), acceptSecrets=False),
        )

    def stop(self) -> None:
        """Kill the server (it would serve forever) and close the channel."""
        if self._channel is not None:
            self._channel.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()

    def _call(self, method: str, request: Any) -> Any:
        assert self.stub is not None, "start() first"
        return getattr(self.stub, method)(request, timeout=self.timeout)

    # -- the engine's calls -----------------------------------------------------------------------

    def check(
        self, urn: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Check → (inputs, [(property, reason)])."""
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(urn=urn, olds=_struct(olds or {}), news=_struct(news)),
        )
        failures = [(f.property, f.reason) for f in response.failures]
        return _plain(response.inputs), failures

    def diff(
        self, urn: str, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> Any:
        """Diff → the raw DiffResponse (``changes``, ``replaces``)."""
        return self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=resource_id, urn=urn, olds=_struct(olds), news=_struct(news)
            ),
        )

    def create(self, urn: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create → (id, outputs)."""
        response = self._call(
            "Create", provider_pb2.CreateRequest(urn=urn, properties=_struct(inputs))
        )
        return response.id, _plain(response.properties)

    def read(
        self,
        urn: str,
        resource_id: str,
        outputs: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Read (a refresh) → (id, outputs, inputs)."""
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=resource_id, urn=urn, properties=_struct(outputs), inputs=_struct(inputs)
            ),
        )
        return response.id, _plain(response.properties), _plain(response.inputs)

    def update(
        self,
        urn: str,
        resource_id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Update → outputs."""
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=resource_id, urn=urn, olds=_struct(olds), news=_struct(news)
            ),
        )
        return _plain(response.properties)

    # -- what pulumi up does with them ------------------------------------------------------------

    def checked(self, urn: str, news: Mapping[str, Any]) -> dict[str, Any]:
        """Check that must pass → the checked inputs."""
        inputs, failures = self.check(urn, news)
        assert failures == [], f"{urn}: {failures}"
        return inputs

    def created(
        self, urn: str, news: Mapping[str, Any]
    ) -> tuple[dict[str, Any], str, dict[str, Any]]:
        """Check then Create, as ``pulumi up`` does → ``(inputs, id, outputs)``."""
        inputs = self.checked(urn, news)
        resource_id, outputs = self.create(urn, inputs)
        return inputs, resource_id, outputs

    def delete(self, urn: str, resource_id: str, outputs: Mapping[str, Any]) -> None:
        """Delete."""
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(id=resource_id, urn=urn, properties=_struct(outputs)),
        )


def failure(call: Callable[[], object]) -> str:
    """The last line of the error a provider call failed with: the exception, as the CLI shows it
    (the server sends the whole traceback)."""
    try:
        call()
    except grpc.RpcError as error:
        assert isinstance(error, grpc.Call)
        return (error.details() or "").strip().splitlines()[-1]
    raise AssertionError("the provider call did not fail")
