"""The rule for keys of this namespace that the program does not declare (a misspelling would
otherwise be silently ignored)."""

from __future__ import annotations

from cmk_facts import NAMESPACE
from components.settings.errors import SettingsError
from components.settings.reader import ConfigReader
from providers.credentials import SECRET_SETTINGS


def check_unknown_keys(r: ConfigReader) -> None:
    """Refuse the first undeclared ``adobe-cmk:`` key, with the closest declared one. When that
    one holds a secret, also say how to move the value, and that it sits in plain text when it
    was not set with ``--secret``."""
    prefix = f"{NAMESPACE}:"
    for key in sorted(r.values):
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in r.declared:
            continue
        import difflib  # only a misspelt key needs it: no import for every other program

        close = difflib.get_close_matches(name, list(r.declared), n=1, cutoff=0.6)
        if not close:
            raise SettingsError(
                key, f"{key} is not a setting of this program: see Pulumi.yaml for the keys"
            )
        right = r.key(close[0])
        if close[0] not in SECRET_SETTINGS:
            raise SettingsError(
                key, f"{key} is not a setting of this program: did you mean {right}?"
            )
        if key not in r.secret_keys:
            raise SettingsError(
                key,
                f"{key} is not a setting of this program: did you mean {right}? its value is a "
                f"secret stored in plain text in the stack file: `pulumi config rm {key}` then "
                f"`pulumi config set --secret {right} <value>`",
            )
        raise SettingsError(
            key,
            f"{key} is not a setting of this program: did you mean {right}? its value is a "
            f"secret: `pulumi config rm {key}` then `pulumi config set --secret {right} <value>`",
        )
