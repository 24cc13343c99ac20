"""Stand-ins for the ``azure-native`` and ``azuread`` resource-provider plugins, so the real Pulumi
engine can plan, create, refresh, protect and destroy the program's whole graph offline.

They prove the program's wiring under the real engine — ordering, protection, replacement
plans, refresh and drift, the state the engine writes — not Azure's behaviour: what they know of
Azure is the handful of documented rules that decide the program's behaviour, each cited where
it is applied (:mod:`.keyvault`, :mod:`.authorization`, :mod:`.monitor`, :mod:`.entra`), and
azure-native's own way of diffing and refreshing (:mod:`.diffing`).

- :mod:`.plugins` installs the two launchers into a ``PULUMI_HOME`` at the versions the installed
  SDKs ask for; :mod:`.__main__` is the plugin process; :mod:`.provider` the gRPC
  ``ResourceProvider`` it serves;
- :mod:`.state` is what "Azure" holds, one JSON file named by ``ADOBE_CMK_AZURE_STANDIN_STATE``,
  which tests read and change to make drift;
- :mod:`.resource_types` and :mod:`.invokes` list every type and function served; anything else
  is refused in one line naming it.
"""

from tests.azure_standins.state import STATE_ENV, AzureState

__all__ = ["STATE_ENV", "AzureState"]
