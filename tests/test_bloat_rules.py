"""The DK2xx/DK3xx rules whose findings depend on files next to the Dockerfile (the build
context): they cannot be YAML cases, which lint text alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockerlens.lint.registry import load_registry
from dockerlens.lint.testing import lint_with

REGISTRY = load_registry()


def findings(code: str, folder: Path, text: str, name: str = "Dockerfile") -> list[int]:
    """Lines where rule ``code`` fires on ``text`` written to ``folder/name``."""
    rule = REGISTRY.resolve(code)
    assert rule is not None
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f.line for f in lint_with(rule, text, path=str(path)) if f.code == code]


GO_BUILD = "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
CARGO_BUILD = "FROM rust:1.82\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"


@pytest.mark.parametrize(
    ("text", "lock"), [(GO_BUILD, "go.sum"), (CARGO_BUILD, "Cargo.lock")], ids=["go", "cargo"]
)
def test_dk205_builds_with_dependencies(tmp_path: Path, text: str, lock: str) -> None:
    (tmp_path / lock).write_text("", encoding="utf-8")
    assert findings("DK205", tmp_path, text) == [4]


@pytest.mark.parametrize("text", [GO_BUILD, CARGO_BUILD], ids=["go", "cargo"])
def test_dk205_builds_without_dependencies_are_not_reported(tmp_path: Path, text: str) -> None:
    assert findings("DK205", tmp_path, text) == []


def test_dk205_go_builds_from_a_committed_vendor_folder(tmp_path: Path) -> None:
    (tmp_path / "go.sum").write_text("", encoding="utf-8")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "modules.txt").write_text("# example.com/x v1.0.0\n")
    assert findings("DK205", tmp_path, GO_BUILD) == []
    # The module cache instead of vendor/: downloads again.
    assert findings("DK205", tmp_path, GO_BUILD.replace("build", "build -mod=mod")) == [4]
    download = GO_BUILD.replace("go build -o /app .", "go mod download")
    assert findings("DK205", tmp_path, download) == [4]
    # vendor/ kept out of the context: the build downloads.
    (tmp_path / ".dockerignore").write_text(".git\nvendor/\n")
    assert findings("DK205", tmp_path, GO_BUILD) == [4]


def test_dk205_without_a_context_assumes_dependencies() -> None:
    rule = REGISTRY.resolve("DK205")
    assert rule is not None
    assert [f.line for f in lint_with(rule, GO_BUILD, path="-")] == [4]


APP_WITH_GCC = (
    "FROM debian:12-slim\n"
    "COPY . /src\n"
    "RUN apt-get update && apt-get install -y gcc && make -C /src\n"
    'CMD ["/src/app"]\n'
)


def test_dk204_reports_an_application_image(tmp_path: Path) -> None:
    assert findings("DK204", tmp_path, APP_WITH_GCC) == [3]


def test_dk204_skips_dev_containers(tmp_path: Path) -> None:
    assert findings("DK204", tmp_path, APP_WITH_GCC, name=".devcontainer/Dockerfile") == []


@pytest.mark.parametrize(
    ("name", "skipped"),
    [
        # Precision round 13: a fuzzing server that runs `cmake && make` at run time.
        ("lib/wamr/tests/fuzz/server/Dockerfile", True),
        ("docker/Dockerfile.dev", True),
        ("dev.Dockerfile", True),
        ("docs/Dockerfile", True),
        ("Dockerfile.devcontainer", True),
        # Round 14: a property-test harness image.
        ("Dockerfile.proptests", True),
        ("ci/e2e/Dockerfile", True),
        ("Dockerfile.latest", False),
        ("contest/Dockerfile", False),
        ("src/Api/Dockerfile", False),
        ("Dockerfile.production", False),
        ("devops/Dockerfile", False),
    ],
)
def test_dk204_skips_development_test_and_docs_images(
    tmp_path: Path, name: str, skipped: bool
) -> None:
    assert findings("DK204", tmp_path, APP_WITH_GCC, name=name) == ([] if skipped else [3])


def test_dk204_skips_an_image_with_a_production_variant_beside_it(tmp_path: Path) -> None:
    # Round 16 (your_spotify): Dockerfile.server is the dev image, .production ships.
    assert findings("DK204", tmp_path, APP_WITH_GCC, name="Dockerfile.server") == [3]
    (tmp_path / "Dockerfile.server.production").write_text(APP_WITH_GCC, encoding="utf-8")
    assert findings("DK204", tmp_path, APP_WITH_GCC, name="Dockerfile.server") == []


def test_dk204_skips_an_image_whose_start_script_builds(tmp_path: Path) -> None:
    # Precision round 20 (coqui TTS): runtime.sh runs `pip install -e .` when the image starts.
    text = (
        "FROM ubuntu:22.04\nADD requirements.txt /a/\n"
        "RUN apt -y install --no-install-recommends gcc libpython3.10-dev\n"
        "ADD runtime.sh /a/\nWORKDIR /a/TTS/\nCMD /a/runtime.sh\n"
    )
    make(tmp_path, "requirements.txt", "runtime.sh")
    (tmp_path / "runtime.sh").write_text("#!/bin/bash\ncd /a/TTS\necho make sure\nbash\n")
    assert findings("DK204", tmp_path, text) == [3]
    (tmp_path / "runtime.sh").write_text("#!/bin/bash\ncd /a/TTS\npip install -e .[all]\n")
    assert findings("DK204", tmp_path, text) == []
    # A Python program is no start script, whatever its docstring says.
    make(tmp_path, "main.py")
    (tmp_path / "main.py").write_text('"""Set up:\n    pip install -r requirements.txt\n"""\n')
    python = text.replace("CMD /a/runtime.sh", 'ADD main.py /a/\nCMD ["python", "/a/main.py"]')
    assert findings("DK204", tmp_path, python) == [3]


def test_dk204_a_folder_of_scripts_is_no_application_source(tmp_path: Path) -> None:
    # Precision round 21 (apache/ranger): the build image copies only scripts/build/*.
    text = (
        "FROM ubuntu:22.04\nRUN apt-get install -y gcc maven\n"
        'COPY ./scripts/build/* /opt/scripts/\nENTRYPOINT ["/opt/scripts/build.sh"]\n'
    )
    assert findings("DK204", tmp_path, text) == []
    assert findings("DK204", tmp_path, text.replace("scripts/build/*", "src/*")) == [2]


def test_dk204_skips_a_build_image_whose_entrypoint_runs_maven(tmp_path: Path) -> None:
    # Precision round 21 (apache/ranger): scripts/build/* copied by a glob, ENTRYPOINT runs mvn.
    make(tmp_path, "scripts/build/ranger-build.sh", "pom.xml")
    (tmp_path / "scripts/build/ranger-build.sh").write_text("#!/bin/bash\nmvn clean package\n")
    text = (
        "FROM ubuntu:22.04\nRUN apt-get install -y gcc maven\nCOPY pom.xml /src/\n"
        "COPY ./scripts/build/* /home/ranger/scripts/\n"
        'ENTRYPOINT [ "/home/ranger/scripts/ranger-build.sh" ]\n'
    )
    assert findings("DK204", tmp_path, text) == []
    (tmp_path / "scripts/build/ranger-build.sh").write_text("#!/bin/bash\nexec java -jar x\n")
    assert findings("DK204", tmp_path, text) == [2]


def test_dk204_folders_above_the_working_directory_do_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project under /home/dev is not a development image.
    project = tmp_path / "dev" / "tests" / "project"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    assert findings("DK204", project, APP_WITH_GCC) == [3]


COPY_ALL = "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"


def make(folder: Path, *paths: str, ignore: str | None = None) -> None:
    """Files and directories (ending in /) in the context, and its .dockerignore."""
    for path in paths:
        target = folder / path
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("", encoding="utf-8")
    if ignore is not None:
        (folder / ".dockerignore").write_text(ignore, encoding="utf-8")


def messages(
    code: str, folder: Path, text: str, name: str = "Dockerfile", **options: object
) -> list[str]:
    rule = REGISTRY.resolve(code)
    assert rule is not None
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    found = lint_with(rule, text, options=dict(options), path=str(path))
    return [f.message for f in found if f.code == code]


def test_dk208_no_dockerignore(tmp_path: Path) -> None:
    make(tmp_path, ".git/", "package.json")
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "no .dockerignore" in message and ".git, node_modules" in message


def test_dk208_no_dockerignore_in_a_context_with_nothing_to_keep_out(tmp_path: Path) -> None:
    # Precision round 13 (docs/lint.md): kind's images/kindnetd/ holds the Go module alone.
    make(tmp_path, "main.go", "go.mod")
    assert messages("DK208", tmp_path, COPY_ALL) == []
    make(tmp_path, ".venv/")
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "(.venv among it)" in message


def test_dk208_git_directory_of_a_stage_that_runs_git(tmp_path: Path) -> None:
    # Precision round 13: rclone's builder installs git and its Makefile runs `git describe`.
    make(tmp_path, ".git/")
    builds = "FROM golang:1.23-alpine\nRUN apk add --no-cache git make\nCOPY . .\nRUN make\n"
    assert messages("DK208", tmp_path, builds) == []
    make(tmp_path, ignore="*.md\n")
    assert messages("DK208", tmp_path, builds) == []
    make(tmp_path, "node_modules/")
    [message] = messages("DK208", tmp_path, builds)
    assert "copies node_modules into the image" in message
    # A stage that neither installs nor runs git gets .git named.
    assert ".git" in messages("DK208", tmp_path, COPY_ALL)[0]


def test_dk208_complete_dockerignore(tmp_path: Path) -> None:
    make(tmp_path, ".git/", "package.json", ".venv/", ignore=".git\nnode_modules\n.venv\n")
    assert messages("DK208", tmp_path, COPY_ALL) == []


def test_dk208_missing_entries_are_named(tmp_path: Path) -> None:
    make(tmp_path, ".git/", "package.json", "env/pyvenv.cfg", ignore=".git\n*.md\n")
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "copies node_modules, env into the image" in message


def test_dk208_docker_matching_rules(tmp_path: Path) -> None:
    # `**/` crosses directories; an allow-list (`*` then `!src`) excludes everything else.
    make(tmp_path, ".git/", "node_modules/", ignore="**/node_modules\n*\n!src\n!package.json\n")
    assert messages("DK208", tmp_path, COPY_ALL) == []


def test_dk208_an_exception_can_bring_git_back(tmp_path: Path) -> None:
    make(tmp_path, ".git/", ignore=".git\n!.git\n")
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "copies .git into" in message


def test_dk208_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    make(tmp_path, ".git/", ignore="*.md\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text(".git\n", encoding="utf-8")
    assert messages("DK208", tmp_path, COPY_ALL, name="app.Dockerfile") == []
    assert len(messages("DK208", tmp_path, COPY_ALL)) == 1


def test_dk208_copy_exclude_flag(tmp_path: Path) -> None:
    make(tmp_path, ".git/", ignore="*.md\n")
    text = "FROM alpine:3.20\nCOPY --exclude=.git . /src\n"
    assert messages("DK208", tmp_path, text) == []


def test_dk208_must_exclude_option(tmp_path: Path) -> None:
    make(tmp_path, ignore=".git\n")
    [message] = messages("DK208", tmp_path, COPY_ALL, must_exclude=["dist"])
    assert "copies dist into" in message


def test_dk208_context_option(tmp_path: Path) -> None:
    make(tmp_path, ".git/", "docker/entrypoint.sh", "docker/.venv/")
    text = "FROM alpine:3.20\nCOPY . /src\n"
    assert len(messages("DK208", tmp_path, text, name="docker/Dockerfile")) == 1
    assert len(messages("DK208", tmp_path, text, name="docker/Dockerfile", context="..")) == 1
    make(tmp_path, ignore=".git\n")
    assert messages("DK208", tmp_path, text, name="docker/Dockerfile", context="..") == []


def test_dk208_not_judged_below_a_folder_with_an_ignore_file(tmp_path: Path) -> None:
    # Seen in the held-out precision samples (docs/lint.md): netdata's packaging/docker/ and
    # loki's cmd/*/ copy only `.` and are built from the repository root, whose .dockerignore
    # the build reads. An assumed context without one, below a folder with one, is uncertain.
    make(tmp_path, ".git/", "packaging/docker/run.sh", "packaging/docker/.venv/", ignore=".git\n")
    text = "FROM alpine:3.20\nCOPY . /src\n"
    assert messages("DK208", tmp_path, text, name="packaging/docker/Dockerfile") == []
    # A context given is judged as it is.
    [message] = messages("DK208", tmp_path, text, name="packaging/docker/Dockerfile", context=".")
    assert message.endswith("packaging/docker/)")


#: A Dockerfile built from the repository root (`docker build -f src/Api/Dockerfile .`): its
#: other COPY names a root-relative path.
FROM_ROOT = "FROM node:22-slim\nCOPY src/Api/entrypoint.sh /\nWORKDIR /app\nCOPY . .\n"


@pytest.mark.parametrize(
    ("files", "text", "name", "why"),
    [
        (["src/Api/entrypoint.sh"], FROM_ROOT, "src/Api/Dockerfile", ", the folder holding the"),
        # docker/ holds nothing but Dockerfiles: `COPY . .` there would copy only them, so the
        # build runs from the repository root (round-3 precision sample: woodpecker's docker/).
        (["docker/Dockerfile.agent"], COPY_ALL, "docker/Dockerfile.server", ""),
    ],
    ids=["files-it-copies", "folder-of-dockerfiles"],
)
def test_dk208_context_inferred(
    tmp_path: Path, files: list[str], text: str, name: str, why: str
) -> None:
    make(tmp_path, ".git/", *files, ignore=".git\nnode_modules\n")
    assert messages("DK208", tmp_path, text, name=name) == []
    (tmp_path / ".dockerignore").unlink()
    [message] = messages("DK208", tmp_path, text, name=name)
    assert f"build context assumed: {tmp_path.resolve()}/{why}" in message


def test_dk208_context_inferred_from_a_glob_the_dockerfile_copies(tmp_path: Path) -> None:
    # `COPY *.sln .` matches nothing next to src/Web/Dockerfile, and the solution at the root.
    make(tmp_path, ".git/", "eShop.sln", ignore=".git\n")
    text = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /app\nCOPY *.sln .\nCOPY . .\n"
    assert messages("DK208", tmp_path, text, name="src/Web/Dockerfile") == []


def test_dk208_context_stays_the_dockerfile_folder_when_its_files_are_there(
    tmp_path: Path,
) -> None:
    # The files are in the Dockerfile's folder (and above it too): that folder is the context.
    make(tmp_path, ".git/", "src/Api/entrypoint.sh", "src/Api/src/Api/entrypoint.sh")
    make(tmp_path, "src/Api/node_modules/")
    [message] = messages("DK208", tmp_path, FROM_ROOT, name="src/Api/Dockerfile")
    assert "the Dockerfile's folder" in message


def test_dk208_context_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    # The files exist only above the repository holding the Dockerfile: not its context.
    make(tmp_path, "src/Api/entrypoint.sh", ignore=".git\n")
    make(tmp_path / "repo", ".git/", "src/Api/node_modules/")
    [message] = messages("DK208", tmp_path / "repo", FROM_ROOT, name="src/Api/Dockerfile")
    assert "the Dockerfile's folder" in message


def test_dk208_only_whole_context_copies(tmp_path: Path) -> None:
    make(tmp_path, ".git/")
    text = "FROM alpine:3.20\nCOPY src/ /src/\nCOPY --from=build . /out\n"
    assert messages("DK208", tmp_path, text) == []


def test_dk208_standard_input_has_no_context() -> None:
    rule = REGISTRY.resolve("DK208")
    assert rule is not None
    assert lint_with(rule, COPY_ALL, path="-") == []


def test_dk209_secrets_in_the_whole_context(tmp_path: Path) -> None:
    make(tmp_path, ".env", "app.js", "deploy/id_rsa", "node_modules/pkg/.env", ".ssh/config")
    (tmp_path / ".env").write_text("SESSION_SECRET=7f3a9c1e5b\n", encoding="utf-8")
    [message] = messages("DK209", tmp_path, COPY_ALL)
    assert "copies .env, .ssh, deploy/id_rsa from the build context" in message


def test_dk209_context_secrets_kept_out_by_dockerignore(tmp_path: Path) -> None:
    make(tmp_path, ".env", "deploy/id_rsa", ignore=".env\n**/id_rsa\n")
    assert messages("DK209", tmp_path, COPY_ALL) == []


@pytest.mark.parametrize(
    ("dotenv", "secret"),
    [
        # Precision round 14: koillection's committed Symfony .env.
        (
            "APP_SECRET=\nJWT_SECRET_KEY=%kernel.project_dir%/config/jwt/private.pem\n"
            "DB_USER=koillection\nDB_PASSWORD=koillection\n",
            False,
        ),
        ("DB_USER=app\nDB_PASSWORD=9fQ2xLr7Vd\n", True),
        ("API_TOKEN=/run/secrets/token\n", False),
        ("A_PASSWORD=9fQ2xLr7Vd\nB_PASSWORD=9fQ2xLr7Vd\n", True),
    ],
)
def test_dk209_dotenv_defaults_are_settings(tmp_path: Path, dotenv: str, secret: bool) -> None:
    make(tmp_path, ".env")
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    assert len(messages("DK209", tmp_path, COPY_ALL)) == (1 if secret else 0)


def test_dk209_context_secrets_kept_out_by_copy_exclude(tmp_path: Path) -> None:
    make(tmp_path, ".env")
    text = "FROM node:22-slim\nCOPY --exclude=.env . /app\n"
    assert messages("DK209", tmp_path, text) == []


def test_dk209_a_copied_directory(tmp_path: Path) -> None:
    make(tmp_path, "config/app.yaml", "config/secrets.yaml")
    text = "FROM alpine:3.20\nCOPY config/ /etc/app/\n"
    [message] = messages("DK209", tmp_path, text)
    assert "copies config/secrets.yaml from" in message


def test_dk209_globs_judged_against_the_context(tmp_path: Path) -> None:
    text = "FROM nginx:1.27\nCOPY certs/*.pem /etc/nginx/tls/\n"
    make(tmp_path, "certs/fullchain.pem", "certs/ca.pem")
    assert messages("DK209", tmp_path, text) == []
    make(tmp_path, "certs/server-key.pem")
    [message] = messages("DK209", tmp_path, text)
    assert "certs/server-key.pem" in message


def test_dk209_builder_stage_context_is_not_reported(tmp_path: Path) -> None:
    make(tmp_path, ".env")
    text = "FROM node:22 AS build\nCOPY . .\nFROM nginx:1.27\nCOPY --from=build /dist /srv\n"
    assert messages("DK209", tmp_path, text) == []


@pytest.mark.parametrize(
    ("name", "settings", "credential"),
    [
        (
            ".npmrc",
            "registry=https://npm.example.com/\nalways-auth=true\n",
            "//npm.example.com/:_authToken=abc\n",
        ),
        (
            ".pypirc",
            "[distutils]\nindex-servers = internal\n[internal]\n"
            "repository = https://pypi.example.com\nusername = ci\n",
            "[pypi]\npassword = pypi-abc\n",
        ),
        (".netrc", "default\n", "machine example.com\n  login ci\n  password abc\n"),
        # A dotenv template: settings, secret names left empty or read from the environment.
        (
            ".env.production",
            "APP_ENV=production\nAPP_KEY=\nDB_HOST=db\nDB_PASSWORD=${DB_PASSWORD}\n",
            "APP_KEY=base64:q3Jt9vXw2mLp8sZk\n",
        ),
        # Seen in the round 6 precision sample (docs/lint.md): gitlab's secrets.yml template.
        (
            "secrets.yml",
            "production:\n  db_key_base: {{GITLAB_SECRETS_DB_KEY_BASE}}\n"
            "development:\n  db_key_base: development\n",
            "staging:\n  db_key_base: 4f9a8c2e1b7d6a3f5e0c9b8a7d6f5e4c\n",
        ),
    ],
)
def test_dk209_settings_files_without_credentials(
    tmp_path: Path, name: str, settings: str, credential: str
) -> None:
    """An .npmrc / .pypirc / .netrc / dotenv file in the context is a secret only when it
    holds one."""
    (tmp_path / name).write_text(settings, encoding="utf-8")
    copy_file = f"FROM node:22-slim\nCOPY {name} /root/\n"
    assert messages("DK209", tmp_path, copy_file) == []
    assert messages("DK209", tmp_path, COPY_ALL) == []
    (tmp_path / name).write_text(settings + credential, encoding="utf-8")
    assert len(messages("DK209", tmp_path, copy_file)) == 1
    [message] = messages("DK209", tmp_path, COPY_ALL)
    assert name in message


def test_dk209_a_settings_file_judged_by_the_name_it_is_copied_to(tmp_path: Path) -> None:
    # Precision round 20 (hexpm/bob): etc/boto names a key file, it holds no credential.
    make(tmp_path, "etc/boto")
    (tmp_path / "etc/boto").write_text("[Credentials]\ngs_service_key_file = /boto/key.json\n")
    text = "FROM debian:12\nCOPY etc/boto /app/.boto\n"
    assert messages("DK209", tmp_path, text) == []
    (tmp_path / "etc/boto").write_text("[Credentials]\ngs_secret_access_key = abc123\n")
    assert findings("DK209", tmp_path, text) == [2]
    (tmp_path / "etc/boto").write_text("[Boto]\nproxy_pass = hunter2\n")
    assert findings("DK209", tmp_path, text) == [2]


def test_dk209_a_settings_file_copied_from_a_stage_that_copied_it_from_the_context(
    tmp_path: Path,
) -> None:
    # Precision round 20 (heyform): the stage's .npmrc came from the context, settings only.
    make(tmp_path, "packages/server/.npmrc", "packages/server/package.json")
    (tmp_path / "packages/server/.npmrc").write_text("enable-pre-post-scripts=true\n")
    text = (
        "FROM node:22-alpine AS base\nARG APP_PATH=/app\nWORKDIR $APP_PATH\n"
        "COPY packages/server $APP_PATH/packages/server\nRUN npm ci\n"
        "FROM node:22-alpine\nWORKDIR /app\n"
        "COPY --from=base /app/packages/server/.npmrc ./.npmrc\n"
        "COPY --from=0 /app/packages/server/.npmrc ./again/.npmrc\n"
    )
    assert messages("DK209", tmp_path, text) == []
    (tmp_path / "packages/server/.npmrc").write_text("//registry.npmjs.org/:_authToken=abc\n")
    assert findings("DK209", tmp_path, text) == [8, 9]


@pytest.mark.parametrize(
    "changed",
    [
        # A RUN of the stage adds a token after the copy.
        'RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" >> /app/.npmrc\n',
        # A later copy from another stage, or a download, puts another file there.
        "COPY --from=creds /npmrc /app/.npmrc\n",
        "ADD https://internal.example.com/ci/npmrc /app/.npmrc\n",
    ],
)
def test_dk209_a_stage_file_changed_after_its_copy_is_judged_by_its_name(
    tmp_path: Path, changed: str
) -> None:
    make(tmp_path, ".npmrc")
    (tmp_path / ".npmrc").write_text("registry=https://registry.npmjs.org/\n")
    text = (
        "FROM alpine:3.20 AS creds\nRUN echo token > /npmrc\n"
        "FROM node:22-alpine AS base\nARG NPM_TOKEN\nCOPY .npmrc /app/.npmrc\n"
        f"{changed}"
        "FROM node:22-alpine\nCOPY --from=base /app/.npmrc /srv/.npmrc\n"
    )
    assert findings("DK209", tmp_path, text) == [8]


def test_dk209_a_stage_file_is_read_from_the_context_option(tmp_path: Path) -> None:
    make(tmp_path, ".npmrc", "docker/.npmrc")
    (tmp_path / ".npmrc").write_text("//registry.npmjs.org/:_authToken=abc\n")
    (tmp_path / "docker/.npmrc").write_text("registry=https://registry.npmjs.org/\n")
    text = (
        "FROM node:22 AS base\nCOPY .npmrc /app/\nFROM node:22\n"
        "COPY .npmrc /direct/.npmrc\nCOPY --from=base /app/.npmrc /staged/.npmrc\n"
    )
    found = messages("DK209", tmp_path, text, name="docker/Dockerfile", context="..")
    assert len(found) == 2
    (tmp_path / ".npmrc").write_text("registry=https://registry.npmjs.org/\n")
    (tmp_path / "docker/.npmrc").write_text("//registry.npmjs.org/:_authToken=abc\n")
    assert messages("DK209", tmp_path, text, name="docker/Dockerfile", context="..") == []


def test_dk209_a_pipe_named_like_a_settings_file_is_judged_by_its_name(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "npmrc-pipe")
    assert findings("DK209", tmp_path, "FROM debian:12\nCOPY npmrc-pipe /root/.npmrc\n") == [2]


def test_dl3009_a_copied_cleanup_script_that_deletes_the_lists(tmp_path: Path) -> None:
    # Seen in the last held-out precision sample (docs/lint.md): photoprism's cleanup.sh.
    make(tmp_path, "scripts/cleanup.sh", "scripts/other.sh")
    (tmp_path / "scripts/cleanup.sh").write_text("apt-get clean\nrm -rf /var/lib/apt/lists/*\n")
    install = "apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10"
    text = (
        f"FROM debian:12\nCOPY scripts/ /scripts/\nRUN {install} && /scripts/cleanup.sh\n"
        f"RUN {install} && /scripts/other.sh\nWORKDIR /scripts\nRUN {install} && ./cleanup.sh\n"
    )
    assert findings("DL3009", tmp_path, text) == [4]


def test_dk301_skips_dev_containers(tmp_path: Path) -> None:
    text = 'FROM mcr.microsoft.com/devcontainers/python:3.12\nCMD ["sleep", "infinity"]\n'
    assert findings("DK301", tmp_path, text) == [1]
    assert findings("DK301", tmp_path, text, name=".devcontainer/Dockerfile") == []


@pytest.mark.parametrize(
    ("user_lines", "mount"),
    [
        ("", "target=/root/.npm`"),
        ("USER root\n", "target=/root/.npm`"),
        ("USER app\n", "target=/home/app/.npm,uid=<uid of app>`"),
        ("USER 1000:1000\n", "target=<home of 1000>/.npm,uid=1000`"),
        ("ENV HOME=/srv/app\nUSER 1000\n", "target=/srv/app/.npm,uid=1000`"),
    ],
)
def test_dk203_cache_mount_for_the_stage_user(tmp_path: Path, user_lines: str, mount: str) -> None:
    """The suggested cache mount is where the RUN's user keeps the cache, and writable by it."""
    text = f"FROM node:22-slim\nWORKDIR /app\n{user_lines}RUN npm ci --omit=dev\n"
    [message] = messages("DK203", tmp_path, text)
    assert message.endswith(f"`RUN --mount=type=cache,{mount}"), message


