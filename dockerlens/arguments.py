"""Declaring a command's arguments and options, and reading them from the command line.

Commands declare their parameters with decorators (:func:`command`, :func:`argument`,
:func:`option`), as they did with click, which cost 15-20 ms of every start (it imports
``inspect``, ``typing``, ``uuid``, ``platform`` and ``datetime``, most of which a lint run
never needs). argparse was tried in its place and cost 7-10 ms more than this module's own
reading of the command line: its import, with ``gettext`` and ``locale``, translation
look-ups, and a help formatter built for each of lint's 30 options. Values are checked and
converted after the split, so every usage error reads as it did with click, and the help is
laid out as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path as _PathType
from typing import Any, TypeVar

from dockerlens.errors import UserError

_Function = TypeVar("_Function", bound=Callable[..., Any])

#: Widest help, as before (the terminal's width when narrower).
MAX_WIDTH = 100
HELP_OPTIONS = ("-h", "--help")


class UsageError(UserError):
    """A command line the command cannot take; the dispatcher adds where to look for help."""


class BadParameter(ValueError):
    """A value an option or argument cannot take; the message says why (no option name)."""


# ---------------------------------------------------------------------------- value types


class ValueType:
    """Converts one value from the command line; raises :class:`BadParameter`."""

    metavar = "TEXT"

    def convert(self, value: str) -> object:
        return value

    def describe_range(self) -> str | None:
        return None


class Choice(ValueType):
    def __init__(self, choices: Sequence[str], case_sensitive: bool = True) -> None:
        self.choices = list(choices)
        self.case_sensitive = case_sensitive
        self.metavar = "[" + "|".join(self.choices) + "]"

    def convert(self, value: str) -> object:
        for choice in self.choices:
            if value == choice or (not self.case_sensitive and value.lower() == choice.lower()):
                return choice
        listed = ", ".join(repr(choice) for choice in self.choices)
        raise BadParameter(f"{value!r} is not one of {listed}.")


class IntRange(ValueType):
    metavar = "INTEGER RANGE"

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min = min
        self.max = max

    def convert(self, value: str) -> object:
        try:
            number = int(value)
        except ValueError:
            raise BadParameter(f"{value!r} is not a valid integer range.") from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise BadParameter(f"{number} is not in the range {self.describe_range()}.")
        return number

    def describe_range(self) -> str:
        if self.max is None:
            return f"x>={self.min}"
        if self.min is None:
            return f"x<={self.max}"
        return f"{self.min}<=x<={self.max}"


class Float(ValueType):
    metavar = "FLOAT"

    def convert(self, value: str) -> object:
        try:
            return float(value)
        except ValueError:
            raise BadParameter(f"{value!r} is not a valid float.") from None


class Boolean(ValueType):
    metavar = "BOOLEAN"
    TRUE = ("1", "on", "t", "true", "y", "yes")
    FALSE = ("0", "f", "false", "n", "no", "off")

    def convert(self, value: str) -> object:
        word = value.strip().lower()
        if word in self.TRUE:
            return True
        if word in self.FALSE:
            return False
        known = ", ".join(sorted(("", *self.TRUE, *self.FALSE)))
        raise BadParameter(f"{value!r} is not a valid boolean. Recognized values: {known}")


class Path(ValueType):
    """A path, checked only as far as asked (as ``click.Path``): a file where a folder is
    wanted, or the reverse, is refused when it exists; ``exists`` refuses a missing one."""

    def __init__(
        self,
        exists: bool = False,
        file_okay: bool = True,
        dir_okay: bool = True,
        path_type: type[_PathType] | None = None,
    ) -> None:
        self.exists = exists
        self.file_okay = file_okay
        self.dir_okay = dir_okay
        self.path_type = path_type
        self.noun = "Directory" if not file_okay else "File" if not dir_okay else "Path"
        self.metavar = self.noun.upper() if self.noun != "Path" else "PATH"

    def convert(self, value: str) -> object:
        if value and (self.exists or not (self.file_okay and self.dir_okay)):
            try:
                is_dir = os.path.isdir(value)
                present = is_dir or os.path.exists(value)
            except (OSError, ValueError):
                present = is_dir = False
            if not present and self.exists:
                raise BadParameter(f"{self.noun} {value!r} does not exist.")
            if present and is_dir and not self.dir_okay:
                raise BadParameter(f"{self.noun} {value!r} is a directory.")
            if present and not is_dir and not self.file_okay:
                raise BadParameter(f"{self.noun} {value!r} is a file.")
        return self.path_type(value) if self.path_type is not None else value


STRING = ValueType()
FLOAT = Float()
BOOL = Boolean()
_TYPES: dict[object, ValueType] = {str: STRING, float: FLOAT, bool: BOOL}


# ---------------------------------------------------------------------------- parameters


class Parameter:
    """An option (``flags`` set) or a positional argument (``flags`` empty).

    A plain class, not a dataclass: generating a dataclass's methods costs about a
    millisecond at each start."""

    def __init__(
        self,
        name: str,
        *,
        flags: tuple[str, ...] = (),
        off_flags: tuple[str, ...] = (),
        value_type: ValueType = STRING,
        default: object = None,
        metavar: str | None = None,
        help: str = "",
        is_flag: bool = False,
        multiple: bool = False,
        variadic: bool = False,
        required: bool = False,
        show_default: bool = False,
        envvar: str | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> None:
        self.name = name
        self.flags = flags
        #: The options that turn a ``--x/--no-x`` flag off.
        self.off_flags = off_flags
        self.value_type = value_type
        self.default = default
        self.metavar = metavar
        self.help = help
        self.is_flag = is_flag
        self.multiple = multiple
        #: An argument taking any number of values (``PATH...``).
        self.variadic = variadic
        self.required = required
        self.show_default = show_default
        self.envvar = envvar
        #: Called with the value (given or default) once converted; may check or change it.
        self.callback = callback

    @property
    def is_option(self) -> bool:
        return bool(self.flags)

    @property
    def shown_metavar(self) -> str:
        if self.metavar is not None:
            return self.metavar
        if self.is_option:
            return self.value_type.metavar
        return self.name.upper() + ("..." if self.variadic else "")

    @property
    def hint(self) -> str:
        """The parameter as an error message names it."""
        if not self.is_option:
            return repr(self.shown_metavar)
        hint = " / ".join(repr(flag) for flag in self.flags)
        if self.envvar:
            hint += f" (env var: {self.envvar!r})"
        return hint


class Command:
    """A function and the parameters it is called with."""

    def __init__(
        self, name: str, function: Callable[..., Any], parameters: list[Parameter]
    ) -> None:
        self.name = name
        self.function = function
        self.parameters = parameters

    @property
    def help(self) -> str:
        return self.function.__doc__ or ""

    @property
    def summary(self) -> str:
        """The first sentence of the help, as the command list shows it."""
        first = self.help.strip().split("\n\n", 1)[0]
        return " ".join(first.split())

    def option_names(self) -> set[str]:
        return {name for p in self.parameters for name in (*p.flags, *p.off_flags)} | set(
            HELP_OPTIONS
        )

    def main(self, args: Sequence[str], prog: str) -> None:
        """Parse ``args`` and call the function; usage errors are :class:`UsageError`."""
        values = self.parse(list(args), prog)
        if values is not None:
            self.function(**values)

    def parse(self, args: list[str], prog: str) -> dict[str, Any] | None:
        """The function's keyword arguments, or None when the help was asked for (and shown)."""
        given, extras = _split(self, args)
        if given.get(_HELP):
            sys.stdout.write(format_help(self, prog))
            return None
        if extras:
            if len(extras) == 1:
                raise UsageError(f"Got unexpected extra argument ({extras[0]})")
            raise UsageError(f"Got unexpected extra arguments ({' '.join(extras)})")
        return {p.name: _value(p, given.get(p.name)) for p in self.parameters}


