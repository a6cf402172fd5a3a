"""The linter: the rule contract, the engine, configuration and the reporters.

Rule authors need only what this module exports::

    from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
    from dockerlens.lint import RuleOptions, option  # a rule with options
"""

from dockerlens.lint.context import LintContext
from dockerlens.lint.rule import Category, Edit, Fix, Problem, Rule, RuleOptions, Severity, option
from dockerlens.model import Stage, Step

__all__ = [
    "Category",
    "Edit",
    "Fix",
    "LintContext",
    "Problem",
    "Rule",
    "RuleOptions",
    "Severity",
    "Stage",
    "Step",
    "option",
]