def test_dk203_user_of_the_base_stage_counts(tmp_path: Path) -> None:
    text = "FROM node:22-slim AS base\nUSER app\nFROM base\nRUN npm ci --omit=dev\n"
    [message] = messages("DK203", tmp_path, text)
    assert "target=/home/app/.npm,uid=<uid of app>" in message


def test_dk301_entrypoint_script_that_drops_privileges(tmp_path: Path) -> None:
    """An entrypoint script copied from the context that switches user with setpriv/gosu."""
    text = (
        "FROM debian:12-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["server"]\n'
    )
    script = tmp_path / "docker-entrypoint.sh"
    script.write_text('#!/bin/sh\nexec "$@"\n', encoding="utf-8")
    assert findings("DK301", tmp_path, text) == [1]
    script.write_text('#!/bin/sh\nexec setpriv --reuid=app --init-groups "$@"\n', encoding="utf-8")
    assert findings("DK301", tmp_path, text) == []


DK201_INTO_APP = """FROM ruby:3.3-alpine
WORKDIR /app
COPY ./tmp ./tmp
COPY LICENSE README.md ./
RUN bundle exec bootsnap precompile && chown -R app:app /app/tmp/cache
"""


def test_dk201_a_path_the_context_shows_no_copy_wrote_is_not_reported(tmp_path: Path) -> None:
    # tmp/ holds no cache/, and LICENSE is a file: neither COPY wrote /app/tmp/cache.
    make(tmp_path, "tmp/pids/", "tmp/.keep", "LICENSE", "README.md")
    assert findings("DK201", tmp_path, DK201_INTO_APP) == []


