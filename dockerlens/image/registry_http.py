"""HTTP for the registry: authentication (Basic, and bearer tokens with scopes), TLS, retries.

A request that meets a 5xx, a 429 or a dropped connection is tried again after a growing pause
(``ATTEMPTS`` in all). A blob is a :class:`ResumableBlob`: when its connection drops mid-way it
asks again with ``Range: bytes=N-`` and carries on from byte N, so nothing is stored and nothing
is read twice. A 401 is answered once with the credential found for the registry
(:mod:`dockerlens.image.registry_auth`); a bearer token the registry refuses later (it expired)
is replaced once. Messages name the credential and where it came from, never its secret.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from dockerlens.image.errors import ImageInputError
from dockerlens.image.registry_auth import (
    Credential,
    RegistryOptions,
    find_credential,
    tls_context,
    uses_https,
)

ATTEMPTS = 5
#: the first pause between attempts, doubled each time (0.2, 0.4, 0.8, 1.6 s)
FIRST_PAUSE = 0.2
MAX_PAUSE = 8.0
RETRY_STATUSES = (429, 500, 502, 503, 504)
TIMEOUT = 60
#: Until a registry has answered once, a request waits this long, and is not tried again when
#: it times out: a host that accepts connections and never answers (a wrong port, a firewall
#: that drops packets) is unreachable, not flaky, and five 60 s waits were five minutes.
FIRST_ANSWER_TIMEOUT = 20
MAX_TOKEN_BYTES = 1 << 20

_TRANSIENT = (http.client.HTTPException, ConnectionError, TimeoutError, OSError)


def _pause(attempt: int, retry_after: str | None = None) -> None:
    delay = FIRST_PAUSE * (2**attempt)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    time.sleep(min(delay, MAX_PAUSE))


def _challenge_fields(challenge: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', challenge))


def read_at_most(stream: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``stream`` (one ``read`` may return fewer)."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = stream.read(min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class RegistryHTTP:
    """Requests to one registry host for one repository, authenticated as the registry asks."""

    def __init__(
        self, host: str, repository: str, description: str, options: RegistryOptions
    ) -> None:
        self.description = description
        self._host = host
        self._repository = repository
        self._options = options
        https = uses_https(host, options)
        self.base = f"{'https' if https else 'http'}://{host}/v2/{repository}"
        handlers: list[Any] = []
        if https:
            handlers.append(urllib.request.HTTPSHandler(context=tls_context(host, options)))
        self._opener = urllib.request.build_opener(*handlers)
        self._authorization: str | None = None
        self._credential: Credential | None = None
        self._looked: list[str] | None = None
        #: whether the registry has answered a request (then a timeout may be retried)
        self._answered = False

    # -- credentials ---------------------------------------------------------------------------

    def _find_credential(self) -> Credential | None:
        if self._looked is None:
            self._credential, self._looked = find_credential(self._host, self._options)
        return self._credential

    def _who(self) -> str:
        credential = self._find_credential()
        if credential is not None:
            return credential.describe()
        if not self._looked:
            return f"anonymous: no credential for {self._host}, no auth file exists"
        return f"anonymous: no credential for {self._host} in {', '.join(self._looked)}"

    def _authorize(self, challenge: str) -> None:
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            credential = self._find_credential()
            if credential is None or credential.username is None:
                raise ImageInputError(
                    f"{self.description}: the registry asks for a user and password "
                    f"({self._who()}); give --creds USER:PASSWORD, --creds-file or "
                    "log in with docker login / skopeo login"
                )
            pair = f"{credential.username}:{credential.password or ''}".encode()
            self._authorization = "Basic " + base64.b64encode(pair).decode()
        elif scheme == "bearer":
            self._authorization = "Bearer " + self._fetch_token(challenge)
        else:
            raise ImageInputError(
                f"{self.description}: unsupported authentication scheme {scheme!r}"
            )

    def _fetch_token(self, challenge: str) -> str:
        fields = _challenge_fields(challenge)
        realm = fields.pop("realm", None)
        if realm is None:
            raise ImageInputError(f"{self.description}: the registry's auth challenge has no realm")
        fields.pop("error", None)
        fields.pop("error_description", None)
        scope = f"repository:{self._repository}:pull" if self._repository else "registry:catalog:*"
        fields.setdefault("scope", scope)
        credential = self._find_credential()
        if credential is not None and credential.identity_token:
            # Docker's OAuth2 flow: the identity token is a refresh token, traded by POST.
            form = {**fields, "grant_type": "refresh_token", "client_id": "dockerlens"}
            form["refresh_token"] = credential.identity_token
            request = urllib.request.Request(
                realm, data=urllib.parse.urlencode(form).encode(), method="POST"
            )
        else:
            request = urllib.request.Request(f"{realm}?{urllib.parse.urlencode(fields)}")
            if credential is not None and credential.username is not None:
                pair = f"{credential.username}:{credential.password or ''}".encode()
                request.add_unredirected_header(
                    "Authorization", "Basic " + base64.b64encode(pair).decode()
                )
        for attempt in range(ATTEMPTS):
            try:
                with self._opener.open(request, timeout=TIMEOUT) as response:
                    document = json.loads(response.read(MAX_TOKEN_BYTES))
                break
            except urllib.error.HTTPError as err:
                if err.code in (401, 403):
                    raise ImageInputError(
                        f"{self.description}: the token service refused {self._who()} "
                        f"(HTTP {err.code})"
                    ) from None
                if err.code in RETRY_STATUSES and attempt + 1 < ATTEMPTS:
                    _pause(attempt, err.headers.get("Retry-After"))
                    continue
                raise ImageInputError(
                    f"{self.description}: cannot get a pull token (HTTP {err.code})"
                ) from None
            except (urllib.error.URLError, *_TRANSIENT, ValueError) as err:
                if isinstance(err, ValueError) or attempt + 1 == ATTEMPTS:
                    reason = getattr(err, "reason", err)
                    raise ImageInputError(
                        f"{self.description}: cannot get a pull token ({reason})"
                    ) from None
                _pause(attempt)
        # A JSON document that is not an object ([...], "...") holds no token either.
        token = (
            (document.get("token") or document.get("access_token"))
            if isinstance(document, dict)
            else None
        )
        if not isinstance(token, str):
            raise ImageInputError(f"{self.description}: the token service sent no token")
        return token

    # -- requests ------------------------------------------------------------------------------

    def _unreachable(self, err: BaseException, attempts: int) -> ImageInputError:
        reason = getattr(err, "reason", err)
        if isinstance(reason, ssl.SSLCertVerificationError):
            return ImageInputError(
                f"{self.description}: TLS: the certificate of {self._host} could not be "
                f"verified ({reason.verify_message or reason}); "
                f"give its CA with --cert-dir DIR (a DIR/*.crt) or in "
                f"/etc/containers/certs.d/{self._host}/, or --tls-verify=false"
            )
        if isinstance(reason, ssl.SSLError):
            return ImageInputError(f"{self.description}: TLS with {self._host} failed ({reason})")
        after = f" after {attempts} attempts" if attempts > 1 else ""
        return ImageInputError(f"{self.description}: cannot reach the registry ({reason}){after}")

    def open(self, path: str, accept: str | None = None, start: int = 0) -> Any:
        """The response to ``GET base/path`` (from byte ``start``), or an HTTPError the caller
        reads (404...) once retries and authentication are spent. A ``path`` starting with ``/``
        is rooted at the host (``/v2/_catalog``)."""
        root = self.base.partition("/v2/")[0]
        url = root + path if path.startswith("/") else f"{self.base}/{path}"
        renewed = False
        attempt = 0
        while True:
            request = urllib.request.Request(url)
            if accept:
                request.add_header("Accept", accept)
            if start:
                request.add_header("Range", f"bytes={start}-")
            sent = self._authorization
            if sent:
                # Not to a redirect's target (a CDN or object store has its own signature).
                request.add_unredirected_header("Authorization", sent)
            timeout = TIMEOUT if self._answered else FIRST_ANSWER_TIMEOUT
            try:
                response = self._opener.open(request, timeout=timeout)
                self._answered = True
                return response
            except urllib.error.HTTPError as err:
                self._answered = True
                if err.code == 401:
                    err.close()
                    self._after_401(err.headers.get("WWW-Authenticate", ""), sent, renewed)
                    # What was sent is refused: the next refusal of this request is final.
                    renewed = renewed or sent is not None
                    continue
                if err.code in RETRY_STATUSES and attempt + 1 < ATTEMPTS:
                    err.close()
                    _pause(attempt, err.headers.get("Retry-After"))
                    attempt += 1
                    continue
                if err.code == 400 and url.startswith("http:") and b"HTTPS" in err.read(512):
                    raise ImageInputError(
                        f"{self.description}: {self._host} speaks HTTPS; a loopback registry is "
                        "spoken to over plain HTTP unless it has a certificate directory: give "
                        f"its CA with --cert-dir DIR or in /etc/containers/certs.d/{self._host}/"
                    ) from None
                raise
            except (urllib.error.URLError, *_TRANSIENT) as err:
                reason = getattr(err, "reason", err)
                if isinstance(reason, ssl.SSLError):
                    raise self._unreachable(err, 1) from None
                if isinstance(reason, TimeoutError) and not self._answered:
                    raise ImageInputError(
                        f"{self.description}: cannot reach the registry (no answer in {timeout} s)"
                    ) from None
                attempt += 1
                if attempt == ATTEMPTS:
                    raise self._unreachable(err, attempt) from None
                _pause(attempt - 1)

    def read_document(self, path: str, accept: str | None, limit: int) -> tuple[Any, bytes]:
        """(headers, up to ``limit`` bytes) of a small document (manifest, list page); a
        connection that drops while it is read is asked for again from the start."""
        for attempt in range(ATTEMPTS):
            response = self.open(path, accept)
            try:
                with response:
                    data = read_at_most(response, limit)
                    announced = response.headers.get("Content-Length", "")
                    if announced.isdigit() and len(data) < min(int(announced), limit):
                        raise ConnectionError(f"the connection closed at byte {len(data)}")
                    return response.headers, data
            except _TRANSIENT as err:
                if attempt + 1 == ATTEMPTS:
                    raise self._unreachable(err, ATTEMPTS) from None
                _pause(attempt)
        raise AssertionError("unreachable")

    def _after_401(self, challenge: str, sent: str | None, renewed: bool) -> None:
        if not challenge:
            raise ImageInputError(
                f"{self.description}: the registry refused {self._who()} (401, no challenge)"
            )
        if sent is None:
            self._authorize(challenge)
            return
        if sent.startswith("Bearer ") and not renewed:
            # A token that served before (or was just issued) may have expired: one new one.
            self._authorize(challenge)
            return
        what = "its own token service's token" if sent.startswith("Bearer ") else "the credentials"
        raise ImageInputError(f"{self.description}: the registry refused {what} ({self._who()})")

    def blob(self, digest: str, what: str, size: int | None) -> ResumableBlob:
        return ResumableBlob(self, f"blobs/{digest}", what, size)


class ResumableBlob(io.RawIOBase):
    """A blob's bytes, read once; a dropped connection is resumed with an HTTP Range request."""

    def __init__(self, client: RegistryHTTP, path: str, what: str, size: int | None) -> None:
        super().__init__()
        self._client = client
        self._path = path
        self._what = what
        self._offset = 0
        self._failures = 0
        self.resumed = 0
        self._response = client.open(path)
        self._length = self._content_length(self._response, size)

    @staticmethod
    def _content_length(response: Any, size: int | None) -> int | None:
        header = response.headers.get("Content-Length")
        return int(header) if header and header.isdigit() else size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None else size
        while True:
            try:
                data: bytes = self._response.read(wanted)
            except (*_TRANSIENT, ValueError) as err:
                self._resume(err)
                continue
            cut_short = self._length is not None and self._offset < self._length
            if not data and wanted != 0 and cut_short:
                self._resume(ConnectionError("the connection closed early"))
                continue
            if data:
                self._offset += len(data)
                self._failures = 0
            return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _resume(self, err: BaseException) -> None:
        self._response.close()
        self._failures += 1
        if self._failures >= ATTEMPTS:
            raise ImageInputError(
                f"{self._what}: the download broke off at byte {self._offset} and could not "
                f"be resumed after {ATTEMPTS} attempts ({err})"
            ) from None
        _pause(self._failures - 1)
        try:
            response = self._client.open(self._path, start=self._offset)
        except urllib.error.HTTPError as http_err:
            raise ImageInputError(
                f"{self._what}: registry error {http_err.code} resuming at byte {self._offset}"
            ) from None
        self.resumed += 1
        if response.status == 200 and self._offset:
            # The server ignored the Range: skip what was already read (not stored).
            remaining = self._offset
            while remaining:
                chunk = response.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
        elif response.status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {self._offset}-"):
                response.close()
                raise ImageInputError(
                    f"{self._what}: the registry resumed at the wrong place ({content_range!r})"
                )
        self._response = response

    def close(self) -> None:
        self._response.close()
        super().close()
