"""``lint --image``: the built image as evidence for the linter's findings.

The image's layers are read and stacked (:mod:`dockerlens.image.analysis`), traced to the lines
of the linted Dockerfile (:mod:`dockerlens.image.attribution`), and then:

* each finding whose cost the image shows gets ``measured_bytes``: the bytes under the package
  caches in the layer of the RUN at fault (DL3009, DL3019, DL3042, DK203), the bytes a
  ``chown``/``chmod`` copied up (DK201), the bytes copied and then deleted (DK202), the bytes of
  the archive copied before being unpacked (DK207, DL3010), the bytes a RUN wrote that the later
  RUN it names deletes (DK210). A measured 0 is reported as 0.
* bytes a line stores that a later line hides, and which no finding explains, become findings
  of their own: DK601 (a line of the file wrote them) and DK602 (the base image did), at the
  line that added them, naming the line that hid them.

Pure apart from reading the image: :func:`price` takes the lint run and the opened image.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dockerlens.image.analysis import ImageFigures, WastedFile, analyze_layers
from dockerlens.image.archive import ImageInput
from dockerlens.image.attribution import Attribution, SourceLine, attribute
from dockerlens.image.layerscan import Kind, LayerScan
from dockerlens.image.units import human_size
from dockerlens.lint.findings import (
    BASE_IMAGE_BYTES_HIDDEN,
    BYTES_HIDDEN_LATER,
    EngineCode,
    Finding,
    docs_url,
)
from dockerlens.lint.layers import any_archive
from dockerlens.model import Dockerfile
from dockerlens.semantics.managers import APK, APK_INDEX, APT_ARCHIVES, APT_LISTS, MANAGERS, PIP

_APT = (APT_LISTS, "/var/cache/apt")  # the lists, and every cache apt keeps
_APK = APK.caches[0].paths
_PIP = PIP.caches[0].paths
_MENTIONED_LINE = re.compile(r"\bline (\d+)\b")
_WRITES = re.compile(r"^`[^`]+` writes (/[^\s,;]+)")


_DK203_MANAGER = re.compile(r"^`([^`]+)` leaves its (.*?) in this layer")


def _dk203_caches(message: str) -> tuple[str, ...]:
    """The caches a DK203 finding names: its manager's default places, and the paths the
    message gives (a cache moved by a variable)."""
    match = _DK203_MANAGER.match(message)
    if match is None:
        return ()
    named = [
        manager
        for manager in (*MANAGERS, APT_ARCHIVES, APK_INDEX)
        if manager.name == match.group(1)
    ]
    defaults = [path for manager in named for cache in manager.caches for path in cache.paths]
    given = [word.rstrip(",") for word in match.group(2).split() if word.startswith(("/", "~"))]
    return tuple(path for path in (*defaults, *given) if not path.startswith("$"))


#: code -> the cache directories (from the finding's message) whose bytes in the RUN's layer
#: are the finding's cost.
CACHE_CODES: dict[str, Callable[[str], tuple[str, ...]]] = {
    "DL3009": lambda message: _APT,
    "DL3019": lambda message: _APK,
    "DL3042": lambda message: _PIP,
    "DK203": _dk203_caches,
}
#: codes whose cost is bytes a later instruction hid from a COPY/ADD
COPY_WASTE_CODES = frozenset({"DK201", "DK202"})
ARCHIVE_CODES = frozenset({"DK207", "DL3010"})
#: codes at the RUN that wrote files a later RUN (the line the message names) deletes
CREATED_DELETED_CODES = frozenset({"DK210"})
PRICED_CODES = frozenset({*CACHE_CODES, *COPY_WASTE_CODES, *ARCHIVE_CODES, *CREATED_DELETED_CODES})


def _cache_patterns(paths: Iterable[str]) -> list[tuple[str, ...]]:
    patterns = set()
    for path in paths:
        homes = ("root", "home/*") if path.startswith("~") else ("",)
        for home in homes:
            full = (home + path[1:]) if path.startswith("~") else path
            parts = tuple(part for part in full.strip("/").split("/") if part)
            if parts:
                patterns.add(parts)
    return sorted(patterns)


def _under(path: str, patterns: list[tuple[str, ...]]) -> bool:
    parts = path.split("/")
    for pattern in patterns:
        if len(parts) > len(pattern) and all(
            fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, pattern, strict=False)
        ):
            return True
    return False


@dataclass(slots=True)
class ImageEvidence:
    """One image read, stacked and traced to one Dockerfile."""

    image: ImageInput
    scans: list[LayerScan]
    figures: ImageFigures
    attribution: Attribution

    def layers_of(self, line: int) -> tuple[SourceLine | None, list[int]]:
        """The instruction (of the file, not the base image) covering ``line``, and its layers."""
        for source, layers in self.attribution.instructions:
            if not source.from_base and source.line <= line <= source.end_line:
                return source, layers
        return None, []

    def source_of(self, layer: int) -> SourceLine | None:
        return self.attribution.layers[layer].source


def read_evidence(
    image: ImageInput, dockerfile: Dockerfile, target: str | None = None
) -> ImageEvidence:
    scans = [image.scan_layer(index) for index in range(len(image.layers))]
    figures = analyze_layers(scans, top=1)
    attribution = attribute(image.config.get("history"), len(scans), dockerfile, target)
    return ImageEvidence(image, scans, figures, attribution)


def measure(finding: Finding, evidence: ImageEvidence) -> int | None:
    """The bytes ``finding`` costs in the image, or None when the image cannot say."""
    if finding.code not in PRICED_CODES:
        return None
    source, layers = evidence.layers_of(finding.instruction_line or finding.line)
    if source is None:
        return None
    if finding.code in CACHE_CODES:
        patterns = _cache_patterns(CACHE_CODES[finding.code](finding.message))
        return sum(
            entry.size
            for index in layers
            for entry in evidence.scans[index].entries
            if entry.kind == Kind.FILE and _under(entry.path, patterns)
        )
    if finding.code in CREATED_DELETED_CODES:
        return sum(wasted.size for wasted in _created_deleted(finding, evidence, layers))
    if finding.code in COPY_WASTE_CODES:
        mine = set(layers)
        total = 0
        for wasted in evidence.figures.wasted:
            added_by = evidence.source_of(wasted.added_in)
            if (
                wasted.hidden_in in mine
                and added_by is not None
                and added_by.keyword in ("COPY", "ADD")
            ):
                total += wasted.size
        return total
    # DK207: the archive a COPY/ADD stored, found at the COPY or the RUN that unpacks it.
    copies = [layers] if source.keyword in ("COPY", "ADD") else []
    for mentioned in _MENTIONED_LINE.findall(finding.message):
        other, other_layers = evidence.layers_of(int(mentioned))
        if other is not None and other.keyword in ("COPY", "ADD"):
            copies.append(other_layers)
    if not copies:
        return None
    return sum(
        entry.size
        for group in copies
        for index in group
        for entry in evidence.scans[index].entries
        if entry.kind == Kind.FILE and any_archive(entry.path)
    )


def _with_cost(finding: Finding, measured: int | None, where: str) -> Finding:
    if measured is None:
        return finding
    return finding.replace(
        measured_bytes=measured,
        message=f"{finding.message} [measured in {where}: {_bytes(measured)}]",
    )


def _bytes(count: int) -> str:
    return f"{count:,} bytes" if count < 1000 else f"{count:,} bytes ({human_size(count)})"


def _created_deleted(
    finding: Finding, evidence: ImageEvidence, layers: list[int]
) -> list[WastedFile]:
    """What a DK210 finding's RUN wrote (under the path it names) and the RUN it names deleted."""
    mine = set(layers)
    deleting: set[int] = set()
    for mentioned in _MENTIONED_LINE.findall(finding.message):
        other, other_layers = evidence.layers_of(int(mentioned))
        if other is not None:
            deleting.update(other_layers)
    written = _WRITES.search(finding.message)
    under = written.group(1).strip("/") if written and "$" not in written.group(1) else ""
    return [
        wasted
        for wasted in evidence.figures.wasted
        if wasted.added_in in mine
        and wasted.hidden_in in deleting
        and (not under or wasted.path == under or wasted.path.startswith(under + "/"))
    ]


