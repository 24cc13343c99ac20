"""The Managed HSM stand-in (tests/hsm_simulator) against clients nobody here wrote: Microsoft's
``azure-keyvault-keys`` and ``azure-keyvault-administration``, for every call the program makes
(providers/hsm/client.py, API 7.5): create and get a key, create, get and delete a local role
assignment — over TLS, since the SDKs send a bearer token to https only, and parsed by the SDKs
into their own models. If the stand-in answered in a shape Azure does not, these would fail.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.administration import KeyVaultAccessControlClient, KeyVaultRoleAssignment
from azure.keyvault.keys import KeyClient, KeyType, KeyVaultKey
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers.hsm.models import role_definition_id
from tests.hsm_simulator import SERVICE_ENCRYPTION_USER, HsmSimulator

TOKEN = "sdk-fidelity-token-" + uuid.uuid4().hex
DEPLOYER = "d244a8da-9934-46fc-8624-05cf44c8f3a0"
ADOBE_PRINCIPAL = "0f0f0f0f-1111-2222-3333-444444444444"
#: What the program sends for Adobe's role (no leading slash).
ROLE_DEFINITION = role_definition_id(SERVICE_ENCRYPTION_USER)
SCOPE = "/keys/adobe-cmk"


class StaticToken:
    """A credential holding the stand-in's token (both of azure-core's credential protocols)."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(TOKEN, int(datetime.datetime.now().timestamp()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        self.scopes.append(scopes)
        return AccessTokenInfo(TOKEN, int(datetime.datetime.now().timestamp()) + 3600)


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def hsm(tmp_path: Path) -> Iterator[tuple[HsmSimulator, Path]]:
    cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with HsmSimulator({TOKEN: DEPLOYER}, tls=context) as simulator:
        yield simulator, cert


def _clients(hsm: HsmSimulator, cert: Path) -> tuple[KeyClient, KeyVaultAccessControlClient,
                                                     StaticToken]:
    credential = StaticToken()
    # The stand-in's challenge names managedhsm.azure.net, which is not its host (127.0.0.1):
    # the SDKs refuse such a challenge unless told not to check it.
    options: dict[str, Any] = {"api_version": "7.5", "verify_challenge_resource": False,
                               "connection_verify": str(cert)}
    return (KeyClient(hsm.url, credential, **options),
            KeyVaultAccessControlClient(hsm.url, credential, **options), credential)


def test_key_client_creates_and_gets_the_programs_key(hsm: tuple[HsmSimulator, Path]) -> None:
    simulator, cert = hsm
    keys, _, credential = _clients(simulator, cert)
    created: KeyVaultKey = keys.create_rsa_key(
        "adobe-cmk", size=3072, hardware_protected=True, key_operations=["wrapKey", "unwrapKey"],
        enabled=True, tags={"owner": "team-a"})
    assert created.key_type == KeyType.rsa_hsm
    assert created.key_operations == ["wrapKey", "unwrapKey"]
    assert created.properties.enabled is True and created.properties.tags == {"owner": "team-a"}
    modulus = getattr(created.key, "n", None)
    assert isinstance(modulus, bytes) and len(modulus) * 8 == 3072
    stored = simulator.state.find_key("adobe-cmk")
    assert stored is not None and created.properties.version == stored.version
    assert created.id == f"{simulator.url}/keys/adobe-cmk/{stored.version}"
    fetched = keys.get_key("adobe-cmk")
    assert fetched.id == created.id and fetched.name == "adobe-cmk"
    assert keys.get_key("adobe-cmk", stored.version).properties.version == stored.version
    # The token was asked for with the scope the HSM's challenge names.
    assert ("https://managedhsm.azure.net/.default",) in credential.scopes
    assert [r.route for r in simulator.requests("POST")] == ["create", "create"]


def test_access_control_client_creates_gets_and_deletes_adobes_grant(
        hsm: tuple[HsmSimulator, Path]) -> None:
    simulator, cert = hsm
    _, access, _ = _clients(simulator, cert)
    name = str(uuid.uuid4())
    made: KeyVaultRoleAssignment = access.create_role_assignment(
        SCOPE, ROLE_DEFINITION, ADOBE_PRINCIPAL, name=name)
    assert made.name == name
    assert made.properties is not None
    assert made.properties.scope == SCOPE
    assert made.properties.principal_id == ADOBE_PRINCIPAL
    assert made.properties.role_definition_id.endswith(SERVICE_ENCRYPTION_USER)
    assert simulator.state.assignment_body(SCOPE, name) is not None
    got = access.get_role_assignment(SCOPE, name)
    assert got.role_assignment_id == made.role_assignment_id
    assert got.properties is not None and got.properties.principal_id == ADOBE_PRINCIPAL
    access.delete_role_assignment(SCOPE, name)
    assert simulator.state.assignment_body(SCOPE, name) is None
    with pytest.raises(ResourceNotFoundError):
        access.get_role_assignment(SCOPE, name)
