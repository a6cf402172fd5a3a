"""The rule contract: what a rule declares, what it sees, and what it reports.

A rule is a small class in its own module: a code, a kebab-case name, a severity, a category,
typed options with defaults, and a docstring whose fixed sections document it and whose
``dockerfile`` blocks the test suite runs. The engine makes one instance per linted file, so a
rule may keep per-file state on ``self``; everything shared (stages, shells, variable scope, the
shell syntax tree of each RUN) lives in the model the engine hands over.
"""

from __future__ import annotations

import enum
import importlib
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast

if TYPE_CHECKING:
    from dockerlens.lint.context import LintContext
    from dockerlens.model import Step


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """Higher is more severe: error 3 ... style 0."""
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None


_RANKS = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1, Severity.STYLE: 0}


class Category(enum.Enum):
    BLOAT = "bloat"
    SECURITY = "security"
    CORRECTNESS = "correctness"
    MAINTAINABILITY = "maintainability"
    STYLE = "style"


# Named tuples rather than dataclasses: a dataclass costs about a millisecond to make, at
# every start.
class Edit(NamedTuple):
    """Replace the text between two 1-based (line, column) positions, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return dict(self._asdict())


class Fix(NamedTuple):
    """A change that resolves a finding: a title and text edits that never overlap.

    ``lint --fix`` applies a fix whole or not at all (:mod:`dockerlens.lint.fix`); a rule that
    offers fixes says when, and whether they are safe, in its ``## Fix safety`` section.
    """

    title: str
    edits: tuple[Edit, ...]
    #: False when applying it may change what the image does (a human should look): applied
    #: only with ``--unsafe-fixes``.
    safe: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "safe": self.safe,
            "edits": [edit.to_dict() for edit in self.edits],
        }


class Problem(NamedTuple):
    """What a rule reports; the engine turns it into a :class:`~dockerlens.lint.findings.Finding`.

    ``step`` is the instruction at fault (None for a file-wide problem). ``at`` is text inside
    that instruction to point at (the first occurrence is marked), or an exact span
    ``(line, column, end_line, end_column)`` such as :meth:`LintContext.locate` gives; ``line``
    overrides the position outright. ``message`` defaults to the rule's ``message``.
    """

    step: Step | None
    message: str | None = None
    at: str | tuple[int, int, int, int] | None = None
    line: int | None = None
    fix: Fix | None = None


T = TypeVar("T")


class Option:
    """One option of a rule's :class:`RuleOptions`, as :func:`option` declares it."""

    __slots__ = ("default", "doc", "name")

    def __init__(self, default: Any, doc: str) -> None:
        self.default = default
        self.doc = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        # Reached only through the class: an instance holds every value of its own.
        return self if instance is None else self.default


def option(default: T, *, doc: str = "") -> T:
    """Declare an option of a rule's :class:`RuleOptions`: its default (a list, dict or set is
    copied for each instance) and one line for the documentation's options table."""
    return cast(T, Option(default, doc))


class RuleOptions:
    """A rule's options, read-only: subclass it and declare each with :func:`option` under its
    type. A plain class, not a dataclass: making a dataclass costs about a millisecond, at
    every start, for each rule that has options (a dataclass still works as a plugin's
    ``Options``)."""

    __options__: ClassVar[tuple[Option, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, Option] = {}
        annotated: set[str] = set()
        for klass in reversed(cls.__mro__):
            annotated.update(vars(klass).get("__annotations__", {}))
            for name, value in vars(klass).items():
                if isinstance(value, Option):
                    declared[name] = value
        untyped = [name for name in declared if name not in annotated]
        if untyped:  # the configuration checks each value against the option's type
            raise TypeError(f"{cls.__qualname__}: option {untyped[0]!r} has no type")
        cls.__options__ = tuple(declared.values())

    def __init__(self, **values: Any) -> None:
        names = {each.name for each in self.__options__}
        unknown = [name for name in values if name not in names]
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no option {unknown[0]!r}")
        state = self.__dict__
        for each in self.__options__:
            if each.name in values:
                state[each.name] = values[each.name]
            else:
                default = each.default
                mutable = isinstance(default, (list, dict, set))
                state[each.name] = default.copy() if mutable else default
        self.validate()

    def validate(self) -> None:
        """Raise ValueError for values that make no sense (the configuration reader names the
        file)."""

    def values(self) -> dict[str, Any]:
        return {each.name: self.__dict__[each.name] for each in self.__options__}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__qualname__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__qualname__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.values() == other.values()

    def __hash__(self) -> int:
        return hash(type(self))  # values may be lists and dicts; equal options share a type

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__qualname__}({shown})"


