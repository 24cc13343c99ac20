"""Benchmark: ``up`` of one BYOK configuration, the project's polling against fixed 5 s polling.

For a job that takes 5 s, 30 s and 120 s in all (split evenly over NEW, RUNNING and
UPDATE_EXISTING_RESOURCES at the Platform simulator), it measures:

- the wall time from the job's completion at the simulator to the create returning ("late by");
- the GET requests for the configuration's status (the first lookup included) and all requests.

Variants, each against its own simulator so the counts do not mix:

- ``project (provider server)``: ``Create`` through ``python -m pulumi.dynamic`` over gRPC, as
  ``pulumi up`` runs it (a look every 5 s, then every tenth of the time waited, at most 30 s);
- ``project (client)``: the same flow with :class:`PlatformClient` in this process (lookup, POST,
  wait), to show what the provider server adds;
- ``fixed 5 s (client)``: that flow with fixed 5-second polling: a look right after the POST,
  then every 5 s.

A job of exactly 5, 30 or 120 s ends right on the fixed 5-second grid, which flatters whichever
polling it happens to match. So each duration is also run lengthened by ``--offsets`` (default 0,
1.25, … 8.75 s: over two 5 s steps, and about one step of the project's 12 s interval at two
minutes), and the summary gives the mean and the worst over those runs.

Jobs of an hour are too long to run here, so a last table computes, from the schedules alone
(no I/O), the checks and the worst lateness for jobs of 5 s to 2 h.

Not run by CI; prints tables, no pass/fail. Everything runs at once in threads (one provider
server per "provider server" run), so the whole run takes about as long as the longest job
(~2.5 minutes)::

    .venv/bin/python -m bench.bench_byok_up [--durations 5 30 120] [--offsets 0 2.5 5 7.5]
    .venv/bin/python -m bench.bench_byok_up --model-only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from providers.byok_config import ByokConfigProvider
from providers.key_identifier import parse_key_identifier
from providers.platform import byok
from providers.platform.client import PlatformClient
from providers.platform.ims import StaticToken
from providers.platform.polling import PollSchedule
from tests.provider_host import ProviderHost, serialized, urn_for
from tests.simulator import PlatformSimulator

NAME = "bench-config"
KEY = "https://bench-vault.vault.azure.net/keys/bench-key/0123456789abcdef0123456789abcdef"
URN = urn_for("pulumi-python:dynamic/adobe:ByokConfig", "bench")
FIXED_5S = PollSchedule(minimum=5.0, fraction=0.0, maximum=5.0)
MODEL_JOBS = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0)


@dataclass(frozen=True)
class Result:
    variant: str
    nominal_seconds: float
    job_seconds: float
    total_seconds: float
    late_seconds: float
    status_gets: int
    requests: int


def _measure(
    variant: str, nominal_seconds: float, offset: float, run: Callable[[PlatformSimulator], None]
) -> Result:
    job_seconds = nominal_seconds + offset
    sim = PlatformSimulator(job_durations=(job_seconds / 3,) * 3).start()
    try:
        started = time.monotonic()
        run(sim)
        finished = time.monotonic()
        post = next(r for r in sim.requests if r.route == "config" and r.method == "POST")
        return Result(
            variant=variant,
            nominal_seconds=nominal_seconds,
            job_seconds=job_seconds,
            total_seconds=finished - started,
            late_seconds=finished - (post.time + job_seconds),
            status_gets=sim.count("GET", "config-status"),
            requests=len(sim.requests),
        )
    finally:
        sim.stop()


def _through_provider_server(sim: PlatformSimulator) -> None:
    config = {
        "adobe-cmk:clientId": sim.client_id,
        "adobe-cmk:clientSecret": sim.client_secret,
        "adobe-cmk:imsUrl": sim.ims_url,
    }
    news = {
        "__provider": serialized(ByokConfigProvider()),
        "orgId": sim.org_id,
        "platformUrl": sim.url,
        "configName": NAME,
        "keyIdentifier": KEY,
        "apiGeneration": "current",
        "waitTimeoutMinutes": 10.0,
    }
    with ProviderHost(config, timeout=600) as host:
        inputs, failures = host.check(URN, news)
        assert not failures, failures
        _, outputs = host.create(URN, inputs)
        assert outputs["status"] == "COMPLETED", outputs


def _through_client(poll: PollSchedule) -> Callable[[PlatformSimulator], None]:
    """The provider's create flow (lookup, POST, wait) on a client with the given schedule."""

    def run(sim: PlatformSimulator) -> None:
        client = PlatformClient(
            base_url=sim.url, org_id=sim.org_id, tokens=StaticToken(sim.issue_token()), poll=poll
        )
        assert client.get_byok_config(NAME) is None
        key = parse_key_identifier(KEY)
        done = byok.converge(client, NAME, key, "current", timeout_seconds=600)
        assert done.status == "COMPLETED"

    return run


