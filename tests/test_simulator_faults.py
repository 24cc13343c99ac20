"""Tests of the Platform API simulator's faults, request log, server and command line, with plain
``requests`` through real sockets."""

import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.simulator import Fault, PlatformSimulator
from tests.simulator_requests import (
    APP_PATH,
    CONFIG_PATH,
    TIMEOUT,
    current_body,
    get_app,
    get_status,
    platform_headers,
    post_config,
    token_for,
    wait_until,
)

REPO = Path(__file__).resolve().parent.parent


# ---- faults -----------------------------------------------------------------------------------


def test_fault_429_answers_retry_after_then_recovers(simulator):
    post_config(simulator, current_body())
    simulator.inject("config-status", Fault("status", status=429, retry_after="2"))
    answer = get_status(simulator)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "2"
    assert answer.json() == {"error_code": "429050", "message": "Too many requests"}
    assert answer.headers["x-request-id"]
    assert get_status(simulator).status_code == 200
    assert simulator.count("GET", "config-status") == 2


def test_fault_503_with_http_date_retry_after(simulator):
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    simulator.inject("app-registration", Fault("status", status=503, retry_after=date))
    answer = get_app(simulator)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == date
    assert answer.json()["error_code"] == "503000"


def test_fault_4xx_answers_problem_body(simulator):
    simulator.inject("config", Fault("status", status=403))
    answer = post_config(simulator, current_body())
    assert answer.status_code == 403
    assert answer.json()["status"] == 403
    assert {"type", "title", "detail"} <= set(answer.json())
    assert simulator.configs == {}


def test_fault_count_applies_to_consecutive_requests(simulator):
    simulator.inject("app-registration", Fault("status", status=502, count=2))
    assert [get_app(simulator).status_code for _ in range(3)] == [502, 502, 200]


def test_fault_queue_is_fifo(simulator):
    simulator.inject("app-registration", Fault("status", status=500))
    simulator.inject("app-registration", Fault("status", status=504))
    assert [get_app(simulator).status_code for _ in range(3)] == [500, 504, 200]


def test_fault_method_filter_skips_other_methods(simulator):
    simulator.inject("app-registration", Fault("status", status=500, method="POST"))
    assert get_app(simulator).status_code == 200
    posted = requests.post(
        simulator.url + APP_PATH, headers=platform_headers(simulator), timeout=TIMEOUT
    )
    assert posted.status_code == 500
    assert get_app(simulator).status_code == 200


