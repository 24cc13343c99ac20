"""Azure's reason for a failed lookup, on one line, with the stack's secrets masked *before* it is
shortened (issue 20, item 9): a secret straddling the cut would otherwise leak its first
characters, which the CLI's own masking of secret values can no longer recognise.
"""

from __future__ import annotations

import os

import pulumi

from providers.platform.errors import one_line
from providers.platform.redaction import register

#: Environment variables holding a credential the program's process may see (Adobe's, and those
#: azure-native and azuread read): masked wherever they appear.
SECRET_ENVIRONMENT = (
    "ADOBE_CLIENT_SECRET",
    "ADOBE_ACCESS_TOKEN",
    "ARM_CLIENT_SECRET",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
)


def masked_reason(error: BaseException, limit: int = 300) -> str:
    """``str(error)`` on one line, every secret the stack holds masked, then cut to ``limit``."""
    for secret in _stack_secrets():
        register(secret)
    return one_line(str(error), limit)


def _stack_secrets() -> list[str]:
    """Every secret config value of the running stack, and the credentials in the environment."""
    from pulumi.runtime import config as runtime_config

    keys = set(runtime_config.get_config_env()) | set(runtime_config.CONFIG.get())
    found = [
        str(pulumi.runtime.get_config(key) or "")
        for key in keys
        if pulumi.runtime.is_config_secret(key)
    ]
    found += [os.environ.get(name, "") for name in SECRET_ENVIRONMENT]
    return [secret for secret in found if secret]
