"""A termination signal ends the process with 128 + its number, after the clean-up ran."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX timers")


def _run(body: str) -> subprocess.CompletedProcess[str]:
    program = textwrap.dedent(
        """
        import os, signal, sys, time
        from dockerlens.termination import exit_on
        exit_on(signal.SIGINT, signal.SIGTERM)
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )


def test_a_signal_raises_an_exit_that_runs_finally_blocks() -> None:
    done = _run(
        """
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        finally:
            print("cleaned up")
        """
    )
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stdout == "cleaned up\n"
    assert done.stderr == ""


def test_a_signal_handled_inside_a_callback_that_swallows_exceptions_still_exits() -> None:
    # Python runs the handler wherever the main thread is; in a __del__ (or the weakref
    # callback that ends an import) the SystemExit would be printed as "Exception ignored"
    # and lost, leaving the process running with the signals ignored.
    done = _run(
        """
        class Sends:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # the handler runs here, inside __del__
                    pass
                print("after the handler")

        try:
            Sends()
            time.sleep(30)
            print("not interrupted")
        finally:
            print("cleaned up")
        """
    )
    assert "Exception ignored" not in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "cleaned up\n"
    assert done.returncode == 128 + signal.SIGTERM


def test_other_unraisable_exceptions_are_still_reported() -> None:
    done = _run(
        """
        class Fails:
            def __del__(self):
                raise ValueError("from __del__")

        Fails()
        print("went on")
        """
    )
    assert done.returncode == 0
    assert done.stdout == "went on\n"
    assert "ValueError: from __del__" in done.stderr
