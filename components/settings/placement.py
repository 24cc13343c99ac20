"""Rules for where the Azure resources go: tenant, location, resource group, tags."""

from __future__ import annotations

import re

from cmk_facts import GUID, GUID_EXAMPLE
from components.settings.errors import SettingsError
from components.settings.reader import ConfigReader

#: The Azure provider's location, used when ``adobe-cmk:location`` is empty.
AZURE_LOCATION_KEY = "azure-native:location"

_RESOURCE_GROUP = re.compile(r"[-\w.()]{0,89}[-\w()]\Z")
_LOCATION = re.compile(r"[a-z][a-z0-9]*\Z", re.ASCII)
#: Azure's limits on a tag's name and value.
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256


def guid(r: ConfigReader, name: str, value: str) -> str:
    if not GUID.match(value):
        raise r.fail(name, f"is {value!r}: it must be a GUID like {GUID_EXAMPLE}")
    return value.lower()


def resource_group(r: ConfigReader, value: str, name: str = "resourceGroupName") -> str:
    """A resource group's name, as Azure allows it (``name``: the setting it came from)."""
    if not _RESOURCE_GROUP.match(value):
        raise r.fail(
            name,
            f"is {value!r}: use 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
        )
    return value


def location(r: ConfigReader, *, needed: bool) -> str | None:
    """``location``, else ``azure-native:location``, normalised (``West Europe`` → ``westeurope``);
    an error names whichever of the two the value came from."""
    value, key = r.string("location"), r.key("location")
    if not value:
        value, key = str(r.values.get(AZURE_LOCATION_KEY) or "").strip(), AZURE_LOCATION_KEY
    if not value:
        if needed:
            raise r.fail(
                "location",
                f"is empty and so is {AZURE_LOCATION_KEY}: say where to create the resource "
                "group, e.g. `pulumi config set adobe-cmk:location westeurope`",
            )
        return None
    normalised = value.replace(" ", "").lower()
    if not _LOCATION.match(normalised):
        raise SettingsError(key, f"{key} is {value!r}: use an Azure region name such as westeurope")
    return normalised


def tags(r: ConfigReader) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in r.strings("tags"):
        name, sep, value = entry.partition("=")
        name = name.strip()
        if not sep or not name or len(name) > MAX_TAG_NAME or len(value) > MAX_TAG_VALUE:
            raise r.fail(
                "tags",
                f"has {entry!r}: each entry is key=value (key 1-{MAX_TAG_NAME}, value "
                f"0-{MAX_TAG_VALUE} characters)",
            )
        found[name] = value.strip()
    return found
