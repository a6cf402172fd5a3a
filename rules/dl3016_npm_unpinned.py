from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_word, find, unpinned
from dockerlens.semantics.managers import manager

_NPM = manager("npm")
#: npm's spellings of install (``npm i``, ``npm add``...).
_INSTALL = frozenset(_NPM.install_verbs)
_VALUE_OPTIONS = _NPM.value_options
_pinned = _NPM.pinned


class NpmUnpinned(Rule):
    """`npm install` names a package without a version.

    ## What it does
    Flags a `RUN` whose `npm install` (or `npm i`, `npm add`) names a package without a
    version, tag or commit: `typescript` rather than `typescript@5.6.3`. Git URLs and GitHub
    shorthands need a `#commit-ish`; tarballs and folders count as pinned. A bare
    `npm install`, which installs what `package.json` and the lock file say, is fine.

    ## Why is this bad?
    An unpinned package is the latest release on the day of the build: the same Dockerfile
    builds different images over time, and a new major version can break it without any
    change to the Dockerfile.

    ## Example
    ```dockerfile lines=2
    FROM node:22-slim
    RUN npm install -g typescript
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    RUN npm install -g typescript@5.6.3
    ```

    ```dockerfile
    FROM node:22-slim
    COPY package.json package-lock.json ./
    RUN npm ci
    ```

    ## Differences from hadolint
    - `npm i`, `npm add` and npm's other spellings of install are checked; hadolint only
      knows `npm install`.
    - GitHub-style shorthands (`user/repo#v1.2.0`, `github:user/repo#v1.2.0`) are pinned by
      their `#ref`, `.` and `file:` paths are folders.
    - Variables whose value is known are expanded, a word that is only a variable of unknown
      value is not judged; more option values are not taken for packages (`--prefix`,
      `--cache`, `--omit`...); `npm` is found behind wrappers, in `sh -c`/`su -c` scripts and
      by path.
    """

    code = "DL3016"
    name = "npm-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in npm. Instead of `npm install <package>` use `npm install "
        "<package>@<version>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"npm"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "npm"):
            operands = invocation.operands(_VALUE_OPTIONS)
            if not operands or operands[0].text not in _INSTALL:
                continue
            word = unpinned(operands[1:], _pinned)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
