"""``python -m tests.azure_standins <azure-native|azuread> <version> [engine flags] <engine>``: one
stand-in plugin, as the launcher :mod:`tests.azure_standins.plugins` installs starts it.

It serves on a free loopback port, prints that port as its first line (the engine reads it), and
stops quietly on SIGINT or SIGTERM (the engine stops its plugins with SIGINT).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from tests.azure_standins.provider import PLUGINS, StandinProvider
from tests.azure_standins.state import STATE_ENV, AzureState


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in PLUGINS:
        print(f"usage: python -m tests.azure_standins {{{','.join(PLUGINS)}}} <version> …",
              file=sys.stderr)
        return 2
    name, version = argv[0], argv[1]
    path = os.environ.get(STATE_ENV)
    if not path:
        print(f"pulumi-resource-{name} (the tests' Azure stand-in): {STATE_ENV} names no state "
              "file; it runs only under the tests and the offline demo", file=sys.stderr)
        return 1
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(
        StandinProvider(PLUGINS[name], version, AzureState(Path(path))), server)
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