def test_dk201_a_path_a_copied_folder_holds_is_reported(tmp_path: Path) -> None:
    make(tmp_path, "tmp/cache/bootsnap/x", "LICENSE", "README.md")
    assert findings("DK201", tmp_path, DK201_INTO_APP) == [5]


def test_dk201_without_the_named_sources_the_context_proves_nothing(tmp_path: Path) -> None:
    # LICENSE could be a folder whose contents land in /app: judged as before.
    assert findings("DK201", tmp_path, DK201_INTO_APP) == [5]


@pytest.mark.parametrize("source", ["app/", "."])
def test_dk201_a_plain_chown_of_a_folder_inside_a_copy_is_not_reported(
    tmp_path: Path, source: str
) -> None:
    # whoogle-search: only the folder's own entry changes, not the files the copy wrote.
    make(tmp_path, "app/static/build/.gitignore", "app/main.py")
    text = f"FROM python:3.12\nWORKDIR /srv\nCOPY {source} app/\nRUN chown 1000 app/static/build\n"
    if source == ".":
        text = text.replace("app/\n", "./\n", 1)
    assert findings("DK201", tmp_path, text) == []
    assert findings("DK201", tmp_path, text.replace("chown 1000", "chown -R 1000")) == [4]
    assert findings("DK201", tmp_path, text.replace("static/build", "main.py")) == [4]


