"""scripts/preflight against the simulator over real HTTP: the ✓ path, one test per ✗ (a fault
or a simulator option per IMS answer and gateway code), the exit status, what it sends (only GETs
and the token POST) and that no secret is printed."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import Settings, SettingsError
from preflight.__main__ import preflight
from preflight.report import exit_status, render
from providers import credentials
from tests.simulator import TOKEN_PATH, Fault, PlatformSimulator

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "preflight"
KEY_ID = "https://sim-vault.vault.azure.net/keys/sim-key/0123456789abcdef0123456789abcdef"
OTHER_KEY_ID = "https://other-vault.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"
SECONDS = 3.0  # each check's deadline: faults that never end fail fast


@pytest.fixture(autouse=True)
def _fresh_token_sources():
    credentials.forget_all()
    yield
    credentials.forget_all()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_config(sim: PlatformSimulator, **overrides: Any) -> dict[str, Any]:
    """The offline stack's config (Pulumi.sim.yaml's shape) pointing at ``sim``."""
    return offline_config(sim.url, org_id=sim.org_id, client_id=sim.client_id, **overrides)


def offline_config(
    url: str,
    *,
    org_id: str = "1234ABCD5678@AdobeOrg",
    client_id: str = "sim-client-id",
    **overrides: Any,
) -> dict[str, Any]:
    """The offline stack's config for a simulator at ``url`` (the defaults: one started later)."""
    config: dict[str, Any] = {
        "adobe-cmk:orgId": org_id,
        "adobe-cmk:clientId": client_id,
        "adobe-cmk:platformUrl": url,
        "adobe-cmk:imsUrl": url + TOKEN_PATH,
        "adobe-cmk:existingKeyId": KEY_ID,
        "adobe-cmk:existingVaultId": (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sim-rg/"
            "providers/Microsoft.KeyVault/vaults/sim-vault"
        ),
        "adobe-cmk:servicePrincipal": "none",
    }
    for key, value in overrides.items():
        full = f"adobe-cmk:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


def write_stack(folder: Path, config: dict[str, Any], stack: str = "t") -> Path:
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return path


def run(
    tmp_path: Path,
    sim: PlatformSimulator,
    env: dict[str, str] | None = None,
    **overrides: Any,
):
    write_stack(tmp_path, stack_config(sim, **overrides))
    environ = {"ADOBE_CLIENT_SECRET": sim.client_secret} if env is None else env
    checks = preflight("t", environ, root=tmp_path, cli="", seconds=SECONDS, simulator=sim)
    return checks, render(checks)


def by_name(checks, prefix: str):
    (check,) = [c for c in checks if c.name.startswith(prefix)]
    return check


def assert_only_reads(sim: PlatformSimulator) -> None:
    sent = [(r.method, r.route) for r in sim.requests]
    assert sent, "the preflight sent nothing"
    assert all(method == "GET" or (method, route) == ("POST", "token") for method, route in sent), (
        sent
    )


def assert_no_secret(sim: PlatformSimulator, output: str) -> None:
    assert sim.client_secret not in output
    for token in sim.issued_tokens:
        assert token not in output


# ---- the ✓ path ---------------------------------------------------------------------------------


def test_preflight_all_pass_exits_zero_with_gets_and_the_token_post_only(tmp_path, simulator):
    checks, output = run(tmp_path, simulator)
    assert exit_status(checks) == 0, output
    assert [c.passed for c in checks] == [True] * 6
    assert "✗" not in output and output.count("✓") == 6
    assert "Pulumi.t.yaml and the environment (no Pulumi CLI on the PATH)" in output
    assert "absent: `up` will send it" in output
    assert [(r.method, r.route) for r in simulator.requests] == [
        ("POST", "token"),
        ("GET", "app-registration"),
        ("GET", "config-status"),
    ]
    assert_no_secret(simulator, output)


