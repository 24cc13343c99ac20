"""Each organisation's own Adobe credential: never one pair for the whole fleet.

Every Platform API call names one organisation (``x-gw-ims-org-id``), so a credential serves one
stack. A stack finds its credential in its own stack config (``adobe-cmk:clientId`` and the
secret ``adobe-cmk:clientSecret``, which the program reads first), or in per-stack environment
variables named after the stack: ``ADOBE_CLIENT_ID__BRAND_EU`` for stack ``brand-eu`` (upper
case, anything but letters and digits as ``_``). The shared ``ADOBE_CLIENT_ID`` /
``ADOBE_CLIENT_SECRET`` / ``ADOBE_ACCESS_TOKEN`` / ``ADOBE_CMK_HSM_TOKEN`` are blanked for every
stack the fleet runs, so a stack without its own credential fails instead of using another
organisation's; and every per-stack variable is blanked too, so no stack's process holds another
stack's values. Two stacks whose names give the same suffix (``brand-eu``, ``brand.eu``,
``BRAND_EU``) would read each other's: :func:`check_distinct` refuses them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

#: The program's credential variables (providers/credentials.py resolves the Adobe ones,
#: providers/hsm/tokens.py the Managed HSM token): per stack only.
ADOBE_VARIABLES: tuple[str, ...] = (
    "ADOBE_CLIENT_ID",
    "ADOBE_CLIENT_SECRET",
    "ADOBE_ACCESS_TOKEN",
    "ADOBE_CMK_HSM_TOKEN",
)
#: Variables a stack may override (its own passphrase); the shared value applies otherwise.
OVERRIDABLE: tuple[str, ...] = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")

_NOT_NAME_CHARACTER = re.compile(r"[^A-Z0-9]")


def variable_suffix(stack: str) -> str:
    """What names a stack's variables: ``BRAND_EU`` for ``brand-eu``."""
    return _NOT_NAME_CHARACTER.sub("_", stack.upper())


def per_stack_variable(name: str, stack: str) -> str:
    """The per-stack form of ``name``: ``ADOBE_CLIENT_ID__BRAND_EU`` for stack ``brand-eu``."""
    return f"{name}__{variable_suffix(stack)}"


def check_distinct(stacks: Iterable[str]) -> None:
    """Raises ``ValueError`` (one line, naming the stacks) when two stacks would read the same
    per-stack variables."""
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for stack in stacks:
        by_suffix[variable_suffix(stack)].append(stack)
    for suffix, names in sorted(by_suffix.items()):
        if len(names) > 1:
            raise ValueError(
                f"stacks {' and '.join(sorted(names))} would read the same credential variables "
                f"(ADOBE_CLIENT_SECRET__{suffix} …): rename all but one stack file"
            )


def stack_environment(stack: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables to set for every command run on ``stack`` (on top of the process's own):
    its own credential or an empty value for each of :data:`ADOBE_VARIABLES` (an empty value is
    "not set" to the program), its own value of any of :data:`OVERRIDABLE` it has, and an empty
    value for every per-stack variable in ``environ``, its own included (read into the above)."""
    prefixes = tuple(f"{name}__" for name in (*ADOBE_VARIABLES, *OVERRIDABLE))
    env = dict.fromkeys((name for name in environ if name.startswith(prefixes)), "")
    env.update({name: environ.get(per_stack_variable(name, stack), "") for name in ADOBE_VARIABLES})
    for name in OVERRIDABLE:
        own = environ.get(per_stack_variable(name, stack))
        if own is not None:
            env[name] = own
    return env


def shared_credentials(environ: Mapping[str, str]) -> list[str]:
    """The shared credential variables set in ``environ``: ignored by the fleet (the command line
    says so, naming the variables, never their values)."""
    return [name for name in ADOBE_VARIABLES if environ.get(name, "").strip()]
