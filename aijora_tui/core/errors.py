"""Errors the chat client raises, each with a one-line message meant for a person.

```
AijoraError                  base; `str(error)` is the one-line message
├── ConfigError              the client cannot be set up (no API key, bad base URL)
│   └── BadApiKey                the key has a line break, a control or non-ASCII character
├── NetworkError             no connection could be made / the request could not be sent
├── RedirectRefused          the server redirected to another origin; not followed
├── ApiError                 the server answered with an HTTP error status before the stream
│   ├── AuthenticationError      401: the key was refused
│   ├── InsufficientBalance      402: top up the balance
│   ├── PermissionDenied         403: key disabled / no access
│   ├── RateLimited              429: retried when the server allowed it, then given up
│   └── ServerError              5xx
└── StreamError              the stream started but did not complete
    ├── StreamInterrupted        cut, reset or timed out before a finish signal
    │   └── StreamStalled            no content for `stall_timeout` seconds
    ├── StreamFailed             the server sent an error inside the stream, or one we refuse
    │   └── ReplyTooLong             the reply passed `max_reply_mb`: stopped, text kept
    └── EmptyReply               the server ended the stream without any content
```

Messages never contain the API key: `redact()` is applied to every message that carries text
from outside (server bodies, exception texts) before it is stored.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit, urlunsplit

from aijora_tui.core.sanitize import sanitize

_SECRET_PATTERNS: list[str] = []
_PRINTABLE_RUN = re.compile(r"[!-~]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]*[^\s'\"<>`.,;:)\]}]")
"""A URL in running text, without the punctuation that follows it."""
_SECRET_NAME = re.compile(
    r"(?i)key|token|secret|pass|pwd|auth|sig|credential|session|code|access|private"
)
"""Query parameter names whose values are taken for secrets."""
_BEARER = re.compile(r"(?i)bearer\s+[\w.~+/-]+=*")
"""A bearer token (RFC 6750 b64token): only token characters, so that the punctuation around it
survives, and an already redacted `Bearer ***` is left alone."""


def register_secret(secret: str | None) -> None:
    """Remember a secret so that `redact()` removes it from every error message.

    Every form a library may print it in is remembered too: escaped as by `repr()` of the str or
    of its bytes, or by JSON, and each run of its printable ASCII characters (an HTTP library
    that refuses a header shows it cut at the odd character).
    """
    if not secret:
        return
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        *_PRINTABLE_RUN.findall(secret),
    }
    for form in sorted(forms, key=len, reverse=True):  # longest first: no half-replaced form
        if len(form) >= 4 and form not in _SECRET_PATTERNS:
            _SECRET_PATTERNS.append(form)
    _SECRET_PATTERNS.sort(key=len, reverse=True)


def api_key_problem(key: str | None) -> str | None:
    """Why `key` cannot be sent as a bearer token, in a few words; None when it can.

    An HTTP header carries printable ASCII only: a line break would end the header (and leak the
    rest of the key into error messages), a control or non-ASCII character cannot be encoded.
    """
    if not key:
        return None
    if "\n" in key or "\r" in key:
        return "the API key contains a line break"
    if not key.isascii():
        return "the API key contains a non-ASCII character"
    if not key.isprintable():
        return "the API key contains a control character"
    return None


def redact(text: str) -> str:
    """Remove registered secrets, bearer tokens and URL credentials (`redact_url`) from `text`."""
    for secret in _SECRET_PATTERNS:
        text = text.replace(secret, "***")
    if "://" in text:
        text = _URL.sub(lambda match: redact_url(match.group()), text)
    return _BEARER.sub("Bearer ***", text)


def redact_url(url: str) -> str:
    """`url` with its userinfo (`user:password@`) and the values of query parameters that look
    like secrets (`api_key=`, `token=`, `sig=`...) replaced by `***`; anything else as it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    pairs = parts.query.split("&") if parts.query else []
    query = "&".join(_redact_parameter(pair) for pair in pairs)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_parameter(pair: str) -> str:
    name, equals, value = pair.partition("=")
    return f"{name}=***" if equals and value and _SECRET_NAME.search(name) else pair


