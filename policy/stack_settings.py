"""The stack's settings as the engine hands them to the pack: what a rule may compare the
program's resources with, since the program itself is the thing checked.

The engine sends the stack's configuration in its first call to the pack, ``ConfigureStack``
(``AnalyzerStackConfigureRequest.config``, every key with its value; the secret ones listed in
``config_secret_keys``). pulumi-policy (1.21) keeps only that call's tags, so :func:`keep` wraps
the SDK's handler to keep the settings as well, secrets left out; it runs before the pack serves.
A pack that was never configured (``pulumi policy publish`` reads its metadata only) has no
settings: :func:`setting` answers ``""``.
"""

from __future__ import annotations

from typing import Any

import facts
from pulumi_policy import policy as sdk

_settings: dict[str, str] = {}
#: The SDK's analyzer servicer, whose ``ConfigureStack`` receives the settings.
_SERVICER: Any = getattr(sdk, "_PolicyAnalyzerServicer")  # noqa: B009 - private to the SDK


def keep() -> None:
    """Make the analyzer keep the settings of every ``ConfigureStack`` it answers (once)."""
    answer = _SERVICER.ConfigureStack
    if getattr(answer, "keeps_settings", False):
        return

    def configure_stack(servicer: Any, request: Any, context: Any) -> Any:
        secret = set(request.config_secret_keys)
        _settings.clear()
        _settings.update({k: v for k, v in request.config.items() if k not in secret})
        return answer(servicer, request, context)

    configure_stack.keeps_settings = True  # type: ignore[attr-defined]
    _SERVICER.ConfigureStack = configure_stack


def setting(name: str) -> str:
    """The stack's ``adobe-cmk:<name>`` as set in its configuration; ``""`` when unset (or a
    secret, or the pack was never configured)."""
    return _settings.get(f"{facts.NAMESPACE}:{name}", "")
