"""Which Dockerfile line made each layer of an image: the config history aligned with the file.

Pure: history entries and the Dockerfile model in, one answer per layer out. The history of an
image lists, oldest first, one entry per instruction that ran (``empty_layer`` marks those that
made no layer), the base image's entries first. The Dockerfile gives the instructions the target
stage and its FROM ancestry ran. Both are aligned from the end backwards:

* every entry that made a layer must pair with a RUN, COPY, ADD or WORKDIR whose text it
  matches (the command a RUN ran; the destination of a COPY/ADD, and its sources when the
  builder recorded them): a layer is never paired on its position alone;
* a RUN, COPY or ADD must pair with an entry (the legacy builder writes an ``empty_layer``
  entry for a RUN that changed nothing; BuildKit a 0-byte layer);
* other instructions (ENV, LABEL, ARG...) pair with an entry of the same keyword, or are skipped
  at a cost, as are unexplained empty entries;
* what precedes the first paired entry is the base image's, attributed to the FROM line that
  names it (``from_base``); a ``FROM scratch`` file leaves nothing there.

The cheapest alignment wins. When none exists the image was not built from this file (or not
for this target) and no layer is attributed; when several equally cheap ones disagree about a
layer, that layer is left unattributed. See docs/analyze.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockerlens.model import Dockerfile, Stage, Step
from dockerlens.paths import clean

#: Instructions whose history entry may carry a layer.
LAYER_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
#: Instructions that always leave a history entry (possibly an empty one).
ALWAYS_RECORDED = frozenset({"RUN", "COPY", "ADD"})

#: What paired a layer with its line (``dockerfile.matched_by`` in JSON).
BY_COMMAND = "command"  # a RUN's command, as the builder recorded it
BY_SOURCES = "sources and destination"  # a COPY/ADD as BuildKit or kaniko record it
BY_DESTINATION = "destination"  # a COPY/ADD as the legacy builder records it (a content hash)
BY_PATH = "path"  # a WORKDIR
BY_KEYWORD = "keyword"  # ENV, LABEL... (no layer)
BY_BASE = "base image"  # below every instruction of the file

REASON_NO_DOCKERFILE = "no-dockerfile"
REASON_NO_HISTORY = "no-history"
REASON_HISTORY_MISMATCH = "history-mismatch"
REASON_NOT_BUILT = "not-built-from-dockerfile"
REASON_AMBIGUOUS = "ambiguous"

_BUILDKIT_SUFFIX = "# buildkit"
_NOP = "#(nop)"
_LEGACY_COPY = re.compile(r"(?:^|\S*?)(?:file|dir|multi):[0-9a-f]{16,}\s+in\s+(.+)$")
_ARGS_PREFIX = re.compile(r"^\|\d+ \S+=")
_KEYWORD = re.compile(r"^([A-Za-z]+)\b\s*(.*)$", re.DOTALL)
_KNOWN_KEYWORDS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_INFINITE = 1 << 30


@dataclass(frozen=True, slots=True)
class SourceLine:
    """An instruction of the Dockerfile, as the JSON report names it."""

    path: str
    line: int
    end_line: int
    stage: str | int | None
    from_base: bool
    keyword: str
    #: the instruction's first line as written, for tables
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "stage": self.stage,
            "from_base": self.from_base,
        }


@dataclass(frozen=True, slots=True)
class LayerSource:
    """The answer for one layer: its instruction, or None and why."""

    source: SourceLine | None
    reason: str | None = None
    note: str | None = None
    #: what paired it (``BY_*``), when it is paired
    matched_by: str | None = None


@dataclass(slots=True)
class Attribution:
    path: str
    target: str | int | None
    #: True when the history and the file aligned (some layers may still be ambiguous)
    matched: bool
    reason: str | None
    message: str
    layers: list[LayerSource]
    #: every RUN/COPY/ADD (and WORKDIR that made a layer) of the build, in order, with the
    #: layers it made (none for a RUN the legacy builder recorded as empty)
    instructions: list[tuple[SourceLine, list[int]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    keyword: str | None
    #: what follows the keyword, whitespace squeezed; for a legacy RUN the whole command
    payload: str
    empty: bool
    #: index of the layer it made, None for an empty entry
    layer: int | None
    builder: str  # "buildkit" | "legacy" | "unknown"


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def parse_history(history: Any) -> list[HistoryEntry]:
    """The config's ``history`` as entries, layers numbered in order."""
    entries: list[HistoryEntry] = []
    layer = 0
    for item in history if isinstance(history, list) else []:
        if not isinstance(item, dict):
            continue
        empty = bool(item.get("empty_layer", False))
        created_by = item.get("created_by")
        keyword, payload, builder = _read_created_by(
            created_by if isinstance(created_by, str) else ""
        )
        entries.append(HistoryEntry(keyword, payload, empty, None if empty else layer, builder))
        if not empty:
            layer += 1
    return entries


