from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import SHELLS, commands, verifies_download
from dockerlens.lint.layers import mark
from dockerlens.shell import Command

DOWNLOADERS = frozenset({"curl", "wget", "fetch"})
INTERPRETERS = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "ash",
        "dash",
        "ksh",
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "node",
        "php",
    }
)
_WRAPPERS = frozenset({"sudo", "env", "doas", "su-exec", "gosu", "nice", "time"})
_SUBSTITUTED = LazyPattern(r"(?:\$\(|`|<\()\s*(?:\S*/)?(curl|wget|fetch)\b")


def _name(command: Command) -> str:
    return posixpath.basename(command.name)


def _program(command: Command) -> tuple[str, list[str]]:
    """The program that runs (past ``sudo -E``, ``env X=1``) and its arguments."""
    words = [command.name, *command.args]
    while words and posixpath.basename(words[0]) in _WRAPPERS:
        words = words[1:]
        while words and (words[0].startswith("-") or "=" in words[0]):
            words = words[1:]
    if not words:
        return "", []
    return posixpath.basename(words[0]), words[1:]


def _interpreter(command: Command) -> bool:
    program, _ = _program(command)
    return program in INTERPRETERS or re.fullmatch(r"python\d(\.\d+)?", program) is not None


#: The option letters by which an interpreter takes its program on the command line (what a
#: pipe gives it is then data: `gpg --dearmor | sh -c 'cat > key.gpg'`).
_INLINE_PROGRAM = {"perl": "eE", "ruby": "e", "node": "ep", "php": "r"}
#: Option letters whose value follows, attached or as the next word, by program.
_VALUED_LETTERS = {"perl": "MmIx", "ruby": "IrECF", "node": "r", "php": "dcz", "python": "WXQ"}
#: Long options whose value is the next word.
_VALUED_LONG = frozenset({"--rcfile", "--init-file", "--require", "--import"})
#: Names of the standard input as a file: a script read from there is the pipe.
_STDIN_FILES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def _reads_program_from_pipe(command: Command) -> bool:
    """Whether an interpreter runs what it reads on standard input: it has no inline program
    (`-c`, `-e`, `python -m`) and no script file, or it is told to read standard input
    (`sh -s`, `python -`, `bash /dev/stdin`)."""
    program, args = _program(command)
    family = "python" if program.startswith("python") else program
    inline = _INLINE_PROGRAM.get(family, "c" if program in SHELLS else "cm")
    valued = "oO" if program in SHELLS else _VALUED_LETTERS.get(family, "")
    waiting = False
    for arg in args:
        if waiting:
            waiting = False
            continue
        if arg in _STDIN_FILES:
            return True
        if arg == "--":
            continue
        if arg.startswith("--"):
            if arg in ("--eval", "--print", "--command"):
                return False
            waiting = arg in _VALUED_LONG
            continue
        if arg.startswith(("-", "+")) and len(arg) > 1:
            letters = arg[1:]
            for position, letter in enumerate(letters):
                if program in SHELLS and letter == "s":
                    return True
                if letter in inline:
                    return False
                if letter in valued:  # its value: the rest of the word, or the next one
                    waiting = position == len(letters) - 1
                    break
            continue
        return False  # a script file: the pipe is its input
    return True


def _downloads_to(command: Command) -> list[str]:
    """Files a downloader writes (``curl -o F``, ``curl -O URL``, ``wget URL``)."""
    name = _name(command)
    args = list(command.args)
    out: list[str] = []
    urls = [a for a in args if re.match(r"^(https?|ftp)://", a)]
    if name == "curl":
        for index, arg in enumerate(args):
            if arg in ("-o", "--output") and index + 1 < len(args):
                out.append(args[index + 1])
            elif arg.startswith("--output="):
                out.append(arg.split("=", 1)[1])
            elif re.fullmatch(r"-[a-zA-Z]*o", arg) and index + 1 < len(args):
                out.append(args[index + 1])
        if any(a == "--remote-name" or re.fullmatch(r"-[a-zA-Z]*O[a-zA-Z]*", a) for a in args):
            out += [posixpath.basename(u.split("?", 1)[0]) for u in urls]
    elif name == "wget":
        explicit = False
        for index, arg in enumerate(args):
            if arg in ("-O", "--output-document") and index + 1 < len(args):
                out.append(args[index + 1])
                explicit = True
            elif arg.startswith("--output-document="):
                out.append(arg.split("=", 1)[1])
                explicit = True
            elif re.fullmatch(r"-[a-zA-Z]*O", arg) and index + 1 < len(args):
                out.append(args[index + 1])
                explicit = True
        if not explicit:
            out += [posixpath.basename(u.split("?", 1)[0]) for u in urls]
    return [o for o in out if o and o != "-"]


_SCRIPTS = (".sh", ".bash", ".py", ".pl", ".rb", ".php", ".js", ".run")