def _explained(findings: list[Finding], evidence: ImageEvidence) -> set[tuple[int, int]]:
    """(added line, hidden line) pairs a priced finding already accounts for."""
    pairs = set()
    for finding in findings:
        if finding.code in CREATED_DELETED_CODES:
            _, layers = evidence.layers_of(finding.instruction_line or finding.line)
            for wasted in _created_deleted(finding, evidence, layers):
                added, hidden = (
                    evidence.source_of(wasted.added_in),
                    evidence.source_of(wasted.hidden_in),
                )
                if added is not None and hidden is not None:
                    pairs.add((added.line, hidden.line))
            continue
        if finding.code not in COPY_WASTE_CODES | ARCHIVE_CODES:
            continue
        source, _ = evidence.layers_of(finding.instruction_line or finding.line)
        if source is None:
            continue
        for wasted in evidence.figures.wasted:
            added, hidden = (
                evidence.source_of(wasted.added_in),
                evidence.source_of(wasted.hidden_in),
            )
            if added is None or hidden is None:
                continue
            if source in (added, hidden) and added.keyword in ("COPY", "ADD"):
                pairs.add((added.line, hidden.line))
    return pairs


def hidden_bytes_findings(
    evidence: ImageEvidence, explained: set[tuple[int, int]], lines: list[str]
) -> list[Finding]:
    """Bytes a line stores and a later line hides, grouped per (adding, hiding) line."""
    groups: dict[tuple[SourceLine, SourceLine], list[int]] = {}
    for wasted in evidence.figures.wasted:
        added, hidden = evidence.source_of(wasted.added_in), evidence.source_of(wasted.hidden_in)
        if added is None or hidden is None or (added.line, hidden.line) in explained:
            continue
        group = groups.setdefault((added, hidden), [0, 0])
        group[0] += wasted.size
        group[1] += 1
    findings = []
    for (added, hidden), (size, files) in groups.items():
        code = BASE_IMAGE_BYTES_HIDDEN if added.from_base else BYTES_HIDDEN_LATER
        what = "of the base image" if added.from_base else "written here"
        message = (
            f"{_bytes(size)} in {files} file{'s' if files != 1 else ''} {what} are deleted or "
            f"replaced by line {hidden.line} (`{_short(hidden.text)}`) but stay in the image"
        )
        findings.append(_finding(code, added, message, size, lines))
    return findings


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finding(
    code: EngineCode, source: SourceLine, message: str, size: int, lines: list[str]
) -> Finding:
    end_column = len(lines[source.end_line - 1]) + 1 if source.end_line <= len(lines) else 1
    return Finding(
        path=source.path,
        line=source.line,
        column=1,
        end_line=source.end_line,
        end_column=end_column,
        code=code.code,
        name=code.name,
        severity=code.severity,
        message=message,
        url=docs_url(code.code),
        instruction_line=source.line,
        measured_bytes=size,
    )


def price(
    findings: list[Finding], evidence: ImageEvidence, where: str, lines: list[str]
) -> tuple[list[Finding], list[Finding]]:
    """(the findings with their measured cost, the new findings of hidden bytes)."""
    priced = [_with_cost(finding, measure(finding, evidence), where) for finding in findings]
    if not evidence.attribution.matched:
        return priced, []
    extra = hidden_bytes_findings(evidence, _explained(priced, evidence), lines)
    return priced, [_with_cost_message(finding, where) for finding in extra]


def _with_cost_message(finding: Finding, where: str) -> Finding:
    return finding.replace(message=f"{finding.message} [measured in {where}]")