def _read_created_by(text: str) -> tuple[str | None, str, str]:
    text = text.strip()
    if not text:
        return None, "", "unknown"
    if text.endswith(_BUILDKIT_SUFFIX):
        text = text[: -len(_BUILDKIT_SUFFIX)].rstrip()
        builder = "buildkit"
    else:
        builder = "unknown"
    nop = text.find(_NOP)
    if nop >= 0 and text[:nop].strip() in ("/bin/sh -c", "cmd /S /C"):
        match = _KEYWORD.match(text[nop + len(_NOP) :].strip())
        if match:
            return match.group(1).upper(), _squeeze(match.group(2)), "legacy"
        return None, _squeeze(text), "legacy"
    match = _KEYWORD.match(text)
    if match and match.group(1) in _KNOWN_KEYWORDS:
        # BuildKit (and kaniko) start with the keyword, in upper case.
        return match.group(1), _squeeze(match.group(2)), "buildkit"
    # The legacy builder records a RUN as the command it ran, nothing before it.
    return "RUN", _squeeze(text), "legacy" if builder == "unknown" else builder


@dataclass(frozen=True, slots=True)
class _Expected:
    step: Step
    source: SourceLine
    keyword: str
    #: for a RUN, the commands its history entry may end with (computed once: the alignment
    #: compares every RUN with every RUN entry)
    run_tails: tuple[str, ...] = ()


def stage_chain(dockerfile: Dockerfile, target: str | None) -> list[Stage]:
    """The target stage (default: the last) and the stages it is built FROM, oldest first."""
    if not dockerfile.stages:
        return []
    if target is None:
        stage = dockerfile.stages[-1]
    else:
        found = dockerfile.resolve_stage(target)
        if found is None:
            raise KeyError(target)
        stage = found
    chain = [stage]
    while chain[-1].base_stage is not None and len(chain) <= len(dockerfile.stages):
        chain.append(dockerfile.stages[chain[-1].base_stage])
    chain.reverse()
    return chain


def _source(dockerfile: Dockerfile, step: Step, stage: Stage, from_base: bool) -> SourceLine:
    instruction = step.instruction
    first = instruction.original.split("\n", 1)[0].strip()
    return SourceLine(
        dockerfile.path,
        instruction.start_line,
        instruction.end_line,
        stage.name if stage.name is not None else stage.index,
        from_base,
        instruction.keyword,
        first,
    )


def _run_tails(step: Step) -> list[str]:
    instruction = step.instruction
    if not instruction.value:
        return []
    if instruction.json:
        return [_squeeze(" ".join(instruction.value))]
    shell = " ".join(step.shell)
    command = instruction.value[0]
    scripts = [command]
    docs = instruction.heredocs
    if docs:
        if re.fullmatch(r"\s*\d*<<-?\s*\S+\s*", command):
            scripts = [docs[0].content, docs[0].body()]
        else:
            scripts = [command + "".join("\n" + doc.content + doc.name for doc in docs)]
    # kaniko records a shell-form RUN as written, without the shell
    return [_squeeze(f"{shell} {script}") for script in scripts] + [_squeeze(command)]


def _run_matches(entry: HistoryEntry, tails: tuple[str, ...]) -> bool:
    payload = entry.payload
    for tail in tails:
        if payload == tail:
            return True
        if _ARGS_PREFIX.match(payload) and payload.endswith(" " + tail):
            return True
    return False


def _same_destination(recorded: str, written: str) -> bool:
    def normal(path: str) -> str:
        cleaned = clean(path) if path else path
        return cleaned.rstrip("/") or "/"

    recorded, written = normal(recorded), normal(written)
    if recorded == written:
        return True
    relative = written if not written.startswith("/") else recorded
    absolute = recorded if relative is written else written
    if relative.startswith("/") or not absolute.startswith("/"):
        return False
    return relative == "." or absolute.endswith("/" + relative)


