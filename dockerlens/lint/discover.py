"""Which files ``dockerlens lint DIR`` lints.

Named files are linted (a missing one too: reading it reports why), unless an exclude pattern
matches them and ``--force-exclude`` is on. Directories are walked for regular files (or links
to one) named ``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``, ``*.dockerfile``,
``Containerfile`` and ``Containerfile.*`` (not ``*.dockerignore``, BuildKit's per-Dockerfile
ignore files), skipping ``.git``, ``node_modules``, whatever the ``.gitignore`` files on the
way (and the repository's ``.git/info/exclude``) ignore, with git's own matching rules, and
what the exclude patterns (:data:`DEFAULT_EXCLUDE`, ``exclude``, ``extend-exclude``,
``--exclude``) match, in the same syntax.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dockerlens.errors import UserError
from dockerlens.lazyre import LazyPattern

PATTERNS = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Containerfile",
    "Containerfile.*",
)
ALWAYS_SKIPPED = frozenset({".git", "node_modules"})
#: Left out of directory walks unless the configuration's ``exclude`` says otherwise: templates
#: (``Dockerfile.j2`` is not a Dockerfile until rendered), editor, patch and backup leftovers,
#: and ``vendor`` folders (third-party code vendored by Go modules, Composer or Bundler: its
#: Dockerfiles are not the project's to fix).
DEFAULT_EXCLUDE = (
    "*.j2",
    "*.jinja",
    "*.jinja2",
    "*.tmpl",
    "*.tpl",
    "*.erb",
    "*.ftl",
    "*.tt",
    "*.mustache",
    "*.hbs",
    "*.njk",
    "*.liquid",
    "*.twig",
    "*.gotmpl",
    "*.ejs",
    "*.append",
    "*.prepend",
    "*.orig",
    "*.rej",
    "*.bak",
    "*.swp",
    "*~",
    "vendor",
)

#: (path, is_dir) -> whether exclude patterns leave it out.
Excluded = Callable[[Path, bool], bool]


#: Suffixes of documents, data and other languages: ``Dockerfile.5.md`` (docker/cli's man
#: page for the format) is no Dockerfile, nor is ``Dockerfile.dockerignore`` (BuildKit's
#: per-Dockerfile ignore file).
NOT_DOCKERFILE_SUFFIXES = frozenset(
    {
        "dockerignore", "md", "markdown", "rst", "txt", "adoc", "asciidoc", "html", "htm",
        "pdf", "png", "jpg", "jpeg", "gif", "svg", "json", "yaml", "yml", "toml", "xml",
        "go", "py", "rs", "js", "ts", "rb", "java", "sh", "ps1", "bat", "diff", "patch", "log",
        "ncl", "cue", "jsonnet", "libsonnet", "nix", "dhall", "pkl", "bzl", "hcl", "tf", "lua",
        "pl", "php", "kt", "kts", "swift", "mjs", "cjs", "jsx", "tsx",
    }
)  # fmt: skip


def is_dockerfile_name(name: str) -> bool:
    if "." in name and name.rsplit(".", 1)[1].lower() in NOT_DOCKERFILE_SUFFIXES:
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PATTERNS)


def discover(
    targets: list[str],
    excluded: Excluded | None = None,
    force_excluded: Excluded | None = None,
    stdin_filename: str | None = None,
) -> list[str]:
    """Files to lint, in a stable order, without duplicates. ``-`` stays as it is.

    ``excluded`` prunes directory walks; ``force_excluded`` leaves out named files too, and
    standard input by its ``stdin_filename`` (as ruff does, for editors). When nothing is
    found (and no named file was left out on purpose), the run stops: a mistyped folder in CI
    must not pass as clean.
    """
    found: list[str] = []
    seen: set[str] = set()
    dropped = False
    for target in targets:
        named = stdin_filename if target == "-" else target
        is_dir = target != "-" and os.path.isdir(target)
        if force_excluded is not None and named and force_excluded(Path(named), is_dir):
            files = []
            dropped = True
        elif target == "-":
            files = ["-"]
        elif is_dir:
            files = sorted(_walk(Path(target), excluded), key=lambda p: p.split(os.sep))
        else:
            files = [target]  # a missing file is reported when it is read
        for path in files:
            key = path if path == "-" else os.path.normpath(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                found.append(path)
    if not found and not dropped:
        where = ", ".join(targets)
        raise UserError(f"no Dockerfiles found under {where}")
    return found


def _walk(root: Path, excluded: Excluded | None) -> list[str]:
    ignore = _IgnoreRules(root)

    def skipped(path: Path, is_dir: bool) -> bool:
        return ignore.ignored(path, is_dir) or (excluded is not None and excluded(path, is_dir))

    out = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        ignore.load(here)
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_SKIPPED and not skipped(here / d, True))
        for name in sorted(files):
            path = here / name
            # Only regular files (or links to one): a FIFO would block the run, and a dangling
            # link is no Dockerfile.
            if (
                is_dockerfile_name(name)
                and path.is_file()
                and not skipped(path, False)
                and not _holds_template_markup(path)
            ):
                out.append(os.path.normpath(str(path)))
    return out


#: How much of a ``*.template`` file is read to tell a template from a Dockerfile.
_TEMPLATE_SNIFF_BYTES = 64 * 1024
#: Names of files that may be templates: ``Dockerfile.template``, and orbit's
#: ``Dockerfile.slim.blueprint`` (thecodingmachine's PHP images, ``{{ .Orbit.variant }}``).
_TEMPLATE_SUFFIXES = (".template", ".blueprint", ".in")


def _holds_template_markup(path: Path) -> bool:
    """A ``Dockerfile.template`` with ``{{ }}`` markup (docker-library's jq templates), or
    ``@@NAME@@`` or ``%%NAME%%`` placeholders (filled by a generator script: paradedb's,
    docker-postgis's ``%%PG_MAJOR%%``) is not a Dockerfile until rendered; balena's, whose
    placeholders are all balena's own (``%%BALENA_MACHINE_NAME%%``, ``%%RESIN_ARCH%%``) and
    which balena builds as it is, is linted. So is a ``*.blueprint`` with such markup. Any
    name with a preprocessor's directive lines (``@INCLUDE``, ``@IF``: PowerDNS's builder;
    ``{% if %}``: Jinja; ``{{ if }}``, ``{{ def }}``: Go and docker-library's jq templates;
    ``<#if>``: FreeMarker; a ``<%`` scriptlet: Groovy, ERB), which no Dockerfile line starts
    with, is a template too. And a file of any other name than ``Dockerfile`` or
    ``Containerfile`` without a single line like an instruction (a word and its arguments) is
    something else (redpanda's ``Dockerfile.ignore`` of ignore patterns)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_TEMPLATE_SNIFF_BYTES)
    except OSError:
        return False
    if _DIRECTIVE_LINE.search(head) is not None:
        return True
    if path.name not in _PLAIN_NAMES and _INSTRUCTION_LINE.search(head) is None:
        return True  # `Dockerfile.ignore` holding ignore patterns: no line like an instruction
    if not path.name.endswith(_TEMPLATE_SUFFIXES):
        return False
    if (b"{{" in head and b"}}" in head) or _AT_PLACEHOLDER.search(head) is not None:
        return True
    if path.name.endswith(".in") and _CONFIGURE_PLACEHOLDER.search(head) is not None:
        return True  # autoconf's and CMake's configure_file fill `@BASE_IMAGE@`
    return any(not name.startswith(_BALENA_PREFIXES) for name in _PERCENT_PLACEHOLDER.findall(head))


#: Names that are a Dockerfile whatever they hold: one without any instruction is reported.
_PLAIN_NAMES = frozenset({"Dockerfile", "Containerfile"})
#: A line that reads like an instruction: a word, then its arguments or a line continuation
#: (`FROM alpine`, `FROM \\`, a misspelled `FORM ubuntu`, which linting reports). Ignore
#: patterns (`**`, `!install.sh`, `node_modules`) never do.
_INSTRUCTION_LINE = LazyPattern(
    rb"^(?:\xef\xbb\xbf)?[ \t]*[A-Za-z]+(?:[ \t]+[^ \t\r\n#]|[ \t]*\\|[ \t]*`)",
    re.MULTILINE,
)
_AT_PLACEHOLDER = LazyPattern(rb"@@[A-Za-z_][A-Za-z0-9_]*@@")
_CONFIGURE_PLACEHOLDER = LazyPattern(rb"@[A-Za-z_][A-Za-z0-9_]*@")
_DIRECTIVE_LINE = LazyPattern(
    rb"^(?:@(?:INCLUDE|IF|ELSE|ENDIF|EVAL|EXEC)\b|\{%-?\s*(?:if|for|include|block|extends)\b"
    rb"|\{\{-?\s*(?:if|else|end|def|range|with|define|template|block|include)\b"
    rb"|</?#(?:if|else|list|assign|include|macro)\b|<%[^>]*$)",
    re.MULTILINE,
)
_PERCENT_PLACEHOLDER = LazyPattern(rb"%%([A-Za-z_][A-Za-z0-9_]*)%%")
#: The placeholders balena fills in when it builds a ``Dockerfile.template`` itself.
_BALENA_PREFIXES = (b"BALENA_", b"RESIN_")


#: A pattern that only names files (``*.orig``, ``Dockerfile~``): no folder part, negation,
#: escape, bracket, comment or blank. It matches a name at any depth, with fnmatch's meaning,
#: which is git's for such a pattern; checked without importing pathspec (20-30 ms, a tenth of
#: a pre-commit run on one file).
_NAME_ONLY = re.compile(r"[^/!#\\\s\[][^/\\\[]*(?<=\S)")


class _Patterns:
    """gitignore pattern lists, each relative to its own folder; the last match wins."""

    def __init__(self) -> None:
        #: (folder, names-only patterns or a pathspec GitIgnoreSpec)
        self.specs: list[tuple[Path, tuple[str, ...] | Any]] = []

    def add_lines(self, base: Path, lines: Iterable[str]) -> None:
        lines = list(lines)
        if all(_NAME_ONLY.fullmatch(line) for line in lines):
            self.specs.append((base, tuple(lines)))
            return
        import pathspec  # only for patterns that need it

        self.specs.append((base, pathspec.GitIgnoreSpec.from_lines(lines)))

    def match(self, path: Path, is_dir: bool, outside: bool) -> bool:
        """Whether the last pattern that matches ``path`` (absolute) excludes it.
        ``outside``: a path outside a list's folder is matched by its name (``*.orig`` still
        applies), not skipped."""
        result = False
        for base, spec in self.specs:
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                if not outside:
                    continue
                relative = path.name
            if isinstance(spec, tuple):
                # The file or any folder on its way: `legacy` leaves out legacy/Dockerfile.
                names = relative.split("/")
                if any(fnmatch.fnmatchcase(n, p) for n in names for p in spec):
                    result = True
                continue
            outcome = spec.check_file(relative + ("/" if is_dir else ""))
            if outcome.include is not None:
                result = outcome.include
        return result


class Exclusion(_Patterns):
    """The exclude patterns of one configuration (and the command line)."""

    def __init__(self) -> None:
        super().__init__()
        #: Named files are left out too (``force-exclude``).
        self.force = False

    @staticmethod
    def check(patterns: list[str]) -> None:
        """Raise ValueError for a pattern gitignore syntax does not allow."""
        for pattern in patterns:
            if _NAME_ONLY.fullmatch(pattern):
                continue
            import pathspec

            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except (ValueError, TypeError) as err:
                raise ValueError(f"bad pattern {pattern!r}: {err}") from None

    def add(self, base: Path | None, patterns: Iterable[str]) -> None:
        patterns = list(patterns)
        if patterns:
            self.add_lines(base or Path.cwd(), patterns)

    def excludes(self, path: Path, is_dir: bool) -> bool:
        """Whether the patterns leave ``path`` out, as reached (a walk does not follow links:
        a link is judged by its own name and place)."""
        return self.match(Path(os.path.abspath(path)), is_dir, outside=True)


class _IgnoreRules(_Patterns):
    """The .gitignore files from the repository root (or the walk's root) down."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        resolved = root.resolve()
        top = next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), None)
        if top is not None:
            self._add(top, top / ".git" / "info" / "exclude")
            # Outer files first: a deeper .gitignore overrides them.
            for folder in reversed(resolved.relative_to(top).parents):
                self._add(top / folder, top / folder / ".gitignore")

    def _add(self, base: Path, path: Path) -> None:
        if not path.is_file():
            return
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self.add_lines(base, lines)

    def load(self, folder: Path) -> None:
        self._add(folder.resolve(), folder / ".gitignore")

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return self.match(path.resolve(), is_dir, outside=False)
