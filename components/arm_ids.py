"""Names read out of ARM ids (``/subscriptions/…/resourceGroups/<group>/providers/…/<vault>``).

Pure: the stack outputs and the monitoring read a vault's, key's or group's name from the ids
they are given, whichever tier holds the key.
"""

from __future__ import annotations

import re


def arm_name(resource_id: str, *kinds: str) -> str:
    """The name after the first ``/<kind>/`` segment of an ARM id (case-insensitive kinds);
    ``ValueError`` when there is none."""
    pattern = "|".join(re.escape(kind) for kind in kinds)
    match = re.search(rf"/(?:{pattern})/([^/]+)", resource_id, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{resource_id!r} names no {' or '.join(kinds)}")
    return match[1]


def name_in(resource_id: str, *kinds: str) -> str:
    """As :func:`arm_name`; for a Managed HSM given by URI only (no ARM id to read), the HSM's
    name for ``managedHSMs`` and ``""`` for anything else."""
    try:
        return arm_name(resource_id, *kinds)
    except ValueError:
        if not resource_id.startswith(("https://", "http://")):
            raise
    host = resource_id.split("//", 1)[1].split("/", 1)[0]
    return host.split(".", 1)[0] if "managedHSMs" in kinds and "." in host else ""
