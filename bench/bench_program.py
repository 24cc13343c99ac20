"""How long the program takes to evaluate under mocks, against a bare azure-native program that
declares one vault. Prints numbers, asserts nothing (not run by CI).

Two figures each:

- warm: the program run again in a process that has already imported everything (what each mock
  test pays), median of ``--runs`` runs;
- cold: a fresh ``python`` process that imports, runs once under mocks and exits (closest to what
  ``pulumi preview`` pays in the language host before the engine's own work), median of
  ``--cold-runs`` processes.

Run from the repository root::

    .venv/bin/python -m bench.bench_program [--runs 50] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What a cold process runs: the import and a single evaluation of one of the two programs.
COLD = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from bench.bench_program import run_bare, run_full
(run_full if {full!r} else run_bare)()
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


def warm(fn: object, runs: int) -> list[float]:
    assert callable(fn)
    fn()  # imports and first-run caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def cold(full: bool, runs: int) -> list[tuple[float, float]]:
    """(wall time of the process, time inside it from first import to end) per process."""
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", COLD.format(root=str(ROOT), full=full)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - start
        results.append((wall, float(done.stdout.strip().splitlines()[-1])))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    full_count, bare_count = run_full(), run_bare()
    full_warm, bare_warm = warm(run_full, args.runs), warm(run_bare, args.runs)
    full_cold, bare_cold = cold(True, args.cold_runs), cold(False, args.cold_runs)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f})"

    print(
        f"python {sys.version.split()[0]}; warm runs {args.runs}, cold processes {args.cold_runs}"
    )
    print(f"{'':34}{'full program':>28}{'bare one-vault':>28}   ratio")
    print(f"{'registrations':34}{full_count:>28}{bare_count:>28}")
    rows = [
        ("warm evaluation (median)", full_warm, bare_warm),
        ("cold: import + run, in-process", [c[1] for c in full_cold], [c[1] for c in bare_cold]),
        ("cold: whole process wall time", [c[0] for c in full_cold], [c[0] for c in bare_cold]),
    ]
    for label, full, bare in rows:
        ratio = statistics.median(full) / statistics.median(bare)
        print(f"{label:34}{ms(full):>28}{ms(bare):>28}   {ratio:5.2f}x")


if __name__ == "__main__":
    main()
