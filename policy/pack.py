"""adobe-cmk policy pack: Adobe's customer-managed-key rules, checked before anything is deployed.

Run by the CLI as ``pulumi preview --policy-pack policy`` (and ``up``), which the pipelines do.
Every policy is **mandatory** (a violation fails the preview or update); any one can be lowered
for a stack with ``--policy-pack-config`` (a JSON file such as
``{"adobe-access-protected": "advisory"}``), e.g. for a throwaway stack with
``adobe-cmk:protect false``.

Resource policies (each resource's inputs, as the program declares them), in ``vault_rules.py``
and ``key_rules.py``:

- ``vault-soft-delete``: soft delete is not turned off; retention, when set, is 7-90 days.
- ``vault-purge-protection``: purge protection is on (ARM's default is off).
- ``vault-rbac-authorization``: the Azure RBAC permission model (the SDK's default is access
  policies), which Adobe's role assignment needs.
- ``vault-network-allows-adobe``: a vault whose firewall denies by default lets trusted Azure
  services bypass it and allows Adobe's address 20.88.123.53; public network access is not
  disabled (Adobe reaches the vault over its public endpoint).
- ``adobe-key-type``: ``RSA`` or ``RSA-HSM``.
- ``adobe-key-size``: at least 3072 bits (Key Vault's default, 2048, is refused by Adobe).
- ``adobe-key-operations``: exactly ``wrapKey`` and ``unwrapKey``; an unset list allows every
  operation and is refused too (least privilege).
- ``adobe-key-enabled``: the key is not disabled (a disabled key is a revocation).
- ``adobe-key-validity``: the key's ``attributes.expires`` is not past and its
  ``attributes.notBefore`` not future (Adobe needs a key usable now).
- ``byok-config-key-declared`` (``byok_rules.py``): a BYOK configuration's key identifier, when
  known as the configuration is registered, names a vault or Managed HSM registered before it in
  the run (a key's own identifier always is) or brought by the settings (``existingKeyId``,
  ``managedHsmUri``). Stack policies run at the end of ``up``, after Adobe was sent the
  configuration; this one runs before the POST.

Stack policies (all resources, with their options and dependencies, at the end of the run), in
``stack_rules.py`` and ``byok_rules.py``:

- ``adobe-role-assignment``: Adobe's role assignment uses Key Vault Crypto Service Encryption User
  (``e147488a-f6f5-4113-8e2d-b22465e65bf6``) with ``principalType`` ``ServicePrincipal`` (without
  it, a service principal created moments before may not be replicated in Entra ID yet, and the
  assignment is refused), at exactly the scope of this stack's vault or of one of its keys
  (``…/providers/Microsoft.KeyVault/vaults/<vault>[/keys/<key>]``, matched whole and segment by
  segment: never ``/``, a subscription, a resource group or another vault). The stack's vaults
  are those it declares (by name, unique in a cloud, and resource group) and those its settings
  bring (``existingVaultId`` with ``existingKeyId``, and the Journey Analytics pair, whole id
  compared): the engine hands the pack the stack's configuration (``grant_scopes.py``,
  ``brought_keys.py``, ``stack_settings.py``).
- ``byok-config-key-in-stack``: each ``adobe:ByokConfig`` sends a versioned key identifier that
  names a key of a vault declared in this stack, the vault's whole host (name and cloud suffix)
  compared; a Managed HSM key counts, its HSM as the vault. An identifier not known yet (a first
  preview) must come from a key of the stack: the engine's property dependencies of
  ``keyIdentifier`` include the vault's key or the HSM key (a brought key's identifier is a
  setting, known). Bring-your-own-key stacks declare no vault or HSM key: the identifier's shape
  is still checked, and the policy reports itself not applicable.
- ``adobe-access-protected``: every resource whose deletion or replacement would cut Adobe off
  (vault, key, the resource group holding a vault, Adobe's service principal and role
  assignment, the BYOK configuration) is registered with ``protect``.
- ``journey-analytics-vault-separate`` (``journey_analytics_rules.py``): Adobe's Journey
  Analytics application (``251e3919-1940-4296-bb8b-6b9a5e8a4805``) is not granted on the vault of
  the BYOK configuration's key: Customer Journey Analytics needs a vault of its own.

Managed HSM policies (``hsm_rules.py``), the vault's rules for the HSM tier: ``adobe-hsm-key``
(at least 3072 bits, in an HSM), ``adobe-hsm-role-assignment`` (Managed HSM Crypto Service
Encryption User, ``33413926-3206-4cdd-b39a-83574fe37a17``, in the stack's HSM on exactly
``/keys/<name>`` of the stack's key: another HSM's key of the same name, ``/keysadobe-cmk`` or
``/keys`` are refused; HSM addresses compared in lower case) and ``adobe-hsm-access-protected``
(the HSM key and Adobe's HSM assignment are protected).

Adobe's applications are two: the Platform's (the service principal that depends on the
``adobe:AppRegistration``) and Journey Analytics' (the service principal with that client id);
the role, principal-type and protection policies apply to both, and the vault and key policies to
every vault and key.

Which resources count as Adobe's is ``adobe_resources.py``'s answer. Values not known yet (a
preview before the resources exist) are never reported: a check that needs one judges by what is
known instead, and runs again, with the value known, on ``up``. At a first preview the stack
policies see almost no output of a vault or key (azure-native reports neither a vault's name nor
its URI before it exists): a vault's and a key's names are then taken from the inputs they were
registered with in the run (``registered_inputs.py``), so a literal scope or key identifier
naming another vault is refused at the first preview too. The BYOK configuration's key
identifier, not known then, must come from a key of the stack (its property dependencies), and
the Journey Analytics rule takes the Platform's vault from that key; the scope of Adobe's role
assignment, not known, must depend on a vault or key of the stack.

A resource the run leaves out (``--exclude``, not ``--target``-ed) and never created reaches the
pack with no properties at all: the BYOK and role-assignment policies do not judge it (nothing
is sent or granted).

The pack needs nothing of the program's code: it runs apart, from this folder, whose modules
import each other as top-level modules (the CLI puts this folder first on ``sys.path``). Adobe's
and Azure's facts are ``facts.py``, a copy of the program's ``cmk_facts.py`` kept equal by
``tests/test_facts.py``.
"""

from __future__ import annotations

import registered_inputs
from byok_rules import BYOK_POLICIES
from hsm_rules import HSM_POLICIES
from journey_analytics_rules import JOURNEY_ANALYTICS_POLICIES
from key_rules import KEY_POLICIES
from pulumi_policy import EnforcementLevel, Policy, PolicyPack
from stack_rules import ADOBE_ACCESS_POLICIES
from stack_settings import keep
from vault_rules import VAULT_POLICIES

NAME = "adobe-cmk"

#: Every policy of the pack, in the order the CLI lists them.
POLICIES: list[Policy] = [
    *VAULT_POLICIES,
    *KEY_POLICIES,
    *ADOBE_ACCESS_POLICIES,
    *BYOK_POLICIES,
    *JOURNEY_ANALYTICS_POLICIES,
    *HSM_POLICIES,
]


def serve() -> None:
    """Start the pack's analyzer (what the CLI talks to); returns when the engine is done."""
    keep()  # the stack's settings, for the rules that compare the program with them
    registered_inputs.keep()  # each run's inputs, for the stack rules at a first preview
    PolicyPack(
        name=NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=POLICIES,
        description=(
            "Adobe Experience Platform customer-managed-key rules for Azure Key Vault, the key, "
            "Adobe's access and the BYOK configuration."
        ),
    )
