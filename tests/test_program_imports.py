"""What is off costs nothing: the default program imports none of an unused feature's code.

Each case runs ``__main__.py`` under mocks in a fresh interpreter (this process has imported
everything already) and reads ``sys.modules`` after it: the default program loads no Managed HSM,
monitoring or Journey Analytics module and no azure-identity; with the feature on, its modules are
loaded (so the names below are the real ones, and the check can fail).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The modules of each feature that is off by default.
FEATURE_MODULES = {
    "managed HSM": (
        "components.hsm_tier",
        "components.managed_hsm",
        "providers.hsm",
        "providers.hsm_key",
        "providers.hsm_provider",
        "providers.hsm_role_assignment",
    ),
    "monitoring": (
        "components.key_access_monitoring",
        "components.key_access_queries",
        "components.monitored_keys",
        "components.monitoring_alerts",
        "pulumi_azure_native.monitor",
        "pulumi_azure_native.operationalinsights",
    ),
    "Journey Analytics": ("components.journey_analytics",),
    # Only the HSM provider process mints data-plane tokens with it, never the program.
    "azure-identity": ("azure.identity",),
}

#: Runs one variant of tests/test_urns.py (``default``: run_main() alone) and prints the modules
#: loaded.
SCRIPT = """
import json, sys
variant = sys.argv[1]
if variant == "default":
    from tests.mocks import run_main
    run_main()
else:
    from tests.test_urns import VARIANTS
    VARIANTS[variant]()
# azure-native's packages sit in sys.modules as lazy modules until first used: not loaded.
print(json.dumps(sorted(n for n, m in sys.modules.items() if type(m).__name__ != "_LazyModule")))
"""


def modules_after(variant: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def default_modules() -> set[str]:
    return modules_after("default")


@pytest.mark.parametrize("feature", sorted(FEATURE_MODULES))
def test_default_program_imports_nothing_of_a_feature_that_is_off(default_modules, feature):
    loaded = sorted(set(FEATURE_MODULES[feature]) & default_modules)
    assert loaded == [], f"the default program imports {feature} code: {loaded}"
    assert "components.customer_managed_key" in default_modules, "the program did not run"


@pytest.mark.parametrize(
    ("variant", "features"),
    [
        ("monitoring-hsm", ("managed HSM", "monitoring")),
        ("journey-analytics", ("Journey Analytics",)),
    ],
)
def test_a_feature_that_is_on_imports_its_modules(variant, features):
    loaded = modules_after(variant)
    for feature in features:
        missing = sorted(set(FEATURE_MODULES[feature]) - loaded)
        assert missing == [], f"{variant}: {feature} on, yet {missing} not imported"