def _copy_matches(entry: HistoryEntry, step: Step) -> str | None:
    words = list(step.expanded or step.instruction.value)
    if not words:
        return None
    destination = words[-1]
    legacy = _LEGACY_COPY.search(entry.payload)
    if legacy is not None:
        return BY_DESTINATION if _same_destination(legacy.group(1).strip(), destination) else None
    # BuildKit (and kaniko) record the sources and the destination, flags aside: the sources
    # must be the instruction's, expanded or as written.
    rest = entry.payload
    while rest.startswith("--"):
        rest = rest.partition(" ")[2]
    written = list(step.instruction.value)
    if rest in (_squeeze(" ".join(words)), _squeeze(" ".join(written))):
        return BY_SOURCES  # whole, for paths with spaces (JSON form)
    recorded = [word for word in entry.payload.split(" ") if not word.startswith("--")]
    if not recorded or not _same_destination(recorded[-1], destination):
        return None
    sources = " ".join(recorded[:-1])
    if sources in (_squeeze(" ".join(words[:-1])), _squeeze(" ".join(written[:-1]))):
        return BY_SOURCES
    return None


def _pairs(entry: HistoryEntry, expected: _Expected) -> str | None:
    """What makes ``entry`` the record of ``expected`` (see ``BY_*``), or None."""
    if entry.keyword != expected.keyword:
        return None
    if not entry.empty and expected.keyword not in LAYER_KEYWORDS:
        return None
    if expected.keyword == "RUN":
        return BY_COMMAND if _run_matches(entry, expected.run_tails) else None
    if expected.keyword in ("COPY", "ADD"):
        return _copy_matches(entry, expected.step)
    if expected.keyword == "WORKDIR" and not entry.empty:
        words = expected.step.expanded or expected.step.instruction.value
        return BY_PATH if words and _same_destination(entry.payload, words[0]) else None
    return BY_KEYWORD


def _expected(dockerfile: Dockerfile, chain: list[Stage]) -> list[_Expected]:
    out = []
    for stage in chain:
        for index in stage.steps[1:]:
            step = dockerfile.steps[index]
            keyword = step.instruction.keyword
            tails = tuple(_run_tails(step)) if keyword == "RUN" else ()
            out.append(_Expected(step, _source(dockerfile, step, stage, False), keyword, tails))
    return out


