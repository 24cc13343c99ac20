"""The Managed HSM data-plane client: keys and local role assignments, without Pulumi.

- :mod:`.client`: one method per call (verb, path, expected status in each docstring), the
  documented transient answers waited out under one deadline;
- :mod:`.tokens`: where the bearer token comes from (azure-identity, in azure-native's order, or a
  pre-issued token from the environment);
- :mod:`.models`: keys and role assignments as the HSM answers them;
- :mod:`.errors`: one flat hierarchy, one line each, no secret.

Transport (sessions, retries of 429/5xx, deadlines, endpoint rule, redaction) is the Platform
client's, reused: :mod:`providers.platform.http`, :mod:`providers.platform.endpoints`,
:mod:`providers.platform.redaction`.
"""
