"""The preflight's checks, in the order a first ``up`` depends on them.

Each check returns a :class:`~preflight.report.Check`; once one fails, the ones that need it are
reported as not checked. The same code as the program's: :class:`Settings` for the settings (so
the same messages as ``preview``), :mod:`providers.credentials` for the credential and token,
:class:`PlatformClient` for Adobe. Only GETs and the IMS token POST are sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.settings import Settings, SettingsError
from preflight.fixes import ims_fix, platform_fix
from preflight.report import Check
from preflight.stack_config import StackConfig
from providers import credentials
from providers.key_identifier import parse_key_identifier
from providers.platform import http
from providers.platform.client import PlatformClient
from providers.platform.decisions import FAILURE_STATUS, Action, decide_create
from providers.platform.errors import PlatformError
from providers.platform.ims import TokenSource
from providers.platform.models import ByokConfigDetails

#: The deadline of each check's calls, retries included: long enough for a throttled answer or
#: two, short enough that a preflight never hangs like an `up` may.
CHECK_SECONDS = 30.0

SETTINGS = "settings valid"
TOKEN = "IMS issues a token"  # noqa: S105 (a check's name)
PLATFORM = "Platform API accepts it"
APP = "Adobe's CMK app registered"
CONFIG = "BYOK configuration"

#: The error codes of OAuth 2.0's token endpoint and bearer tokens (RFC 6749 §4.1.2.1 and §5.2,
#: RFC 6750 §3.1): the only IMS text the preflight prints.
IMS_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_token",
        "insufficient_scope",
        "server_error",
        "temporarily_unavailable",
    }
)

_ACTIONS = {
    Action.POST: "`up` will send the configuration for this key",
    Action.ADOPT: "`up` will adopt it and send nothing",
    Action.WAIT: "`up` will wait for Adobe's job and send nothing",
}


@dataclass
class _Run:
    config: StackConfig
    environ: Mapping[str, str]
    seconds: float


def check_all(
    config: StackConfig, environ: Mapping[str, str], *, seconds: float = CHECK_SECONDS
) -> list[Check]:
    """Every check after the config was read; stops calling Adobe at the first failure."""
    run = _Run(config, environ, seconds)
    try:
        settings = Settings.from_config(
            config.values, environ=environ, secret_keys=config.secret_keys
        )
    except SettingsError as error:
        return [_settings_failed(run, error), *_skip((TOKEN, PLATFORM, APP, CONFIG), SETTINGS)]
    checks = [Check.ok(SETTINGS, f"org {settings.org_id}, Platform {settings.platform_url}")]

    resolved = credentials.resolve(config.values.get, environ)
    try:
        tokens = credentials.token_source(config.values.get, environ)
        if resolved.kind == "client":
            with http.deadline(seconds):
                tokens.token()
            assert resolved.client_id is not None
            checks.append(Check.ok(TOKEN, f"client {resolved.client_id.value}"))
        else:
            assert resolved.access_token is not None
            source = resolved.access_token.source
            checks.append(Check.ok(TOKEN, f"not asked: a pre-issued token from {source}"))
    except PlatformError as error:
        checks.append(Check.failed(TOKEN, ims_refusal(error), ims_fix(error, resolved)))
        return [*checks, *_skip((PLATFORM, APP, CONFIG), TOKEN)]
    except ValueError as error:  # the credential's own text refused before sending (no value)
        checks.append(Check.failed(TOKEN, str(error), str(error)))
        return [*checks, *_skip((PLATFORM, APP, CONFIG), TOKEN)]

    return checks + _adobe_checks(run, settings, tokens, static=resolved.kind == "token")


def _adobe_checks(
    run: _Run, settings: Settings, tokens: TokenSource, *, static: bool
) -> list[Check]:
    region_key = (
        "adobe-cmk:platformUrl"
        if "adobe-cmk:platformUrl" in run.config.values
        else "adobe-cmk:region"
    )
    client = PlatformClient(
        base_url=settings.platform_url,
        org_id=settings.org_id,
        tokens=tokens,
        api_key=settings.api_key,
    )
    platform = f"{PLATFORM} for {settings.org_id}"
    try:
        with http.deadline(run.seconds):
            app = client.get_app_registration()
    except PlatformError as error:
        fix = platform_fix(error, static_token=static, region_key=region_key)
        return [Check.failed(platform, str(error), fix), *_skip((APP, CONFIG), PLATFORM)]
    checks = [Check.ok(platform, settings.platform_url)]

    if app is not None:
        checks.append(Check.ok(APP, f"application id {app.application_id}"))
    elif settings.api_generation == "beta":
        checks.append(Check.ok(APP, "not yet (404): `up` will start it (apiGeneration beta)"))
    else:
        checks.append(
            Check.failed(
                APP,
                f"Adobe has no CMK app registration for {settings.org_id} (404)",
                "check that the organisation has CMK (Healthcare or Privacy & Security Shield), "
                "or set adobe-cmk:apiGeneration to beta if it uses the older API",
            )
        )

    name = f"{CONFIG} {settings.config_name!r}"
    try:
        with http.deadline(run.seconds):
            found = client.get_byok_config(settings.config_name)
    except PlatformError as error:
        fix = platform_fix(error, static_token=static, region_key=region_key)
        return [*checks, Check.failed(name, str(error), fix)]
    checks.append(Check.ok(name, describe(found, settings)))
    return checks


def describe(found: ByokConfigDetails | None, settings: Settings) -> str:
    """What Adobe holds under the name, and what ``up`` will do about it."""
    if found is None:
        return "absent: `up` will send it"
    held = (
        found.key.versioned
        if found.key and found.key.version
        else (found.key.versionless if found.key else "a key the answer does not name")
    )
    text = f"{found.status or 'no status'}, holding {held}"
    if found.status == FAILURE_STATUS and found.reason:
        text += f" (reason: {found.reason})"
    if settings.existing_key is not None:
        key = parse_key_identifier(settings.existing_key.key_id)
        action = decide_create(found, key)
        note = " (it could not be confirmed to be this key)" if found.key is None else ""
        return f"{text}: {_ACTIONS[action]}{note}"
    return (
        f"{text}: `up` creates a new key, so it will send the configuration again for that key "
        "unless the answer names no key (then it adopts or waits for what is there)"
    )


def ims_refusal(error: PlatformError) -> str:
    """What IMS answered, by its status and error code only: IMS's own text (the description,
    a code it made up, the request id) may echo the secret in any form — base64, upper case, a
    part — that no mask recognises, so none of it is printed. A code outside
    :data:`IMS_ERROR_CODES` is not shown either."""
    where = f"{error.method} {error.path}".strip()
    if error.status is None:
        return f"{where}: no answer from IMS ({type(error).__name__})"
    code = error.code if error.code in IMS_ERROR_CODES else ""
    shown = f"[{code}]" if code else "(an error code OAuth does not define, not shown)"
    shown = shown if error.code else ""
    return f"{where}: HTTP {error.status} {shown}".rstrip()


def _settings_failed(run: _Run, error: SettingsError) -> Check:
    hidden = [key for key in run.config.unreadable if key == error.key]
    if hidden:
        fix = (
            f"{hidden[0]} is encrypted in the stack file and cannot be read without the Pulumi "
            "CLI: install it, or set the environment variable the message names"
        )
    else:
        fix = "change what the message names, as it says (`pulumi preview` says the same)"
    return Check.failed(SETTINGS, str(error), fix)


def _skip(names: tuple[str, ...], after: str) -> list[Check]:
    return [Check.skipped(name, f"needs '{after}'") for name in names]
