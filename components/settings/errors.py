"""The one error every settings rule raises."""

from __future__ import annotations

import pulumi


class SettingsError(pulumi.RunError):
    """An invalid or missing setting, shown to the user as one line (a ``pulumi.RunError``, so no
    traceback). ``str()`` starts with ``key``, what the user set: the full key
    (``adobe-cmk:keySize``, ``azure-native:location``) or the environment variable
    (``ADOBE_CLIENT_ID``) to fix. It never contains the value of a secret."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)
