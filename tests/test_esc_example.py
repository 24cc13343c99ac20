"""The ESC example of docs/credentials.md: the stack file and the environment definition parse,
the environment's ``pulumiConfig`` holds the credential under this program's namespaced settings
with the secret kept secret, the settings accept the config the CLI would build from the two
(:mod:`tests.esc_support` models the CLI's merge), the example is no stack of the fleet, and the
page's precedence table is what :func:`providers.credentials.resolve` does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cmk_facts import NAMESPACE
from components.settings import Settings, SettingsError, declared_settings
from components.settings.placement import AZURE_LOCATION_KEY
from fleet.stacks import stack_files
from providers import credentials
from tests.esc_support import Evaluated, merge, pulumi_config, secret_keys
from tests.mocks import CLIENT_ID, CLIENT_SECRET, ORG_ID

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
STACK_FILE = EXAMPLES / "Pulumi.esc-example.yaml"
ENVIRONMENT = EXAMPLES / "esc-environment.yaml"
PAGE = ROOT / "docs" / "credentials.md"
CREDENTIAL_KEYS = {f"{NAMESPACE}:clientId", f"{NAMESPACE}:clientSecret"}

#: What the user puts in place of each placeholder of the two files.
PLACEHOLDERS = {
    "<your-org-id>@AdobeOrg": ORG_ID,
    "<team>": "platform",
    "<client id>": CLIENT_ID,
    "<client secret>": CLIENT_SECRET,
}


def load(path: Path, *, filled: bool = True) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if filled:
        for placeholder, value in PLACEHOLDERS.items():
            text = text.replace(placeholder, value)
    document = yaml.safe_load(text)
    assert isinstance(document, dict), f"{path.name} is not a YAML mapping"
    return document


def environment_config(environment: dict[str, Any] | None = None) -> dict[str, Evaluated]:
    return pulumi_config(environment or load(ENVIRONMENT), project=NAMESPACE)


def test_the_examples_use_no_placeholder_the_tests_do_not_fill():
    for path in (STACK_FILE, ENVIRONMENT):
        text = "\n".join(
            line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
        )
        found = set(re.findall(r"<[^<>\n]+>(?:@AdobeOrg)?", text))
        assert found <= set(PLACEHOLDERS), f"{path.name}: {sorted(found - set(PLACEHOLDERS))}"


def test_the_stack_file_lists_an_environment_and_holds_no_credential():
    stack = load(STACK_FILE)
    assert set(stack) == {"environment", "config"}, sorted(stack)
    # As the CLI reads `environment:` in its list form: names of environments.
    environments = stack["environment"]
    assert isinstance(environments, list) and environments, environments
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+", name) for name in environments), environments
    config = stack["config"]
    declared = {f"{NAMESPACE}:{name}" for name in declared_settings()} | {AZURE_LOCATION_KEY}
    assert set(config) <= declared, sorted(set(config) - declared)
    # A value in the stack file would win over the environment's (the CLI's merge).
    secrets = {f"{NAMESPACE}:{name}" for name in credentials.SECRET_SETTINGS}
    assert not (CREDENTIAL_KEYS | secrets) & set(config), sorted(config)


def test_the_environment_gives_the_credential_as_namespaced_settings_the_secret_secret():
    config = environment_config()
    assert set(config) == CREDENTIAL_KEYS, sorted(config)
    assert config[f"{NAMESPACE}:clientSecret"] == Evaluated(CLIENT_SECRET, secret=True)
    assert config[f"{NAMESPACE}:clientId"] == Evaluated(CLIENT_ID, secret=False)


def test_the_settings_accept_the_config_the_cli_builds_from_the_two_files():
    stack, environment = load(STACK_FILE)["config"], environment_config()
    values = merge(stack, environment)
    settings = Settings.from_config(values, secret_keys=secret_keys(stack, environment))
    assert settings.org_id == ORG_ID
    found = credentials.resolve(values.get, {})
    assert found.kind == "client" and found.client_id and found.client_secret
    assert found.client_id.source == f"{NAMESPACE}:clientId"
    assert found.client_secret.source == f"{NAMESPACE}:clientSecret"
    assert found.client_secret.value == CLIENT_SECRET


def test_a_client_secret_from_the_environment_without_fn_secret_is_refused_as_plain_text():
    environment = load(ENVIRONMENT)
    environment["values"]["adobe"]["clientSecret"] = CLIENT_SECRET  # fn::secret left out
    stack, config = load(STACK_FILE)["config"], environment_config(environment)
    with pytest.raises(SettingsError) as caught:
        Settings.from_config(merge(stack, config), secret_keys=secret_keys(stack, config))
    assert caught.value.key == f"{NAMESPACE}:clientSecret"
    assert "plain text" in str(caught.value) and CLIENT_SECRET not in str(caught.value)


def test_a_value_in_the_stack_file_wins_over_the_environment_even_empty():
    # The CLI's merge (docs/credentials.md, step 1), then the program (step 2): an empty
    # clientSecret in the stack file hides the environment's and falls through to the variable.
    stack = {**load(STACK_FILE)["config"], f"{NAMESPACE}:clientSecret": ""}
    values = merge(stack, environment_config())
    found = credentials.resolve(values.get, {"ADOBE_CLIENT_SECRET": "from-the-shell"})
    assert found.client_secret is not None
    assert found.client_secret.source == "ADOBE_CLIENT_SECRET"
    assert found.client_id is not None and found.client_id.source == f"{NAMESPACE}:clientId"


def test_the_example_stack_file_is_no_stack_of_the_fleet_or_the_cli():
    # Both read Pulumi.<stack>.yaml in the project's root only.
    assert STACK_FILE.parent != ROOT
    assert "esc-example" not in {member.stack for member in stack_files(ROOT)}


def precedence_rows() -> list[tuple[list[str], list[str]]]:
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("<!-- precedence:"))
    assert lines[start + 1] == "| set | used |", lines[start + 1]
    rows = []
    for line in lines[start + 3 :]:
        if not line.startswith("|"):
            break
        set_cell, used_cell = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((re.findall(r"`([^`]+)`", set_cell), re.findall(r"`([^`]+)`", used_cell)))
    return rows


def test_the_precedence_table_has_rows():
    assert len(precedence_rows()) >= 8


@pytest.mark.parametrize(("given", "used"), precedence_rows(), ids=lambda v: "+".join(v))
def test_the_precedence_table_is_what_resolve_does(given, used):
    config = {name: f"value-of-{name}" for name in given if name.startswith(f"{NAMESPACE}:")}
    environ = {name: f"value-of-{name}" for name in given if not name.startswith(NAMESPACE)}
    assert set(config) | set(environ) == set(given)
    found = credentials.resolve(config.get, environ)
    parts = {
        "client": (found.client_id, found.client_secret),
        "token": (found.access_token,),
    }[found.kind]
    assert [part.source for part in parts if part] == used
    assert all(part and part.value == f"value-of-{part.source}" for part in parts)
