"""What the Adobe dynamic resources share: their base (properties declared once, the provider
made for each), and their providers' credentials, clients, input checks and progress lines.

Providers are pickled into the stack state by reference (their modules are importable), so a
provider object carries no state across pickling: credentials are read in :meth:`configure`, in
the provider process, and clients are made on first use.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    Resource,
    ResourceProvider,
)
from pulumi.output import Unknown

from cmk_facts import API_GENERATIONS, DEFAULT_API_KEY, GUID, NAMESPACE, ORG_ID, ORG_ID_EXAMPLE
from providers import credentials
from providers.platform.client import PlatformClient
from providers.platform.endpoints import check_endpoint
from providers.platform.ims import credential_problem
from providers.platform.redaction import RedactingFilter

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

#: A resource's args dataclass.
ArgsT = TypeVar("ArgsT", bound="DataclassInstance")

#: The package logger: the client's retry and status lines and the providers' own lines.
log = logging.getLogger("providers")


_clients_lock = threading.Lock()
_clients: dict[tuple[str, str, str, int], PlatformClient] = {}


def is_unknown(value: Any) -> bool:
    """Whether a property is not known yet (preview, or an input computed by another resource)."""
    return isinstance(value, Unknown)


def check_org_id(props: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """``orgId`` looks like ``1234ABCD5678@AdobeOrg``."""
    value = props.get("orgId")
    if not is_unknown(value) and not (isinstance(value, str) and ORG_ID.match(value)):
        failures.append(
            CheckFailure("orgId", f"orgId {value!r} is not an IMS org id like {ORG_ID_EXAMPLE}")
        )


def check_platform_url(props: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """``platformUrl`` may carry the credential (:func:`~.endpoints.check_endpoint`)."""
    value = props.get("platformUrl")
    if is_unknown(value):
        return
    try:
        check_endpoint(value if isinstance(value, str) else "")
    except ValueError as exc:
        failures.append(CheckFailure("platformUrl", f"platformUrl {exc}"))


def check_api_generation(props: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """``apiGeneration`` is ``current`` or ``beta``."""
    value = props.get("apiGeneration")
    if not is_unknown(value) and value not in API_GENERATIONS:
        failures.append(
            CheckFailure("apiGeneration", f"apiGeneration {value!r} must be 'current' or 'beta'")
        )


def check_platform_inputs(props: Mapping[str, Any]) -> list[CheckFailure]:
    """The checks every Adobe resource shares: ``orgId``, ``platformUrl``, ``apiGeneration``."""
    failures: list[CheckFailure] = []
    check_org_id(props, failures)
    check_platform_url(props, failures)
    check_api_generation(props, failures)
    return failures


def check_guid(props: Mapping[str, Any], name: str, failures: list[CheckFailure]) -> None:
    """An optional property that, when set, is a GUID."""
    value = props.get(name)
    if value in (None, "") or is_unknown(value):
        return
    if not (isinstance(value, str) and GUID.match(value)):
        failures.append(CheckFailure(name, f"{name} {value!r} must be a GUID"))


def inputs_of(props: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The input properties among ``props`` (no provider blob, no outputs)."""
    return {name: props[name] for name in names if name in props}


def camel_case(python_name: str) -> str:
    """A property's name in the state and on the wire: ``key_vault_url`` → ``keyVaultUrl``."""
    head, *rest = python_name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def input_names(args_type: type[DataclassInstance]) -> tuple[str, ...]:
    """A resource's inputs, on the wire: the fields of its args dataclass, in order."""
    return tuple(camel_case(field.name) for field in fields(args_type))


