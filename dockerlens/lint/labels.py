"""The labels of a ``LABEL`` as the build sees them, and the label schema (hadolint's
``label-schema``) that DL3049-DL3058 check them against."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from dockerlens.lint.rule import Problem, RuleOptions, option
from dockerlens.model import Step, expand_word

#: The value types hadolint's ``label-schema`` knows.
LABEL_TYPES = ("text", "url", "semver", "hash", "rfc3339", "spdx", "email")


# A named tuple: a dataclass costs about a millisecond to make, at every start.
class Label(NamedTuple):
    """One key=value pair of a LABEL: as written, and as the build sees it."""

    raw_key: str
    raw_value: str
    #: None when it uses a variable whose value the Dockerfile does not know (an ARG's
    #: default counts as known).
    key: str | None
    #: None when it depends on a build argument or a value the Dockerfile does not know:
    #: only the build knows it.
    value: str | None


def labels(step: Step) -> list[Label]:
    """The pairs of a LABEL instruction, expanded where the Dockerfile knows the values."""
    return [
        Label(raw_key, raw_value, _known(step, raw_key, args=True), _known(step, raw_value))
        for raw_key, raw_value, _ in step.instruction.pairs
    ]


def _known(step: Step, word: str, args: bool = False) -> str | None:
    text, matched, unmatched = expand_word(word, step.variables, step.escape)
    if unmatched:
        return None
    for name in matched:
        variable = step.variables[name]
        # An image's ENV is unknown; a value from an ARG is whatever the build passes.
        if variable.value is None or (variable.kind == "arg" and not args):
            return None
    return text


# --- the schema ------------------------------------------------------------------------------


class SchemaOptions(RuleOptions):
    """The options of the rules that read the label schema."""

    label_schema: dict[str, str] = option(
        {},
        doc=(
            "Labels every image should carry, each with the type of its value: "
            + ", ".join(LABEL_TYPES)
            + " (hadolint's `label-schema`; set once at the top of the configuration)."
        ),
    )

    def validate(self) -> None:
        check_schema(self.label_schema)


def check_schema(schema: dict[str, str]) -> None:
    """Raise ValueError for a type the schema does not know (the configuration reader turns it
    into an error naming the file)."""
    for label, kind in schema.items():
        if kind not in LABEL_TYPES and kind != "":  # hadolint reads "" as text
            raise ValueError(
                f"label-schema: label {label!r} has the unknown type {kind!r} "
                f"(expected one of {', '.join(LABEL_TYPES)})"
            )


def labels_of_type(schema: dict[str, str], kind: str) -> set[str]:
    return {label for label, value in schema.items() if value == kind}


def bad_typed_labels(
    step: Step, schema: dict[str, str], kind: str, valid: Callable[[str], bool], message: str
) -> Iterator[Problem]:
    """A problem for each label of type ``kind`` whose (known) value ``valid`` rejects;
    ``message`` has a ``{label}`` placeholder."""
    wanted = labels_of_type(schema, kind)
    if not wanted:
        return
    for label in labels(step):
        if label.key in wanted and label.value is not None and not valid(label.value):
            yield Problem(step, message=message.format(label=label.key), at=label.raw_key)
