"""Providers as stack states hold them: a ``__provider`` blob written by an earlier version.

Every Adobe resource in a state carries its provider pickled by reference (module path, class
name, no state): ``tests/fixtures/stored_providers.json`` holds the blobs the code wrote before
the providers' shared scaffolding moved into :mod:`providers.adobe_provider`. Today's code must
still serialize to the same bytes (a state written now is read like one written then), and the
real provider server must load each stored blob and drive its resource: check, create and read
against the Platform simulator, as a ``pulumi up`` and ``refresh`` on an old state do.
"""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path

import pytest
from pulumi.dynamic import ResourceProvider

from providers.app_registration import AppRegistrationProvider
from providers.byok_config import ByokConfigProvider
from tests.conftest import credentials_config
from tests.provider_host import ProviderHost, serialized, urn_for
from tests.simulator import APPLICATION_ID, PlatformSimulator

STORED = json.loads(
    (Path(__file__).resolve().parent / "fixtures" / "stored_providers.json").read_text("utf-8")
)
PROVIDERS: dict[str, type[ResourceProvider]] = {
    "AppRegistration": AppRegistrationProvider,
    "ByokConfig": ByokConfigProvider,
}
KEY = "https://cmk-vault.vault.azure.net/keys/cmk-key/0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("resource", sorted(PROVIDERS))
def test_todays_provider_serializes_to_the_stored_blob(resource):
    assert serialized(PROVIDERS[resource]()) == STORED[resource], (
        f"{resource}: a state written now would differ from one written before"
    )


@pytest.mark.parametrize("resource", sorted(PROVIDERS))
def test_stored_blob_loads_as_the_provider_at_its_module_path(resource):
    provider = pickle.loads(base64.b64decode(STORED[resource]))
    assert type(provider) is PROVIDERS[resource], type(provider)
    assert vars(provider) == {}, f"{resource}: a stored provider carries state {vars(provider)}"


def test_stored_app_registration_provider_creates_and_reads(simulator: PlatformSimulator):
    urn = urn_for("pulumi-python:dynamic/adobe:AppRegistration", "adobe-app")
    news = {
        "__provider": STORED["AppRegistration"],
        "orgId": simulator.org_id,
        "platformUrl": simulator.url,
        "apiGeneration": simulator.app_generation,
    }
    with ProviderHost(credentials_config(simulator)) as host:
        inputs, resource_id, outputs = host.created(urn, news)
        read_id, read_outputs, _ = host.read(urn, resource_id, outputs, inputs)
    assert resource_id == read_id == APPLICATION_ID
    assert read_outputs["applicationId"] == outputs["applicationId"] == APPLICATION_ID
    assert simulator.count("GET", "app-registration") == 2


def test_stored_byok_config_provider_creates_and_reads(make_simulator):
    sim = make_simulator(job_durations=(0.0, 0.0, 0.0))
    urn = urn_for("pulumi-python:dynamic/adobe:ByokConfig", "cmk")
    news = {
        "__provider": STORED["ByokConfig"],
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "configName": "cmk-config",
        "keyIdentifier": KEY,
        "apiGeneration": sim.config_generation,
        "waitTimeoutMinutes": 1.0,
        "failedResends": 0,
    }
    with ProviderHost(credentials_config(sim)) as host:
        inputs, resource_id, outputs = host.created(urn, news)
        read_id, read_outputs, _ = host.read(urn, resource_id, outputs, inputs)
    assert resource_id == read_id == "cmk-config"
    assert outputs["status"] == read_outputs["status"] == "COMPLETED", (outputs, read_outputs)
    assert read_outputs["keyIdentifier"] == KEY
    assert sim.count("POST", "config") == 1
