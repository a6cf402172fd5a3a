from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step

#: Comments that are directives to a tool, never descriptions.
_PRAGMA = LazyPattern(r"^(?:hadolint\b|dockerlens:|check\s*=|syntax\s*=|escape\s*=)", re.IGNORECASE)


class InvalidDefinitionDescription(Rule):
    """The comment right above a named `FROM` or an `ARG` does not start with its name.

    ## What it does
    BuildKit reads the comment directly above `FROM ... AS name` and `ARG name` as the
    description of that build target or argument, shown by `docker build --call=outline` and
    `--call=targets`, when the comment starts with the name. This rule, BuildKit's experimental
    `InvalidDefinitionDescription` build check, flags a comment there that does not start
    with the name (with any of the names, for an `ARG` declaring several). It is off by default,
    as the check is in BuildKit.

    A blank line does not separate a comment from the instruction below it (BuildKit's parser
    keeps the comments since the previous instruction); an empty `#` line does.

    ## Why is this bad?
    Either the comment was meant as a description and is not shown (it does not start with the
    name), or it was not, and tools that list targets and arguments have nothing to show.

    ## Example
    ```dockerfile lines=2
    # a non-descriptive comment
    FROM scratch AS base
    ```

    ```dockerfile lines=3
    FROM alpine:3.20
    # another non-descriptive comment
    ARG VERSION=1
    ```

    ## Use instead
    ```dockerfile
    # base is a stage for compiling source
    FROM scratch AS base
    ```

    ```dockerfile
    FROM alpine:3.20
    # another non-descriptive comment
    #
    ARG VERSION=1
    ```

    ## Differences from BuildKit
    A comment that is a directive to a linter or to the parser (`# hadolint ignore=...`,
    `# dockerlens: ...`, `# check=skip=...`) is not taken for a description.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/
    """

    code = "BK010"
    name = "invalid-definition-description"
    severity = Severity.WARNING
    category = Category.STYLE
    message = (
        "Comment for build stage or argument should follow the format: "
        "`# <arg/stage name> <description>`"
    )
    on = frozenset({"FROM", "ARG"})
    buildkit_name = "InvalidDefinitionDescription"
    default_enabled = False

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        instruction = step.instruction
        if not instruction.comments:
            return
        if step.keyword == "FROM":
            words = instruction.value
            if len(words) != 3 or words[1].lower() != "as":
                return
            names = [words[2].lower()]
        else:
            names = [w.partition("=")[0] for w in instruction.value]
        if not names:
            return
        comment = instruction.comments[-1]
        if _PRAGMA.match(comment) or comment.split(" ")[0] in names:
            return
        example = names[0] if len(names) == 1 else "<arg_key>"
        message = (
            f"Comment for {step.keyword} should follow the format: `# {example} <description>`"
        )
        yield Problem(step, message=message)
