"""The alignment of an image's history with a Dockerfile, on histories written by hand in the
shapes real builders write (legacy builder, BuildKit) and the ones a local builder cannot make."""

from __future__ import annotations

from typing import Any

import pytest

from dockerlens.image.attribution import (
    REASON_AMBIGUOUS,
    REASON_HISTORY_MISMATCH,
    REASON_NO_HISTORY,
    REASON_NOT_BUILT,
    Attribution,
    attribute,
)
from dockerlens.model import build_model
from dockerlens.syntax.parser import parse

HASH = "d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74"


def history(*items: str | tuple[str, bool]) -> list[dict[str, Any]]:
    """Entries oldest first; ``(text, True)`` marks an empty layer."""
    out = []
    for item in items:
        text, empty = (item, False) if isinstance(item, str) else item
        entry: dict[str, Any] = {"created_by": text}
        if empty:
            entry["empty_layer"] = True
        out.append(entry)
    return out


def run(
    dockerfile: str,
    entries: list[dict[str, Any]],
    target: str | None = None,
    args: dict[str, str] | None = None,
) -> Attribution:
    model = build_model(parse(dockerfile), "Dockerfile", args)
    layers = sum(1 for entry in entries if not entry.get("empty_layer"))
    return attribute(entries, layers, model, target)


def lines(result: Attribution) -> list[tuple[int, bool] | None]:
    return [
        None if layer.source is None else (layer.source.line, layer.source.from_base)
        for layer in result.layers
    ]


#: the lines of MULTI_STAGE's layers under BuildKit (WORKDIR and an empty RUN make layers too)
BUILDKIT_LINES = [(line, False) for line in (2, 3, 12, 13, 14, 15, 16)]

MULTI_STAGE = """\
FROM scratch AS tools
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]

FROM tools AS build
ARG VERSION=1.0
RUN echo "v$VERSION" > /version

FROM tools
ARG A=1
ENV X=y
COPY --from=build /version /app/version
COPY app.txt /app/
RUN true
RUN chown 1:1 /app/app.txt
WORKDIR /app
"""


def test_legacy_builder_history() -> None:
    nop = "/bin/sh -c #(nop) "
    result = run(
        MULTI_STAGE,
        history(
            f"{nop}COPY file:{HASH} in /bin/busybox ",
            "/bin/busybox --install -s /bin",
            (f"{nop} ARG A=1", True),
            (f"{nop} ENV X=y", True),
            f"{nop}COPY file:{HASH} in /app/version ",
            f"{nop}COPY --chown=1:1file:{HASH} in /app/ ",
            # the legacy builder drops the layer of a RUN that changed nothing
            ("|1 A=1 /bin/sh -c true", True),
            "|1 A=1 /bin/sh -c chown 1:1 /app/app.txt",
            (f"{nop}WORKDIR /app", True),
        ),
    )
    assert result.matched
    assert lines(result) == [(2, False), (3, False), (12, False), (13, False), (15, False)]
    stages = [layer.source.stage for layer in result.layers if layer.source]
    assert stages == ["tools", "tools", 2, 2, 2]
    assert [layer.matched_by for layer in result.layers] == [
        "destination",  # the legacy builder records a COPY's content hash, not its sources
        "command",
        "destination",
        "destination",
        "command",
    ]
    # the RUN that changed nothing is in the per-instruction view, with no layer
    assert [(source.line, layers) for source, layers in result.instructions] == [
        (2, [0]),
        (3, [1]),
        (12, [2]),
        (13, [3]),
        (14, []),
        (15, [4]),
    ]


def test_buildkit_history() -> None:
    bk = " # buildkit"
    result = run(
        MULTI_STAGE,
        history(
            f"COPY busybox /bin/busybox{bk}",
            f"RUN /bin/busybox --install -s /bin{bk}",
            ("ARG A=1", True),
            ("ENV X=y", True),
            f"COPY /version /app/version{bk}",
            f"COPY app.txt /app/{bk}",
            f"RUN |1 A=1 /bin/sh -c true{bk}",  # BuildKit keeps a 0-byte layer
            f"RUN |1 A=1 /bin/sh -c chown 1:1 /app/app.txt{bk}",
            "WORKDIR /app",
        ),
    )
    assert result.matched
    assert lines(result) == BUILDKIT_LINES
    assert [layer.matched_by for layer in result.layers] == [
        "sources and destination",
        "command",
        "sources and destination",
        "sources and destination",
        "command",
        "command",
        "path",
    ]
    assert result.layers[2].source is not None
    assert result.layers[2].source.to_json() == {
        "path": "Dockerfile",
        "line": 12,
        "end_line": 12,
        "stage": 2,
        "from_base": False,
    }


