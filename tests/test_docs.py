"""The operator's guide (docs/) against the code it documents.

- docs/settings.md is exactly what scripts/settings_table.py generates from Pulumi.yaml, lists
  every key with its type and default (checked against Pulumi.yaml read directly), and every
  example it gives is accepted by the settings;
- every relative link of every page resolves, anchors included, and the index links every page;
- every message quoted in a ```text block exists in the code: each fragment of three words or more
  between placeholders (``<…>``) is a piece of a string literal of components/ or providers/;
- the few numbers the prose states are the code's.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import cmk_facts
from components import key_vault, settings
from components.settings import Settings, SettingsError, declared_settings
from providers import app_registration
from providers.platform import http, polling
from providers.platform.errors import PlatformError
from tests.mocks import SECRET_KEYS, valid_config

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
INDEX = DOCS / "operators-guide.md"
SOURCES = [
    ROOT / "__main__.py",
    ROOT / "cmk_facts.py",
    *sorted((ROOT / "components").rglob("*.py")),
    *sorted((ROOT / "providers").rglob("*.py")),
]

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```(\w*)\s*$")
_PLACEHOLDER = re.compile(r"<[^<>\n]*>|…")
_ERROR_CLASS = re.compile(r"^[\w.]*(?:Error|Exception): ")
_SETTINGS_KEY = re.compile(r"^adobe-cmk:(?:\w+|<[^>]*>) ")
_PLATFORM_FRAME = re.compile(
    r"^(?:GET|POST|PUT|PATCH|DELETE) (?:<[^>]*>|\S+)(?: HTTP \S+)?(?: \[\S+\])?: "
)
_REQUEST_ID = re.compile(r" ?\(x-request-id: [^)]*\)")
MIN_FRAGMENT_WORDS = 3


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_table", ROOT / "scripts" / "settings_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


# --- settings.md ------------------------------------------------------------------------------


def test_settings_doc_is_what_the_generator_makes_from_pulumi_yaml():
    generated = load_generator().render()
    committed = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert committed == generated, (
        "docs/settings.md is stale: run .venv/bin/python scripts/settings_table.py --write"
    )


def test_readme_settings_table_is_what_the_generator_makes_from_pulumi_yaml():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == load_generator().render_readme(readme), (
        "README.md's settings table is stale: run scripts/settings_table.py --write"
    )
    for key in yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]:
        assert f"[`adobe-cmk:{key}`](docs/settings.md#{key.lower()})" in readme, key


def test_settings_doc_lists_every_key_with_its_type_and_default():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    doc = (DOCS / "settings.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[`adobe-cmk:(\w+)`\]\(#\w+\) \| ([^|]+) \| ([^|]+) \|$", doc, re.M)
    assert [name for name, _, _ in rows] == list(project), "the summary's keys or their order"
    for name, type_text, default_text in rows:
        spec = project[name]
        expected_type = "list of strings" if spec["type"] == "array" else spec["type"]
        assert type_text.strip() == expected_type, name
        default_text = default_text.strip()
        if "default" not in spec:
            assert default_text == "*required*", name
        elif spec["default"] == "":
            assert default_text.startswith('`""`'), name
        else:
            shown = default_text.strip("`")
            assert yaml.safe_load(shown) == spec["default"], f"{name}: {shown!r}"


def test_settings_doc_gives_an_accepted_example_for_every_key():
    examples = load_generator().EXAMPLES
    assert set(examples) == set(declared_settings()), "an example per key, no more"
    for name, example in examples.items():
        config = valid_config(**{**example.needs, name: example.value})
        try:
            Settings.from_config(config, environ={}, secret_keys=SECRET_KEYS)
        except SettingsError as exc:
            pytest.fail(f"the example for adobe-cmk:{name} is refused: {exc}")


# --- links --------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def outside_fences(text: str) -> Iterator[str]:
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            yield line


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in outside_fences(page.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6} (.+)$", line)
        if match:
            base = slug(match[1])
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(page: Path) -> list[str]:
    return [
        target
        for line in outside_fences(page.read_text(encoding="utf-8"))
        for target in _LINK.findall(line)
    ]


def test_docs_exist():
    names = {page.name for page in PAGES}
    for name in ("operators-guide.md", "settings.md", "errors.md", "offline-stack.md"):
        assert name in names, f"docs/{name} is missing"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_doc_relative_links_resolve(page: Path):
    checked = 0
    for target in links(page):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert resolved.suffix == ".md", f"{page.name}: anchor into {resolved.name}"
            assert anchor in anchors(resolved), (
                f"{page.name}: no heading for #{anchor} in {resolved.name}"
            )
        checked += 1
    assert checked or page == DOCS / "settings.md" or not links(page), page.name


def test_index_links_every_page():
    linked = {target.partition("#")[0] for target in links(INDEX)}
    missing = [page.name for page in PAGES if page != INDEX and page.name not in linked]
    assert missing == [], f"docs/operators-guide.md does not link {missing}"


# --- quoted messages ----------------------------------------------------------------------------


@cache
def code_pieces() -> tuple[str, ...]:
    """Every string literal of the program and its providers, whitespace normalised; f-strings
    split at their holes, except holes naming a module-level constant, which are filled in
    (:mod:`tests.code_strings`, run in a fresh interpreter)."""
    listed = subprocess.run(
        [sys.executable, "-m", "tests.code_strings", *map(str, SOURCES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return tuple(json.loads(listed.stdout))


def quoted_messages() -> list[tuple[str, str]]:
    """(page, message) for every line of every ```text block of the docs."""
    quoted: list[tuple[str, str]] = []
    for page in PAGES:
        language = None
        for line in page.read_text(encoding="utf-8").splitlines():
            fence = _FENCE.match(line.strip())
            if fence:
                language = fence[1] if language is None else None
                continue
            if language == "text" and line.strip():
                quoted.append((page.name, line.strip()))
    return quoted


def fragments(message: str) -> list[str]:
    """The parts of a quoted message that must appear in the code as they are."""
    text = _ERROR_CLASS.sub("", message, count=1)
    text = _SETTINGS_KEY.sub("", text, count=1)
    text = _PLATFORM_FRAME.sub("", text, count=1)
    text = _REQUEST_ID.sub("", text)
    parts = (part.strip(" ()[];:,.'\"`") for part in _PLACEHOLDER.split(text))
    return [part for part in parts if len(part.split()) >= MIN_FRAGMENT_WORDS]