#: Where :func:`_split` notes that the help was asked for (no parameter has this name).
_HELP = "-help"


def _split(command: Command, args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The values given, by parameter name (a list for a repeatable option or a variadic
    argument), and the arguments left over.

    As click and GNU tools read a command line: ``--name=value`` or ``--name value``, ``-n
    value`` or ``-nvalue``, short flags together (``-qj4``); options and arguments in any
    order; ``--`` ends the options and ``-`` alone is an argument. An option's value is the
    next word whatever it looks like (``--top -1``, ``--select -x``).
    """
    switches: dict[str, tuple[Parameter | None, bool]] = dict.fromkeys(HELP_OPTIONS, (None, True))
    for declared in command.parameters:
        switches.update(dict.fromkeys(declared.flags, (declared, True)))
        switches.update(dict.fromkeys(declared.off_flags, (declared, False)))
    given: dict[str, Any] = {}
    words: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            words.extend(args[index:])
            break
        if not word.startswith("-") or word == "-":
            words.append(word)
            continue
        if word.startswith("--"):
            long_name, has_value, value = word.partition("=")
            pending: list[tuple[str, str | None]] = [(long_name, value if has_value else None)]
        else:  # -abc: flags a and b, then c (with "" as c's value when it takes one)
            pending = [(f"-{letter}", None) for letter in word[1:]]
        for position, (name, attached) in enumerate(pending):
            if name not in switches:
                raise _no_such_option(name, command)
            parameter, switch = switches[name]
            if parameter is None:
                given[_HELP] = True
            elif parameter.is_flag:
                if attached is not None:
                    raise UsageError(f"Option {name!r} does not take a value.")
                given[parameter.name] = switch
            else:
                rest = word[position + 2 :] if not word.startswith("--") else None
                if attached is None and rest:
                    attached = rest
                if attached is None:
                    if index == len(args):
                        raise UsageError(f"Option {name!r} requires an argument.")
                    attached = args[index]
                    index += 1
                if parameter.multiple:
                    given.setdefault(parameter.name, []).append(attached)
                else:
                    given[parameter.name] = attached
                break  # the rest of a -abc word was this option's value
    return given, _place(command, words, given)


def _place(command: Command, words: list[str], given: dict[str, Any]) -> list[str]:
    """Hand ``words`` to the positional arguments in order (a variadic one takes what the
    others leave); the words left over."""
    arguments = [p for p in command.parameters if not p.is_option]
    for position, parameter in enumerate(arguments):
        if parameter.variadic:
            later = sum(1 for p in arguments[position + 1 :] if not p.variadic)
            taken = max(len(words) - later, 0)
            given[parameter.name], words = words[:taken], words[taken:]
        elif words:
            given[parameter.name], words = words[0], words[1:]
    return words


def _value(parameter: Parameter, given: Any) -> Any:
    value: Any
    if parameter.is_flag:
        value = parameter.default if given is None else given
    elif given is None or (parameter.variadic and not given):
        if parameter.required:
            raise UsageError(f"Missing argument {parameter.hint}.")
        from_env = os.environ.get(parameter.envvar) if parameter.envvar else None
        value = _convert(parameter, from_env) if from_env else parameter.default
        if parameter.multiple or parameter.variadic:
            value = tuple(value or ())
    elif parameter.multiple or parameter.variadic:
        value = tuple(_convert(parameter, each) for each in given)
    else:
        value = _convert(parameter, given)
    if parameter.callback is not None:
        try:
            value = parameter.callback(value)
        except BadParameter as err:
            raise UsageError(f"Invalid value for {parameter.hint}: {err}") from None
    return value


def _convert(parameter: Parameter, text: str) -> object:
    try:
        return parameter.value_type.convert(text)
    except BadParameter as err:
        raise UsageError(f"Invalid value for {parameter.hint}: {err}") from None


def _no_such_option(name: str, command: Command) -> UsageError:
    message = f"No such option {name!r}."
    from difflib import get_close_matches  # only for a mistyped option

    close = get_close_matches(name, sorted(command.option_names()))
    if len(close) == 1:
        message += f" Did you mean {close[0]}?"
    elif close:
        message += f" (Possible options: {', '.join(close)})"
    return UsageError(message)


# ---------------------------------------------------------------------------- declarations


def _parameters(function: Callable[..., Any]) -> list[Parameter]:
    declared: list[Parameter] | None = getattr(function, "__parameters__", None)
    if declared is None:
        declared = []
        function.__parameters__ = declared  # type: ignore[attr-defined]
    return declared


def command(name: str) -> Callable[[Callable[..., Any]], Command]:
    """The decorated function as the command ``name``, with the parameters declared under it."""

    def decorate(function: Callable[..., Any]) -> Command:
        # Decorators apply bottom up: the parameters were collected in reverse.
        return Command(name, function, list(reversed(_parameters(function))))

    return decorate


def argument(
    name: str, *, metavar: str | None = None, nargs: int = 1, required: bool | None = None
) -> Callable[[_Function], _Function]:
    """A positional argument; ``nargs=-1`` takes any number (required only when asked)."""
    variadic = nargs == -1
    parameter = Parameter(
        name,
        metavar=metavar,
        variadic=variadic,
        required=(not variadic) if required is None else required,
    )

    def decorate(function: _Function) -> _Function:
        _parameters(function).append(parameter)
        return function

    return decorate


def option(
    *declarations: str,
    type: ValueType | type[Any] | None = None,
    default: object = None,
    metavar: str | None = None,
    help: str = "",
    is_flag: bool = False,
    multiple: bool = False,
    show_default: bool = False,
    envvar: str | None = None,
    callback: Callable[[Any], Any] | None = None,
) -> Callable[[_Function], _Function]:
    """An option: ``"-o", "--output"``, then the function's parameter name when it differs
    from the long option's; ``"--x/--no-x"`` is a flag with its negation (default: ``default``)."""
    flags: list[str] = []
    off_flags: list[str] = []
    name = None
    for declaration in declarations:
        if "/" in declaration:
            on, off = declaration.split("/")
            flags.append(on)
            off_flags.append(off)
        elif declaration.startswith("-"):
            flags.append(declaration)
        else:
            name = declaration
    if name is None:
        longest = max(flags, key=len)
        name = longest.lstrip("-").replace("-", "_")
    value_type = _TYPES.get(type, STRING) if not isinstance(type, ValueType) else type
    if is_flag and default is None:
        default = False
    parameter = Parameter(
        name,
        flags=tuple(flags),
        off_flags=tuple(off_flags),
        value_type=value_type,
        default=default,
        metavar=metavar,
        help=help,
        is_flag=is_flag or bool(off_flags),
        multiple=multiple,
        show_default=show_default,
        envvar=envvar,
        callback=callback,
    )

    def decorate(function: _Function) -> _Function:
        _parameters(function).append(parameter)
        return function

    return decorate


# ---------------------------------------------------------------------------- help


def usage(command: Command, prog: str) -> str:
    pieces = [prog, "[OPTIONS]"]
    for parameter in command.parameters:
        if not parameter.is_option:
            pieces.append(parameter.shown_metavar)
    return "Usage: " + " ".join(pieces)


def format_help(command: Command, prog: str) -> str:
    """The help of ``command``: its usage, its docstring, and its options in two columns."""
    width = help_width()
    rows: list[tuple[str, str]] = []
    for parameter in command.parameters:
        if parameter.is_option:
            rows.append((_option_column(parameter), _option_help(parameter)))
    rows.append((", ".join(HELP_OPTIONS), "Show this message and exit."))
    return (
        usage(command, prog)
        + "\n\n"
        + describe(command.help, width)
        + "\nOptions:\n"
        + two_columns(rows, width)
    )


def help_width() -> int:
    import shutil  # only for the help

    return max(min(shutil.get_terminal_size().columns, MAX_WIDTH) - 2, 50)


def describe(docstring: str, width: int) -> str:
    """A docstring as help text: paragraphs wrapped to ``width`` and indented by two, except a
    paragraph after a line holding ``\\b``, which is kept as written."""
    import inspect  # only for the help
    import textwrap

    text = inspect.cleandoc(docstring)
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join("  " + line for line in lines[1:]))
        else:
            out.append(
                textwrap.fill(
                    " ".join(paragraph.split()),
                    width,
                    initial_indent="  ",
                    subsequent_indent="  ",
                )
            )
    return "\n\n".join(out) + "\n"


