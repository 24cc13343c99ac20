"""The OIDC credential chain end to end on loopback: azure-identity's ClientAssertionCredential,
as :func:`providers.hsm.tokens.build_credential` builds it, asks a fake GitHub ID-token endpoint
for a fresh assertion (plain http on loopback, which the program's endpoint rule allows) and
exchanges it at a fake Entra token endpoint (HTTPS on 127.0.0.1, as azure-identity requires, with
a throwaway certificate the process trusts through ``REQUESTS_CA_BUNDLE``)."""

from __future__ import annotations

import datetime
import io
import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers.hsm.tokens import OIDC_AUDIENCE, Cloud, CredentialTokens, build_credential
from providers.hsm_provider import mask_azure_logs

CLIENT = "0c0c0c0c-1111-2222-3333-444444444444"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
REQUEST_TOKEN = "github-request-token-chain-01"
SCOPE = "https://managedhsm.azure.net/.default"


class FakeIdentity(ThreadingHTTPServer):
    """GitHub's ID-token endpoint (``GET /github``) and Entra's token endpoint
    (``POST /<tenant>/oauth2/v2.0/token``), recording what each received."""

    daemon_threads = True

    def __init__(self) -> None:
        self.github: list[dict[str, Any]] = []
        self.entra: list[dict[str, list[str]]] = []
        self.tls = False
        #: When set, Entra refuses every token request with this ``error_description``.
        self.refusal: str | None = None
        #: Where the plain-http twin serving GitHub's endpoint listens.
        self.github_base = ""
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, FakeIdentity)
        query = parse_qs(urlsplit(self.path).query)
        bearer_ok = self.headers.get("Authorization") == f"Bearer {REQUEST_TOKEN}"
        server.github.append({"audience": query.get("audience"), "bearer_ok": bearer_ok})
        self._reply(200, {"value": f"eyJ.github-assertion-{len(server.github)}.sig"})

    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, FakeIdentity)
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        server.entra.append({"path": [self.path], **form})
        if server.refusal is not None:
            self._reply(401, {"error": "invalid_client", "error_description": server.refusal})
            return
        # expires_in 0: the token is stale at once, so the next request goes to Entra again.
        number = len(server.entra)
        self._reply(
            200, {"access_token": f"hsm-access-{number}", "expires_in": 0, "token_type": "Bearer"}
        )


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentity]:
    """The Entra side over TLS; ``identity.github_base`` is the same endpoints over plain http."""
    cert, key = _certificate(tmp_path)
    entra, github = FakeIdentity(), FakeIdentity()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    entra.socket = context.wrap_socket(entra.socket, server_side=True)
    entra.tls = True
    github.entra, github.github = entra.entra, entra.github  # one record of both
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.01})
        for s in (entra, github)
    ]
    for thread in threads:
        thread.start()
    entra.github_base = github.base
    try:
        yield entra
    finally:
        for server in (entra, github):
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


def test_hsm_token_chain_oidc_exchanges_a_fresh_github_assertion_per_entra_request(identity):
    environ = {
        "ARM_USE_OIDC": "true",
        "ARM_CLIENT_ID": CLIENT,
        "ARM_TENANT_ID": TENANT,
        "ARM_OIDC_REQUEST_URL": f"{identity.github_base}/github?api-version=2.0",
        "ARM_OIDC_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    cloud = Cloud("https://managedhsm.azure.net", identity.base)
    tokens = CredentialTokens(build_credential(cloud, lambda _key: None, environ), SCOPE)
    assert tokens.token() == "hsm-access-1"
    assert tokens.token() == "hsm-access-2"  # the first was stale at once
    assert identity.github == [{"audience": [OIDC_AUDIENCE], "bearer_ok": True}] * 2
    first, second = identity.entra
    assert first["path"] == [f"/{TENANT}/oauth2/v2.0/token"]
    assert first["client_id"] == [CLIENT] and first["scope"] == [SCOPE]
    assert first["client_assertion"] == ["eyJ.github-assertion-1.sig"]
    assert second["client_assertion"] == ["eyJ.github-assertion-2.sig"]
    assert first["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]


def test_hsm_token_chain_a_secret_echoed_across_the_cut_is_masked_before_it(identity):
    # Entra (here, hostile) echoes the client assertion in its refusal, placed to straddle the
    # 400-character cut of azure-identity's message: masked first, nothing of it is left; cut
    # first, its first characters leaked (issue 20, item 9).
    assertion = "eyJ.fixed-oidc-assertion-4c2b9e.sig"
    environ = {
        "ARM_USE_OIDC": "true",
        "ARM_CLIENT_ID": CLIENT,
        "ARM_TENANT_ID": TENANT,
        "ARM_OIDC_TOKEN": assertion,
    }
    cloud = Cloud("https://managedhsm.azure.net", identity.base)
    credential = build_credential(cloud, lambda _key: None, environ)
    identity.refusal = "PROBE-4f1d"
    with pytest.raises(ClientAuthenticationError) as probe:
        credential.get_token(SCOPE)
    flat = " ".join(str(probe.value).split())
    pad = "q" * (390 - flat.index("PROBE-4f1d"))
    identity.refusal = f"{pad}{assertion} and more after it"
    with pytest.raises(PermissionError) as caught:
        CredentialTokens(credential, SCOPE).token()
    message = str(caught.value)
    assert pad in message and "\n" not in message, message
    assert assertion[:6] not in message, message
    assert [form["client_assertion"] for form in identity.entra] == [[assertion]] * 2


@pytest.fixture
def azure_logger() -> Iterator[logging.Logger]:
    """The ``azure`` logger as a fresh provider process has it; it and the providers' logger
    (which :func:`mask_azure_logs` sets up) are restored afterwards, for the other tests."""
    loggers = [logging.getLogger("azure"), logging.getLogger("providers")]
    saved = [(list(lg.handlers), lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.handlers = [h for h in lg.handlers if not getattr(h, "_adobe_cmk", False)]
    yield loggers[0]
    for lg, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        lg.handlers, lg.propagate, lg.level = handlers, propagate, level


def test_hsm_token_chain_azure_identitys_own_warning_is_masked(identity, azure_logger):
    # azure-identity logs the refusal itself, at WARNING, with Entra's whole text: the provider
    # sends that through its masking handler (unhandled, it reached stderr as is).
    assertion = "eyJ.fixed-oidc-assertion-77d1e0.sig"
    environ = {"ARM_USE_OIDC": "true", "ARM_CLIENT_ID": CLIENT, "ARM_TENANT_ID": TENANT}
    environ["ARM_OIDC_TOKEN"] = assertion
    cloud = Cloud("https://managedhsm.azure.net", identity.base)
    credential = build_credential(cloud, lambda _key: None, environ)
    identity.refusal = f"AADSTS7000215: the assertion {assertion} is not valid"
    mask_azure_logs()
    mask_azure_logs()  # once: a second configure adds no second handler
    [handler] = [h for h in azure_logger.handlers if getattr(h, "_adobe_cmk", False)]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        with pytest.raises(PermissionError):
            CredentialTokens(credential, SCOPE).token()
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert "AADSTS7000215: the assertion *** is not valid" in logged, logged
    assert assertion not in logged
