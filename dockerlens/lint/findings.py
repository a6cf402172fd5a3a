"""What the linter reports: findings, and the codes the engine itself reports."""

from __future__ import annotations

from typing import Any, NamedTuple

from dockerlens.lint.rule import Fix, Severity

DOCS_URL = "https://github.com/dockerlens/dockerlens/blob/main/docs/rules/{code}.md"


class Finding:
    """One problem found in a file. Read-only; equal when all but ``instruction_line`` and
    ``measured_bytes`` are. A plain class: a dataclass costs about a millisecond to make, at
    every start."""

    #: The fields, in the order they are passed without names.
    FIELDS = (
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "url",
        "fix",
        "instruction_line",
        "measured_bytes",
    )
    __slots__ = FIELDS

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
    fix: Fix | None
    #: The first line of the instruction at fault (0 for a file-wide finding): what an ignore
    #: pragma above that instruction suppresses.
    instruction_line: int
    #: What the finding costs in a built image (``lint --image``), None when nothing measured.
    measured_bytes: int | None

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        url: str,
        fix: Fix | None = None,
        instruction_line: int = 0,
        measured_bytes: int | None = None,
    ) -> None:
        values = (path, line, column, end_line, end_column, code, name, severity, message, url)
        for field, value in zip(self.FIELDS, values, strict=False):
            object.__setattr__(self, field, value)
        object.__setattr__(self, "fix", fix)
        object.__setattr__(self, "instruction_line", instruction_line)
        object.__setattr__(self, "measured_bytes", measured_bytes)

    def replace(self, **changes: Any) -> Finding:
        """A copy with ``changes``."""
        values = {field: getattr(self, field) for field in self.FIELDS}
        values.update(changes)
        return Finding(**values)

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field) for field in self.FIELDS[:-2])

    def __eq__(self, other: object) -> bool:
        if type(other) is not Finding:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Finding is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Finding is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Finding, tuple(getattr(self, field) for field in self.FIELDS))

    def __repr__(self) -> str:
        shown = ", ".join(f"{field}={getattr(self, field)!r}" for field in self.FIELDS)
        return f"Finding({shown})"

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
            "measured_bytes": self.measured_bytes,
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
    "hadolint reports its own parse errors under the same code. It fails the run (exit 1) "
    "whatever the failure threshold, unless `--exit-zero`: a file that does not build must "
    "not pass as clean.",
)
UNUSED_PRAGMA = EngineCode(
    "DK100",
    "unused-ignore-pragma",
    Severity.INFO,
    "An ignore pragma suppresses nothing (reported with --report-unused-pragmas).",
    "An ignore pragma (`# dockerlens: ignore=`, `# hadolint ignore=`, `# check=skip=`) names a "
    "rule that reports nothing where the pragma applies, or a rule that is not enabled: the "
    "pragma can go (a code no rule has is DK101 instead). Off unless "
    "`--report-unused-pragmas` (or `report-unused-pragmas = true`) is given, or DK100 is "
    "selected. ShellCheck codes are not judged. `--fix` takes the code out of a "
    "`# dockerlens:` or `# hadolint` pragma, or deletes the pragma line when none of its codes "
    "is used: safe when the rule is enabled and reports nothing there, unsafe when it is not "
    "enabled (another configuration, or hadolint itself, may still need it).",
)
RULE_CRASHED = EngineCode(
    "DK999",
    "internal-error",
    Severity.ERROR,
    "A rule failed on this instruction (a dockerlens bug).",
    "A rule raised an exception on this instruction; the message names the rule and the "
    "error. The other rules' findings are still reported. Please report it with the "
    "instruction that triggers it; meanwhile the failing rule can be ignored. The file was not "
    "fully checked, so DK999 fails the run (exit 1) whatever the failure threshold, unless "
    "`--exit-zero`.",
)
UNKNOWN_PRAGMA_CODE = EngineCode(
    "DK101",
    "unknown-code-in-pragma",
    Severity.WARNING,
    "An ignore pragma names a code that no rule has.",
    "A `# dockerlens: ignore=...` or `# hadolint ignore=...` pragma (any of their forms) names "
    "a code or rule name that no installed rule, engine code or ShellCheck check has: a typo "
    "(`DL3800` for `DL3008`) or a rule that was removed, so that code suppresses nothing; a "
    "`# hadolint` pragma holding one is void as a whole, as hadolint's parser rejects it "
    "(`# hadolint ignore=crazy,DL3002` does not ignore DL3002). "
    "The same name in configuration stops the run (exit 2); in a Dockerfile it is this "
    "finding, at the pragma's line. Codes hadolint removed (DL3005, DL3017, DL3031, DL3039) "
    "are accepted in `# hadolint` pragmas, as in a .hadolint.yaml; BuildKit's "
    "`# check=skip=` names BuildKit's checks and is not judged.",
)
UNREADABLE_FILE = EngineCode(
    "DK900",
    "unreadable-file",
    Severity.ERROR,
    "The file could not be read as a Dockerfile.",
    "The file is missing, is a directory, a named pipe or a device, cannot be opened, is "
    "larger than 4 MiB, holds a NUL byte (a binary file) or is not valid UTF-8; the message "
    "says which, and the line for the last two. The other files are still linted and "
    "reported, and the run exits 2 once the report is written, whatever `--exit-zero` or the "
    "failure threshold say (as a missing file always has); each such file is also named on "
    "standard error.",
)
SHELLCHECK_TIMEOUT = EngineCode(
    "DK901",
    "shellcheck-timeout",
    Severity.WARNING,
    "ShellCheck did not finish in time: this RUN was not checked.",
    "The ShellCheck process checking this RUN's script ran longer than `shellcheck-timeout` "
    "seconds (default 120, per process) and was killed, so the RUN has no SC findings: it was "
    "not checked, which is not the same as clean. Scripts are checked in batches, so the RUN "
    "named may not be the one ShellCheck stalled on: every RUN of the stopped batch is "
    "reported. Raise the timeout (`--shellcheck-timeout`, or `shellcheck-timeout` in the "
    "configuration) on a slow machine. An ignore pragma does not hide it, as it says the RUN "
    "was not checked; unlike DK999, `--ignore DK901` and a severity in configuration do.",
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
BYTES_HIDDEN_LATER = EngineCode(
    "DK601",
    "bytes-hidden-by-later-instruction",
    Severity.WARNING,
    "The built image stores bytes this instruction wrote and a later one deleted or replaced "
    "(lint --image).",
    "Reported by `dockerlens lint --image IMAGE Dockerfile` from the image itself: files this "
    "instruction wrote into its layer are deleted, replaced or hidden by a later instruction "
    "(named in the message), so every byte of them is still stored and pulled, although no "
    "container can see it. The finding is at the line that added the bytes and carries them "
    "in `measured_bytes`. Static rules that explain the same bytes (DK201, DK202, DK207, "
    "DK210) are priced instead, and this code is not repeated for them. Delete temporary files "
    "in the "
    "same RUN that creates them, or build them in another stage and `COPY --from` the result.",
)
BASE_IMAGE_BYTES_HIDDEN = EngineCode(
    "DK602",
    "base-image-bytes-hidden",
    Severity.INFO,
    "An instruction deletes or replaces files of the base image: the bytes stay in the image "
    "(lint --image).",
    "Reported by `dockerlens lint --image IMAGE Dockerfile` from the image itself: a line of "
    "the Dockerfile (named in the message) deletes or overwrites files the base image "
    "stores. Layers only add: the base image's bytes are still stored and pulled, and the "
    "deletion adds a layer on top. The finding is at the FROM line, with the bytes in "
    "`measured_bytes`. Pick a smaller base image, or build in one stage and copy what is "
    "needed into a clean final stage.",
)
#: Reported from a built image by ``lint --image``: on unless ignored, like DK101.
IMAGE_CODES = (BYTES_HIDDEN_LATER, BASE_IMAGE_BYTES_HIDDEN)
SECRET_IN_LAYER = EngineCode(
    "DK507",
    "secret-in-layer",
    Severity.ERROR,
    "A layer of the image stores a credential, whether the final file system shows it or not.",
    "Reported by `dockerlens analyze` (with secrets read, the default) for each file of any "
    "layer whose content holds a credential: a private key (PEM, OpenSSH, PuTTY, PKCS#8), an "
    "AWS key pair, a GCP service-account key, an Azure storage key, an `.npmrc`/`.pypirc`/"
    "`.netrc`/`.git-credentials`/`.docker/config.json` credential, a GitHub, GitLab, Slack, "
    "Stripe, npm or PyPI token, or a dotenv `*_TOKEN`/`*_SECRET`/`*PASSWORD` with a random "
    "value. A file deleted by a later step is still in the image: `docker save` or a pull hands "
    "the layer, and the credential, to anyone who can read the image. The message gives the "
    "kind, the path, the line in the file, the layer and its instruction, and whether the final "
    "file system still shows it; never the value. The finding is located at the image (its "
    "reference as the path). Fix: revoke the credential (it has shipped), then pass it to the "
    "build as a secret mount (`RUN --mount=type=secret`) or an SSH mount, never `COPY` it. The "
    "run exits 1 while an image holds more secrets than `max-secrets` (default 0); "
    "`--max-secrets disabled` reports them without failing, `--no-secrets` does not read them.",
    command="analyze",
)
MAX_GROWTH = EngineCode(
    "DK508",
    "max-growth",
    Severity.ERROR,
    "An image grew past `dockerlens diff --max-growth` from the image it is compared with.",
    "Reported by `dockerlens diff FROM TO --max-growth SIZE` when TO's final file system is "
    "larger than FROM's by more than SIZE (see docs/diff.md). The finding is located at TO (its "
    "reference as the path, no line); the message gives the growth and the limit, and the "
    "report lists the files and layers that grew. The run exits 1. To stop it, raise SIZE or "
    "leave the option out.",
    command="diff",
)
ENGINE_CODES = (
    PARSE_ERROR,
    UNUSED_PRAGMA,
    UNKNOWN_PRAGMA_CODE,
    UNREADABLE_FILE,
    SHELLCHECK_TIMEOUT,
    RULE_CRASHED,
    *THRESHOLD_CODES,
    *IMAGE_CODES,
    SECRET_IN_LAYER,
    MAX_GROWTH,
)
#: Codes no selection, ignore list, severity, pragma or failure threshold can hide: a file that
#: cannot be read or parsed, or a rule that failed, was not checked, and must not pass as clean.
#: Only --exit-zero (or exit-zero = true) turns them into exit 0, as ruff's --exit-zero does for
#: its syntax errors; an unreadable file still exits 2.
UNHIDEABLE_CODES = frozenset({PARSE_ERROR.code, RULE_CRASHED.code, UNREADABLE_FILE.code})


def docs_url(code: str) -> str:
    return DOCS_URL.format(code=code)
