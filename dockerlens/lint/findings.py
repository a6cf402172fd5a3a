"""What the linter reports: findings, and the codes the engine itself reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from dockerlens.lint.rule import Fix, Severity

DOCS_URL = "https://github.com/dockerlens/dockerlens/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: Severity
    message: str
    url: str
    fix: Fix | None = None
    #: The first line of the instruction at fault (0 for a file-wide finding): what an ignore
    #: pragma above that instruction suppresses.
    instruction_line: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "url": self.url,
            "fix": self.fix.to_dict() if self.fix else None,
        }

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


class EngineCode(NamedTuple):
    """A code the engine reports itself (not a rule): documented and selectable like one."""

    code: str
    name: str
    severity: Severity
    summary: str
    #: What it means and what to do, for its page (``dockerlens rules CODE``, docs/rules/).
    detail: str = ""
    #: The command that reports it: ``lint`` (selectable like a rule) or ``analyze``.
    command: str = "lint"


PARSE_ERROR = EngineCode(
    "DL1000",
    "parse-error",
    Severity.ERROR,
    "The file is not a Dockerfile BuildKit would accept.",
    "BuildKit's parser rejects the file (an unterminated heredoc, a bad parser directive, "
    "`ENV` without a value...), or an instruction BuildKit does not know stops the build "
    "(`unknown instruction`). The message is BuildKit's. A file that does not parse gets no "
    "other finding; after an unknown instruction the rest of the file is still linted. "
    "hadolint reports its own parse errors under the same code.",
)
UNUSED_PRAGMA = EngineCode(
    "DK100",
    "unused-ignore-pragma",
    Severity.INFO,
    "An ignore pragma suppresses nothing (reported with --report-unused-pragmas).",
    "An ignore pragma (`# dockerlens: ignore=`, `# hadolint ignore=`, `# check=skip=`) names a "
    "rule that reports nothing where the pragma applies, or a rule that is not enabled: the "
    "pragma can go. Off unless `--report-unused-pragmas` (or `report-unused-pragmas = true`) "
    "is given, or DK100 is selected. ShellCheck codes are not judged.",
)
RULE_CRASHED = EngineCode(
    "DK999",
    "internal-error",
    Severity.ERROR,
    "A rule failed on this instruction (a dockerlens bug).",
    "A rule raised an exception on this instruction; the message names the rule and the "
    "error. The other rules' findings are still reported. Please report it with the "
    "instruction that triggers it; meanwhile the failing rule can be ignored.",
)


def _threshold_code(code: str, name: str, threshold: str, what: str) -> EngineCode:
    return EngineCode(
        code,
        name,
        Severity.ERROR,
        f"An image crosses the `{threshold}` threshold of `dockerlens analyze` ({what}).",
        f"Reported by `dockerlens analyze` when the image crosses `{threshold}` (an option, "
        "the `[analyze]` table of the configuration, or `.dive-ci`; see docs/analyze.md). The "
        "finding is located at the image (its reference as the path, no line); the message "
        "gives the value, the threshold and, for a layer, the layer's number and instruction. "
        "The run exits 1. To stop it, leave the threshold unset or set it to `disabled`.",
        command="analyze",
    )


THRESHOLD_CODES = (
    _threshold_code("DK501", "lowest-efficiency", "lowestEfficiency", "dive's efficiency"),
    _threshold_code("DK502", "highest-wasted-bytes", "highestWastedBytes", "dive's wasted bytes"),
    _threshold_code(
        "DK503",
        "highest-user-wasted-percent",
        "highestUserWastedPercent",
        "dive's wasted share of the layers above the first",
    ),
    _threshold_code("DK504", "max-image-size", "max-image-size", "the image's size"),
    _threshold_code("DK505", "max-layer-size", "max-layer-size", "a layer's size"),
    _threshold_code("DK506", "max-wasted-bytes", "max-wasted-bytes", "exact wasted bytes"),
)
ENGINE_CODES = (PARSE_ERROR, UNUSED_PRAGMA, RULE_CRASHED, *THRESHOLD_CODES)


def docs_url(code: str) -> str:
    return DOCS_URL.format(code=code)
