from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import is_url
from dockerlens.lint.dockerignore import PatternMatcher
from dockerlens.lint.layers import (
    BuildContextOption,
    Kind,
    build_context,
    copy_of,
    ignore_patterns,
    is_glob,
    matcher_of,
    stage_context_file,
    workdirs,
)
from dockerlens.secrets import (
    PEM_SUFFIXES,
    SETTINGS_FILES,
    TEMPLATED_SECRET_FILES,
    env_holds_secret,
    holds_credential,
    names_an_example,
    placeholders_only,
    public_pem_only,
    secret_kind,
)

#: Directories never searched for secrets (their own rules cover them, or they are huge).
_PRUNE = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".cache"})
_MAX_DEPTH = 4
_MAX_ENTRIES = 5000
_MAX_SETTINGS_BYTES = 64 * 1024


def context_secrets(
    context: Path, source: str, matcher: PatternMatcher | None, excluded: PatternMatcher | None
) -> list[str]:
    """Files under ``source`` (a directory or glob of the context) that look like secrets and
    that neither the ignore file nor ``COPY --exclude`` keeps out; paths relative to the
    context."""
    source = source.strip("/") or "."
    roots: list[Path]
    if is_glob(source):
        try:
            roots = sorted(context.glob(source))
        except (ValueError, OSError):
            return []
    else:
        roots = [context / source]
    found: list[str] = []
    seen = 0

    def kept(relative: str) -> bool:
        if any(m is not None and m.matches(relative) for m in (matcher, excluded)):
            return False
        return not settings_only(context / relative)

    for root in roots:
        if root.is_file():
            relative = root.relative_to(context).as_posix()
            if secret_kind(relative) and kept(relative):
                found.append(relative)
            continue
        if not root.is_dir():
            continue
        base_depth = len(root.relative_to(context).parts)
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            relative_dir = here.relative_to(context).as_posix()
            depth = len(here.relative_to(context).parts) - base_depth
            secret_dirs = [d for d in dirs if secret_kind(d)]
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in _PRUNE
                and d not in secret_dirs
                and depth < _MAX_DEPTH
                and kept(_join(relative_dir, d))
            )
            for name in sorted([*files, *secret_dirs]):
                seen += 1
                relative = _join(relative_dir, name)
                if secret_kind(relative) and kept(relative) and relative not in found:
                    found.append(relative)
            if seen > _MAX_ENTRIES:
                return found
    return found


def settings_only(path: Path, name: str | None = None) -> bool:
    """``path`` is an ``.npmrc``, ``.pypirc``, ``.netrc`` or ``.boto`` that can be read and holds no
    credential, a dotenv file giving no secret-named variable a value, or a ``secrets.yml``
    whose secrets are ``{{ }}`` placeholders, or a ``.pem``/``.key`` whose PEM blocks are all
    public (a public key, a certificate) (a file that cannot be read is judged by its name).
    ``name``: the name it is judged as (its copy's, ``COPY etc/boto /app/.boto``), if not its
    own."""
    name = name or path.name
    dotenv = name.startswith(".env") or name.endswith(".env")
    templated = name in TEMPLATED_SECRET_FILES
    pem = name.endswith(PEM_SUFFIXES)
    if name not in SETTINGS_FILES and not dotenv and not templated and not pem:
        return False
    if not path.is_file():
        return False  # a folder, a pipe: judged by its name
    try:
        with path.open("rb") as stream:
            data = stream.read(_MAX_SETTINGS_BYTES)
    except OSError:
        return False
    if pem:
        return public_pem_only(data)
    if dotenv:
        return not env_holds_secret(data)
    if templated:
        return placeholders_only(data)
    return not holds_credential(data.decode("utf-8", "replace"))


def _join(folder: str, name: str) -> str:
    return name if folder in ("", ".") else f"{folder}/{name}"


