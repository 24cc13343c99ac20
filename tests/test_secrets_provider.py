"""A production stack's secrets are encrypted by a Key Vault key of its own, never a passphrase
(docs/pipelines.md, "Stack secrets").

The docs that create a stack — every ``pulumi stack init`` in a shell block of README.md and
docs/ — give a production stack ``--secrets-provider "azurekeyvault://<vault>.vault.azure.net/
keys/<key>"``, a key named after the stack, and no passphrase; only the offline stack (``sim``) and
the Quick start's example (``dev``) keep the passphrase. The commands that make the vault, the key
and its role name the same vault and key as that URL. Then the real Pulumi CLI (scripts/pulumi-cli)
is given the documented URL: with every HTTPS request sent to a proxy on loopback that refuses to
tunnel, ``stack init`` must try to reach exactly that vault (to encrypt the stack's new data key),
where a malformed URL is refused by the CLI's own parser before any request — so the URL's form is
judged by the CLI itself, and no Azure is needed.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pulumi_cli.cli import offline_env

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: The stacks that keep the passphrase: the offline stack and the Quick start's example.
PASSPHRASE_STACKS = {"sim", "dev"}
#: Key Vault's names: a vault 3-24 letters, digits and single hyphens, from a letter, not ending
#: in a hyphen; a key 1-127 letters, digits and hyphens.
URL = re.compile(
    r"azurekeyvault://(?P<vault>[A-Za-z](?:-?[A-Za-z0-9]){2,23})\.vault\.azure\.net"
    r"/keys/(?P<key>[A-Za-z0-9-]{1,127})\Z"
)
#: gocloud.dev secrets/azurekeyvault's own check of the key id it makes of the URL (akv.go,
#: keyIDRE, as the CLI 3.276.0 links it; Go's ``[a-z\d-.]`` spelt as Python reads it).
GOCLOUD_KEY_ID = re.compile(r"^(https://.+\.vault\.(?:[a-z\d.-]+)/)keys/(.+)$")


def shell_blocks(page: Path) -> list[list[str]]:
    """The lines of each ```sh block of ``page``, continuation lines joined."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)
    return [block.replace("\\\n", " ").splitlines() for block in blocks]


def stack_inits() -> list[tuple[Path, list[str], list[str]]]:
    """(page, the command's words, the block's lines) for every ``pulumi stack init``."""
    found = []
    for page in PAGES:
        for block in shell_blocks(page):
            for line in block:
                words = shlex.split(line, comments=True)
                if words[:3] == ["pulumi", "stack", "init"]:
                    found.append((page, words, block))
    return found


def secrets_provider(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word == "--secrets-provider":
            return words[i + 1]
        if word.startswith("--secrets-provider="):
            return word.split("=", 1)[1]
    return None


def production_inits() -> list[tuple[Path, str, re.Match[str]]]:
    """(page, stack, the URL's match) for every documented production ``stack init``."""
    found = []
    for page, words, block in stack_inits():
        stack = words[3]
        if stack in PASSPHRASE_STACKS:
            continue
        where = f"{page.name}: {shlex.join(words)}"
        url = secrets_provider(words)
        assert url is not None, f"{where}: a production stack without --secrets-provider"
        match = URL.match(url)
        assert match, f"{where}: {url} is not azurekeyvault://<vault>.vault.azure.net/keys/<key>"
        assert GOCLOUD_KEY_ID.match("https://" + url.removeprefix("azurekeyvault://")), url
        assert match["key"].endswith(stack), f"{where}: the key is not the stack's own"
        assert not any("PULUMI_CONFIG_PASSPHRASE" in line for line in block), where
        found.append((page, stack, match))
    return found


def test_the_docs_create_production_stacks_with_a_key_vault_secrets_provider():
    pages = {page.name for page, _, _ in production_inits()}
    assert {"prerequisites.md", "pipelines.md"} <= pages, pages


def test_the_passphrase_stacks_are_the_offline_and_example_stacks_only():
    passphrase = {words[3] for _, words, _ in stack_inits() if secrets_provider(words) is None}
    assert passphrase == PASSPHRASE_STACKS, passphrase


def test_the_documented_vault_key_and_role_are_the_urls():
    (block,) = [
        b
        for b in shell_blocks(ROOT / "docs" / "pipelines.md")
        if any(line.startswith("az keyvault key create") for line in b)
    ]
    commands = [shlex.split(line, comments=True) for line in block]
    (_, _, match) = next(i for i in production_inits() if i[0].name == "pipelines.md")
    vault, key = match["vault"], match["key"]

    def command(*prefix: str) -> list[str]:
        (found,) = [c for c in commands if c[: len(prefix)] == list(prefix)]
        return found

    def value(words: list[str], flag: str) -> str:
        return words[words.index(flag) + 1]

    create_vault = command("az", "keyvault", "create")
    assert value(create_vault, "--name") == vault
    assert value(create_vault, "--enable-rbac-authorization") == "true"
    assert value(create_vault, "--enable-purge-protection") == "true"
    create_key = command("az", "keyvault", "key", "create")
    assert (value(create_key, "--vault-name"), value(create_key, "--name")) == (vault, key)
    assert value(create_key, "--kty") == "RSA" and int(value(create_key, "--size")) >= 3072
    ops = create_key[create_key.index("--ops") + 1 :]
    assert ops == ["encrypt", "decrypt"], "the provider encrypts and decrypts; nothing more"
    role = command("az", "role", "assignment", "create")
    assert value(role, "--role") == "Key Vault Crypto User"
    assert value(role, "--scope") == "$scope"
    (scope,) = [line for line in block if line.startswith("scope=")]
    assert f"--name {vault} " in scope and scope.endswith(f'/keys/{key}"'), scope


# --- the real CLI reads the documented URL ------------------------------------------------------


class RefusingProxy:
    """An HTTPS proxy on loopback that records each request line (``CONNECT host:port
    HTTP/1.1``) and refuses it."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RefusingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self._server.close()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # closed
            # A client that gives up mid-request tries again on another connection.
            with connection, contextlib.suppress(OSError):
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(30)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                return
            request += chunk
        self.targets.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
        connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    with RefusingProxy() as started:
        yield started


def stack_init(tmp_path: Path, proxy: RefusingProxy, url: str) -> subprocess.CompletedProcess[str]:
    """``pulumi stack init prod --secrets-provider <url>`` with no passphrase and no Azure
    credential, every HTTPS request through ``proxy``."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    (tmp_path / ".state").mkdir()
    env = offline_env(tmp_path / ".state")
    for name in [n for n in env if n.startswith(("AZURE_", "ARM_", "PULUMI_CONFIG_PASSPHRASE"))]:
        del env[name]
    env.update(HTTPS_PROXY=proxy.url, https_proxy=proxy.url, NO_PROXY="", no_proxy="")
    return subprocess.run(
        ["pulumi", "stack", "init", "prod", "--non-interactive", "--secrets-provider", url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.timeout(300)
def test_the_cli_takes_the_documented_url_to_that_vault_with_no_passphrase(tmp_path, proxy):
    (_, _, match) = next(i for i in production_inits() if i[0].name == "prerequisites.md")
    result = stack_init(tmp_path, proxy, match[0])
    assert result.returncode != 0, f"no vault answered, yet the stack was created:\n{result.stderr}"
    assert "invalid keyID" not in result.stderr, result.stderr
    assert proxy.targets, f"no request reached the proxy:\n{result.stderr}"
    vault = f"{match['vault']}.vault.azure.net:443"
    assert set(proxy.targets) == {f"CONNECT {vault} HTTP/1.1"}, proxy.targets
    assert "passphrase" not in result.stderr.lower(), result.stderr
    assert not (tmp_path / "Pulumi.prod.yaml").exists() or "encryptionsalt" not in (
        tmp_path / "Pulumi.prod.yaml"
    ).read_text(encoding="utf-8")


@pytest.mark.timeout(300)
def test_the_cli_refuses_a_malformed_url_before_any_request(tmp_path, proxy):
    malformed = "azurekeyvault://contoso-pulumi-state.vault.azure.net/key/adobe-cmk-prod"
    assert not URL.match(malformed)
    result = stack_init(tmp_path, proxy, malformed)
    assert result.returncode != 0, result.stderr
    assert "invalid keyID" in result.stderr, result.stderr
    assert proxy.targets == []