def one_line(text: str, limit: int = 300) -> str:
    """Make untrusted text one inert line (no controls), cut to `limit` characters."""
    flat = " ".join(sanitize(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class AijoraError(Exception):
    """Base of every error the client raises; `str()` is a one-line message for a person."""

    def __init__(self, message: str) -> None:
        self.message = one_line(redact(message))
        super().__init__(self.message)


class ConfigError(AijoraError):
    """The client cannot be set up as configured."""


class BadApiKey(ConfigError):
    """The API key cannot be sent (`api_key_problem`); never retried."""


class NetworkError(AijoraError):
    """No connection could be made, or the request could not be sent."""


class RedirectRefused(AijoraError):
    """The server redirected the request to another origin (scheme, host, port).

    Following would send the conversation to a server the user never named (httpx drops the key,
    not the body), and a check that followed would vouch for the other server.
    """

    def __init__(self, target: str) -> None:
        super().__init__(
            f"the server redirected to another origin ({target}); not followed: set the base "
            "URL to it if you trust it"
        )


class ApiError(AijoraError):
    """The server answered with an HTTP error status before any stream began."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        self.status = status
        self.retryable = retryable
        """Whether sending the same request again may succeed (429, 5xx, ...)."""
        self.server_message = one_line(redact(message))
        self.error_type = error_type
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        """The one-line message shown to the user."""
        return f"HTTP {self.status}: {self.server_message}"


class AuthenticationError(ApiError):
    def describe(self) -> str:
        return (
            f"HTTP {self.status}: the server refused the API key ({self.server_message}); "
            "check AIJORA_API_KEY or the key in your config"
        )


class InsufficientBalance(ApiError):
    def describe(self) -> str:
        return (
            f"HTTP {self.status}: insufficient balance ({self.server_message}); "
            "top up your balance and try again"
        )


class PermissionDenied(ApiError):
    def describe(self) -> str:
        return (
            f"HTTP {self.status}: access denied ({self.server_message}); "
            "the key may be disabled or lack access to this model"
        )


class RateLimited(ApiError):
    def describe(self) -> str:
        hint = (
            f"; the server asks to wait {self.retry_after:.3g} s"
            if self.retry_after is not None
            else "; wait a moment and try again"
        )
        return f"HTTP {self.status}: rate limited ({self.server_message}){hint}"


class ServerError(ApiError):
    def describe(self) -> str:
        return f"HTTP {self.status}: server error ({self.server_message})"


class StreamError(AijoraError):
    """The stream started but did not complete; text received so far stays with the caller."""


class StreamInterrupted(StreamError):
    """The stream ended, broke or went silent before the server signalled completion."""


class StreamStalled(StreamInterrupted):
    """The server kept the connection alive (comments, a byte now and then) but sent no content
    for `seconds`: the no-progress deadline (`stall_timeout`)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the server stopped sending (no content for {seconds:g} s)")


class StreamFailed(StreamError):
    """The server reported an error inside the stream, or sent something we refuse to read."""


class ReplyTooLong(StreamFailed):
    """The reply reached the most text a reply may have (`max_reply_mb`); what came is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"reply too long: stopped after {limit / 1_000_000:g} MB of text "
            "(max_reply_mb in the config)"
        )


class EmptyReply(StreamError):
    """The server closed the stream without sending any content."""


def api_error_for(
    status: int,
    message: str,
    *,
    error_type: str | None = None,
    retry_after: float | None = None,
    retryable: bool = False,
) -> ApiError:
    """Build the `ApiError` subclass that matches an HTTP status (and Aijora's error type)."""
    cls: type[ApiError]
    if status == 401:
        cls = AuthenticationError
    elif status == 402 or error_type == "insufficient_balance":
        cls = InsufficientBalance
    elif status == 403:
        cls = PermissionDenied
    elif status == 429:
        cls = RateLimited
    elif status >= 500:
        cls = ServerError
    else:
        cls = ApiError
    return cls(status, message, error_type=error_type, retry_after=retry_after, retryable=retryable)
