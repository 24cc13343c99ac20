"""Rules for the Adobe side: organisation, Platform address, configuration, waiting, API key."""

from __future__ import annotations

from cmk_facts import (
    CONFIG_NAME,
    MAX_FAILED_RESENDS,
    MAX_WAIT_MINUTES,
    ORG_ID,
    ORG_ID_EXAMPLE,
    REGION_EXAMPLES,
    platform_url_for_region,
)
from components.settings.reader import ConfigReader
from providers.platform.endpoints import check_endpoint
from providers.platform.ims import credential_problem


def org_id(r: ConfigReader) -> str:
    value = r.string("orgId")
    if not value:
        raise r.fail("orgId", "is required: `pulumi config set adobe-cmk:orgId <id>@AdobeOrg`")
    if not ORG_ID.match(value):
        raise r.fail("orgId", f"is {value!r}: an IMS org id looks like {ORG_ID_EXAMPLE}")
    return value


def platform_url(r: ConfigReader) -> str:
    """``platformUrl`` when set, else the address of ``region`` (both checked)."""
    region = r.string("region")
    try:
        derived = platform_url_for_region(region)
    except ValueError:
        raise r.fail(
            "region", f"is {region!r}: use a Platform region code such as {REGION_EXAMPLES}"
        ) from None
    return r.optional("platformUrl", lambda value: url(r, "platformUrl", value)) or derived


def url(r: ConfigReader, name: str, value: str) -> str:
    """A URL that may carry the credential (the client's own rule, :func:`check_endpoint`:
    https, or http to real loopback only), without a query, fragment or trailing slash."""
    try:
        check_endpoint(value)
    except ValueError as exc:
        raise r.fail(name, f"{exc}") from None
    return value.rstrip("/")


def api_key(r: ConfigReader) -> str:
    """The ``x-api-key`` header. Not echoed: a client id or secret may be pasted here by mistake."""
    value = r.string("apiKey")
    if not value:
        raise r.fail(
            "apiKey",
            "is empty: Adobe needs an x-api-key; remove the setting for Adobe's documented "
            "acp_provisioning (`pulumi config rm adobe-cmk:apiKey`)",
        )
    problem = credential_problem(value)
    if problem:
        raise r.fail(
            "apiKey",
            f"{problem}: an x-api-key is one word, e.g. acp_provisioning or the credential's "
            "client id",
        )
    return value


def config_name(r: ConfigReader) -> str:
    value = r.string("configName")
    if not CONFIG_NAME.match(value):
        raise r.fail(
            "configName", f"is {value!r}: use 1-64 letters, digits, '-' or '_' (case-sensitive)"
        )
    return value


def wait_timeout(r: ConfigReader) -> int:
    value = r.integer("waitTimeoutMinutes")
    if not 1 <= value <= MAX_WAIT_MINUTES:
        raise r.fail(
            "waitTimeoutMinutes", f"is {value}: it must be between 1 and {MAX_WAIT_MINUTES}"
        )
    return value


def failed_resends(r: ConfigReader) -> int:
    value = r.integer("failedResends")
    if not 0 <= value <= MAX_FAILED_RESENDS:
        raise r.fail(
            "failedResends",
            f"is {value}: it must be between 0 (never send a FAILED job again) and "
            f"{MAX_FAILED_RESENDS}",
        )
    return value
