from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.packages import at_word, invocations, pip_call, unpinned
from dockerlens.semantics.managers import PIP

_VALUE_OPTIONS = PIP.value_options
_pinned = PIP.pinned


class PipUnpinned(Rule):
    """`pip install` names a package without a version.

    ## What it does
    Flags a `RUN` whose `pip install` (also `pip3`, `pipx` and `python -m pip`) installs a
    package with no version constraint: `flask` rather than `flask==3.0.3`. Wheels, source
    archives, local paths and VCS URLs with an `@ref` count as pinned. An install from a
    requirements file (`-r`), with a constraints file (`-c`) or of the project in `.` is left
    alone: the versions are written there. The `RUN` is reported once.

    ## Why is this bad?
    Without a version, pip takes the latest release on the day of the build, so rebuilding the
    same Dockerfile can bring a new major version and break the image for reasons its history
    does not show.

    ## Example
    ```dockerfile lines=2
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask gunicorn
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask==3.0.3 gunicorn==22.0.0
    ```

    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Differences from hadolint
    - Variables whose value is known are expanded (`flask==$FLASK_VERSION` with an `ARG`
      default), and a word that is only a variable of unknown value is not judged; hadolint
      reads `$VAR` as written.
    - Any local path counts as pinned (`.[dev]`, `../lib`), as does a `.zip` or `.tgz` archive;
      a word merely starting with `git` or `svn` (`gitpython`) is not taken for a VCS URL.
    - `python -m pip` is found whatever comes between `pip` and `install`, pip is found by
      path (`/opt/venv/bin/pip`), behind wrappers such as `sudo`, and in `sh -c` scripts.
    - The values of more options are not taken for packages (`--cache-dir`, `--timeout`,
      `--config-settings`, pipx's `--pip-args` and `--suffix`...).
    """

    code = "DL3013"
    name = "pip-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in pip. Instead of `pip install <package>` use `pip install "
        "<package>==<version>` or `pip install --requirement <requirements file>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"pip"})  # pip3, python -m pip
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in invocations(step):
            call = pip_call(invocation)
            if call is None or "install" not in call.args:
                continue
            args = call.args
            if (
                "-r" in args
                or "--requirement" in args
                or "." in args
                or any(a.startswith("--requirement=") for a in args)
                or has_flag(call.command, "c", "constraint")
            ):
                continue
            operands = call.operands(_VALUE_OPTIONS)
            texts = [w.text for w in operands]
            start = texts.index("install") + 1 if "install" in texts else len(texts)
            packages = [w for w in operands[start:] if w.text != "install"]
            word = unpinned(packages, _pinned)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
