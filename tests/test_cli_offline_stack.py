"""The offline stack under the real Pulumi CLI (built by scripts/pulumi-cli), against the Platform
API simulator: `stack init`, `config set`, `preview`, `up`, the quiet runs after it, drift found and
mended, `destroy`, and the state the backend keeps.

The tests of this module are steps of one stack's life, in order, on one xdist worker.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.pulumi_cli.cli import ROOT, Project
from tests.simulator import PlatformSimulator

pytestmark = [pytest.mark.xdist_group("cli-offline-stack"), pytest.mark.timeout(300)]

STACK = "sim"
CONFIG_NAME = "adobe-cmk"
APP_URN_TYPE = "pulumi-python:dynamic/adobe:AppRegistration"
BYOK_URN_TYPE = "pulumi-python:dynamic/adobe:ByokConfig"


@pytest.fixture(scope="module")
def sim() -> Iterator[PlatformSimulator]:
    # A secret of this run's own: the stack file's comments name the simulator's default one.
    with PlatformSimulator(client_secret=secrets.token_urlsafe(24),
                           job_durations=(0.2, 0.5, 0.2)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sim: PlatformSimulator) -> Project:
    """The program with the repository's Pulumi.sim.yaml, its stack created and pointed at this
    module's simulator; the client secret in the environment, as docs/offline-stack.md has it
    (a secret in the stack config would be copied into the state: see the last tests)."""
    project = Project(tmp_path_factory.mktemp("offline"),
                      extra_env={"ADOBE_CLIENT_SECRET": sim.client_secret})
    shutil.copy2(ROOT / "Pulumi.sim.yaml", project.dir / f"Pulumi.{STACK}.yaml")
    project.run("stack", "init", STACK)
    project.config_set(STACK, {"adobe-cmk:platformUrl": sim.url, "adobe-cmk:imsUrl": sim.ims_url})
    return project


def documented_outputs() -> set[str]:
    """The stack outputs docs/lifecycle.md lists for every stack (before the feature-specific
    ones introduced by "; with")."""
    text = (ROOT / "docs" / "lifecycle.md").read_text()
    sentence = text.split("Stack outputs:", 1)[1].split("; with", 1)[0]
    # Every code span of the sentence is an output's name but the `az` of "the runbooks' `az`
    # commands".
    return set(re.findall(r"`([A-Za-z]+)`", sentence)) - {"az"}


def shown(output: str, op: str, urn_type: str, name: str, verb: str) -> bool:
    """Whether the CLI's progress lines show `name` of `urn_type` with `op` and `verb`
    (`+ … create`, `~ … update`, `- … deleted`)."""
    pattern = rf"^\s*{re.escape(op)}\s+{re.escape(urn_type)}\s+{re.escape(name)}\s+{verb}"
    return re.search(pattern, output, re.M) is not None


def adobe_requests(sim: PlatformSimulator) -> list[tuple[str, str]]:
    return [(r.method, r.route) for r in sim.requests]


# --- 1. stack init and config set ---------------------------------------------------------------


def test_cli_enforces_the_declared_type_of_an_integer_setting(project: Project,
                                                              sim: PlatformSimulator) -> None:
    project.run("stack", "init", "typed")
    project.run("config", "set", "--stack", "typed", "adobe-cmk:orgId", sim.org_id)
    project.run("config", "set", "--stack", "typed", "adobe-cmk:waitTimeoutMinutes", "soon")
    sim.clear_log()
    result = project.run("preview", "--stack", "typed", check=False)
    assert result.returncode != 0
    # The CLI's own message (Pulumi.yaml's declared type), before the program ran at all.
    assert ("Stack 'typed' with configuration key 'waitTimeoutMinutes' must be of type 'integer'"
            in result.stdout + result.stderr)
    assert "adobe-cmk:" not in result.stdout.replace("adobe-cmk:waitTimeoutMinutes", "")
    assert sim.requests == []
    project.run("stack", "rm", "--yes", "--stack", "typed")


def test_secret_set_with_secret_flag_is_encrypted_in_the_stack_file(
        project: Project, sim: PlatformSimulator) -> None:
    project.run("stack", "init", "secret")
    project.config_set("secret", {"adobe-cmk:clientSecret": sim.client_secret},
                       secret=["adobe-cmk:clientSecret"])
    text = (project.dir / "Pulumi.secret.yaml").read_text()
    value = yaml.safe_load(text)["config"]["adobe-cmk:clientSecret"]
    assert set(value) == {"secure"} and value["secure"].startswith("v1:")
    assert sim.client_secret not in text
    assert "encryptionsalt: v1:" in text
    got = project.run("config", "get", "--stack", "secret", "adobe-cmk:clientSecret").stdout
    assert got.strip() == sim.client_secret
    project.run("stack", "rm", "--yes", "--stack", "secret")


# --- 2. preview -------------------------------------------------------------------------------


def test_preview_sends_nothing_to_adobe_and_shows_both_adobe_resources_created(
        project: Project, sim: PlatformSimulator) -> None:
    sim.clear_log()
    result = project.run("preview", "--stack", STACK, "--diff")
    assert adobe_requests(sim) == []
    for urn_type in (APP_URN_TYPE, BYOK_URN_TYPE):
        assert f"+ {urn_type}: (create)" in result.stdout, result.stdout
    assert re.search(r"\+ 4 to create", result.stdout), result.stdout


# --- 3. up --------------------------------------------------------------------------------------


def test_up_completes_with_one_post_and_one_token(project: Project, sim: PlatformSimulator) -> None:
    sim.clear_log()
    project.run("up", "--yes", "--stack", STACK)
    outputs = project.outputs(STACK)
    assert outputs["configStatus"] == "COMPLETED"
    assert outputs["configName"] == CONFIG_NAME
    assert outputs["configId"] == sim.configs[CONFIG_NAME]["id"]
    assert sim.count("POST", "config") == 1
    assert sim.count("POST", "token") == 1


def test_up_outputs_are_the_documented_ones(project: Project) -> None:
    outputs = project.outputs(STACK)
    documented = documented_outputs()
    assert set(outputs) <= documented, set(outputs) - documented
    # The offline stack declares no service principal and no role assignment, and knows no
    # tenant: the CLI keeps no output whose value is null (the mocks show them as None).
    assert documented - set(outputs) == {"tenantId", "servicePrincipalObjectId",
                                         "roleAssignmentId"}


# --- 4. quiet afterwards ----------------------------------------------------------------------


def test_preview_after_up_expects_no_changes(project: Project, sim: PlatformSimulator) -> None:
    sim.clear_log()
    project.run("preview", "--stack", STACK, "--expect-no-changes")
    assert adobe_requests(sim) == []


def test_refresh_after_up_expects_no_changes_with_one_get_per_adobe_object(
        project: Project, sim: PlatformSimulator) -> None:
    sim.clear_log()
    project.run("refresh", "--yes", "--skip-preview", "--expect-no-changes", "--stack", STACK)
    assert sorted(adobe_requests(sim)) == [("GET", "app-registration"), ("GET", "config-status"),
                                           ("POST", "token")]


def test_refresh_with_its_preview_reads_each_object_once_per_pass(
        project: Project, sim: PlatformSimulator) -> None:
    # `pulumi refresh --yes` previews first: the engine reads every resource twice.
    sim.clear_log()
    project.run("refresh", "--yes", "--expect-no-changes", "--stack", STACK)
    assert sim.count("GET", "app-registration") == 2
    assert sim.count("GET", "config-status") == 2
    assert sim.count("POST", "config") == 0


# --- 5. drift -----------------------------------------------------------------------------------


def test_failed_configuration_is_found_by_refresh_and_sent_again_by_up(
        project: Project, sim: PlatformSimulator) -> None:
    sim.set_config_status(CONFIG_NAME, "FAILED", "Key Vault access denied")
    refresh = project.run("refresh", "--yes", "--skip-preview", "--stack", STACK,
                          "--expect-no-changes", check=False)
    assert refresh.returncode != 0, refresh.stdout
    assert shown(refresh.stdout, "~", BYOK_URN_TYPE, "adobe-cmk-byok", "update"), refresh.stdout
    preview = project.run("preview", "--stack", STACK, "--diff")
    assert f"~ {BYOK_URN_TYPE}: (update)" in preview.stdout, preview.stdout
    # The diff names no property; the provider says why in one line (on stderr with --diff).
    assert (f"BYOK configuration {CONFIG_NAME} was FAILED at Adobe when last read: "
            "`pulumi up` sends it again") in preview.stdout + preview.stderr, preview.stdout
    assert re.search(r"~ 1 to update", preview.stdout), preview.stdout
    sim.clear_log()
    project.run("up", "--yes", "--stack", STACK)
    assert sim.count("POST", "config") == 1
    assert project.outputs(STACK)["configStatus"] == "COMPLETED"
    project.run("preview", "--stack", STACK, "--expect-no-changes")


def test_lost_configuration_is_found_by_refresh_and_created_again_by_up(
        project: Project, sim: PlatformSimulator) -> None:
    sim.remove_config(CONFIG_NAME)
    refresh = project.run("refresh", "--yes", "--skip-preview", "--stack", STACK)
    assert shown(refresh.stdout, "-", BYOK_URN_TYPE, "adobe-cmk-byok", "deleted"), refresh.stdout
    preview = project.run("preview", "--stack", STACK)
    assert shown(preview.stdout, "+", BYOK_URN_TYPE, "adobe-cmk-byok", "create"), preview.stdout
    sim.clear_log()
    project.run("up", "--yes", "--stack", STACK)
    assert sim.count("POST", "config") == 1
    assert sim.configs[CONFIG_NAME]["status"] == "COMPLETED"
    project.run("preview", "--stack", STACK, "--expect-no-changes")


# --- 8. the state -----------------------------------------------------------------------------


def dynamic_resources(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in deployment["deployment"]["resources"]
            if r["type"].startswith("pulumi-python:dynamic/")]


def test_state_holds_no_client_secret_and_no_token(project: Project,
                                                   sim: PlatformSimulator) -> None:
    raw = project.run("stack", "export", "--stack", STACK).stdout
    revealed = project.run("stack", "export", "--stack", STACK, "--show-secrets").stdout
    assert len(dynamic_resources(json.loads(revealed))) == 2
    tokens = sim.issued_tokens
    assert tokens, "the simulator issued no token: the check below would prove nothing"
    for text in (raw, revealed):
        assert sim.client_secret not in text
        for token in tokens:
            assert token not in text
        for secret in [sim.client_secret, *tokens]:
            assert base64.b64encode(secret.encode()).decode() not in text


def test_serialized_providers_load_again_in_a_fresh_process(project: Project) -> None:
    deployment = project.export(STACK, "--show-secrets")
    for resource in dynamic_resources(deployment):
        # The SDK stores a serialized provider as a secret (`serialize_as_secret_always`).
        provider = json.loads(resource["inputs"]["__provider"]["plaintext"])
        probe = ("import base64, sys, dill\n"
                 "p = dill.loads(base64.b64decode(sys.stdin.read()))\n"
                 "print(type(p).__module__ + '.' + type(p).__name__)\n")
        loaded = subprocess.run([sys.executable, "-c", probe], input=provider,
                                cwd=project.dir, capture_output=True, text=True, check=True)
        assert loaded.stdout.strip() in {"providers.app_registration.AppRegistrationProvider",
                                         "providers.byok_config.ByokConfigProvider"}, loaded


# --- 7. destroy -------------------------------------------------------------------------------


def test_protected_stack_refuses_to_destroy_with_the_clis_message(
        project: Project, sim: PlatformSimulator) -> None:
    project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "true")
    project.run("up", "--yes", "--stack", STACK)
    sim.clear_log()
    result = project.run("destroy", "--yes", "--stack", STACK, check=False)
    assert result.returncode != 0
    assert "cannot be deleted" in result.stdout + result.stderr and \
        "protect" in result.stdout + result.stderr, result.stdout
    assert sim.count("POST", "config") == 0 and CONFIG_NAME in sim.configs
    project.run("config", "set", "--stack", STACK, "adobe-cmk:protect", "false")
    project.run("up", "--yes", "--stack", STACK)


def test_destroy_sends_nothing_to_adobe_and_leaves_the_configuration(
        project: Project, sim: PlatformSimulator) -> None:
    held = sim.configs[CONFIG_NAME]
    sim.clear_log()
    project.run("destroy", "--yes", "--stack", STACK)
    assert adobe_requests(sim) == []
    assert sim.configs[CONFIG_NAME] == held
    assert project.export(STACK)["deployment"].get("resources") in (None, [])


# --- what the engine does with a secret in the stack config -----------------------------------


def test_secret_in_the_stack_config_is_kept_encrypted_in_the_dynamic_providers_state(
        project: Project, sim: PlatformSimulator) -> None:
    """The engine hands a dynamic provider the whole stack configuration and keeps it in the
    state of the `pulumi:providers:pulumi-python` default provider (pkg/resource/deploy/target.go,
    GetPackageConfig): a secret set with `--secret` is there encrypted, and `--show-secrets`
    shows it. docs/credentials.md says so, and keeps the secret in the environment instead."""
    stack = "configsecret"
    shutil.copy2(ROOT / "Pulumi.sim.yaml", project.dir / f"Pulumi.{stack}.yaml")
    project.run("stack", "init", stack)
    project.config_set(stack, {"adobe-cmk:platformUrl": sim.url, "adobe-cmk:imsUrl": sim.ims_url,
                               "adobe-cmk:clientSecret": sim.client_secret,
                               "adobe-cmk:configName": "config-secret"},
                       secret=["adobe-cmk:clientSecret"])
    project.run("up", "--yes", "--stack", stack, env={"ADOBE_CLIENT_SECRET": ""})
    raw = project.run("stack", "export", "--stack", stack).stdout
    assert sim.client_secret not in raw
    revealed = project.export(stack, "--show-secrets")
    holders = [r["urn"] for r in revealed["deployment"]["resources"]
               if sim.client_secret in json.dumps(r)]
    assert holders == [f"urn:pulumi:{stack}::adobe-cmk::pulumi:providers:pulumi-python::default"]
    project.run("destroy", "--yes", "--stack", stack)
    project.run("stack", "rm", "--yes", "--stack", stack)
