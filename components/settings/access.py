"""Rules for Adobe's access to the key: how its service principal comes to be, where its role
is assigned."""

from __future__ import annotations

from cmk_facts import SERVICE_PRINCIPAL_MODES
from components.settings.reader import ConfigReader
from components.settings.values import ExistingKey

ROLE_SCOPES = ("vault", "key")


def service_principal(r: ConfigReader, existing_key: ExistingKey | None) -> str:
    mode = r.choice("servicePrincipal", SERVICE_PRINCIPAL_MODES)
    if existing_key is not None and existing_key.managed_hsm and mode != "none":
        raise r.fail(
            "servicePrincipal",
            f"is {mode!r} but adobe-cmk:existingKeyId is a Managed HSM key, "
            "whose role (Managed HSM Crypto Service Encryption User) is a local HSM role "
            "this program cannot assign to a key it is given: grant it on the HSM and set "
            "servicePrincipal none, or use adobe-cmk:managedHsmId (or managedHsmUri) with keyName "
            "so that the program adopts the key and grants the role",
        )
    return mode


def role_scope(r: ConfigReader, service_principal: str) -> str:
    scope = r.choice("roleScope", ROLE_SCOPES)
    if service_principal == "none" and not r.is_default("roleScope"):
        raise r.fail(
            "roleScope",
            "only places the role assignment this program makes, and adobe-cmk:servicePrincipal "
            "is none (access is managed elsewhere): remove it "
            "(`pulumi config rm adobe-cmk:roleScope`)",
        )
    return scope
