"""The fleet: every organisation's stack, listed, checked and rolled out together.

One stack per Adobe organisation; the fleet is the committed ``Pulumi.<stack>.yaml`` files
(:mod:`fleet.stacks`), checked through the Automation API (:mod:`fleet.runner`), classified from
engine events (:mod:`fleet.classify`) and reported as one table or JSON (:mod:`fleet.report`).
``scripts/fleet`` is the command line (:mod:`fleet.cli`); docs/fleet.md is the operator's page.
"""