def two_columns(rows: list[tuple[str, str]], width: int, first_max: int = 30) -> str:
    import textwrap  # only for the help

    first = min(max((len(left) for left, _ in rows), default=0), first_max)
    indent = 2 + first + 2
    lines: list[str] = []
    for left, right in rows:
        wrapped = textwrap.wrap(right, max(width - indent, 10)) or [""]
        if len(left) <= first:
            lines.append(f"  {left.ljust(first)}  {wrapped[0]}".rstrip())
        else:
            lines.append(f"  {left}")
            lines.append(" " * indent + wrapped[0])
        lines.extend(" " * indent + line for line in wrapped[1:])
    return "\n".join(lines) + "\n"


def _option_column(parameter: Parameter) -> str:
    names = ", ".join(parameter.flags)
    if parameter.off_flags:
        return f"{names} / {', '.join(parameter.off_flags)}"
    if parameter.is_flag:
        return names
    return f"{names} {parameter.shown_metavar}"


def _option_help(parameter: Parameter) -> str:
    extras: list[str] = []
    if parameter.envvar:
        extras.append(f"env var: {parameter.envvar}")
    if parameter.show_default and parameter.default is not None:
        extras.append(f"default: {parameter.default}")
    shown_range = parameter.value_type.describe_range()
    if shown_range:
        extras.append(shown_range)
    if not extras:
        return parameter.help
    return f"{parameter.help}  [{'; '.join(extras)}]"
