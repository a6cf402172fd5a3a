from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.packages import at_word, find, unpinned
from dockerlens.semantics.managers import manager

#: gem's record: install verbs, options with a value, pin syntax (``name:version``, ``-v``).
_GEM = manager("gem")


class GemUnpinned(Rule):
    """`gem install` names a gem without a version.

    ## What it does
    Flags a `RUN` whose `gem install` (or `gem i`) names a gem without a version: `rails`
    rather than `rails:7.2.1`, and with no `-v`/`--version`. Local `.gem` files count as
    pinned.

    ## Why is this bad?
    Without a version, RubyGems installs the latest release on the day of the build, so the
    same Dockerfile builds different images over time and a new major version can break it.

    ## Example
    ```dockerfile lines=2
    FROM ruby:3.3-slim
    RUN gem install --no-document bundler
    ```

    ## Use instead
    ```dockerfile
    FROM ruby:3.3-slim
    RUN gem install --no-document bundler:2.5.22
    ```

    ```dockerfile
    FROM ruby:3.3-slim
    RUN gem install bundler --version 2.5.22
    ```

    ## Differences from hadolint
    - hadolint takes the word after every option for its value, so `gem install
      --no-document bundler` passes there; dockerlens knows which options take a value.
    - Local `.gem` files are not reported; variables whose value is known are expanded and a
      word that is only a variable of unknown value is not judged; `gem` is found behind
      wrappers, in `sh -c` scripts and by path.
    """

    code = "DL3028"
    name = "gem-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in gem install. Instead of `gem install <gem>` use `gem install "
        "<gem>:<version>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"gem"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "gem", *_GEM.install_verbs):
            # What follows `--` is for the gem's build, not gems.
            own = invocation.until("--")
            if has_flag(own.command, *_GEM.version_options):
                continue
            operands = own.operands(_GEM.value_options)
            gems = [w for w in operands if w.text not in _GEM.install_verbs]
            word = unpinned(gems, _GEM.pinned)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
