"""Fixtures recorded from the real CLI name no folder of the machine that recorded them
(tests/pulumi_cli/machine_paths.py), and the scrub that ensures it keeps what the program wrote."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.pulumi_cli.cli import ROOT
from tests.pulumi_cli.machine_paths import scrub_deployment, scrub_text

FIXTURES = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file())
MACHINE = [str(ROOT), sys.base_prefix, str(Path.home()), "project:///../"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[str(p.relative_to(ROOT)) for p in FIXTURES])
def test_fixture_names_no_folder_of_this_machine(fixture: Path) -> None:
    text = fixture.read_text(errors="replace")
    found = [folder for folder in MACHINE if folder in text]
    assert found == [], f"{fixture.relative_to(ROOT)} names {found}: record it through the scrub"


def test_scrub_text_names_folders_by_placeholder(tmp_path: Path) -> None:
    text = (f"{tmp_path}/providers/byok_config.py {ROOT}/.venv/bin/python "
            f"{sys.base_prefix}/lib/python3.11/contextlib.py")
    assert scrub_text(text, tmp_path) == ("<project>/providers/byok_config.py "
                                         "<repo>/.venv/bin/python "
                                         "<python>/lib/python3.11/contextlib.py")


def test_scrub_deployment_keeps_the_programs_frames_and_blanks_the_others() -> None:
    frames = [{"sourcePosition": "project:///__main__.py#8"}, {},
              {"sourcePosition": "project:///../../work/x/executor.py#76"}]
    deployment = {"deployment": {"resources": [{"urn": "u", "stackTrace": frames}]}}
    (resource,) = scrub_deployment(deployment)["deployment"]["resources"]
    assert resource["stackTrace"] == [{"sourcePosition": "project:///__main__.py#8"}, {}, {}]