class AdobeResource(Resource, Generic[ArgsT]):
    """Base of the dynamic resources.

    Each property is declared once, as a typed attribute of the subclass (``org_id:
    pulumi.Output[str]``); its name in the state and on the wire is its camelCase (``orgId``),
    collected in :attr:`PROPERTIES` (unless the subclass gives ``PROPERTIES`` itself). Inputs come
    from the fields of an args dataclass; every other property is an output, unknown until the
    provider answers. The provider is the :class:`AdobeProvider` subclass declared with
    ``serves=`` the resource, made anew for each resource (it is pickled into the state by
    reference and carries nothing).

    ``AdobeResource(resource_name, args, opts)``; a subclass whose provider is no
    :class:`AdobeProvider` (the Managed HSM resources) passes its provider first instead:
    ``super().__init__(provider, resource_name, args, opts)``.
    """

    PROPERTIES: ClassVar[Mapping[str, str]] = {}
    _python_names: ClassVar[Mapping[str, str]] = {}
    _provider_type: ClassVar[type[ResourceProvider] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "PROPERTIES" not in vars(cls):
            cls.PROPERTIES = {name: camel_case(name) for name in inspect.get_annotations(cls)}
        cls._python_names = {wire: python for python, wire in cls.PROPERTIES.items()}

    @overload
    def __init__(
        self, resource_name: str, args: ArgsT, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        provider: ResourceProvider,
        resource_name: str,
        args: ArgsT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(self, *positional: Any, **named: Any) -> None:
        if positional and isinstance(positional[0], ResourceProvider):
            provider, resource_name, args, *rest = positional
        else:
            served_by = type(self)._provider_type
            assert served_by is not None, f"no provider serves {type(self).__name__}"
            provider = served_by()
            resource_name, args, *rest = positional
        opts: pulumi.ResourceOptions | None = named.get("opts", rest[0] if rest else None)
        inputs = {field.name: getattr(args, field.name) for field in fields(args)}
        unknown = set(inputs) - set(self.PROPERTIES)
        assert not unknown, f"{type(self).__name__}.PROPERTIES lacks {sorted(unknown)}"
        props = {name: inputs.get(name) for name in self.PROPERTIES}
        super().__init__(provider, resource_name, props, opts)

    def translate_input_property(self, prop: str) -> str:
        return self.PROPERTIES.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return self._python_names.get(prop, prop)


class AdobeProvider(ResourceProvider):
    """Base of the providers that call the Platform API: ``class XProvider(AdobeProvider,
    serves=X)`` provides the resource ``X``.

    ``check`` validates offline what every Adobe resource takes (``orgId``, ``platformUrl``,
    ``apiGeneration``) and then the resource's own inputs (:meth:`check_own`); unknown values
    pass.
    """

    def __init_subclass__(
        cls, serves: type[AdobeResource[Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if serves is not None:
            serves._provider_type = cls

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validates inputs offline; unknown values pass."""
        failures = check_platform_inputs(news)
        self.check_own(news, failures)
        return CheckResult(news, failures)

    def check_own(self, news: Mapping[str, Any], failures: list[CheckFailure]) -> None:
        """The resource's own input checks, each adding to ``failures`` (none by default)."""

    def configure(self, req: ConfigureRequest) -> None:
        """Remember where credentials come from; nothing is fetched until a call needs it."""
        config = req.config
        environ = dict(os.environ)
        self._token_source = lambda: credentials.token_source(config.get, environ)
        self._api_key = str(config.get(f"{NAMESPACE}:apiKey") or DEFAULT_API_KEY).strip()
        log_to_stderr()

    def client(self, props: Mapping[str, Any]) -> PlatformClient:
        """The process-wide client for the resource's ``platformUrl`` and ``orgId``."""
        get_source = getattr(self, "_token_source", None)
        api_key = getattr(self, "_api_key", DEFAULT_API_KEY)
        problem = credential_problem(api_key)
        if problem:
            raise RuntimeError(f"{NAMESPACE}:apiKey {problem}")
        try:
            if get_source is not None:
                tokens = get_source()
            else:
                # Driven without configure (never by the engine): the environment is all there is.
                tokens = credentials.token_source(lambda _key: None, os.environ)
        except ValueError as exc:
            raise RuntimeError(str(exc)) from None
        key = (str(props["platformUrl"]), str(props["orgId"]), api_key, id(tokens))
        with _clients_lock:
            if key not in _clients:
                try:
                    _clients[key] = PlatformClient(
                        base_url=key[0], org_id=key[1], tokens=tokens, api_key=api_key
                    )
                except ValueError as exc:
                    raise RuntimeError(f"platformUrl {exc}") from None
            return _clients[key]

    def __getstate__(self) -> dict[str, Any]:
        # Nothing of a configured provider (credential lookups, clients) is ever pickled.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def log_to_stderr() -> None:
    """Progress lines go to the provider's stderr, which the Pulumi CLI shows during ``up``."""
    if not any(getattr(h, "_adobe_cmk", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("adobe-cmk: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._adobe_cmk = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
