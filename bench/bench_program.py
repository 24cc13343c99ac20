"""How long the program takes to evaluate under mocks, side by side with a plain program that
declares the same resources and with a bare azure-native program that declares one vault. Prints
numbers, asserts nothing (not run by CI).

The ratio that matters is the default program's against the plain one: what the settings, the
components and every module the default program imports cost over declaring its seven resources
by hand (the same types, names, inputs, options and exports, one module, no settings). Features
that are off should cost nothing there.

Two figures each:

- warm: the program run again in a process that has already imported everything (what each mock
  test pays), median of ``--runs`` runs;
- cold: a fresh ``python`` process that imports, runs once under mocks and exits (closest to what
  ``pulumi preview`` pays in the language host before the engine's own work), median of
  ``--cold-runs`` processes.

Run from the repository root::

    .venv/bin/python -m bench.bench_program [--runs 50] [--cold-runs 5]

On a shared or busy machine the CPU time and the minimum are the steadier figures (load only
ever adds time, and CPU time counts none of the waiting).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What a cold process runs: the import and a single evaluation of one of the programs.
COLD = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from bench import bench_program
bench_program.{run}()
print(time.perf_counter() - start)
"""


def run_full() -> int:
    """``__main__.py`` through runpy under mocks, default settings; returns resources declared."""
    from tests.mocks import run_main

    return len(run_main().registrations)


def bare_program() -> None:
    """One vault, nothing else: the floor any azure-native program pays."""
    from pulumi_azure_native import keyvault

    keyvault.Vault(
        "vault",
        resource_group_name="rg",
        properties=keyvault.VaultPropertiesArgs(
            tenant_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
        ),
    )


def run_bare() -> int:
    from tests.mocks import run_program

    return len(run_program(bare_program).registrations)


def plain_program() -> None:
    """The default program's seven resources and sixteen outputs, declared by hand: what any
    program doing the same job pays (the azure-native and azuread modules, the two Adobe dynamic
    resources and the Platform client behind them)."""
    import uuid

    import pulumi
    import pulumi_azuread as azuread
    from pulumi_azure_native import authorization, keyvault, resources

    from cmk_facts import ASSIGNMENT_NAMESPACE, CRYPTO_SERVICE_ENCRYPTION_USER
    from providers.app_registration import (
        AppRegistration,
        AppRegistrationArgs,
        tenant_consent_url,
    )
    from providers.byok_config import ByokConfig, ByokConfigArgs

    name, org, url = "adobe-cmk", "1234ABCD5678@AdobeOrg", "https://platform.adobe.io"
    client = authorization.get_client_config()
    group = resources.ResourceGroup(
        f"{name}-rg", location="westeurope", tags={}, opts=pulumi.ResourceOptions(protect=True)
    )
    protected = pulumi.ResourceOptions(protect=True)
    vault = keyvault.Vault(
        f"{name}-vault",
        resource_group_name=group.name,
        location=group.location,
        properties=keyvault.VaultPropertiesArgs(
            tenant_id=client.tenant_id,
            sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
            enable_soft_delete=True,
            soft_delete_retention_in_days=90,
            enable_purge_protection=True,
            enable_rbac_authorization=True,
            access_policies=[],
            public_network_access="Enabled",
            network_acls=keyvault.NetworkRuleSetArgs(
                bypass="AzureServices",
                default_action="Allow",
                ip_rules=[],
                virtual_network_rules=[],
            ),
        ),
        tags={},
        opts=protected,
    )
    key = keyvault.Key(
        f"{name}-key",
        resource_group_name=group.name,
        vault_name=vault.name,
        key_name=name,
        properties=keyvault.KeyPropertiesArgs(
            kty="RSA",
            key_size=3072,
            key_ops=["wrapKey", "unwrapKey"],
            attributes=keyvault.KeyAttributesArgs(enabled=True),
        ),
        tags={},
        opts=protected,
    )
    app = AppRegistration(
        f"{name}-app", AppRegistrationArgs(org_id=org, platform_url=url, api_generation="current")
    )
    sp = azuread.ServicePrincipal(
        f"{name}-sp",
        client_id=app.application_id,
        use_existing=True,
        opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
    )
    role = (
        f"/subscriptions/{client.subscription_id}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{CRYPTO_SERVICE_ENCRYPTION_USER}"
    )
    assignment = authorization.RoleAssignment(
        f"{name}-crypto-user",
        principal_id=sp.object_id,
        principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
        role_definition_id=role,
        scope=vault.id,
        role_assignment_name=pulumi.Output.all(vault.id, sp.object_id).apply(
            lambda v: str(
                uuid.uuid5(uuid.UUID(ASSIGNMENT_NAMESPACE), f"{v[0]}|{v[1]}|{role}".lower())
            )
        ),
        description="Adobe Experience Platform customer-managed key (adobe-cmk)",
        opts=protected,
    )
    byok = ByokConfig(
        f"{name}-byok",
        ByokConfigArgs(
            org_id=org,
            platform_url=url,
            config_name=name,
            key_identifier=key.key_uri_with_version,
            api_generation="current",
            wait_timeout_minutes=120.0,
            failed_resends=2,
        ),
        opts=pulumi.ResourceOptions(depends_on=[assignment], protect=True, retain_on_delete=True),
    )
    outputs = {
        "vaultId": vault.id,
        "vaultName": vault.name,
        "vaultUri": vault.properties.vault_uri,
        "resourceGroupName": group.name,
        "keyName": key.name,
        "keyId": key.key_uri_with_version,
        "keyIdVersionless": key.key_uri,
        "keyResourceId": key.id,
        "tenantId": client.tenant_id,
        "applicationId": app.application_id,
        "manualConsentUrl": app.consent_url.apply(
            lambda u: tenant_consent_url(u, client.tenant_id)
        ),
        "servicePrincipalObjectId": sp.object_id,
        "roleAssignmentId": assignment.id,
        "configName": byok.config_name,
        "configId": byok.config_id,
        "configStatus": byok.status,
    }
    for output_name, value in outputs.items():
        pulumi.export(output_name, value)


