from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import effective_commands, program
from dockerlens.semantics.managers import SYSTEM_MANAGERS, by_program
from dockerlens.shell import Command

#: hadolint's list (its message also names ifconfig, which it does not check).
POINTLESS = frozenset({"free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"})


class PointlessCommand(Rule):
    """A RUN uses an interactive or system command that means nothing while an image is built.

    ## What it does
    Flags a `RUN` (or `ONBUILD RUN`) that runs `ssh`, `vim`, `shutdown`, `service`, `ps`,
    `free`, `top`, `kill` or `mount`. A `service NAME start` followed in the same `RUN` by a
    command that uses it (a database client, or a command naming the service) is left alone:
    the service is started for it (`service mysql start && mysql -e "CREATE USER ..."`
    initialises a database at build time); so is a `service NAME stop` after the same `RUN`
    started a service or installed packages, which stops them before the layer is written,
    and an action of the service's own script that does its work at build time
    (`service hadoop-hdfs-namenode init` formats the file system).

    ## Why is this bad?
    A build step runs once, without a terminal, in a container with no init system and no
    services: an editor waits for input that never comes, `service` and `shutdown` act on
    an init that is not there, and `ps`, `top` or `free` describe the build container, not
    the one that will run. Such a line is usually copied from a shell session.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN service nginx start
    ```

    ```dockerfile lines=2
    FROM debian:12
    RUN apt-get update && apt-get install -y vim && vim /etc/nginx/nginx.conf
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ```dockerfile
    FROM debian:12
    COPY nginx.conf /etc/nginx/nginx.conf
    ```

    ## Differences from hadolint
    The command is matched by its base name, so `/usr/bin/vim` counts as `vim`. A command
    run through a wrapper (`sudo service nginx start`, `xargs kill`, `gosu app top`) or in a
    nested `sh -c '...'` or `su -c '...'` script counts too; hadolint sees only the wrapper or
    the shell.
    """

    code = "DL3001"
    name = "pointless-command"
    severity = Severity.INFO
    category = Category.CORRECTNESS
    message = (
        "For some bash commands it makes no sense running them in a Docker container like "
        "`ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`"
    )
    on = frozenset({"RUN"})
    run_mentions = POINTLESS
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        commands = effective_commands(step)
        for index, command in enumerate(commands):
            name = program(command)
            if name not in POINTLESS:
                continue
            if name == "service" and _serves_the_run(
                command, commands[:index], commands[index + 1 :]
            ):
                continue
            yield Problem(step)
            return


#: Clients that talk to a database or directory server started in the same RUN.
_CLIENTS = frozenset(
    {"mysql", "mariadb", "mysqladmin", "psql", "createdb", "createuser", "pg_restore",
     "redis-cli", "mongo", "mongosh", "mongorestore", "ldapadd", "ldapmodify", "cqlsh"}
)  # fmt: skip
#: The system package managers' install subcommands, by program (their installs may start
#: the services of the packages installed).
_INSTALL_VERBS = {
    name: frozenset(record.install_verbs) for name, record in by_program(SYSTEM_MANAGERS).items()
}


#: Actions of an init script that do their work at build time rather than on a running
#: service (Bigtop's `service hadoop-hdfs-namenode init` formats the file system).
_BUILD_TIME_ACTIONS = frozenset({"init", "initdb", "init-db", "setup", "format", "bootstrap"})


def _serves_the_run(command: Command, earlier: list[Command], later: list[Command]) -> bool:
    """``service NAME start`` followed by a command that uses it (a database client, or one
    that names the service: ``su postgres -c ...`` after ``service postgresql start``),
    ``service NAME stop`` after the RUN started a service or installed packages, or an action
    of the init script's own that works at build time (``init``, ``initdb``)."""
    args = [a for a in command.args if not a.startswith("-")]
    if len(args) < 2:
        return False
    service, action = args[0], args[1]
    if action in _BUILD_TIME_ACTIONS:
        return True
    if action in ("start", "restart"):
        stem = service[:5]
        return any(
            program(other) in _CLIENTS or any(stem in arg for arg in (other.name, *other.args))
            for other in later
        )
    if action == "stop":
        return any(
            (program(other) == "service" and {"start", "restart"} & set(other.args))
            or bool(_INSTALL_VERBS.get(program(other), frozenset()) & set(other.args))
            for other in earlier
        )
    return False
