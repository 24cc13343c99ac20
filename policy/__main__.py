"""The policy pack's entry point: the CLI runs this folder (``python -m pulumi.policy <engine> .``).

The policies, and why each exists, are listed in ``pack.py``; the rules are in ``vault_rules.py``,
``key_rules.py``, ``stack_rules.py`` and ``byok_rules.py``.
"""

from pack import serve

if __name__ == "__main__":
    serve()
