"""preflight's reading of the stack config through the Pulumi CLI when the CLI fails: the reason
it quotes is masked before it is cut (issue 20, item 9), so a secret the process holds that
straddles the cut leaves nothing of itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from preflight.stack_config import ConfigUnreadable, from_cli
from providers.platform.redaction import register

SECRET = "preflight-held-secret-0c9f3b71"
FAILING_CLI = """#!{python}
import sys
sys.stderr.write({line!r} + "\\n")
sys.exit(255)
"""


def failing_cli(tmp_path: Path, line: str) -> str:
    path = tmp_path / "pulumi"
    path.write_text(FAILING_CLI.format(python=sys.executable, line=line), encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_preflight_cli_failure_masks_a_secret_straddling_the_cut(tmp_path):
    register(SECRET)  # as the process would once it has read the credential
    pad = "e" * 283  # the secret starts at character 290 of the reason, the cut is at 300
    cli = failing_cli(tmp_path, f"error: {pad}{SECRET} (decrypting)")
    with pytest.raises(ConfigUnreadable) as caught:
        from_cli("t", cli, tmp_path)
    message = str(caught.value)
    assert pad in message and "***" in message, message
    assert SECRET[:5] not in message, message