def _align(
    entries: Sequence[HistoryEntry], expected: Sequence[_Expected], scratch: bool
) -> list[set[int]] | None:
    """For each history entry, what it pairs with in some cheapest alignment: expected indexes,
    and ``-1`` for the base image. None when no alignment exists.

    ``after[i][j]`` is the cheapest way to align ``entries[i:]`` with ``expected[j:]``,
    ``before[i][j]`` the cheapest for ``entries[:i]`` and ``expected[:j]`` (base entries first);
    a pairing lies on a cheapest alignment exactly when the two around it add up to the best.
    """
    n, m = len(entries), len(expected)
    pairs = [[_pairs(entries[i], expected[j]) for j in range(m)] for i in range(n)]
    skippable = [item.keyword not in ALWAYS_RECORDED for item in expected]
    after = [[_INFINITE] * (m + 1) for _ in range(n + 1)]
    after[n][m] = 0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            best = _INFINITE
            if i < n and j < m and pairs[i][j]:
                best = after[i + 1][j + 1]
            if i < n and entries[i].empty:
                best = min(best, after[i + 1][j] + 1)
            if j < m and skippable[j]:
                best = min(best, after[i][j + 1] + 1)
            after[i][j] = best
    starts = []
    for k in range(n + 1):
        if scratch and any(not entry.empty for entry in entries[:k]):
            break
        starts.append(k)
    best_cost = min(after[k][0] for k in starts)
    if best_cost >= _INFINITE:
        return None
    before = [[_INFINITE] * (m + 1) for _ in range(n + 1)]
    for k in starts:
        before[k][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            here = before[i][j]
            if here >= _INFINITE:
                continue
            if i < n and j < m and pairs[i][j]:
                before[i + 1][j + 1] = min(before[i + 1][j + 1], here)
            if i < n and entries[i].empty:
                before[i + 1][j] = min(before[i + 1][j], here + 1)
            if j < m and skippable[j]:
                before[i][j + 1] = min(before[i][j + 1], here + 1)
    last_base = max((k for k in starts if after[k][0] == best_cost), default=0)
    options: list[set[int]] = []
    for i in range(n):
        found = {-1} if i < last_base else set()
        found.update(
            j for j in range(m) if pairs[i][j] and before[i][j] + after[i + 1][j + 1] == best_cost
        )
        options.append(found)
    return options


def _divergence(
    entries: Sequence[HistoryEntry], expected: Sequence[_Expected], scratch: bool
) -> str:
    """Where the two part, walking back from the end as long as they plainly agree: a hint
    for the reader (the alignment itself weighs every way of pairing them)."""
    i, j = len(entries) - 1, len(expected) - 1
    while i >= 0 and j >= 0:
        if _pairs(entries[i], expected[j]):
            i, j = i - 1, j - 1
        elif entries[i].empty:
            i -= 1
        elif expected[j].keyword not in ALWAYS_RECORDED:
            j -= 1
        else:
            break
    while j >= 0 and expected[j].keyword not in ALWAYS_RECORDED:
        j -= 1
    if j < 0:
        below = any(not entry.empty for entry in entries[: i + 1])
        if below and scratch:
            return " (the history has layers below its first instruction, yet it is FROM scratch)"
        return ""
    source = expected[j].source
    if i < 0:
        return f" (line {source.line}, `{_clip(source.text)}`, has no entry in the history)"
    entry = entries[i]
    recorded = f"{entry.keyword or ''} {entry.payload}".strip() or "an entry without a command"
    return (
        f" (they part at line {source.line}, `{_clip(source.text)}`; the history has "
        f"`{_clip(recorded)}` there)"
    )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unattributed(layer_count: int, reason: str, note: str) -> list[LayerSource]:
    return [LayerSource(None, reason, note) for _ in range(layer_count)]


def attribute(
    history: Any,
    layer_count: int,
    dockerfile: Dockerfile,
    target: str | None = None,
) -> Attribution:
    """Pair each of ``layer_count`` layers with the instruction of ``dockerfile`` that made it."""
    chain = stage_chain(dockerfile, target)
    label: str | int | None = None
    if chain:
        label = chain[-1].name if chain[-1].name is not None else chain[-1].index
    entries = parse_history(history)

    def failed(reason: str, message: str) -> Attribution:
        return Attribution(
            dockerfile.path,
            label,
            False,
            reason,
            message,
            _unattributed(layer_count, reason, message),
        )

    if not chain:
        return failed(REASON_NOT_BUILT, f"{dockerfile.path} has no FROM instruction")
    if not entries:
        return failed(REASON_NO_HISTORY, "the image config has no history to match")
    recorded = sum(1 for entry in entries if not entry.empty)
    if recorded != layer_count:
        return failed(
            REASON_HISTORY_MISMATCH,
            f"the history lists {recorded} layers but the image has {layer_count}: "
            "layers cannot be told apart",
        )
    root = chain[0]
    expected = _expected(dockerfile, chain)
    options = _align(entries, expected, root.is_scratch)
    if options is None:
        return failed(
            REASON_NOT_BUILT,
            f"the image history does not match {dockerfile.path}"
            + (f" (target {label})" if target is not None else "")
            + ": the image was not built from this file, or not from this version of it"
            + _divergence(entries, expected, root.is_scratch),
        )
    from_step = dockerfile.steps[root.steps[0]]
    base = _source(dockerfile, from_step, root, True)
    layers = [LayerSource(None)] * layer_count
    made: dict[int, list[int]] = {}
    for entry, choices in zip(entries, options, strict=True):
        if entry.layer is None:
            continue
        if len(choices) != 1:
            layers[entry.layer] = LayerSource(
                None,
                REASON_AMBIGUOUS,
                "the history fits more than one instruction for this layer: "
                + ", ".join(
                    "the base image" if j < 0 else f"line {expected[j].source.line}"
                    for j in sorted(choices)
                ),
            )
            continue
        (choice,) = choices
        if choice < 0:
            layers[entry.layer] = LayerSource(base, matched_by=BY_BASE)
        else:
            evidence = _pairs(entry, expected[choice])
            layers[entry.layer] = LayerSource(expected[choice].source, matched_by=evidence)
        made.setdefault(choice, []).append(entry.layer)
    instructions: list[tuple[SourceLine, list[int]]] = []
    if made.get(-1):
        instructions.append((base, made[-1]))
    for position, item in enumerate(expected):
        paired = position in made or (
            item.keyword in ALWAYS_RECORDED
            and any(options[i] == {position} for i in range(len(entries)))
        )
        if item.keyword in LAYER_KEYWORDS and paired:
            instructions.append((item.source, made.get(position, [])))
    attributed = sum(1 for layer in layers if layer.source is not None)
    return Attribution(
        dockerfile.path,
        label,
        True,
        None,
        f"{attributed} of {layer_count} layers traced to {dockerfile.path}",
        layers,
        instructions,
    )
