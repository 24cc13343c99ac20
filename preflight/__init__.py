"""Preflight: what a first ``pulumi up`` depends on, checked before anything is created.

``scripts/preflight [stack]`` (``python -m preflight``) reads the stack's config
(:mod:`.stack_config`), then checks, in order (:mod:`.checks`), that the settings are valid, that
IMS issues a token, that the Platform API accepts it for the organisation, that Adobe's CMK
application is registered and what Adobe holds under ``configName``. Each check is one line with
✓ or ✗ and, for a ✗, the fix (:mod:`.fixes`, :mod:`.report`). Only GETs and the IMS token POST
are sent; nothing is changed anywhere, and no secret is printed.

:mod:`.offline` is the offline stack's (a loopback ``platformUrl``): both scripts run it against a
simulator they start on its port, with the simulator's own credential, and ``scripts/up``.
"""
