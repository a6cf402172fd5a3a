from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

_PCT = r"%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED_SUB}:@]|{_PCT})"
_SCHEME = LazyPattern(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_USERINFO = LazyPattern(rf"^(?:[{_UNRESERVED_SUB}:]|{_PCT})*$")
_REG_NAME = LazyPattern(rf"^(?:[{_UNRESERVED_SUB}]|{_PCT})*$")
_IP_LITERAL = LazyPattern(r"^\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$")
_PATH = LazyPattern(rf"^(?:{_PCHAR}|/)*$")
_QUERY = LazyPattern(rf"^(?:{_PCHAR}|[/?])*$")


def is_absolute_uri(text: str) -> bool:
    """RFC 3986's ``absolute-URI [ "#" fragment ]``: a scheme, then only allowed characters."""
    scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME.match(scheme):
        return False
    rest, hash_mark, fragment = rest.partition("#")
    if hash_mark and not _QUERY.match(fragment):
        return False
    rest, question, query = rest.partition("?")
    if question and not _QUERY.match(query):
        return False
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        path = slash + path
        userinfo, at, hostport = authority.rpartition("@")
        if at and not _USERINFO.match(userinfo):
            return False
        if hostport.startswith("["):
            host, bracket, port = hostport.partition("]")
            host += bracket
            if port and not port.startswith(":"):
                return False
            port = port[1:]
            if not _IP_LITERAL.match(host):
                return False
        else:
            host, _, port = hostport.partition(":")
            if not _REG_NAME.match(host):
                return False
        if port and not port.isdigit():
            return False
        return _PATH.match(path) is not None
    return _PATH.match(rest) is not None


class LabelNotUrl(Rule):
    """A `url` label of the label schema does not hold an absolute URL.

    ## What it does
    With a `label-schema` configured, reports a label of type `url` whose value is not an
    absolute URI as RFC 3986 defines it: a scheme (`https:`), then only characters a URI may
    hold, with `%` escapes where needed.

    ## Why is this bad?
    Tools follow these labels (`org.opencontainers.image.source`,
    `org.opencontainers.image.documentation`) as links. `github.com/example/app` has no
    scheme and is not a URL; a space or a stray character breaks the link.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.source="github.com/example/app"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.source="https://github.com/example/app"
    ```

    ## Differences from hadolint
    A value taken from a build argument is not judged: the build sets it (hadolint judges
    the text `$SOURCE_URL`, and reports it). A value from an `ENV` of the Dockerfile is
    judged once expanded.
    """

    code = "DL3052"
    name = "label-not-url"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is not a valid URL."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.source": "url"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "url",
            is_absolute_uri,
            "Label `{label}` is not a valid URL.",
        )