def test_quoted_message_framing_is_how_the_code_frames_errors():
    """The prefixes ``fragments`` strips are really how errors read."""
    error = PlatformError(
        "the message", method="GET", path="/p/q", status=403, code="403025", request_id="abc"
    )
    assert str(error) == "GET /p/q HTTP 403 [403025]: the message (x-request-id: abc)"
    assert fragments(str(error)) == []  # "the message" alone is under three words
    with pytest.raises(SettingsError) as caught:
        Settings.from_config(valid_config(keySize="2048"), environ={}, secret_keys=SECRET_KEYS)
    assert _SETTINGS_KEY.match(str(caught.value)), str(caught.value)


def test_docs_quote_messages():
    assert len(quoted_messages()) >= 20, "the errors page quotes the program's messages"


@pytest.mark.parametrize(("page", "message"), quoted_messages(), ids=lambda value: str(value)[:60])
def test_quoted_message_exists_in_the_code(page: str, message: str):
    parts = fragments(message)
    assert parts, f"{page}: nothing in this quote can be checked: {message}"
    for part in parts:
        assert any(part in piece for piece in code_pieces()), (
            f"{page}: {part!r} is in no string of components/ or providers/"
        )


# --- numbers the prose states -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "phrase"),
    [
        (key_vault.ADOBE_IP_RULE, "20.88.123.53/32", "20.88.123.53"),
        (key_vault.SOFT_DELETE_RETENTION_DAYS, 90, "90 days"),
        (settings.MAX_WAIT_MINUTES, 1440, "1440 minutes"),
        (settings.MIN_ROTATION_TO_EXPIRY_DAYS, 7, "less than 7 days after the rotation"),
        (http.CALL_SECONDS, 120.0, "within a 2-minute deadline per call"),
        (http.MAX_RETRIES, 5, "retried up to 5 times"),
        (http.BACKOFF_FACTOR_SECONDS, 0.5, "(backoff 0.5 s, 1 s, 2 s"),
        (polling.POLL_MIN_SECONDS, 5.0, "every 5 s"),
        (polling.POLL_FRACTION_OF_ELAPSED, 0.1, "a tenth of the time"),
        (polling.POLL_MAX_SECONDS, 30.0, "at most every 30 s"),
        (app_registration.REGISTRATION_TIMEOUT_SECONDS, 600.0, "waits up to 10\nminutes"),
        (cmk_facts.DEFAULT_API_KEY, "acp_provisioning", "acp_provisioning"),
    ],
)
def test_docs_state_the_codes_numbers(value: Any, expected: Any, phrase: str):
    assert value == expected, f"the code changed: the docs say {phrase!r}"
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert phrase in text, f"no page says {phrase!r} any more"
