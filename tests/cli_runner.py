"""Run ``dockerlens`` in this process, its standard streams captured: what ``click.testing``'s
runner did for the tests before the command line moved to argparse, with the same API.

Standard output and standard error are UTF-8 text over bytes (as a pipe is: not a terminal),
each captured on its own and both together in the order they were written (``output``).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any


@dataclass
class Result:
    exit_code: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    output_bytes: bytes
    #: The exception that ended the run: SystemExit for a non-zero status, else what escaped.
    exception: BaseException | None
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None] | None = None

    @property
    def stdout(self) -> str:
        return _text(self.stdout_bytes)

    @property
    def stderr(self) -> str:
        return _text(self.stderr_bytes)

    @property
    def output(self) -> str:
        return _text(self.output_bytes)

    def __repr__(self) -> str:
        return f"<Result exit_code={self.exit_code} exception={self.exception!r}>"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").replace("\r\n", "\n")


class _Tee(io.BytesIO):
    """One stream's bytes, copied to the stream both share."""

    def __init__(self, both: io.BytesIO) -> None:
        super().__init__()
        self.both = both

    def write(self, data: Any) -> int:
        self.both.write(data)
        return super().write(data)


class _NamedTextStream(io.TextIOWrapper):
    def __init__(self, raw: io.BytesIO, name: str, mode: str) -> None:
        super().__init__(raw, encoding="utf-8", write_through=True)
        self._name = name
        self._mode = mode

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode


@contextmanager
def _environment(env: Mapping[str, str | None] | None) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env or {}}
    try:
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class CliRunner:
    def invoke(
        self,
        cli: Callable[..., Any],
        args: Sequence[str] = (),
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        prog_name: str = "dockerlens",
    ) -> Result:
        """``cli(args)`` with ``input`` as standard input; never raises (see ``exception``)."""
        data = input.encode("utf-8") if isinstance(input, str) else (input or b"")
        both = io.BytesIO()
        out, err = _Tee(both), _Tee(both)
        saved = sys.stdin, sys.stdout, sys.stderr
        # Kept until the bytes are read: a text stream closes its buffer when it goes.
        streams = (
            _NamedTextStream(io.BytesIO(data), "<stdin>", "r"),
            _NamedTextStream(out, "<stdout>", "w"),
            _NamedTextStream(err, "<stderr>", "w"),
        )
        sys.stdin, sys.stdout, sys.stderr = streams
        exception: BaseException | None = None
        exc_info = None
        exit_code = 0
        try:
            with _environment(env):
                cli(list(args), prog_name)
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                exit_code = stop.code or 0
            else:
                sys.stdout.write(str(stop.code) + "\n")
                exit_code = 1
            if exit_code != 0:
                exception = stop
        except Exception as error:
            exception = error
            exit_code = 1
            exc_info = sys.exc_info()
        finally:
            for stream in streams[1:]:
                with suppress(OSError, ValueError):
                    stream.flush()
            sys.stdin, sys.stdout, sys.stderr = saved
        return Result(
            exit_code,
            out.getvalue(),
            err.getvalue(),
            both.getvalue(),
            exception,
            exc_info,  # type: ignore[arg-type]
        )
