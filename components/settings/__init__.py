"""One typed, validated view of the stack config (namespace ``adobe-cmk``), read once.

- :mod:`~components.settings.declared`: the settings ``Pulumi.yaml`` declares, with their types and
  defaults (the single source; no default is written in code);
- :mod:`~components.settings.reader`: typed access to the raw config, one-line errors;
- the rules, one module per concern, in the order of ``Pulumi.yaml``:
  :mod:`~components.settings.unknown_keys`, :mod:`~components.settings.adobe`,
  :mod:`~components.settings.credential`, :mod:`~components.settings.existing_key`,
  :mod:`~components.settings.access`, :mod:`~components.settings.placement`,
  :mod:`~components.settings.vault`, :mod:`~components.settings.firewall`,
  :mod:`~components.settings.managed_hsm`,
  :mod:`~components.settings.journey_analytics`;
- :mod:`~components.settings.values`: the value types handed to the components;
- :mod:`~components.settings.model`: :class:`Settings`, ``Settings.load()`` and
  ``Settings.from_config()``.

Every error is a :class:`SettingsError`: one line naming what the user set (``adobe-cmk:keySize``,
``azure-native:location``, ``ADOBE_CLIENT_ID``), what is wrong and what is valid, and never the
value of a secret. Adobe credentials are checked here but resolved by :mod:`providers.credentials`
alone, and never kept.
"""

from cmk_facts import MAX_WAIT_MINUTES, NAMESPACE
from components.settings.declared import PROJECT_FILE, DeclaredSetting, declared_settings
from components.settings.errors import SettingsError
from components.settings.existing_key import CREATION_ONLY
from components.settings.journey_analytics import JourneyAnalyticsKey
from components.settings.model import Settings
from components.settings.placement import AZURE_LOCATION_KEY
from components.settings.values import ExistingKey, KeyRotation, ManagedHsm
from components.settings.vault import MIN_ROTATION_TO_EXPIRY_DAYS

__all__ = [
    "AZURE_LOCATION_KEY",
    "CREATION_ONLY",
    "MAX_WAIT_MINUTES",
    "MIN_ROTATION_TO_EXPIRY_DAYS",
    "NAMESPACE",
    "PROJECT_FILE",
    "DeclaredSetting",
    "ExistingKey",
    "JourneyAnalyticsKey",
    "KeyRotation",
    "ManagedHsm",
    "Settings",
    "SettingsError",
    "declared_settings",
]
