"""Typed access to the raw stack config, with the declared defaults and one-line errors.

Values arrive as the CLI passes them (strings: ``"4096"``, ``"true"``, ``'["a"]'``) or as native
values (mocks, YAML); both are accepted. Every error names the full key and what is valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from cmk_facts import NAMESPACE
from components.settings.declared import declared_settings
from components.settings.errors import SettingsError

T = TypeVar("T")


class ConfigReader:
    """The stack config (full keys → raw values), the environment and which keys are secrets."""

    def __init__(
        self, values: Mapping[str, Any], environ: Mapping[str, str], secret_keys: Collection[str]
    ) -> None:
        self.values = values
        self.environ = environ
        self.secret_keys = set(secret_keys)
        self.declared = declared_settings()

    def key(self, name: str) -> str:
        """The full key of a setting of this program, e.g. ``adobe-cmk:keySize``."""
        return f"{NAMESPACE}:{name}"

    def raw(self, name: str) -> Any:
        """The configured value, else the declared default (``None`` for a required key)."""
        value = self.values.get(self.key(name))
        return self.declared[name].default if value is None else value

    def is_default(self, name: str) -> bool:
        """Whether the setting is unset or set to its declared default."""
        value = self.values.get(self.key(name))
        if value is None:
            return True
        parse = {"integer": self._int, "boolean": self._bool, "array": self._list}
        parser = parse.get(self.declared[name].type, self._str)
        return bool(parser(name, value) == parser(name, self.declared[name].default))

    def string(self, name: str) -> str:
        return self._str(name, self.raw(name))

    def integer(self, name: str) -> int:
        return self._int(name, self.raw(name))

    def boolean(self, name: str) -> bool:
        return self._bool(name, self.raw(name))

    def strings(self, name: str) -> list[str]:
        return self._list(name, self.raw(name))

    def choice(self, name: str, valid: tuple[str, ...]) -> str:
        value = self.string(name)
        if value not in valid:
            raise self.fail(name, f"is {value!r}: it must be one of {', '.join(valid)}")
        return value

    def optional(self, name: str, check: Callable[[str], T]) -> T | None:
        """``check(value)`` for a non-empty string setting, ``None`` for an empty one."""
        value = self.string(name)
        return check(value) if value else None

    def fail(self, name: str, message: str) -> SettingsError:
        """The error for setting ``name``: ``<full key> <message>``."""
        return SettingsError(self.key(name), f"{self.key(name)} {message}")

    def _str(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(name, "must be a string")
        return value.strip()

    def _int(self, name: str, value: Any) -> int:
        if isinstance(value, bool):
            raise self.fail(name, "must be a whole number")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise self.fail(name, f"is {value!r}: it must be a whole number") from None

    def _bool(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise self.fail(name, f"is {value!r}: it must be true or false")
        return text == "true"

    def _list(self, name: str, value: Any) -> list[str]:
        example = f"`pulumi config set --path '{self.key(name)}[0]' <value>`"
        how = f"must be a list of strings, e.g. {example}"
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text else []
            except json.JSONDecodeError:
                raise self.fail(name, how) from None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, how)
        return [item.strip() for item in value]
