"""The suite relies on pytest-xdist's `--dist loadgroup` (pyproject.toml): the steps of one
stack's life under the real CLI share an `xdist_group` and run in order on one worker. These two
tests fail if grouping stops working (as it silently did with pytest 9.2: pytest-xdist#1386)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.xdist_group("xdist-group-check")

SEEN: dict[str, str] = {}


def test_first_of_a_group_records_its_worker() -> None:
    SEEN["worker"] = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert SEEN["worker"]


def test_second_of_a_group_runs_after_the_first_on_the_same_worker() -> None:
    assert SEEN.get("worker") == os.environ.get("PYTEST_XDIST_WORKER", "main"), \
        "the group's tests ran on different workers: is --dist loadgroup honoured?"