def _runs_file(command: Command, files: list[str]) -> str | None:
    """The downloaded script ``command`` runs, if any: through an interpreter, or directly
    when its name says it is a script (a downloaded program run for ``--version`` is a smoke
    test, not a script)."""
    program, args = _program(command)
    names = {posixpath.basename(f): f for f in files}
    if program in names and program.endswith(_SCRIPTS):
        return names[program]
    if _interpreter(command):
        if program in SHELLS and "-n" in args:
            return None  # a syntax check runs nothing
        operands = [a for a in args if not a.startswith("-")]
        if operands and posixpath.basename(operands[0]) in names:
            return names[posixpath.basename(operands[0])]
    return None


class UnverifiedRemoteScript(Rule):
    """A `RUN` executes a script fetched from the network without checking it (`curl | sh`).

    ## What it does
    Flags a `RUN` that runs code it downloads without verifying it:

    - a download piped into a shell or interpreter: `curl -fsSL URL | sh`,
      `wget -qO- URL | sudo -E bash -`, `curl URL | python3 -`;
    - a download substituted into a command: `sh -c "$(curl -fsSL URL)"`,
      `bash <(curl -s URL)`, `eval "$(wget -qO- URL)"`;
    - a script downloaded (`curl -o`, `curl -O`, `wget`) and then run (`sh install.sh`,
      `python3 get-pip.py`, `./install.sh`) in the same `RUN`, when nothing in that `RUN`
      checks a checksum or a signature (`sha256sum -c`, `shasum`, `gpg --verify`,
      `cosign`, `minisign`, or a digest computed in inline code such as Composer's
      `php -r "... hash_file('sha384', ...) ..."`).

    ## Why is this bad?
    The script is whatever the server sends at build time. A compromised or hijacked
    server, a changed release or a truncated download runs as root inside the build with
    nothing noticing, and the result is baked into an image that ships. HTTPS only protects
    the transport, not what the server chose to send. Pinning the script to a known digest
    makes a build fail instead of running something nobody reviewed.

    ## Example
    ```dockerfile lines=2
    FROM debian:12-slim
    RUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash -
    ```

    ```dockerfile lines=2
    FROM debian:12-slim
    RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh && sh /tmp/install.sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ARG SETUP_SHA256=1d6e7fbd1a7fb8ad0d0c5f1ae9e7a6f1ae61b1f8d1f62de1a9d09a6b1e9a7c3f
    RUN curl -fsSLo /tmp/setup.sh https://deb.nodesource.com/setup_22.x \\
     && echo "$SETUP_SHA256  /tmp/setup.sh" | sha256sum -c - \\
     && bash /tmp/setup.sh \\
     && rm /tmp/setup.sh
    ```

    ```dockerfile
    FROM debian:12-slim
    ADD --checksum=sha256:1d6e7fbd1a7fb8ad0d0c5f1ae9e7a6f1ae61b1f8d1f62de1a9d09a6b1e9a7c3f \\
        https://example.com/install.sh /tmp/install.sh
    RUN sh /tmp/install.sh
    ```

    ## Limits
    Only the `RUN` that runs the script is read: a checksum checked in another `RUN`, or
    inside the downloaded script, is not seen. A check anywhere in the same `RUN` counts
    for the whole `RUN`. A downloaded program run directly (`tool --version`, a smoke test)
    is not taken for a script. PowerShell (`iwr ... | iex`) is not parsed.
    """

    code = "DK302"
    name = "unverified-remote-script"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "A script downloaded from the network is run without verifying its checksum"
    on = frozenset({"RUN"})
    run_mentions = DOWNLOADERS  # piped, substituted or saved and run
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = self._find(step)
        if found is None:
            return
        command, how = found
        message = (
            f"{how}: nothing checks that the code is what was reviewed; download it, verify "
            "its checksum (`sha256sum -c`) or signature, then run it"
        )
        yield Problem(step, message=message, at=mark(ctx, step, command))

    def _find(self, step: Step) -> tuple[Command, str] | None:
        script = step.script
        source = script.text.encode("utf-8", "surrogateescape") if script is not None else b""
        # A command's text is part of the script's: no match there, none in any command.
        substituted = script is not None and _SUBSTITUTED.search(script.text) is not None
        cmds = commands(step)
        if not substituted and DOWNLOADERS.isdisjoint(_name(c) for c in cmds):
            return None  # nothing downloads: most RUNs
        downloader: Command | None = None
        for command in cmds:
            if command.joined_by != "|":
                downloader = None
            if (
                downloader is not None
                and _interpreter(command)
                and _reads_program_from_pipe(command)
            ):
                program, _ = _program(command)
                return downloader, f"`{_name(downloader)} … | {program}` runs a download"
            if _name(command) in DOWNLOADERS:
                downloader = command
            if not substituted:
                continue
            raw = source[command.start_byte : command.end_byte].decode("utf-8", "surrogateescape")
            match = _SUBSTITUTED.search(raw) if raw else None
            if match and (_interpreter(command) or _name(command) in ("eval", "source", ".")):
                return command, f"`{_name(command)}` runs the output of `{match.group(1)}`"
        if any(verifies_download(c) for c in cmds):
            return None
        files: list[str] = []
        for command in cmds:
            if _name(command) in DOWNLOADERS:
                files += _downloads_to(command)
                continue
            if files and _runs_file(command, files):
                ran = _runs_file(command, files)
                return command, f"`{_program(command)[0]}` runs {ran}, downloaded by this RUN"
        return None
