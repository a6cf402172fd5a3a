"""``analyze --html`` and ``diff --html``: one self-contained file, loaded in a real browser
(Debian's headless Chromium): no console message, the scripts ran, the tables sort, the text an
image holds stays text, and a screenshot shows the layer chart's colours.

Without Chromium these tests skip; with ``CI=true`` they fail (tests/image/browser.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from dockerlens.image.html_report import SIZE_COLOUR, WASTE_COLOUR
from tests.cli_runner import CliRunner
from tests.image.browser import load, screenshot
from tests.image.conftest import ArchiveWriter, layer_tar
from tests.secret_samples import samples

HOSTILE = '<script>alert("x")</script>.txt'
HOSTILE_TOO = "<img src=x onerror=alert(1)>"
TREEMAP_FIRST_COLOUR = "#59a14f"


def aws_sample() -> tuple[str, bytes]:
    sample = next(item for item in samples() if item.kind == "aws-access-key")
    return sample.path.lstrip("/"), sample.data


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    secret_path, secret = aws_sample()
    base = layer_tar(
        [("file", f"usr/lib/lib{n}.so", 20_000 + 3_000 * n) for n in range(10)]
        + [("file", "etc/os-release", 300)]
    )
    build = layer_tar(
        [
            ("file", f"app/{HOSTILE}", 4_000),
            ("file", f"app/{HOSTILE_TOO}", 1_000),
            ("file", "tmp/build.log", 30_000),
            ("file", "tmp/cache.bin", 12_000),
            ("file", "tmp/small.tmp", 700),
            ("file", "app/main.bin", 60_000),
            ("file", secret_path, secret),
        ]
    )
    cleanup = layer_tar(
        [
            ("whiteout", "tmp/build.log"),
            ("whiteout", "tmp/cache.bin"),
            ("whiteout", "tmp/small.tmp"),
            ("whiteout", secret_path),
        ]
    )
    return ArchiveWriter(tmp_path).docker_archive(
        "app.tar",
        [
            {
                "layers": [base, build, cleanup],
                "commands": ["ADD rootfs /", "RUN make </script><b>bold</b>", "RUN rm -rf /tmp"],
                "tag": "app:1",
            },
            {"layers": [base], "commands": ["ADD rootfs /"], "tag": "base:1"},
        ],
    )


def analyze(*args: str) -> Any:
    return CliRunner().invoke(cli, ["analyze", "-q", "--max-secrets", "disabled", *args])


def wasted_paths(dom: str) -> list[str]:
    """The path column of the first wasted-files table, in the order the DOM has it."""
    table = dom[dom.index('id="wasted-0"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<tr><td>([^<]*)</td>", table)


def test_analyze_html_is_self_contained_and_escapes_image_text(
    archive: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    result = analyze("--html", str(report), f"docker-archive:{archive}")
    assert result.exit_code == 0, result.output
    assert "app:1" in result.stdout  # the text report still goes to standard output
    page = report.read_text(encoding="utf-8")
    # Nothing to fetch: no URL, and a policy that forbids loading anything.
    assert not re.search(r"https?:|//[a-z]", page.replace(str(archive), ""))
    assert "default-src 'none'" in page
    assert page.count("<script") == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.txt" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "RUN make &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    for section in ('id="layers-0"', 'id="treemap-0"', 'id="wasted-0"', 'id="secrets-0"'):
        assert section in page
    assert 'id="sharing-graph"' in page and 'id="bases"' in page
    assert "aws-access-key" in page
    _, secret = aws_sample()
    value = secret.decode().split("aws_secret_access_key = ")[1].strip()
    assert value not in page  # a secret is its kind, path and line, never its value


def test_analyze_html_in_chromium(archive: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert analyze("--html", str(report), f"docker-archive:{archive}").exit_code == 0
    profile = tmp_path / "profile"

    page = load(report, profile)
    assert page.console == []
    assert 'data-ready="yes"' in page.dom  # the script ran to its end
    assert page.dom.count("<script") == 1  # the hostile names made no element
    assert "<img src=x" not in page.dom
    # Largest first as written; the script sorts by any column.
    secret = "/" + aws_sample()[0]
    assert wasted_paths(page.dom) == ["/tmp/build.log", "/tmp/cache.bin", "/tmp/small.tmp", secret]
    ascending = load(report, profile, "#sort=wasted-0:1:asc")
    assert ascending.console == []
    assert wasted_paths(ascending.dom) == [
        secret,
        "/tmp/small.tmp",
        "/tmp/cache.bin",
        "/tmp/build.log",
    ]
    assert 'aria-sort="ascending"' in ascending.dom
    by_path = load(report, profile, "#sort=wasted-0:0:asc")
    assert wasted_paths(by_path.dom) == sorted(wasted_paths(page.dom))
    assert wasted_paths(by_path.dom) != wasted_paths(page.dom)

    shot = screenshot(report, profile)
    # The layer chart's bars (bytes, wasted bytes) and the treemap are drawn.
    assert shot.count(SIZE_COLOUR) > 2_000
    assert shot.count(WASTE_COLOUR) > 200
    assert shot.count(TREEMAP_FIRST_COLOUR) > 20_000


def test_console_messages_are_caught(tmp_path: Path) -> None:
    """The check above can fail: a page that logs, throws, or loads from the network is seen."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        "<body><script>console.error('logged');missing();</script>"
        '<img src="http://127.0.0.1:9/x.png"></body>'
    )
    page = load(bad, tmp_path / "profile")
    text = "\n".join(page.console)
    assert "logged" in text and "missing is not defined" in text
    assert "http://127.0.0.1:9/x.png" in text and "Content Security Policy" in text


