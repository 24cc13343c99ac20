"""A Managed HSM data-plane stand-in on loopback, beside the Platform simulator.

What it models (``/work``'s reference notes on Managed HSM, section 6, and docs/runbooks.md):

- the bearer check: 401 with the ``WWW-Authenticate`` challenge for a missing, unknown or expired
  token; tokens map to principals (object ids);
- activation: an HSM that is not ``Active`` refuses every call (403, ``HsmNotActivated``);
- local RBAC: Crypto User for keys, Policy Administrator for assignments, granted at ``/``,
  ``/keys`` or ``/keys/<name>`` (403 otherwise); no groups;
- keys: create (RSA-HSM/EC-HSM/oct-HSM, sizes checked), create again → a new version, GET latest
  or by version, soft delete, 409 on a soft-deleted name, recover and purge;
- role assignments at ``/``, ``/keys`` and ``/keys/<name>`` (single or double leading slash):
  PUT → 201 (200 for the same body, 409 for another), GET, DELETE, LIST with ``atScope()`` or
  ``principalId eq`` (key-scoped ones hidden when listing at ``/``); an unknown role → 400
  ``BadParameter`` "Unkown role definition";
- faults: N 404s after a write, N 200s after a DELETE, transient "Unkown role definition",
  429/503 with ``Retry-After``, dropped connections; a hostile HSM whose key bundles carry a
  ``kid`` of its choosing (``state.hostile_kid``);
- a request log without any token.
"""

from tests.hsm_simulator.server import HsmSimulator, LoggedRequest
from tests.hsm_simulator.state import (
    CRYPTO_USER,
    POLICY_ADMINISTRATOR,
    SERVICE_ENCRYPTION_USER,
    HsmState,
)

__all__ = [
    "CRYPTO_USER",
    "POLICY_ADMINISTRATOR",
    "SERVICE_ENCRYPTION_USER",
    "HsmSimulator",
    "HsmState",
    "LoggedRequest",
]