class NoOptions(RuleOptions):
    """The options of a rule that has none."""


class OptionField(NamedTuple):
    """What the configuration and the documentation know of one option."""

    name: str
    default: Any
    doc: str


def option_fields(options: type[Any]) -> tuple[OptionField, ...]:
    """The options an ``Options`` class declares: a :class:`RuleOptions` subclass, or a
    dataclass (each field an option, ``metadata={"doc": ...}`` its documentation)."""
    if isinstance(options, type) and issubclass(options, RuleOptions):
        return tuple(OptionField(o.name, o.default, o.doc) for o in options.__options__)
    dataclasses = sys.modules.get("dataclasses")  # not imported: no class is a dataclass
    if dataclasses is None or not dataclasses.is_dataclass(options):
        return ()
    fields = []
    for each in dataclasses.fields(options):
        default = each.default
        if default is dataclasses.MISSING:
            factory = each.default_factory
            default = None if factory is dataclasses.MISSING else factory()
        fields.append(OptionField(each.name, default, str(each.metadata.get("doc", ""))))
    return tuple(fields)


class Rule:
    """Base class of every rule, built-in or from a plugin.

    Subclasses set the class attributes and override :meth:`check` (called for every
    instruction whose keyword is in ``on``) and/or :meth:`finish` (called once at the end of the
    file, for rules that decide only once they have seen everything).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    category: ClassVar[Category]
    #: The one-line message used when a problem does not bring its own.
    message: ClassVar[str] = ""
    #: Instruction keywords to visit (ONBUILD-wrapped ones only with ``onbuild``).
    on: ClassVar[frozenset[str]] = frozenset()
    #: Also visit ``ONBUILD <keyword>`` instructions, as if they ran in a child image.
    onbuild: ClassVar[bool] = False
    #: For a RUN, words one of which its text must hold for :meth:`check` to be called: the
    #: programs the rule is about (``{"apt-get"}``). The text (:func:`dockerlens.semantics.
    #: invocations.mentionable_text`) is read with quotes and backslashes left out, the values
    #: of the RUN's variables and its commands' words once expanded added, so ``s'u'do``,
    #: ``$PIP install`` and ``$A$B install`` count. Empty: every RUN.
    run_mentions: ClassVar[frozenset[str]] = frozenset()
    #: Other names that select, ignore and suppress this rule (BuildKit check names...).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: The BuildKit build check this rule also is (``JSONArgsRecommended``...): it answers to
    #: that name and to ``# check=skip=``.
    buildkit_name: ClassVar[str | None] = None
    #: False: off unless selected by code or name (or through the configuration).
    default_enabled: ClassVar[bool] = True
    #: Options at least one of which must be set (not empty, not false) for the rule to report
    #: anything, such as a label schema: with all of them left at their defaults, the engine
    #: neither imports nor runs the rule.
    inert_unless: ClassVar[tuple[str, ...]] = ()
    #: A :class:`RuleOptions` subclass (or a dataclass): each option with its type and default.
    Options: ClassVar[type[Any]] = NoOptions
    #: Options the docstring examples run with (a rule that does nothing unconfigured).
    example_options: ClassVar[dict[str, Any]] = {}
    #: Where the rule's long documentation lives, if not in the generated docs.
    url: ClassVar[str | None] = None
    #: The rule reads files of the build context (names, ``.dockerignore``), not only the
    #: Dockerfile, and only for files that have ``COPY`` or ``ADD``: the result cache then
    #: keys such a file's findings on that context too (the folder its ``context`` option
    #: names, else the Dockerfile's folder).
    reads_build_context: ClassVar[bool] = False

    def __init__(self, options: Any = None) -> None:
        self.options: Any = options if options is not None else self.Options()

    def check(self, step: Step, ctx: LintContext) -> Iterable[Problem]:
        return ()

    def finish(self, ctx: LintContext) -> Iterable[Problem]:
        return ()

    @classmethod
    def identifiers(cls) -> Iterator[str]:
        """Every name that refers to this rule: code, name, aliases."""
        return RuleSpec.of(cls).identifiers()

    @classmethod
    def option_fields(cls) -> tuple[OptionField, ...]:
        return option_fields(cls.Options)


class RuleSpec(NamedTuple):
    """What the engine and the configuration need to know of a rule, without importing it.

    The built-in rules' specs come from a generated index (``dockerlens.rules._index``), so a
    run imports only the rule modules a file needs (:meth:`load`); a plugin's rules are imported
    to make theirs (:meth:`of`).
    """

    code: str
    name: str
    severity: Severity
    category: Category
    on: frozenset[str]
    onbuild: bool
    run_mentions: frozenset[str]
    aliases: tuple[str, ...]
    buildkit_name: str | None
    default_enabled: bool
    reads_build_context: bool
    url: str | None
    #: The names of the rule's options (the fields of its ``Options``).
    option_names: tuple[str, ...]
    #: Where the class is: its module and its name there.
    module: str
    qualname: str
    #: The options without which the rule reports nothing (:attr:`Rule.inert_unless`).
    inert_unless: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleSpec:
        spec = cls(
            rule.code,
            rule.name,
            rule.severity,
            rule.category,
            frozenset(rule.on),
            rule.onbuild,
            frozenset(rule.run_mentions),
            tuple(rule.aliases),
            rule.buildkit_name,
            rule.default_enabled,
            rule.reads_build_context,
            rule.url,
            tuple(field.name for field in rule.option_fields()),
            rule.__module__,
            rule.__qualname__,
            _inert_unless(rule),
        )
        _LOADED[spec.module, spec.qualname] = rule
        return spec

    def __reduce__(self) -> tuple[Any, ...]:
        # A class this process has loaded travels as itself, so pickle names it (a rule defined
        # where no other process can import it fails here, not in a worker); one not loaded yet
        # is a built-in's, rebuilt from its fields.
        rule = _LOADED.get((self.module, self.qualname))
        if rule is not None:
            return (RuleSpec.of, (rule,))
        return (RuleSpec, tuple(self))

    def load(self) -> type[Rule]:
        """The rule's class, its module imported on first use."""
        rule = _LOADED.get((self.module, self.qualname))
        if rule is None:
            rule = vars(importlib.import_module(self.module))[self.qualname]
            _LOADED[self.module, self.qualname] = rule
        return rule

    def identifiers(self) -> Iterator[str]:
        """Every name that refers to this rule: code, name, aliases."""
        yield self.code
        yield self.name
        yield from self.aliases
        if self.buildkit_name:
            yield self.buildkit_name

    def needed_by(self, keywords: frozenset[str], mentioned: frozenset[str] | None) -> bool:
        """Whether a file whose instructions have these ``keywords`` (``ONBUILD`` ones as
        ``ONBUILD <keyword>``) gives the rule anything to do. ``mentioned``: the words of
        :attr:`run_mentions` that its RUN instructions mention (None: not looked at)."""
        if not self.on:
            return True  # it decides at the end of the file
        visited = self.on | {f"ONBUILD {k}" for k in self.on} if self.onbuild else self.on
        present = visited & keywords
        if not present:
            return False
        if self.run_mentions and present <= {"RUN", "ONBUILD RUN"} and mentioned is not None:
            return not self.run_mentions.isdisjoint(mentioned)
        return True


def _inert_unless(rule: type[Rule]) -> tuple[str, ...]:
    """The rule's ``inert_unless``, when each of those options defaults to an empty or false
    value (a subclass with a default schema reports without configuration)."""
    defaults = {field.name: field.default for field in rule.option_fields()}
    if any(defaults.get(name) for name in rule.inert_unless):
        return ()
    return tuple(rule.inert_unless)


#: Rule classes by (module, qualname), as loaded.
_LOADED: dict[tuple[str, str], type[Rule]] = {}


def option_key(field_name: str) -> str:
    """The configuration spelling of an option: ``trusted_registries`` -> ``trusted-registries``."""
    return field_name.replace("_", "-")
