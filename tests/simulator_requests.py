"""Plain ``requests`` calls to the Platform API simulator, shared by the simulator's own tests."""

import time
from typing import Any

import requests

from tests.simulator import PlatformSimulator

ORG = "1234ABCD5678@AdobeOrg"
APP_PATH = "/data/infrastructure/manager/byok/app-registration"
CONFIG_PATH = "/data/infrastructure/manager/customer/config"
KEY_ID = (
    "https://adobecmkexample1.vault.azure.net/keys/adobeCMK-key/02cee357ad5d4c72b2b04881fdffd626"
)
OTHER_KEY_ID = KEY_ID.replace("adobeCMK-key", "other-key")
HSM_KEY_ID = "https://cmkhsm.managedhsm.azure.net/keys/cmk-key/0123456789abcdef0123456789abcdef"
TIMEOUT = 5.0


class FakeClock:
    """A clock a test moves by hand (``PlatformSimulator(clock=...)``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(condition: Any, timeout: float = 5.0, what: str = "the condition") -> Any:
    """Poll ``condition()`` until it is truthy (returned) or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        time.sleep(0.01)


def token_for(sim: PlatformSimulator) -> str:
    answer = requests.post(
        sim.ims_url,
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "scope": "openid,AdobeID,read_organizations",
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def platform_headers(sim: PlatformSimulator, token: str | None = None) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token or sim.issue_token()}",
        "x-api-key": "acp_provisioning",
        "x-gw-ims-org-id": sim.org_id,
    }


def current_body(name: str = "config1", key_id: str = KEY_ID) -> dict[str, Any]:
    return {
        "name": name,
        "type": "BYOK_CONFIG",
        "imsOrgId": ORG,
        "configData": {"providerType": "AZURE_KEYVAULT", "keyVaultKeyIdentifier": key_id},
    }


def beta_body(name: str = "config1", key_id: str = KEY_ID) -> dict[str, Any]:
    return {
        "name": name,
        "type": "BYOK_CONFIG",
        "imsOrgId": ORG,
        "configData": {"providerType": "AZURE_KEYVAULT", "keyVaultUri": key_id, "keyName": "key1"},
    }


def post_config(
    sim: PlatformSimulator, body: Any, headers: dict[str, str] | None = None, **kwargs: Any
) -> requests.Response:
    return requests.post(
        sim.url + CONFIG_PATH,
        json=body,
        headers=headers or platform_headers(sim),
        timeout=kwargs.pop("timeout", TIMEOUT),
        **kwargs,
    )


def get_status(sim: PlatformSimulator, name: str = "config1", **kwargs: Any) -> requests.Response:
    return requests.get(
        f"{sim.url}{CONFIG_PATH}/{name}",
        params={"configType": "BYOK_CONFIG"},
        headers=kwargs.pop("headers", None) or platform_headers(sim),
        timeout=kwargs.pop("timeout", TIMEOUT),
        **kwargs,
    )


def get_app(sim: PlatformSimulator, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(
        sim.url + APP_PATH, headers=headers or platform_headers(sim), timeout=TIMEOUT
    )


def walk_statuses(
    sim: PlatformSimulator, name: str, clock: FakeClock, step: float, limit: int = 20
) -> list[str]:
    """Read ``name`` after each ``step`` of ``clock`` until a final status; the distinct statuses
    seen, in order."""
    seen: list[str] = []
    for _ in range(limit):
        status = get_status(sim, name).json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("COMPLETED", "FAILED"):
            return seen
        clock.advance(step)
    raise AssertionError(f"no final status after {limit} steps: {seen}")
