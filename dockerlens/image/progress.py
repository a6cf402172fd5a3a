"""The progress bar on stderr while layers are read (off when stderr is not a terminal)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dockerlens.display import visible
from dockerlens.image.model import ImageInput


class ProgressReporter:
    """Receives the analysis's progress calls; draws them when a rich Progress is attached."""

    def __init__(self, progress: Any | None) -> None:
        self._progress = progress
        self._task: Any | None = None
        self._streamed = 0

    def on_stream_layer(self, name: str, size: int) -> None:
        """A layer went by in a streamed export (the engine, a compressed archive)."""
        self._streamed += 1
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task("reading layers", total=None)
        description = f"read {visible(name[-40:])}"
        self._progress.update(self._task, advance=1, description=description)

    def expect(self, images: list[ImageInput]) -> None:
        if self._progress is None:
            return
        total = sum(len(image.layers) for image in images)
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task("analysing layers", total=total)

    def on_layer(self, image: ImageInput, index: int) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.update(
            self._task,
            advance=1,
            description=f"{visible(image.ref)} layer {index}",
        )


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[ProgressReporter]:
    if not enabled:
        yield ProgressReporter(None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dockerlens.image.render import make_console

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        console=make_console(True, stderr=True),
        transient=True,
    ) as progress:
        yield ProgressReporter(progress)