def run_plain() -> int:
    from tests.mocks import run_program

    return len(run_program(plain_program).registrations)


def warm(fn: object, runs: int) -> list[float]:
    assert callable(fn)
    fn()  # imports and first-run caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def cold(programs: tuple[str, ...], runs: int) -> dict[str, list[tuple[float, float, float]]]:
    """Per program, (wall time of the process, time inside it from first import to end, CPU
    time of the process) per process; the programs take turns, so a machine getting busier
    weighs on each alike."""
    results: dict[str, list[tuple[float, float, float]]] = {run: [] for run in programs}
    for _ in range(runs):
        for run in programs:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", COLD.format(root=str(ROOT), run=run)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            results[run].append((wall, float(done.stdout.strip().splitlines()[-1]), cpu))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    programs = {
        "full program": run_full,
        "plain, same resources": run_plain,
        "bare one-vault": run_bare,
    }
    counts = {label: run() for label, run in programs.items()}
    warm_times = {label: warm(run, args.runs) for label, run in programs.items()}
    cold_times = cold(tuple(run.__name__ for run in programs.values()), args.cold_runs)
    colds = {label: cold_times[run.__name__] for label, run in programs.items()}

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f})"

    print(
        f"python {sys.version.split()[0]}; warm runs {args.runs}, cold processes {args.cold_runs}"
    )
    print(
        f"{'':32}"
        + "".join(f"{label:>26}" for label in programs)
        + "   full/plain (median, min)   full/bare"
    )
    print(f"{'registrations':32}" + "".join(f"{count:>26}" for count in counts.values()))
    rows = [
        ("warm evaluation (median)", warm_times),
        ("cold: import + run, in-process", {k: [c[1] for c in v] for k, v in colds.items()}),
        ("cold: whole process wall time", {k: [c[0] for c in v] for k, v in colds.items()}),
        ("cold: whole process CPU time", {k: [c[2] for c in v] for k, v in colds.items()}),
    ]
    for label, times in rows:
        full, plain, bare = (statistics.median(v) for v in times.values())
        full_min, plain_min = (min(v) for v in list(times.values())[:2])
        print(
            f"{label:32}"
            + "".join(f"{ms(v):>26}" for v in times.values())
            + f"   {full / plain:10.2f}x {full_min / plain_min:8.2f}x   {full / bare:8.2f}x"
        )


if __name__ == "__main__":
    main()