def test_base_image_layers_belong_to_the_from_line() -> None:
    dockerfile = """\
FROM debian:12 AS base
ARG VERSION
RUN apt-get update \\
    && apt-get install -y curl
COPY --link app /srv/
"""
    result = run(
        dockerfile,
        history(
            "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ",
            ('/bin/sh -c #(nop)  CMD ["bash"]', True),
            ("ARG VERSION", True),
            "RUN |1 VERSION=1.0 /bin/sh -c apt-get update "
            "    && apt-get install -y curl # buildkit",
            "COPY --link app /srv/ # buildkit",
        ),
        args={"VERSION": "1.0"},
    )
    assert result.matched
    assert lines(result) == [(1, True), (3, False), (5, False)]
    first = result.layers[1].source
    assert first is not None and (first.line, first.end_line, first.stage) == (3, 4, "base")


def test_heredoc_run_and_shell_instruction() -> None:
    dockerfile = """\
FROM scratch
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN <<EOT
echo hi > /hello
EOT
RUN <<EOT cat > /x
body
EOT
"""
    result = run(
        dockerfile,
        history(
            ("SHELL [/bin/ash -eo pipefail -c]", True),
            "RUN /bin/ash -eo pipefail -c echo hi > /hello\n # buildkit",
            "RUN /bin/ash -eo pipefail -c <<EOT cat > /x\nbody\nEOT # buildkit",
        ),
    )
    assert lines(result) == [(3, False), (6, False)]


def test_target_stage() -> None:
    entries = history(
        "COPY busybox /bin/busybox # buildkit",
        "RUN /bin/busybox --install -s /bin # buildkit",
        ("ARG VERSION=1.0", True),
        'RUN |1 VERSION=1.0 /bin/sh -c echo "v$VERSION" > /version # buildkit',
    )
    result = run(MULTI_STAGE, entries, target="build")
    assert result.matched and result.target == "build"
    assert lines(result) == [(2, False), (3, False), (7, False)]
    # the same image against the default target: not built from it
    other = run(MULTI_STAGE, entries)
    assert not other.matched and other.reason == REASON_NOT_BUILT


#: What BuildKit writes for MULTI_STAGE's layers (its empty ARG and ENV entries left out).
BUILDKIT_LAYERS = (
    "COPY busybox /bin/busybox # buildkit",
    "RUN /bin/busybox --install -s /bin # buildkit",
    "COPY /version /app/version # buildkit",
    "COPY app.txt /app/ # buildkit",
    "RUN |1 A=1 /bin/sh -c true # buildkit",
    "RUN |1 A=1 /bin/sh -c chown 1:1 /app/app.txt # buildkit",
    "WORKDIR /app",
)


def changed(index: int, text: str | None) -> list[dict[str, Any]]:
    """BUILDKIT_LAYERS with entry ``index`` replaced by ``text``, or dropped for None."""
    items = list(BUILDKIT_LAYERS)
    if text is None:
        del items[index]
    else:
        items[index] = text
    return history(*items)


def test_the_unchanged_history_matches() -> None:
    # the control for the cases below: without the empty entries, the history still matches
    assert lines(run(MULTI_STAGE, history(*BUILDKIT_LAYERS))) == BUILDKIT_LINES