def test_preflight_script_prints_checks_and_exits_by_their_outcome(tmp_path):
    """The script on an offline stack: a simulator of its own on the stack's port, with its own
    credential (an exported secret is not sent), one line per check, the exit status."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "PULUMI_"))}
    env = {
        **base,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "ADOBE_CLIENT_SECRET": "not-the-secret",
    }

    def script(**overrides: Any) -> subprocess.CompletedProcess[str]:
        write_stack(tmp_path, offline_config(url, **overrides))
        return subprocess.run(
            [str(SCRIPT), "t", "--stack-dir", str(tmp_path), "--timeout", str(SECONDS)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    passed = script()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count("✓") == 7
    assert f"✓ simulator of this run: started at {url}" in passed.stdout
    assert "✓ IMS issues a token: client sim-client-id" in passed.stdout
    failed = script(orgId="not-an-org")
    assert failed.returncode == 1
    assert "✗ settings valid" in failed.stdout
    for result in (passed, failed):
        assert "not-the-secret" not in result.stdout + result.stderr
        assert "sim-client-secret" not in result.stdout + result.stderr


# ---- settings -----------------------------------------------------------------------------------


def test_preflight_invalid_settings_gives_previews_message(tmp_path, simulator):
    checks, _output = run(tmp_path, simulator, orgId="not-an-org")
    with pytest.raises(SettingsError) as raised:
        Settings.from_config(
            stack_config(simulator, orgId="not-an-org"),
            environ={"ADOBE_CLIENT_SECRET": simulator.client_secret},
        )
    settings = by_name(checks, "settings")
    assert settings.passed is False and settings.detail == str(raised.value)
    assert [c.passed for c in checks[2:]] == [None] * 4
    assert exit_status(checks) == 1
    assert simulator.requests == []


def test_preflight_secret_encrypted_in_stack_file_is_named_without_the_cli(tmp_path, simulator):
    config = stack_config(simulator)
    config["adobe-cmk:clientSecret"] = {"secure": "v1:AAAAencryptedAAAA"}
    write_stack(tmp_path, config)
    checks = preflight("t", {}, root=tmp_path, cli="", seconds=SECONDS, simulator=simulator)
    output = render(checks)
    assert "encrypted adobe-cmk:clientSecret cannot be read without the CLI" in output
    settings = by_name(checks, "settings")
    assert settings.passed is False
    assert "cannot be read without the Pulumi CLI" in settings.fix
    # With the secret in the environment, the same stack file passes.
    credentials.forget_all()
    environ = {"ADOBE_CLIENT_SECRET": simulator.client_secret}
    checks = preflight("t", environ, root=tmp_path, cli="", simulator=simulator)
    assert exit_status(checks) == 0, render(checks)


def test_preflight_without_cli_or_stack_file_says_how(tmp_path):
    checks = preflight("nowhere", {}, root=tmp_path, cli="")
    (check,) = checks
    assert check.passed is False and "Pulumi.nowhere.yaml" in check.detail
    assert "https://www.pulumi.com/docs/install/" in check.fix
    assert exit_status(checks) == 1


FAKE_CLI = """#!{python}
import json, sys
if sys.argv[1:] == ["config", "--json", "--show-secrets", "--stack", "t"]:
    print(json.dumps({config}))
else:
    sys.stderr.write("error: no stack named 'x' found\\n")
    sys.exit(255)
