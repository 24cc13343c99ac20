"""The policy pack's copy of Adobe's and Azure's facts is the program's, byte for byte.

The pack runs apart from the program (the CLI starts it from ``policy/``, with nothing of the
program on its path), so it cannot import ``cmk_facts.py`` and keeps ``policy/facts.py``. This
test is what keeps the two from drifting.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM_FACTS = ROOT / "cmk_facts.py"
PACK_FACTS = ROOT / "policy" / "facts.py"


def test_policy_pack_facts_are_a_copy_of_the_program_facts():
    program, pack = PROGRAM_FACTS.read_bytes(), PACK_FACTS.read_bytes()
    assert pack == program, (
        "policy/facts.py differs from cmk_facts.py: the policy pack would enforce other facts "
        "than the program uses. Copy the program's: cp cmk_facts.py policy/facts.py"
    )
