"""What both Managed HSM dynamic providers share: where tokens come from, clients, input checks.

Tokens are minted in the provider process at the time of the call (:mod:`providers.hsm.tokens`),
never passed as inputs: a refresh or destroy runs without the program, so a stored token would be
stale. Nothing of a configured provider is pickled into the state.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi.dynamic import CheckFailure, ConfigureRequest, ResourceProvider

from cmk_facts import GUID, HSM_SUFFIXES
from providers.adobe_provider import is_unknown, log_to_stderr
from providers.hsm.client import HsmClient
from providers.hsm.models import normal_hsm_uri
from providers.hsm.tokens import token_source
from providers.platform.endpoints import check_endpoint, is_loopback

_lock = threading.Lock()
_clients: dict[str, HsmClient] = {}


def check_hsm_uri(props: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """``hsmUri`` is ``https://<hsm>.managedhsm.<cloud suffix>`` (or plain http to loopback)."""
    value = props.get("hsmUri")
    if is_unknown(value):
        return
    try:
        url = check_endpoint(value if isinstance(value, str) else "")
    except ValueError as exc:
        failures.append(CheckFailure("hsmUri", f"hsmUri {exc}"))
        return
    host = (urlsplit(url).hostname or "").lower()
    if not is_loopback(host) and not any(host.endswith(f".{s}") for s in HSM_SUFFIXES):
        failures.append(CheckFailure("hsmUri", f"hsmUri {value!r} is not a Managed HSM address"))


def check_guid(props: Mapping[str, Any], name: str, failures: list[CheckFailure]) -> None:
    value = props.get(name)
    if not is_unknown(value) and not (isinstance(value, str) and GUID.match(value)):
        failures.append(CheckFailure(name, f"{name} {value!r} must be a GUID"))


def replaced(olds: Mapping[str, Any], news: Mapping[str, Any], names: tuple[str, ...]) -> list[str]:
    """The inputs among ``names`` that changed (unknown counts as changed); ``hsmUri`` is
    compared normalised, so a change of letter case or a trailing ``/`` is no change."""

    def value(props: Mapping[str, Any], name: str) -> Any:
        found = props.get(name)
        return normal_hsm_uri(found) if name == "hsmUri" and isinstance(found, str) else found

    return [n for n in names if is_unknown(news.get(n)) or value(olds, n) != value(news, n)]


def mask_azure_logs() -> None:
    """Send the ``azure`` loggers' warnings through the providers' masking handler
    (:func:`~providers.adobe_provider.log_to_stderr`). azure-identity logs a failed token request
    at WARNING with Entra's whole reason; unhandled, Python's last-resort handler would print it
    to the provider's stderr (which the CLI shows) without masking a secret it echoes."""
    log_to_stderr()
    azure = logging.getLogger("azure")
    for handler in logging.getLogger("providers").handlers:
        if getattr(handler, "_adobe_cmk", False) and handler not in azure.handlers:
            azure.addHandler(handler)
    azure.setLevel(logging.WARNING)
    azure.propagate = False


class HsmProvider(ResourceProvider):
    """Base of the providers that call the Managed HSM data plane."""

    def configure(self, req: ConfigureRequest) -> None:
        """Remember where tokens come from (the stack config and this process's environment)."""
        config = req.config
        environ = dict(os.environ)
        self._tokens_for: Callable[[str], Any] = lambda uri: token_source(uri, config.get, environ)
        mask_azure_logs()

    def client(self, hsm_uri: str) -> HsmClient:
        """The process-wide client of the HSM at ``hsm_uri``."""
        with _lock:
            if hsm_uri not in _clients:
                tokens_for = getattr(self, "_tokens_for", None) or (
                    lambda uri: token_source(uri, lambda _key: None, os.environ)
                )
                _clients[hsm_uri] = HsmClient(hsm_uri, tokens_for(hsm_uri))
            return _clients[hsm_uri]

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