"""


def fake_cli(tmp_path: Path, config: dict[str, Any]) -> str:
    answer = {k: {"value": v, "secret": k.endswith("clientSecret")} for k, v in config.items()}
    path = tmp_path / "pulumi"
    path.write_text(FAKE_CLI.format(python=sys.executable, config=repr(answer)), encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_preflight_reads_config_through_the_cli_secrets_included(tmp_path, simulator):
    config = {**stack_config(simulator), "adobe-cmk:clientSecret": simulator.client_secret}
    cli = fake_cli(tmp_path, config)
    checks = preflight("t", {}, root=tmp_path, cli=cli, seconds=SECONDS, simulator=simulator)
    output = render(checks)
    assert exit_status(checks) == 0, output
    assert "from `pulumi config --stack t`" in output
    assert_no_secret(simulator, output)


def test_preflight_unknown_stack_through_the_cli_says_how_to_create_it(tmp_path):
    checks = preflight("x", {}, root=tmp_path, cli=fake_cli(tmp_path, {}))
    (check,) = checks
    assert check.passed is False and "no stack named 'x' found" in check.detail
    assert "pulumi stack init x" in check.fix


# ---- IMS ----------------------------------------------------------------------------------------


def ims_body(error: str, status: int = 400) -> Fault:
    body = f'{{"error": "{error}", "error_description": "refused"}}'.encode()
    return Fault("body", status=status, body=body, count=10)


@pytest.mark.parametrize(
    ("fault", "env_secret", "expected_fix"),
    [
        (None, "wrong-secret", "copy both again from the credential's page"),
        (ims_body("invalid_scope"), None, "unset adobe-cmk:scopes"),
        (ims_body("unsupported_grant_type"), None, "OAuth Server-to-Server"),
        (ims_body("invalid_token", 401), None, "IMS refused the credential: check"),
        (Fault("status", status=503, count=50), None, "throttling or unavailable"),
        (Fault("status", status=429, retry_after="1", count=50), None, "throttling"),
    ],
    ids=["invalid_client", "invalid_scope", "grant_type", "other_401", "5xx", "429"],
)
def test_preflight_ims_refusal_says_what_to_change(
    tmp_path, simulator, fault, env_secret, expected_fix
):
    if fault is not None:
        simulator.inject("token", fault)
    env = {"ADOBE_CLIENT_SECRET": env_secret or simulator.client_secret}
    checks, output = run(tmp_path, simulator, env)
    token = by_name(checks, "IMS")
    assert token.passed is False, output
    assert expected_fix in token.fix
    assert [c.passed for c in checks[3:]] == [None] * 3
    assert exit_status(checks) == 1
    assert_only_reads(simulator)
    assert_no_secret(simulator, output)
    assert "wrong-secret" not in output


#: A secret long enough for its transformed echoes to be told apart from anything else printed.
ECHOED_SECRET = "Zq8vX2kLp9Rt4WmN7bYcQe5s"


def echoes(secret: str) -> dict[str, str]:
    """The secret as a hostile IMS may send it back, in forms no mask of the secret matches."""
    return {
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "upper": secret.upper(),
        "prefix": secret[:8],
        "suffix": secret[-8:],
    }


@pytest.mark.parametrize(
    ("code", "status", "shown"),
    [
        ("invalid_client", 401, "HTTP 401 [invalid_client]"),
        ("base64", 400, "HTTP 400 (an error code OAuth does not define, not shown)"),
    ],
    ids=["echo-in-the-description", "echo-as-the-code"],
)
def test_preflight_prints_no_echo_of_the_secret_from_ims(
    tmp_path, make_simulator, code, status, shown
):
    """IMS's refusal is reported by its status and error code only: its description, a code
    it made up and its request id may carry the secret transformed."""
    sim = make_simulator(client_secret=ECHOED_SECRET)
    forms = echoes(ECHOED_SECRET)
    body = {
        "error": forms.get(code, code),
        "error_description": "refused: " + " ".join(forms.values()),
        "secret": ECHOED_SECRET,
    }
    sim.inject(
        "token",
        Fault(
            "body",
            status=status,
            body=json.dumps(body).encode(),
            headers=(("x-request-id", forms["upper"]),),
            count=10,
        ),
    )
    checks, output = run(tmp_path, sim, {"ADOBE_CLIENT_SECRET": ECHOED_SECRET})
    token = by_name(checks, "IMS")
    assert token.passed is False, output
    assert token.detail == f"POST {sim.ims_url}: {shown}", token.detail
    for name, form in {**forms, "verbatim": ECHOED_SECRET}.items():
        assert form not in output, f"the secret's {name} echo was printed: {output}"
    assert sim.count("POST", "token") >= 1


def test_preflight_pre_issued_token_skips_ims_and_is_tried_at_platform(tmp_path, simulator):
    token = simulator.issue_token()
    checks, output = run(tmp_path, simulator, {"ADOBE_ACCESS_TOKEN": token}, clientId=None)
    assert exit_status(checks) == 0, output
    assert "not asked: a pre-issued token from ADOBE_ACCESS_TOKEN" in output
    assert simulator.count("POST", "token") == 0
    assert token not in output
    simulator.revoke_tokens()
    credentials.forget_all()
    checks, output = run(tmp_path, simulator, {"ADOBE_ACCESS_TOKEN": token}, clientId=None)
    platform = by_name(checks, "Platform")
    assert platform.passed is False and "pre-issued token is expired or revoked" in platform.fix
    assert token not in output


# ---- the Platform gateway -----------------------------------------------------------------------


def gateway_body(code: str, status: int = 403) -> Fault:
    body = f'{{"error_code": "{code}", "message": "refused"}}'.encode()
    return Fault("body", status=status, body=body, count=10)


@pytest.mark.parametrize(
    ("fault", "sim_options", "overrides", "expected_fix"),
    [
        (Fault("status", status=401, count=10), {}, {}, "add the Experience Platform API"),
        (None, {}, {"orgId": "9999FFFF0000@AdobeOrg"}, "set adobe-cmk:orgId to the credential's"),
        (None, {"expected_api_key": "the-client-id"}, {}, "pulumi config set adobe-cmk:apiKey"),
        (gateway_body("403000"), {}, {}, "pulumi config set adobe-cmk:apiKey"),
        (gateway_body("403027"), {}, {}, "adobe-cmk:platformUrl, then ask Adobe support"),
        (Fault("status", status=403), {}, {}, "'Manage Customer Managed Keys'"),
        (Fault("status", status=503, count=50), {}, {}, "throttling or unavailable"),
        (
            Fault("redirect", status=302, location="https://elsewhere.example/"),
            {},
            {},
            "does not point at the Platform API",
        ),
    ],
    ids=["401", "403025", "403003", "403000", "403027", "403_other", "5xx", "redirect"],
)
def test_preflight_platform_refusal_says_what_to_change(
    tmp_path, make_simulator, fault, sim_options, overrides, expected_fix
):
    sim = make_simulator(**sim_options)
    if fault is not None:
        sim.inject("app-registration", fault)
    checks, output = run(tmp_path, sim, **overrides)
    platform = by_name(checks, "Platform")
    assert platform.passed is False, output
    assert expected_fix in platform.fix
    assert [c.passed for c in checks[4:]] == [None] * 2
    assert exit_status(checks) == 1
    assert_only_reads(sim)
    assert_no_secret(sim, output)


def test_preflight_region_fix_names_region_when_platform_url_is_not_set(tmp_path):
    from preflight.fixes import platform_fix
    from providers.platform.errors import PermissionDeniedError

    error = PermissionDeniedError("x", status=403, code="403027")
    fix = platform_fix(error, static_token=False, region_key="adobe-cmk:region")
    assert "adobe-cmk:region" in fix


# ---- Adobe's CMK app ----------------------------------------------------------------------------


def test_preflight_no_app_registration_fails_for_current_api(tmp_path, simulator):
    simulator.inject("app-registration", Fault("status", status=404))
    checks, _output = run(tmp_path, simulator)
    app = by_name(checks, "Adobe's CMK app")
    assert app.passed is False and "(404)" in app.detail
    assert "apiGeneration to beta" in app.fix
    assert exit_status(checks) == 1


def test_preflight_beta_app_not_started_passes_and_up_will_start_it(tmp_path, make_simulator):
    sim = make_simulator(app_generation="beta", config_generation="beta")
    checks, output = run(tmp_path, sim, apiGeneration="beta")
    app = by_name(checks, "Adobe's CMK app")
    assert app.passed is True and "`up` will start it" in app.detail
    assert exit_status(checks) == 0, output
    assert sim.count("POST", "app-registration") == 0
    assert_only_reads(sim)


# ---- the BYOK configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_id", "status", "expected"),
    [
        (KEY_ID, "COMPLETED", "COMPLETED, holding " + KEY_ID + ": `up` will adopt it"),
        (KEY_ID, "RUNNING", "RUNNING, holding " + KEY_ID + ": `up` will wait for Adobe's job"),
        (KEY_ID, "FAILED", "(reason: "),
        (OTHER_KEY_ID, "COMPLETED", "`up` will send the configuration for this key"),
    ],
    ids=["adopt", "wait", "failed-send", "other-key-send"],
)
def test_preflight_existing_configuration_says_what_up_will_do(
    tmp_path, simulator, key_id, status, expected
):
    simulator.seed_config("adobe-cmk", key_id, status=status)
    checks, output = run(tmp_path, simulator)
    config = by_name(checks, "BYOK configuration")
    assert config.passed is True and expected in config.detail, output
    if status == "FAILED":
        assert "`up` will send the configuration for this key" in config.detail
    assert exit_status(checks) == 0
    assert simulator.count("POST", "config") == 0


def test_preflight_configuration_read_refused_fails_with_the_fix(tmp_path, simulator):
    simulator.inject("config-status", Fault("status", status=403))
    checks, _output = run(tmp_path, simulator)
    config = by_name(checks, "BYOK configuration")
    assert config.passed is False and "HTTP 403" in config.detail
    assert "'Manage Customer Managed Keys'" in config.fix
    assert exit_status(checks) == 1
    assert_only_reads(simulator)