def test_dk201_cites_the_copy_that_names_the_path(tmp_path: Path) -> None:
    # invidious: the later copy of a binary of unknown kind into the folder above is not it.
    text = (
        "FROM alpine:3.20 AS builder\nRUN mkdir -p /src/assets && touch /src/app\n"
        "FROM alpine:3.20\nWORKDIR /srv\n"
        "COPY --from=builder /src/assets ./assets/\n"
        "COPY --from=builder /src/app .\n"
        "RUN chmod -R o+rX ./assets\n"
    )
    [message] = messages("DK201", tmp_path, text)
    assert "`COPY` wrote at line 5" in message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("docker-bake.hcl", 'target "x" {\n  contexts = {\n    "base" = "target:b"\n  }\n}\n'),
        ("docker-bake.json", '{"target": {"x": {"contexts": {"base": "docker-image://a:${V}"}}}}'),
        (
            "compose.yaml",
            "services:\n  x:\n    build:\n      additional_contexts:\n        - base=../b\n",
        ),
    ],
)
def test_dl3006_a_named_build_context_is_no_image(tmp_path: Path, name: str, text: str) -> None:
    dockerfile = "FROM base\nFROM alpine\n"
    assert findings("DL3006", tmp_path, dockerfile, name="app/Dockerfile") == [1, 2]
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    assert findings("DL3006", tmp_path, dockerfile, name="app/Dockerfile") == [2]