def test_layers_only_html_has_no_treemap_but_the_sharing(archive: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = analyze("--layers-only", "--html", str(report), f"docker-archive:{archive}")
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert "layer content was not read (--layers-only)" in page
    assert 'id="bases"' in page and 'id="layers-0"' in page
    loaded = load(report, tmp_path / "profile")
    assert loaded.console == [] and 'data-ready="yes"' in loaded.dom


def test_html_never_overwrites_an_input(archive: Path, tmp_path: Path) -> None:
    before = archive.read_bytes()
    result = analyze("--html", str(archive), f"docker-archive:{archive}")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"dockerlens: error: {archive}: is an input of this run; not overwriting it\n"
    )
    assert archive.read_bytes() == before
    listing = tmp_path / "images.txt"
    listing.write_text(f"docker-archive:{archive}\n")
    by_list = analyze("--html", str(listing), "--from-file", str(listing))
    assert by_list.exit_code == 2 and "is an input of this run" in by_list.stderr
    assert listing.read_text() == f"docker-archive:{archive}\n"
    link = tmp_path / "link.tar"
    link.symlink_to(archive)
    by_link = CliRunner().invoke(
        cli,
        [
            "diff",
            "--html",
            str(link),
            f"docker-archive:{archive}:app:1",
            f"docker-archive:{archive}:base:1",
        ],
    )
    assert by_link.exit_code == 2 and "is an input of this run" in by_link.stderr
    assert archive.read_bytes() == before


