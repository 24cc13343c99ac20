"""A stateful stand-in for Adobe's Platform CMK API and the IMS token endpoint, over real HTTP.

It answers as Adobe's CMK pages document (both API generations; see docs/offline-stack.md): the
gateway's header checks and error bodies, the app registration, the BYOK configuration with its
asynchronous job walking NEW -> RUNNING -> UPDATE_EXISTING_RESOURCES -> COMPLETED (or FAILED), and
faults injected per route. Options choose among the answers Adobe's docs leave open.

In tests::

    with PlatformSimulator() as sim:
        token = requests.post(sim.ims_url, data={...}).json()["access_token"]
        requests.get(f"{sim.url}/data/infrastructure/manager/byok/app-registration", headers=...)

Alone, for trying a client by hand (prints its URL on the first line, serves until Ctrl-C)::

    python -m tests.simulator --port 8080 [--config-generation beta] [--job-seconds 5]

Modules: ``wire`` (paths and answer shapes), ``gateway`` (tokens and header checks), ``jobs``
(configurations and their statuses), ``answers`` (how answers show a configuration), ``routes``,
``faults``, ``request_log``, ``server`` (HTTP), ``simulator`` (the class), ``cli``. Only the
standard library is used; everything listens on 127.0.0.1.
"""

from tests.simulator.answers import adobe_echo_name
from tests.simulator.cli import main
from tests.simulator.faults import FAULT_KINDS, Fault
from tests.simulator.jobs import ACCESS_DENIED_MESSAGE, FAILED_KEY_MESSAGE, KEY_IDENTIFIER_RE
from tests.simulator.request_log import LoggedRequest
from tests.simulator.simulator import PlatformSimulator
from tests.simulator.wire import (
    API_KEY,
    APP_REGISTRATION_PATH,
    APPLICATION_ID,
    COMPLETED,
    CONFIG_PATH,
    CONFIG_TYPE,
    FAILED,
    NEW,
    PROVIDER_TYPE,
    RUNNING,
    TOKEN_PATH,
    UPDATING,
)

__all__ = [
    "ACCESS_DENIED_MESSAGE",
    "API_KEY",
    "APPLICATION_ID",
    "APP_REGISTRATION_PATH",
    "COMPLETED",
    "CONFIG_PATH",
    "CONFIG_TYPE",
    "FAILED",
    "FAILED_KEY_MESSAGE",
    "FAULT_KINDS",
    "KEY_IDENTIFIER_RE",
    "NEW",
    "PROVIDER_TYPE",
    "RUNNING",
    "TOKEN_PATH",
    "UPDATING",
    "Fault",
    "LoggedRequest",
    "PlatformSimulator",
    "adobe_echo_name",
    "main",
]