VARIANTS: dict[str, Callable[[PlatformSimulator], None]] = {
    "project (provider server)": _through_provider_server,
    "project (client)": _through_client(PollSchedule()),
    "fixed 5 s (client)": _through_client(FIXED_5S),
}


def modelled(schedule: PollSchedule, job_seconds: float) -> tuple[int, float]:
    """``(checks, worst lateness)`` for a job of ``job_seconds``: checks at 0 s, then on
    schedule, until one sees it done; at worst it ended just after the check before."""
    now, checks, gap = 0.0, 1, 0.0
    while now < job_seconds:
        gap = schedule.interval(now)
        now += gap
        checks += 1
    return checks, gap


def print_model() -> None:
    print("\nFrom the schedules alone (checks until done; lateness at worst):\n")
    print("| job | project: checks | project: late by | fixed 5 s: checks | fixed 5 s: late by |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for seconds in MODEL_JOBS:
        ours, fixed = modelled(PollSchedule(), seconds), modelled(FIXED_5S, seconds)
        print(f"| {seconds:g} s | {ours[0]} | {ours[1]:.1f} s | {fixed[0]} | {fixed[1]:.1f} s |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_byok_up", description=__doc__)
    parser.add_argument("--durations", type=float, nargs="+", default=[5.0, 30.0, 120.0])
    parser.add_argument("--offsets", type=float, nargs="+", default=[i * 1.25 for i in range(8)])
    parser.add_argument(
        "--model-only", action="store_true", help="print only the table computed from schedules"
    )
    args = parser.parse_args(argv)
    if args.model_only:
        print_model()
        return 0
    jobs = [
        (variant, seconds, offset)
        for seconds in args.durations
        for offset in args.offsets
        for variant in VARIANTS
    ]
    print(f"running {len(jobs)} measurements at once …", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(_measure, v, s, o, VARIANTS[v]) for v, s, o in jobs]
        results = [future.result() for future in futures]

    print("Each run:\n")
    print("| job | variant | create took | late by | status GETs | all requests |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.job_seconds:g} s | {r.variant} | {r.total_seconds:.1f} s "
            f"| {r.late_seconds:.2f} s | {r.status_gets} | {r.requests} |"
        )
    offsets = ", ".join(f"{o:g}" for o in args.offsets)
    print(f"\nSummary over the offsets (+{offsets} s):\n")
    print("| job | variant | late by, mean | late by, worst | status GETs, mean |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for seconds in args.durations:
        for variant in VARIANTS:
            runs = [r for r in results if r.nominal_seconds == seconds and r.variant == variant]
            late = [r.late_seconds for r in runs]
            gets = statistics.mean(r.status_gets for r in runs)
            print(
                f"| {seconds:g} s | {variant} | {statistics.mean(late):.2f} s "
                f"| {max(late):.2f} s | {gets:.1f} |"
            )
    print_model()
    return 0


if __name__ == "__main__":
    sys.exit(main())
