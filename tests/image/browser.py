"""Debian's headless Chromium, for the tests of ``--html``: load a file, give back the DOM after its
scripts ran, the console messages it logged, and a screenshot decoded to pixels.

Without Chromium the tests skip; with ``CI=true`` they fail (tests/image/conftest.py
``unavailable``): CI installs it (scripts/start-docker-engine.sh).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.image.conftest import unavailable

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
#: Chromium's log line for a console message (console.log/error, an uncaught exception, a CSP
#: violation): ``[...:INFO:CONSOLE:12] "message", source: file:///... (12)``.
CONSOLE_LINE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)\] (.*)")


def chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    unavailable("chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


@dataclass
class Page:
    dom: str
    console: list[str]


def _run(url: str, profile: Path, *extra: str) -> tuple[str, str]:
    command = [
        chromium(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def load(path: Path, profile: Path, fragment: str = "") -> Page:
    """The DOM of ``path`` once loaded (``--dump-dom``), and the console messages it logged."""
    dom, log = _run(path.resolve().as_uri() + fragment, profile, "--dump-dom")
    return Page(dom, [match.group(1) for match in CONSOLE_LINE.finditer(log)])


def screenshot(path: Path, profile: Path, size: tuple[int, int] = (1280, 2000)) -> Image:
    shot = profile.parent / f"{path.stem}.png"
    _run(
        path.resolve().as_uri(),
        profile,
        f"--window-size={size[0]},{size[1]}",
        "--hide-scrollbars",
        f"--screenshot={shot}",
    )
    return decode_png(shot.read_bytes())


@dataclass
class Image:
    width: int
    height: int
    colours: Counter[tuple[int, int, int]]

    def count(self, colour: str) -> int:
        """Pixels of exactly ``colour`` (``#rrggbb``)."""
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return self.colours[(red, green, blue)]


def decode_png(data: bytes) -> Image:
    from PIL import Image as Pillow

    with Pillow.open(io.BytesIO(data)) as png:
        rgb = png.convert("RGB")
        counts = Counter({colour: count for count, colour in rgb.getcolors(rgb.width * rgb.height)})
        return Image(rgb.width, rgb.height, counts)