def test_dk201_a_path_the_ignore_file_keeps_out_was_not_copied(tmp_path: Path) -> None:
    # dawarich: `.dockerignore` has /tmp, the RUNs make tmp/; `../` sources are the context's.
    make(tmp_path, "Gemfile", "vendor/javascript/x.js", "tmp/cache/x", ignore="/tmp\n.git\n")
    text = (
        "FROM ruby:3.4\nWORKDIR /app\nCOPY ../Gemfile ../vendor ./\nCOPY ../. ./\n"
        "RUN mkdir -p tmp/pids && chmod -R 777 tmp\n"
    )
    assert findings("DK201", tmp_path, text) == []
    # An exception brings files under tmp/ back into the context: they were copied.
    (tmp_path / ".dockerignore").write_text("/tmp\n!/tmp/cache\n", encoding="utf-8")
    assert findings("DK201", tmp_path, text) == [5]


def test_dk209_a_pem_holding_only_a_public_key_is_no_secret(tmp_path: Path) -> None:
    # Round 16 (Homebrew): api/homebrew-1.pem verifies the API's signatures.
    pem = tmp_path / "api" / "homebrew-1.pem"
    pem.parent.mkdir()
    pem.write_text(
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n"
    )
    text = "FROM debian:12\nCOPY api/homebrew-1.pem /opt/\n"
    assert findings("DK209", tmp_path, text) == []
    pem.write_text(
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    assert findings("DK209", tmp_path, text) == [2]


CARGO_CHEF = """FROM rust:1.82 AS builder
WORKDIR /app
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release
"""


def test_dk205_cargo_chef_cooks_the_dependencies_first(tmp_path: Path) -> None:
    # Precision round 14: atuin's and svix's cargo-chef builds.
    make(tmp_path, "Cargo.toml", "Cargo.lock")
    assert findings("DK205", tmp_path, CARGO_CHEF) == []
    without_chef = CARGO_CHEF.replace(
        "RUN cargo chef cook --release --recipe-path recipe.json\n", ""
    )
    assert findings("DK205", tmp_path, without_chef) == [5]


GO_TOOLS = (
    "FROM golang:1.24\n"
    "WORKDIR /src\n"
    "RUN --mount=type=bind,target=.,rw go install tool \\\n"
    "    google.golang.org/protobuf/cmd/protoc-gen-go\n"
)


def test_dl3062_bind_mounted_module_pins_tools(tmp_path: Path) -> None:
    """A RUN that bind-mounts a context holding go.mod builds the versions go.mod requires
    (round 18: diun's `go install tool ...`)."""
    make(tmp_path, "go.mod")
    assert findings("DL3062", tmp_path, GO_TOOLS) == []


def test_dl3062_bind_mount_without_go_mod_is_reported(tmp_path: Path) -> None:
    make(tmp_path, "main.go")
    assert findings("DL3062", tmp_path, GO_TOOLS) == [4]  # the package's line


def test_dk208_no_node_modules_in_a_plug_n_play_project(tmp_path: Path) -> None:
    """Round 18 (standardnotes/server): Yarn's Plug'n'Play makes no node_modules."""
    make(tmp_path, "package.json", ".pnp.cjs")
    (tmp_path / ".yarnrc.yml").write_text("enableGlobalCache: false\n", encoding="utf-8")
    assert messages("DK208", tmp_path, COPY_ALL) == []


def test_dk208_node_modules_linker_still_expects_node_modules(tmp_path: Path) -> None:
    make(tmp_path, "package.json")
    (tmp_path / ".yarnrc.yml").write_text("nodeLinker: node-modules\n", encoding="utf-8")
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "node_modules" in message


YARN_INSTALL = "FROM node:20-alpine\nWORKDIR /workspace\nCOPY ./ ./\nRUN yarn install --immutable\n"


@pytest.mark.parametrize(
    ("yarnrc", "lines"),
    [
        ("enableGlobalCache: false\nyarnPath: .yarn/releases/yarn-4.0.2.cjs\n", []),
        ("enableGlobalCache: false\nnodeLinker: node-modules\n", [4]),
        ("nodeLinker: pnp\n", [4]),
        (None, [4]),
    ],
    ids=["pnp-project-cache", "node-modules-linker", "global-cache", "yarn-1"],
)
def test_dl3060_plug_n_play_loads_from_the_project_cache(
    tmp_path: Path, yarnrc: str | None, lines: list[int]
) -> None:
    """Round 18 (standardnotes/server): `yarn cache clean` would delete what .pnp.cjs loads.
    The nearest .yarnrc.yml above the context counts, as Yarn finds its project."""
    make(tmp_path, "package.json", "packages/api/package.json")
    if yarnrc is not None:
        (tmp_path / ".yarnrc.yml").write_text(yarnrc, encoding="utf-8")
    assert findings("DL3060", tmp_path / "packages/api", YARN_INSTALL) == lines


DIUN_GEN = (
    "FROM golang:1.24\n"
    "WORKDIR /src\n"
    "RUN --mount=type=bind,target=.,rw go install tool \\\n"
    "    google.golang.org/protobuf/cmd/protoc-gen-go\n"
)


def test_a_bake_target_declares_the_build_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 18 (diun): `dockerfile = "./hack/gen.Dockerfile"` with bake's default context
    `.`: the repository root, which holds go.mod, is the context, not hack/."""
    (tmp_path / ".git").mkdir()
    make(tmp_path, "go.mod", "hack/lint.sh")
    monkeypatch.chdir(tmp_path)
    assert findings("DL3062", tmp_path / "hack", DIUN_GEN, name="gen.Dockerfile") == [4]
    (tmp_path / "docker-bake.hcl").write_text(
        'target "_common" {\n  args = { GO_VERSION = "1.24" }\n}\n'
        'target "gen" {\n  inherits = ["_common"]\n  dockerfile = "./hack/gen.Dockerfile"\n'
        '  target = "update"\n}\n',
        encoding="utf-8",
    )
    assert findings("DL3062", tmp_path / "hack", DIUN_GEN, name="gen.Dockerfile") == []


def test_a_compose_service_declares_the_build_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "package.json", "services/api/main.js")
    (tmp_path / "services" / "compose.yaml").write_text(
        "services:\n  api:\n    build:\n      context: ..\n"
        "      dockerfile: services/api/Dockerfile\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    [message] = messages("DK208", tmp_path / "services" / "api", COPY_ALL)
    assert "build context: ./, as services/compose.yaml declares" in message


def test_dk208_node_modules_the_image_runs_with(tmp_path: Path) -> None:
    """Round 19 (cypress-docker-images): no RUN installs Node packages, so the image runs with
    the node_modules installed before the build; keeping them out would break it."""
    make(tmp_path, "package.json", "node_modules/cypress/package.json")
    copy_and_run = (
        'FROM cypress/factory:5\nWORKDIR /opt/app\nCOPY . /opt/app\nCMD ["npx", "cypress", "run"]\n'
    )
    assert messages("DK208", tmp_path, copy_and_run) == []
    [message] = messages("DK208", tmp_path, COPY_ALL)
    assert "node_modules" in message
