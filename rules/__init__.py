"""dockerlens's built-in rules, one rule per module.

Installed as ``dockerlens.rules`` and registered through the ``dockerlens.rules`` entry-point
group, the same way third-party rule packs are.
"""
