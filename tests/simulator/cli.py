"""``python -m tests.simulator``: the simulator alone, e.g. for docs/offline-stack.md.

Prints its URL on the first line, then what it accepts, and serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Iterable

from tests.simulator.answers import ECHOES, FAILURE_REASON_FIELDS
from tests.simulator.jobs import RESENDS
from tests.simulator.simulator import UNKNOWN_CONFIGS, VERSION_TOKENS, PlatformSimulator
from tests.simulator.wire import API_KEY, GENERATIONS


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulator",
        description="Serve a simulated Adobe Platform CMK API + IMS token endpoint on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--org-id", default="1234ABCD5678@AdobeOrg")
    parser.add_argument("--client-id", default="sim-client-id")
    parser.add_argument("--client-secret", default="sim-client-secret")
    parser.add_argument("--token-lifetime", type=float, default=86399.0)
    parser.add_argument("--app-generation", choices=GENERATIONS, default="current")
    parser.add_argument("--app-registration-delay", type=float, default=2.0)
    parser.add_argument("--config-generation", choices=GENERATIONS, default="current")
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=3.0,
        help="seconds spent in each of NEW, RUNNING and UPDATE_EXISTING_RESOURCES",
    )
    parser.add_argument(
        "--bad-key",
        action="append",
        default=[],
        help="key identifier (or prefix) whose configuration ends FAILED; repeatable",
    )
    # What Adobe's docs leave open (docs/offline-stack.md).
    parser.add_argument(
        "--unknown-config",
        choices=UNKNOWN_CONFIGS,
        default="404",
        help="how a GET of a configuration name never sent is answered",
    )
    parser.add_argument(
        "--echo",
        choices=ECHOES,
        default="asked",
        help="adobe: echo name and keyName as Adobe's examples do",
    )
    parser.add_argument(
        "--no-key-identifier-in-answers",
        dest="key_identifier_in_answers",
        action="store_false",
        help="answers carry keyVaultUri only, no keyVaultKeyIdentifier or keyVersion",
    )
    parser.add_argument(
        "--version-token",
        choices=VERSION_TOKENS,
        default="hex",
        help="any: accept non-hex key versions",
    )
    parser.add_argument(
        "--resend", choices=RESENDS, default="replace", help="what a POST of an existing name does"
    )
    parser.add_argument(
        "--stale-reads",
        type=int,
        default=0,
        help="GETs that still show the previous configuration after a resend",
    )
    parser.add_argument(
        "--failing-jobs",
        type=int,
        default=0,
        help="the first N jobs end FAILED with access denied (role assignment not propagated)",
    )
    parser.add_argument(
        "--failure-reason-field",
        choices=FAILURE_REASON_FIELDS,
        default="errorMessage",
        help="where a FAILED configuration's reason is",
    )
    parser.add_argument(
        "--expected-api-key",
        default=None,
        help=f"accept only this x-api-key (default: {API_KEY})",
    )
    return parser


def simulator_for(argv: Iterable[str] | None = None) -> PlatformSimulator:
    """The (unstarted) simulator these command-line arguments describe."""
    args = parser().parse_args(None if argv is None else list(argv))
    sim = PlatformSimulator(
        org_id=args.org_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
        app_generation=args.app_generation,
        app_registration_delay=args.app_registration_delay,
        config_generation=args.config_generation,
        job_durations=(args.job_seconds,) * 3,
        port=args.port,
        unknown_config=args.unknown_config,
        echo=args.echo,
        key_identifier_in_answers=args.key_identifier_in_answers,
        version_token=args.version_token,
        resend=args.resend,
        stale_reads=args.stale_reads,
        failing_jobs=args.failing_jobs,
        failure_reason_field=args.failure_reason_field,
        expected_api_key=args.expected_api_key,
    )
    for prefix in args.bad_key:
        sim.mark_bad_key(prefix)
    return sim


def main(argv: Iterable[str] | None = None) -> int:
    sim = simulator_for(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    sim.start()
    print(sim.url, flush=True)
    api_key = API_KEY if sim.expected_api_key is None else sim.expected_api_key
    print(
        f"IMS token URL {sim.ims_url}; org {sim.org_id}; client id {sim.client_id}; "
        f"client secret {sim.client_secret}; x-api-key {api_key}. Ctrl-C stops.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