class SecretCopiedIntoLayer(Rule):
    """A `COPY` or `ADD` puts a secret (a key, credentials, a `.env`) into a layer of the image.

    ## What it does
    Flags a `COPY` or `ADD` in a stage whose layers ship (the final stage, or one it is
    built `FROM`; and `ONBUILD` ones) that copies something that looks like a secret:

    - private keys: `id_rsa`, `id_ed25519`..., `*.key`, `*.p12`/`*.pfx`/`*.jks` key stores,
      and `*.pem` files unless the name says certificate (`cert.pem`, `ca.pem`,
      `fullchain.pem`, `truststore.jks`) or, in the build context at hand, every PEM block
      of the file is public (`BEGIN PUBLIC KEY`, `BEGIN CERTIFICATE`);
    - credentials: `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`,
      `.docker/config.json`, `.pgpass`, `kubeconfig`, `.ssh`, `credentials.json`,
      `service-account.json`, `secrets.yaml`...; an `.npmrc`, `.pypirc`, `.netrc` or `.boto`
      in the build context at hand only when it holds a token, a password or a secret key
      (registry settings, a key file's path are settings), judged under the name it is
      copied to (`COPY etc/boto /app/.boto`) and through a stage that copied it from the
      context (`COPY --from=base /app/.npmrc .`);
    - dotenv files: `.env`, `.env.production`, and `<deployment>.env` such as `prod.env`
      or `secrets.env` (not `meta.env`, nor `.env.example`, `.sample`, `.template` and
      the like); one in the build context at hand is a secret only when it gives a
      secret-named variable (`*_KEY`, `*_TOKEN`, `*_PASSWORD`...) a value that is not a
      placeholder: a template with `APP_KEY=` and `DB_HOST=db` holds settings. Likewise a
      `secrets.yml` (`.yaml`, `.json`) whose secrets are `{{ }}` placeholders and that holds
      no value looking generated is a template.

    The name is judged by the source and by the destination (`COPY npmrc /root/.npmrc`), but
    not by the destination when the source names a template (`COPY .env.example /app/.env`).
    When the Dockerfile's directory (the build context) is at hand, the files a directory,
    a glob or the whole context (`COPY . .`) would copy are looked at too (four levels deep),
    minus what `.dockerignore` and `COPY --exclude` keep out.

    ## Why is this bad?
    Layers are immutable and travel with the image: anyone who can pull it can read every
    file in every layer (`docker save`, `crane export`). Deleting the file in a later `RUN`
    only hides it: it stays, byte for byte, in the layer that copied it. An npm token, a
    deploy key or a production `.env` in an image is a leaked secret.

    A build step that needs a secret can mount it for the duration of that `RUN` only:
    `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci` with
    `docker build --secret id=npmrc,src=$HOME/.npmrc`. Secrets the application needs at run
    time belong in the runtime's secrets or environment, not in the image; files in the
    context that no step needs belong in `.dockerignore`.

    ## Example
    ```dockerfile lines=3
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json .npmrc ./
    RUN npm ci && rm .npmrc
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci
    ```

    ## Not reported
    Stages whose layers are left behind (read only through `COPY --from`) are not reported:
    their layers stay on the builder. (A registry cache exported with `mode=max` does carry
    them; a secret mount is still the better way.) Globs are judged only against a context
    at hand, since `*.pem` may well be certificates.
    """

    code = "DK209"
    reads_build_context = True
    name = "secret-copied-into-layer"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "A secret is copied into a layer, where deleting it later does not remove it"
    on = frozenset({"COPY", "ADD"})
    onbuild = True

    class Options(BuildContextOption):
        pass

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self._cwds: dict[int, str] | None = None
        self._context: Path | None = None
        self._matcher: PatternMatcher | None = None
        self._loaded = False

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        onbuild = step.instruction.sub_cmd is not None
        if not onbuild and not ctx.ships_layers(ctx.stage_of(step)):
            return
        if self._cwds is None:
            self._cwds = workdirs(ctx)
        copy = copy_of(step, self._cwds.get(step.index, "/"))
        if copy is None:
            return
        keyword = copy.keyword
        for written in copy.written:
            source = written.source
            name = secret_kind(source) if not source.startswith("<<") else None
            if (
                name is None
                and written.kind is not Kind.DIR
                and not names_an_example(posixpath.basename(source.rstrip("/")))
            ):
                # Judged by the destination (`COPY npmrc /root/.npmrc`), unless the source is
                # a template (`COPY .env.example /app/.env`): its values are examples.
                name = secret_kind(written.path)
            if name is not None and self._settings_in_context(ctx, step, source, name):
                name = None
            if name is not None:
                message = (
                    f"`{keyword}` puts {name} into a layer of the image, where deleting it "
                    "later does not remove it: mount it with `RUN --mount=type=secret` where "
                    "a step needs it"
                )
                yield Problem(step, message=message, at=_at(step, source, name))
                return
        found = self._in_context(ctx, step, copy.sources)
        if found:
            shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
            message = (
                f"`{keyword}` copies {shown} from the build context into the image: keep "
                "them out with .dockerignore, and mount secrets a step needs with "
                "`RUN --mount=type=secret`"
            )
            yield Problem(step, message=message)

    def _load_context(self, ctx: LintContext) -> Path | None:
        if not self._loaded:
            self._loaded = True
            self._context = build_context(ctx, self.options.context)
            patterns = ignore_patterns(ctx, self._context)
            self._matcher = matcher_of(patterns)
        return self._context

    def _settings_in_context(self, ctx: LintContext, step: Step, source: str, name: str) -> bool:
        """The copied file is a settings file of the build context that holds no credential
        (copied from the context, or from a stage that copied it from the context)."""
        if step.instruction.sub_cmd is not None:
            return False
        if source.startswith("<<") or "$" in source or ".." in source.split("/"):
            return False
        if step.flag("from") is not None:
            path = posixpath.join("/", source)
            found = stage_context_file(ctx, step, path, self.options.context)
            return found is not None and settings_only(found, name)
        context = self._load_context(ctx)
        return context is not None and settings_only(context / source.strip("/"), name)

    def _in_context(self, ctx: LintContext, step: Step, sources: tuple[str, ...]) -> list[str]:
        if step.flag("from") is not None or step.instruction.sub_cmd is not None:
            return []
        context = self._load_context(ctx)
        if context is None:
            return []
        excludes = [f.split("=", 1)[1] for f in step.expanded_flags if f.startswith("--exclude=")]
        excluded = matcher_of(excludes) if excludes else None
        found: list[str] = []
        for source in sources:
            if is_url(source) or source.startswith(("<<", "git@")) or "$" in source:
                continue
            if ".." in source.split("/"):
                continue
            for path in context_secrets(context, source, self._matcher, excluded):
                if path not in found:
                    found.append(path)
        return found


def _at(step: Step, source: str, name: str) -> str | None:
    for word in step.instruction.value:
        if word.rstrip("/").endswith(name) or word == source:
            return word
    return posixpath.basename(source) or None
