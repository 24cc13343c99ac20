"""Where Managed HSM tokens come from: the environment's pre-issued token, then azure-native's
order (OIDC with a fresh GitHub ID token per request, client secret, managed identity, default
chain), the audience by host suffix; GitHub's ID-token endpoint faked on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.identity import (
    ClientAssertionCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
)

from providers.hsm.tokens import (
    HSM_TOKEN_ENV,
    OIDC_AUDIENCE,
    CredentialTokens,
    GitHubIdToken,
    StaticToken,
    build_credential,
    cloud_of,
    token_source,
)
from providers.platform.redaction import redact

HSM = "https://hsm-shared.managedhsm.azure.net"
CLIENT = "0c0c0c0c-1111-2222-3333-444444444444"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
REQUEST_TOKEN = "github-request-token-9a8b7c"


class FakeGitHubOidc(ThreadingHTTPServer):
    """GitHub Actions' ID-token endpoint: a new JWT-shaped token per request, for the bearer."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _OidcHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/token?api-version=2.0"


class _OidcHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, FakeGitHubOidc)
        query = parse_qs(urlsplit(self.path).query)
        bearer = self.headers.get("Authorization", "")
        server.requests.append(
            {"audience": query.get("audience"), "bearer_ok": bearer == f"Bearer {REQUEST_TOKEN}"}
        )
        if bearer != f"Bearer {REQUEST_TOKEN}":
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = json.dumps({"value": f"eyJ.github-id-token-{len(server.requests)}.sig"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def oidc() -> Iterator[FakeGitHubOidc]:
    server = FakeGitHubOidc()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def no_config(_key: str) -> None:
    return None


def test_hsm_tokens_pre_issued_token_from_the_environment_comes_first():
    source = token_source(
        HSM, no_config, {HSM_TOKEN_ENV: "pre-issued-hsm-token-1", "ARM_USE_MSI": "true"}
    )
    assert isinstance(source, StaticToken) and source.token() == "pre-issued-hsm-token-1"
    assert "pre-issued-hsm-token-1" not in repr(source)
    assert redact("echo pre-issued-hsm-token-1") == "echo ***"


def test_hsm_tokens_oidc_fetches_a_fresh_github_id_token_per_request(oidc):
    environ = {
        "ARM_USE_OIDC": "true",
        "ARM_CLIENT_ID": CLIENT,
        "ARM_TENANT_ID": TENANT,
        "ACTIONS_ID_TOKEN_REQUEST_URL": oidc.url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        "ARM_CLIENT_SECRET": "a-secret-that-must-lose-1",
    }
    credential = build_credential(cloud_of(HSM), no_config, environ)
    assert isinstance(credential, ClientAssertionCredential)
    assertion = credential._func  # what azure-identity calls for every Entra token request
    first, second = assertion(), assertion()
    assert first != second and first.startswith("eyJ.")
    assert oidc.requests == [{"audience": [OIDC_AUDIENCE], "bearer_ok": True}] * 2
    assert REQUEST_TOKEN not in repr(assertion)


def test_hsm_tokens_github_refusal_is_one_line_without_the_request_token(oidc):
    fetch = GitHubIdToken(oidc.url, "wrong-request-token-0001")
    with pytest.raises(PermissionError) as caught:
        fetch()
    assert "HTTP 401" in str(caught.value) and "wrong-request-token-0001" not in str(caught.value)


def test_hsm_tokens_stack_config_wins_over_the_environment():
    config = {
        "azure-native:clientId": CLIENT,
        "azure-native:tenantId": TENANT,
        "azure-native:clientSecret": "config-secret-0001",
    }
    environ = {"ARM_CLIENT_ID": "ffffffff-0000-0000-0000-000000000000", "ARM_TENANT_ID": TENANT}
    credential = build_credential(cloud_of(HSM), config.get, environ)
    assert isinstance(credential, ClientSecretCredential)
    assert credential._client_id == CLIENT


def test_hsm_tokens_client_secret_then_managed_identity_then_default_chain():
    secret = {
        "ARM_CLIENT_ID": CLIENT,
        "ARM_TENANT_ID": TENANT,
        "ARM_CLIENT_SECRET": "s3cret-value-0001",
    }
    assert isinstance(build_credential(cloud_of(HSM), no_config, secret), ClientSecretCredential)
    msi = {"ARM_USE_MSI": "true", "ARM_CLIENT_ID": CLIENT}
    assert isinstance(build_credential(cloud_of(HSM), no_config, msi), ManagedIdentityCredential)
    assert isinstance(build_credential(cloud_of(HSM), no_config, {}), DefaultAzureCredential)


def test_hsm_tokens_oidc_without_an_id_token_says_what_to_set():
    environ = {"ARM_USE_OIDC": "true", "ARM_CLIENT_ID": CLIENT, "ARM_TENANT_ID": TENANT}
    credential = build_credential(cloud_of(HSM), no_config, environ)
    with pytest.raises(PermissionError, match="ARM_OIDC_REQUEST_URL"):
        credential._func()


@pytest.mark.parametrize(
    ("uri", "scope", "authority"),
    [
        (HSM, "https://managedhsm.azure.net/.default", "login.microsoftonline.com"),
        (
            "https://h1.managedhsm.azure.cn",
            "https://managedhsm.azure.cn/.default",
            "login.chinacloudapi.cn",
        ),
        (
            "https://h1.managedhsm.usgovcloudapi.net",
            "https://managedhsm.usgovcloudapi.net/.default",
            "login.microsoftonline.us",
        ),
        (
            "http://127.0.0.1:8443",
            "https://managedhsm.azure.net/.default",
            "login.microsoftonline.com",
        ),
    ],
)
def test_hsm_tokens_audience_and_authority_follow_the_host_suffix(uri, scope, authority):
    cloud = cloud_of(uri)
    assert (cloud.scope, cloud.authority) == (scope, authority)


def test_hsm_tokens_are_cached_until_near_expiry_and_renewed_when_refused():
    minted: list[str] = []
    now = [1000.0]

    class Credential:
        def get_token(self, scope: str) -> Any:
            minted.append(scope)
            return SimpleNamespace(
                token=f"minted-token-{len(minted):04d}", expires_on=now[0] + 3600
            )

    tokens = CredentialTokens(
        Credential(), "https://managedhsm.azure.net/.default", now=lambda: now[0]
    )
    assert tokens.token() == tokens.token() == "minted-token-0001"
    now[0] += 3600 - 100  # within the renewal margin
    assert tokens.token() == "minted-token-0002"
    tokens.invalidate()
    assert tokens.token() == "minted-token-0003"
    assert minted == ["https://managedhsm.azure.net/.default"] * 3
    assert redact("minted-token-0003") == "***"


def test_hsm_tokens_a_credential_failure_is_one_line_naming_the_credential():
    class Failing:
        def get_token(self, scope: str) -> Any:
            raise RuntimeError("AADSTS700016: application not found\nin the directory")

    with pytest.raises(PermissionError) as caught:
        CredentialTokens(Failing(), "s/.default").token()
    assert "Failing" in str(caught.value) and "\n" not in str(caught.value)