def test_html_never_overwrites_a_file_of_a_layout_or_a_registry_option(tmp_path: Path) -> None:
    layout = ArchiveWriter(tmp_path).oci_layout(
        "layout", [{"layers": [layer_tar([("file", "a", 5)])], "commands": ["A"], "tag": "1"}]
    )
    index = (layout / "index.json").read_bytes()
    for command in (["analyze", "-q"], ["diff", "-q", f"oci:{layout}:1"]):
        result = CliRunner().invoke(
            cli, [*command, "--html", str(layout / "index.json"), f"oci:{layout}:1"]
        )
        assert result.exit_code == 2
        assert result.stderr == (
            f"dockerlens: error: {layout / 'index.json'}: is a file of {layout}, an input of "
            "this run; not overwriting it\n"
        )
        assert (layout / "index.json").read_bytes() == index
    report = layout / "report.html"  # a new file beside the layout's own is fine
    assert analyze("--html", str(report), f"oci:{layout}:1").exit_code == 0
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "client.key").write_text("kept\n")
    given = {
        "--creds-file": tmp_path / "creds",
        "--authfile": tmp_path / "auth.json",
        "--cert-dir": tmp_path / "certs",
    }
    given["--creds-file"].write_text("alice:pw\n")
    given["--authfile"].write_text('{"auths": {}}\n')
    for option, path in given.items():
        target = path / "client.key" if path.is_dir() else path
        before = target.read_text()
        for command in (["analyze", "-q"], ["diff", "-q", f"oci:{layout}:1"]):
            arguments = [option, str(path), "--html", str(target), f"oci:{layout}:1"]
            result = CliRunner().invoke(cli, [*command, *arguments])
            assert result.exit_code == 2, (option, result.output)
            assert "an input of this run; not overwriting it" in result.stderr
            assert target.read_text() == before


def test_html_to_dash_is_refused_not_a_file_named_dash(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = f"docker-archive:{archive}:app:1"
    for command in (["analyze", "-q"], ["diff", "-q", f"docker-archive:{archive}:base:1"]):
        result = CliRunner().invoke(cli, [*command, "--html", "-", source])
        assert result.exit_code == 2
        assert result.stderr.startswith("dockerlens: error: Invalid value for '--html': - is not")
        assert not (tmp_path / "-").exists()


def test_diff_html_in_chromium(archive: Path, tmp_path: Path) -> None:
    report = tmp_path / "diff.html"
    result = CliRunner().invoke(
        cli,
        [
            "diff",
            "-q",
            "--html",
            str(report),
            f"docker-archive:{archive}:base:1",
            f"docker-archive:{archive}:app:1",
        ],
    )
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.count("<script") == 1
    assert 'id="files"' in page and 'id="layers-1"' in page and 'id="treemap-1"' in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;.txt" in page
    loaded = load(report, tmp_path / "profile", "#sort=files:0:asc")
    assert loaded.console == [] and 'data-ready="yes"' in loaded.dom
    files = loaded.dom[loaded.dom.index('id="files"') :]
    paths = re.findall(r"<tr><td>([^<]*)</td>", files[: files.index("</table>")])
    assert paths == sorted(paths) and "/app/main.bin" in paths
    shot = screenshot(report, tmp_path / "profile")
    assert shot.count(SIZE_COLOUR) > 2_000 and shot.count(WASTE_COLOUR) > 200


@pytest.mark.parametrize(
    "values",
    [[500.0, 433.0, 120.0, 120.0, 60.0, 7.0, 1.0], [1.0], [3.0, 3.0, 3.0, 3.0], [1e9, 1.0, 1.0]],
)
def test_treemap_cells_tile_the_rectangle(values: list[float]) -> None:
    from dockerlens.image.html_report import squarify

    width, height = 960.0, 480.0
    rects = squarify(values, (10.0, 20.0, width, height))
    assert len(rects) == len(values)
    total = sum(values)
    for value, (x, y, w, h) in zip(values, rects, strict=True):
        assert w * h == pytest.approx(value / total * width * height, rel=1e-6, abs=1e-6)
        assert x >= 10.0 - 1e-3 and x + w <= 10.0 + width + 1e-3
        assert y >= 20.0 - 1e-3 and y + h <= 20.0 + height + 1e-3
    for i, (x1, y1, w1, h1) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            overlap_x = min(x1 + w1, x2 + w2) - max(x1, x2)
            overlap_y = min(y1 + h1, y2 + h2) - max(y1, y2)
            assert overlap_x <= 1e-3 or overlap_y <= 1e-3