@pytest.mark.parametrize(
    ("entries", "hint"),
    [
        # another image altogether
        (
            history("/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ", ('CMD ["sh"]', True)),
            "they part at line 15, `RUN chown 1:1 /app/app.txt`; the history has "
            "`ADD file:0123456789abcdef0123 in /` there",
        ),
        # the right instructions, another command in one RUN (an older version of the file)
        (
            changed(5, "RUN |1 A=1 /bin/sh -c chown 0:0 /app/app.txt # buildkit"),
            "the history has `RUN |1 A=1 /bin/sh -c chown 0:0 /app/app.txt` there",
        ),
        # a COPY to another destination
        (
            changed(2, "COPY /version /srv/version # buildkit"),
            "they part at line 12, `COPY --from=build /version /app/version`",
        ),
        # a COPY of other sources to the same place
        (
            changed(3, "COPY other.txt /app/ # buildkit"),
            "they part at line 13, `COPY app.txt /app/`; the history has `COPY other.txt /app/`",
        ),
        # FROM scratch, yet layers below the first instruction
        (
            history("/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ", *BUILDKIT_LAYERS),
            "layers below its first instruction, yet it is FROM scratch",
        ),
        # a RUN of the file missing from the history
        (changed(4, None), "they part at line 14, `RUN true`"),
    ],
    ids=[
        "other-image",
        "changed-run",
        "changed-copy",
        "changed-copy-source",
        "scratch-with-base",
        "missing-run",
    ],
)
def test_not_built_from_this_file_attributes_nothing(
    entries: list[dict[str, Any]], hint: str
) -> None:
    result = run(MULTI_STAGE, entries)
    assert not result.matched
    assert hint in result.message
    assert result.reason == REASON_NOT_BUILT
    assert all(layer.source is None and layer.reason == REASON_NOT_BUILT for layer in result.layers)
    assert result.instructions == []


def test_history_that_does_not_count_the_layers() -> None:
    model = build_model(parse("FROM scratch\nCOPY a /a\n"), "Dockerfile")
    result = attribute(history("COPY a /a # buildkit"), 2, model)
    assert not result.matched and result.reason == REASON_HISTORY_MISMATCH
    assert [layer.source for layer in result.layers] == [None, None]
    assert attribute(None, 1, model).reason == REASON_NO_HISTORY


def test_a_layer_that_fits_two_lines_is_left_unattributed() -> None:
    # BuildKit's WORKDIR makes a layer; two identical WORKDIRs and one WORKDIR layer: which?
    dockerfile = "FROM alpine\nWORKDIR /app\nWORKDIR /app\nCOPY x /app/x\n"
    result = run(
        dockerfile,
        history(
            "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ",
            "WORKDIR /app",
            "COPY x /app/x # buildkit",
        ),
    )
    assert result.matched
    assert lines(result) == [(1, True), None, (4, False)]
    assert result.layers[1].reason == REASON_AMBIGUOUS
    assert result.layers[1].note is not None and "line 2, line 3" in result.layers[1].note


def test_relative_destination_and_build_arg_in_copy() -> None:
    dockerfile = "FROM scratch\nARG DIR=etc\nWORKDIR /srv\nCOPY conf ${DIR}/\n"
    legacy = run(
        dockerfile,
        history(
            ("/bin/sh -c #(nop)  ARG DIR=etc", True),
            ("/bin/sh -c #(nop) WORKDIR /srv", True),
            f"/bin/sh -c #(nop) COPY dir:{HASH} in /srv/etc/ ",
        ),
    )
    assert lines(legacy) == [(4, False)]
    buildkit = run(
        dockerfile,
        history(("ARG DIR=etc", True), "WORKDIR /srv", "COPY conf etc/ # buildkit"),
    )
    assert lines(buildkit) == [(3, False), (4, False)]


def test_kaniko_history() -> None:
    dockerfile = "FROM alpine:3.20\nRUN apk add --no-cache curl=8.0\nCOPY app /srv/app\n"
    result = run(
        dockerfile,
        history(
            "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / ",
            ('/bin/sh -c #(nop)  CMD ["/bin/sh"]', True),
            "RUN apk add --no-cache curl=8.0",
            "COPY app /srv/app",
        ),
    )
    assert lines(result) == [(1, True), (2, False), (3, False)]


def test_json_form_copy_with_spaces() -> None:
    dockerfile = 'FROM scratch\nCOPY ["/dotnet", "/Program Files/dotnet"]\n'
    buildkit = run(dockerfile, history("COPY /dotnet /Program Files/dotnet # buildkit"))
    assert lines(buildkit) == [(2, False)]
    assert buildkit.layers[0].matched_by == "sources and destination"
    legacy = run(
        dockerfile, history(f"/bin/sh -c #(nop) COPY dir:{HASH} in /Program Files/dotnet ")
    )
    assert lines(legacy) == [(2, False)]
    other = run(dockerfile, history("COPY /dotnet /Program Files/other # buildkit"))
    assert not other.matched
