"""Rules for the Adobe credential: secrets only encrypted, one credential available, and the
token request's tuning well formed.

Which of the stack config and the environment provides each part is resolved by
:mod:`providers.credentials` alone; these rules check what it found, at preview, and name in each
message what the user set (``ADOBE_CLIENT_ID`` when the id came from the environment). Nothing here
keeps a credential, and no message holds a secret.

A preview makes no call to Adobe, so a *missing* credential is only a warning there: the pipelines
preview a pull request's code with no Adobe credential at all (docs/pipelines.md). A credential
that is set but malformed, or a secret in plain text, fails the preview as before; any run that is
not a preview (``up``) fails on a missing one before it declares anything.
"""

from __future__ import annotations

import re

import pulumi

from components.settings.adobe import url
from components.settings.errors import SettingsError
from components.settings.reader import ConfigReader
from providers import credentials
from providers.platform.ims import credential_problem

_SCOPE = re.compile(r"[A-Za-z0-9_.:/-]+\Z", re.ASCII)


#: What a preview adds to the missing credential's message (it goes on; ``up`` does not).
PREVIEW_GOES_ON = "; the preview goes on without it (it makes no call to Adobe), `pulumi up` fails"


def check_credential(r: ConfigReader, *, preview: bool = False) -> None:
    """Raise :class:`SettingsError` unless the providers will find a usable credential.

    With ``preview``, a missing credential is one ``pulumi.log.warn`` line instead (naming the
    settings and variables ``up`` will need); a malformed one still raises."""
    for name in credentials.SECRET_SETTINGS:
        key = r.key(name)
        if r.string(name) and key not in r.secret_keys:
            raise r.fail(
                name,
                "is stored in plain text in the stack config: `pulumi config rm "
                f"{key}` then `pulumi config set --secret {key} <value>`",
            )
    found = credentials.resolve(r.values.get, r.environ)
    missing = found.missing()
    if missing is not None and not preview:
        raise SettingsError(missing.key, missing.message)
    if missing is not None:
        pulumi.log.warn(missing.message + PREVIEW_GOES_ON)
    for part in (found.client_id, found.client_secret, found.access_token):
        problem = credential_problem(part.value) if part else ""
        if part and problem:  # the provider's own rule (credentials.check_text), said at preview
            raise SettingsError(
                part.source,
                f"{part.source} {problem}: copy it again from the credential's page in the "
                "Adobe Developer Console",
            )
    if found.ims_url.source:
        url(r, "imsUrl", found.ims_url.value)
    if found.scopes.source:
        scopes = [scope.strip() for scope in found.scopes.value.split(",")]
        if not all(scope and _SCOPE.match(scope) for scope in scopes):
            raise r.fail(
                "scopes",
                f"is {found.scopes.value!r}: it must be a comma-separated list of IMS scopes, "
                "e.g. openid,AdobeID,read_organizations",
            )
