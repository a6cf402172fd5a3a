from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.model import expand_word


class EnvSelfReference(Rule):
    """An `ENV` uses a variable that the same `ENV` instruction defines.

    ## What it does
    Flags an `ENV` instruction in which one pair's value refers to a variable that another
    pair of the same instruction sets, when that variable had no value before it.

    ## Why is this bad?
    Docker expands every value of an `ENV` instruction with the variables as they were
    *before* the instruction. In `ENV DIR=/opt/app BIN=$DIR/bin`, `BIN` is `/bin`, not
    `/opt/app/bin`, which is rarely what was meant.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    ENV DIR=/opt/app BIN=$DIR/bin
    ```

    ```dockerfile lines=2
    FROM debian:12
    ENV HOME=/home/app CACHE="${HOME:-/root}/.cache"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ENV DIR=/opt/app
    ENV BIN=$DIR/bin
    ```

    ```dockerfile
    FROM debian:12
    ENV PATH=/opt/app/bin:$PATH
    ```

    ## Differences from hadolint
    hadolint finds references by text: it misses `${X:-default}` and sees one in a quoted
    `'$X'` or an escaped `\\$X`. dockerlens asks BuildKit's expansion which names a value uses.
    A variable that an earlier `ARG` or `ENV` of the stage (or an `ENV` inherited from a
    parent stage) gave a value is fine, as in hadolint; but hadolint also accepts any name
    declared anywhere earlier in the file, even in another stage where it is out of scope. A
    variable only the base image sets counts as undefined, as in hadolint:
    `ENV PATH=/a:$PATH PATH=/b:$PATH` loses `/a`.
    """

    code = "DL3044"
    name = "env-self-reference"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = (
        "Do not refer to an environment variable within the same `ENV` statement where it "
        "is defined."
    )
    on = frozenset({"ENV"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        pairs = step.instruction.pairs
        keys = {key for key, _, _ in pairs}
        for index, (_, value, _) in enumerate(pairs):
            _, matched, unmatched = expand_word(value, step.variables, step.escape)
            for name in sorted((matched | unmatched) & keys):
                known = step.variables.get(name)
                if known is not None and known.kind != "image":
                    continue  # set by an earlier ARG or ENV: hadolint's exemption
                if all(key != name for i, (key, _, _) in enumerate(pairs) if i != index):
                    continue  # only its own value uses it: ENV PATH=$PATH:/x
                yield Problem(step, at=value or None)
                return