def test_fault_on_token_route_applies_to_ims(simulator):
    simulator.inject("token", Fault("status", status=503))
    answer = requests.post(
        simulator.ims_url,
        data={
            "grant_type": "client_credentials",
            "client_id": simulator.client_id,
            "client_secret": simulator.client_secret,
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 503
    assert simulator.issued_tokens == []
    assert token_for(simulator) in simulator.issued_tokens


def test_fault_drop_closes_connection_before_processing(simulator):
    simulator.inject("config", Fault("drop"))
    with pytest.raises(requests.ConnectionError):
        post_config(simulator, current_body())
    assert simulator.configs == {}
    assert simulator.requests[-1].status == 0
    assert post_config(simulator, current_body()).status_code == 200


def test_fault_drop_after_processing_leaves_config_created(simulator):
    simulator.inject("config", Fault("drop", after_processing=True, method="POST"))
    with pytest.raises(requests.ConnectionError):
        post_config(simulator, current_body())
    assert simulator.configs["config1"]["status"] == "NEW"
    assert get_status(simulator).status_code == 200
    assert simulator.count("POST", "config") == 1


def test_fault_status_after_processing_leaves_config_created(simulator):
    simulator.inject("config", Fault("status", status=504, after_processing=True))
    assert post_config(simulator, current_body()).status_code == 504
    assert "config1" in simulator.configs


def test_fault_malformed_json_answers_truncated_body(simulator):
    post_config(simulator, current_body())
    simulator.inject("config-status", Fault("malformed_json"))
    answer = get_status(simulator)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        answer.json()
    assert get_status(simulator).json()["name"] == "config1"


def test_fault_slow_trips_client_read_timeout(simulator):
    simulator.inject("app-registration", Fault("slow", delay=10))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.get(
            simulator.url + APP_PATH, headers=platform_headers(simulator), timeout=(2, 0.1)
        )
    assert time.monotonic() - started < 5
    assert get_app(simulator).status_code == 200


def test_fault_slow_then_answers_normally(simulator):
    simulator.inject("app-registration", Fault("slow", delay=0.2))
    started = time.monotonic()
    answer = get_app(simulator)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_inject_unknown_route_raises(simulator):
    with pytest.raises(ValueError, match="route"):
        simulator.inject("configs", Fault("drop"))


def test_fault_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        Fault("explode")  # type: ignore[arg-type]


# ---- request log ------------------------------------------------------------------------------


def test_request_log_masks_token_and_secret(simulator):
    token = token_for(simulator)
    get_app(simulator, platform_headers(simulator, token))
    logged = simulator.requests
    assert [(r.method, r.route, r.status) for r in logged] == [
        ("POST", "token", 200),
        ("GET", "app-registration", 200),
    ]
    assert logged[0].body is not None
    assert logged[0].body["client_secret"] == "***"
    assert logged[0].body["client_id"] == "sim-client-id"
    assert logged[1].headers["Authorization"] == "Bearer ***"
    assert logged[1].headers["x-api-key"] == "acp_provisioning"
    text = repr(logged)
    assert token not in text
    assert "sim-client-secret" not in text


def test_request_log_records_path_query_and_json_body(simulator):
    post_config(simulator, current_body())
    get_status(simulator)
    post, get = simulator.requests
    assert post.body == current_body()
    assert post.path == CONFIG_PATH
    assert get.path == f"{CONFIG_PATH}/config1"
    assert get.query == {"configType": "BYOK_CONFIG"}
    assert get.route == "config-status"
    assert post.time <= get.time
    simulator.clear_log()
    assert simulator.requests == []
    assert simulator.count("POST", "config") == 0


def test_count_includes_faulted_requests(simulator):
    simulator.inject("config", Fault("status", status=500))
    post_config(simulator, current_body())
    post_config(simulator, current_body())
    assert simulator.count("POST", "config") == 2
    assert simulator.count("post", "config") == 2
    assert simulator.count("GET", "config-status") == 0


# ---- server robustness ------------------------------------------------------------------------


def test_server_serves_concurrent_clients(simulator):
    post_config(simulator, current_body())
    results: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with requests.Session() as session:
            for _ in range(5):
                code = session.get(
                    f"{simulator.url}{CONFIG_PATH}/config1",
                    params={"configType": "BYOK_CONFIG"},
                    headers=platform_headers(simulator),
                    timeout=TIMEOUT,
                ).status_code
                with lock:
                    results.append(code)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [200] * 40
    assert simulator.count("GET", "config-status") == 40


def test_session_keeps_working_after_a_drop(simulator):
    simulator.inject("app-registration", Fault("drop"))
    with requests.Session() as session:
        headers = platform_headers(simulator)
        with pytest.raises(requests.ConnectionError):
            session.get(simulator.url + APP_PATH, headers=headers, timeout=TIMEOUT)
        answer = session.get(simulator.url + APP_PATH, headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200


def test_stop_is_prompt_with_a_slow_request_in_flight():
    sim = PlatformSimulator().start()
    sim.inject("app-registration", Fault("slow", delay=30))
    headers = platform_headers(sim)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            requests.get(sim.url + APP_PATH, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            errors.append(error)

    thread = threading.Thread(target=client)
    thread.start()
    wait_until(lambda: sim.count("GET", "app-registration") == 1, what="the request arriving")
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 5.0  # not the slow answer's 30 s
    thread.join(timeout=TIMEOUT)
    assert not thread.is_alive()
    assert len(errors) == 1
    sim.stop()  # idempotent


def test_url_before_start_raises():
    with pytest.raises(RuntimeError, match="start"):
        _ = PlatformSimulator().url


def test_cli_prints_a_url_that_answers():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.simulator", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the simulator printed nothing within 10 s"
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.post(
            url + "/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": "sim-client-id",
                "client_secret": "sim-client-secret",
            },
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200
        assert answer.json()["token_type"] == "bearer"
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)
