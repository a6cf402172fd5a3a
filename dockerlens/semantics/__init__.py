"""What RUN scripts and the words of a Dockerfile mean: one home for that knowledge.

Rules and plugins import these modules (documented, with a stability promise, in
docs/rules/writing-rules.md):

* :mod:`dockerlens.semantics.expansion` — variable expansion with BuildKit's semantics.
* :mod:`dockerlens.semantics.scope` — the variables a command of a RUN script sees: the ARG and
  ENV values of its instruction plus the script's own assignments before it.
* :mod:`dockerlens.paths` — the path algebra (clean, resolve, relation, covers).
* :mod:`dockerlens.semantics.managers` — the catalogue of package managers.
* :mod:`dockerlens.semantics.facts` — the per-step views the engine computes once.

The package imports nothing at start-up: the model imports :mod:`.expansion` while it loads.
"""
