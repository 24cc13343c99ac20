"""The offline stack, ``Pulumi.sim.yaml``: the Adobe side of ``pulumi up``, ``refresh`` and
``destroy`` against the Platform API simulator, with no Azure or Adobe account.

Always run: the stack file is valid for the settings with the simulator's secret in the
environment (and only so), declares nothing of Azure under mocks, matches what
``python -m tests.simulator`` prints and what docs/offline-stack.md says.

The stack itself — `up`, `refresh`, `preview` and `destroy` — runs under the real CLI in
tests/test_cli_offline_stack.py (and, through the Automation API, tests/test_cli_fleet.py), which
replaced the provider-server run of the same steps that used to be here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from components.settings import Settings, SettingsError, declared_settings
from providers import credentials
from tests.mocks import APP, BYOK, TOP, run_main
from tests.simulator import TOKEN_PATH

ROOT = Path(__file__).resolve().parent.parent
SIM_STACK_FILE = ROOT / "Pulumi.sim.yaml"
OFFLINE_DOC = ROOT / "docs" / "offline-stack.md"


#: What the simulator run by hand accepts (its defaults), and what the docs tell users to export.
SIM_CLIENT_SECRET = "sim-client-secret"
SIM_ENVIRON = {"ADOBE_CLIENT_SECRET": SIM_CLIENT_SECRET}


def sim_config() -> dict[str, Any]:
    """The stack file's ``config:`` block, as YAML gives it (native values)."""
    return dict(yaml.safe_load(SIM_STACK_FILE.read_text(encoding="utf-8"))["config"])


def sim_settings(environ: dict[str, str] | None = None) -> Settings:
    return Settings.from_config(sim_config(), environ=SIM_ENVIRON if environ is None else environ)


def sim_port() -> int:
    port = urlsplit(sim_settings().platform_url).port
    assert port is not None, "the sim stack's platformUrl names no port"
    return port


# --- the stack file --------------------------------------------------------------------------


def test_sim_stack_is_valid_with_the_simulators_secret_in_the_environment():
    settings = sim_settings()
    found = credentials.resolve(sim_config().get, SIM_ENVIRON)
    assert found.kind == "client", "the sim stack's credential is not a client credential"
    assert settings.existing_key is not None, "the sim stack must bring its own key"
    assert settings.service_principal == "none"
    assert not settings.uses_azure, "the sim stack would ask Azure for something"


def test_sim_stack_needs_the_secret_from_the_environment():
    with pytest.raises(SettingsError) as caught:
        sim_settings(environ={})
    assert caught.value.key == "adobe-cmk:clientSecret", str(caught.value)


def test_sim_stack_points_every_url_at_one_local_simulator():
    settings = sim_settings()
    platform = urlsplit(settings.platform_url)
    assert platform.scheme == "http" and platform.hostname == "127.0.0.1", settings.platform_url
    ims_url = credentials.resolve(sim_config().get, SIM_ENVIRON).ims_url.value
    assert ims_url == f"{settings.platform_url}{TOKEN_PATH}", ims_url


def test_sim_stack_holds_no_secret_and_only_declared_keys():
    config = sim_config()
    declared = {setting.key for setting in declared_settings().values()}
    assert set(config) <= declared, f"not settings of this program: {set(config) - declared}"
    assert "adobe-cmk:clientSecret" not in config and "adobe-cmk:accessToken" not in config
    assert not any(isinstance(v, dict) and "secure" in v for v in config.values()), config


def test_sim_stack_declares_only_the_two_adobe_resources():
    run = run_main(sim_config(), environ=SIM_ENVIRON)
    settings = sim_settings()
    assert sorted(run.types()) == [APP, BYOK], run.types()
    components = [r.type for r in run.registrations if not r.custom]
    assert components == [TOP], f"components besides {TOP}: {components}"
    assert run.invokes == [], [call.token for call in run.invokes]
    for registration in (run.one(APP), run.one(BYOK)):
        assert registration.inputs["platformUrl"] == settings.platform_url, registration.urn
        assert registration.inputs["orgId"] == settings.org_id, registration.urn
    byok = run.one(BYOK)
    assert settings.existing_key is not None
    assert byok.inputs["keyIdentifier"] == settings.existing_key.key_id, byok.urn
    assert not byok.protect and byok.retain_on_delete, f"{byok.urn}: destroy must retain it"


def test_simulator_prints_the_credentials_the_sim_stack_expects():
    """``python -m tests.simulator`` (what the docs run) accepts the stack's org and
    client id and the secret the docs export."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.simulator", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        banner = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
    printed = dict(re.findall(r"(org|client id|client secret) (\S+?)(?:;|\.\s|$)", banner))
    config = sim_config()
    assert printed == {
        "org": config["adobe-cmk:orgId"],
        "client id": config["adobe-cmk:clientId"],
        "client secret": SIM_CLIENT_SECRET,
    }, banner


def test_offline_doc_runs_the_simulator_on_the_stacks_port_with_its_secret():
    doc = OFFLINE_DOC.read_text(encoding="utf-8")
    assert f"python -m tests.simulator --port {sim_port()}" in doc
    assert f"ADOBE_CLIENT_SECRET={SIM_CLIENT_SECRET}" in doc
