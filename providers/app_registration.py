"""Adobe's CMK application registration as a Pulumi dynamic resource.

``create`` reads the registration (``GET byok/app-registration``); in the ``beta`` API generation,
where it does not exist until asked for, it starts it (``POST``) and waits until it answers.
``read`` is one GET; ``delete`` makes no call (Adobe has no delete: the registration stays).

Outputs: ``applicationId`` (the multi-tenant app whose service principal gets the key role),
``applicationName``, ``applicationUri``, ``consentUrl`` (Adobe's, with the ``common`` tenant) and
``tenantConsentUrl`` (kept for states written before; the program builds the tenant's consent URL
itself with :func:`tenant_consent_url`).

No input change is an in-place update. A dynamic provider cannot preview, so the engine would
show an updated resource's outputs as unknown during preview; ``applicationId`` would then force
a replacement of the protected service principal and fail the preview. So another org or
Platform URL replaces, and ``apiGeneration`` or ``tenantId`` is no change (they change nothing
at Adobe).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from providers.adobe_provider import (
    AdobeProvider,
    AdobeResource,
    check_guid,
    input_names,
    inputs_of,
    is_unknown,
    log,
)
from providers.platform.models import AppRegistrationDetails
from providers.user_errors import in_user_words

#: A different org or Platform is a different registration; every other input is no change.
REPLACE_ON = ("orgId", "platformUrl")
#: How long ``create`` waits for a beta registration job to answer.
REGISTRATION_TIMEOUT_SECONDS = 600.0


@dataclass
class AppRegistrationArgs:
    """Inputs of :class:`AppRegistration`."""

    org_id: pulumi.Input[str]
    """IMS organisation id, ``…@AdobeOrg``."""
    platform_url: pulumi.Input[str]
    """Platform base URL, e.g. ``https://platform.adobe.io`` (see ``platform_url_for_region``)."""
    api_generation: pulumi.Input[str]
    """``current`` (GET answers at once) or ``beta`` (the registration is started by a POST)."""
    tenant_id: pulumi.Input[str] | None = None
    """Entra tenant id for ``tenantConsentUrl``; without it that output equals ``consentUrl``.
    A change is no change (the output keeps the tenant of the create): build the tenant's URL
    with :func:`tenant_consent_url` instead."""


class AppRegistration(AdobeResource[AppRegistrationArgs], module="adobe", name="AppRegistration"):
    """Adobe's CMK multi-tenant app for an org (type ``…dynamic/adobe:AppRegistration``):
    ``AppRegistration(resource_name, AppRegistrationArgs(…), opts)``."""

    org_id: pulumi.Output[str]
    platform_url: pulumi.Output[str]
    api_generation: pulumi.Output[str]
    tenant_id: pulumi.Output[str | None]
    application_id: pulumi.Output[str]
    application_name: pulumi.Output[str]
    application_uri: pulumi.Output[str]
    consent_url: pulumi.Output[str]
    tenant_consent_url: pulumi.Output[str]


#: Python attribute → property name in the state and on the wire.
PROPERTIES = AppRegistration.PROPERTIES
INPUTS = input_names(AppRegistrationArgs)


class AppRegistrationProvider(AdobeProvider, serves=AppRegistration):
    """Reads (and in the beta generation starts) Adobe's app registration."""

    def check_own(self, news: Mapping[str, Any], failures: list[CheckFailure]) -> None:
        """``tenantId``, when set, is a GUID."""
        check_guid(news, "tenantId", failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Another org or Platform URL replaces; anything else is no change; nothing calls Adobe.

        Never an in-place update (see the module's docstring): the generation only says how to
        call Adobe, and the tenant only how the program words the consent URL.
        """
        replaces = [
            name
            for name in REPLACE_ON
            if is_unknown(news.get(name)) or olds.get(name) != news.get(name)
        ]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """GET the registration; in ``beta``, POST to start it when absent and wait for it."""
        with in_user_words():
            details = self._register(props)
        log.info("Adobe's CMK application for %s is %s", props["orgId"], details.application_id)
        return CreateResult(details.application_id, _outputs(details, props))

    def _register(self, props: dict[str, Any]) -> AppRegistrationDetails:
        client = self.client(props)
        details = client.get_app_registration()
        if details is None:
            if props.get("apiGeneration") != "beta":
                raise RuntimeError(
                    f"Adobe has no CMK app registration for {props['orgId']} (GET "
                    "byok/app-registration answered 404); check that the organisation has CMK "
                    "(Healthcare or Privacy & Security Shield), or set adobe-cmk:apiGeneration "
                    "to beta if it uses the older API"
                )
            log.info("starting Adobe's CMK app registration for %s", props["orgId"])
            client.start_app_registration()
            details = client.wait_for_app_registration(REGISTRATION_TIMEOUT_SECONDS)
            if details is None:
                raise RuntimeError(
                    f"Adobe's CMK app registration for {props['orgId']} did not appear within "
                    f"{REGISTRATION_TIMEOUT_SECONDS / 60:g} minutes; run `pulumi up` again to "
                    "keep waiting"
                )
        return details

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; an empty id when the registration is gone."""
        with in_user_words():
            details = self.client(props).get_app_registration()
        if details is None:
            return ReadResult("", {})
        outs = _outputs(details, props)
        return ReadResult(details.application_id, outs, inputs_of(outs, INPUTS))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Reads the registration again and returns every output for the new inputs.

        Not reached through ``diff`` (no change is an update); kept so that an engine calling it
        anyway gets every output rather than none.
        """
        return UpdateResult(_outputs(self._read_or_fail(news), news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """No call: Adobe has no delete, and the registration stays."""
        log.info(
            "Adobe's app registration for %s stays at Adobe (it has no delete)", props.get("orgId")
        )

    def _read_or_fail(self, props: dict[str, Any]) -> AppRegistrationDetails:
        with in_user_words():
            details = self.client(props).get_app_registration()
        if details is None:
            raise RuntimeError(f"Adobe's app registration for {props['orgId']} has gone (404)")
        return details


def tenant_consent_url(consent_url: str, tenant_id: str | None) -> str:
    """``consent_url`` with its ``/common/`` tenant segment replaced by ``tenant_id``, if given."""
    if not tenant_id:
        return consent_url
    return consent_url.replace(
        "login.microsoftonline.com/common/", f"login.microsoftonline.com/{tenant_id}/", 1
    )


def _outputs(details: AppRegistrationDetails, props: dict[str, Any]) -> dict[str, Any]:
    """The one place an app registration becomes outputs (create, read and update agree)."""
    tenant_id = props.get("tenantId") or None
    return {
        **inputs_of(props, INPUTS),
        "tenantId": tenant_id,
        "applicationId": details.application_id,
        "applicationName": details.application_name,
        "applicationUri": details.application_uri,
        "consentUrl": details.consent_url,
        "tenantConsentUrl": tenant_consent_url(details.consent_url, tenant_id),
    }
