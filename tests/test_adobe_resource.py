"""The dynamic resources' base: each property declared once, as a typed attribute, and named in
the state by its camelCase; inputs from the args dataclass; the provider made per resource.

The names below are what stack states already hold (they were spelt out by hand before the base
derived them): a change would show every existing resource as changed.
"""

from __future__ import annotations

import pytest

from providers import app_registration, byok_config
from providers.adobe_provider import camel_case
from tests.mocks import APP, run_program
from tests.provider_host import serialized

#: Python attribute → name in the state, as written by the code before the base derived them.
STATE_NAMES = {
    app_registration: {
        "org_id": "orgId",
        "platform_url": "platformUrl",
        "api_generation": "apiGeneration",
        "tenant_id": "tenantId",
        "application_id": "applicationId",
        "application_name": "applicationName",
        "application_uri": "applicationUri",
        "consent_url": "consentUrl",
        "tenant_consent_url": "tenantConsentUrl",
    },
    byok_config: {
        "org_id": "orgId",
        "platform_url": "platformUrl",
        "config_name": "configName",
        "key_identifier": "keyIdentifier",
        "api_generation": "apiGeneration",
        "wait_timeout_minutes": "waitTimeoutMinutes",
        "failed_resends": "failedResends",
        "status": "status",
        "config_id": "configId",
        "key_vault_url": "keyVaultUrl",
        "key_name": "keyName",
        "key_version": "keyVersion",
    },
}
STATE_INPUTS = {
    app_registration: ("orgId", "platformUrl", "apiGeneration", "tenantId"),
    byok_config: (
        "orgId",
        "platformUrl",
        "configName",
        "keyIdentifier",
        "apiGeneration",
        "waitTimeoutMinutes",
        "failedResends",
    ),
}


@pytest.mark.parametrize(
    ("python", "wire"),
    [("status", "status"), ("org_id", "orgId"), ("key_vault_url", "keyVaultUrl")],
)
def test_camel_case_is_the_name_in_the_state(python, wire):
    assert camel_case(python) == wire


@pytest.mark.parametrize("module", list(STATE_NAMES), ids=lambda m: m.__name__)
def test_properties_are_the_names_states_hold(module):
    assert dict(module.PROPERTIES) == STATE_NAMES[module]
    assert tuple(module.INPUTS) == STATE_INPUTS[module]


def test_a_resource_carries_the_provider_that_serves_it():
    def program() -> None:
        app_registration.AppRegistration(
            "app",
            app_registration.AppRegistrationArgs(
                org_id="1234ABCD5678@AdobeOrg",
                platform_url="https://platform.adobe.io",
                api_generation="current",
            ),
        )

    registration = run_program(program).one(APP)
    blob = registration.inputs["__provider"]["value"]  # wrapped as a secret
    assert blob == serialized(app_registration.AppRegistrationProvider()), registration.urn
    assert registration.inputs["orgId"] == "1234ABCD5678@AdobeOrg", registration.urn
