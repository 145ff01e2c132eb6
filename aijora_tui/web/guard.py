"""Which requests may reach textual-serve's routes: an aiohttp middleware in front of all of them.

Every browser tab that opens the websocket gets an app process holding the API key, so a request
that reaches `/ws` can spend the key and read the chats. Three checks keep strangers out:

- Without a token (the loopback default) the Host header must name the loopback interface (or
  the `--public-url` host): a page on another site cannot rebind its own name to 127.0.0.1.
- A request that carries an Origin (browsers send one with every websocket) must come from this
  server's own origin: a page on another site, or another service on this host, cannot open the
  websocket with the user's browser.
- With a token (`--public`) the page needs `?token=...`; it then sets an HttpOnly, SameSite=Strict
  cookie so the page's own assets and websocket (whose URLs textual-serve builds without a query)
  carry the token too. A wrong token in a query is refused even when the cookie is right.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

INDEX_PATH = "/"
"""The page: the only path that must carry the token in its query (it sets the cookie)."""


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address (127.0.0.0/8, ::1), with or without IPv6 brackets."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random token for `--public`: 192 bits, URL-safe."""
    return secrets.token_urlsafe(24)


def _origin(url: URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in, for comparing origins."""
    return url.scheme.lower(), (url.host or "").lower(), url.port


@dataclass(frozen=True)
class Guard:
    """The checks for one server; `middleware` goes in front of textual-serve's routes."""

    token: str | None = None
    """Required in the page's query (then in the cookie) when set: `--public`."""
    public_url: URL | None = None
    """`--public-url`: its host and origin are this server's too (a reverse proxy in front)."""
    cookie_name: str = field(default_factory=lambda: f"aijora_tui_{secrets.token_hex(4)}")
    """Random, so two servers on one host never read each other's cookie."""

    def refusal(self, request: web.Request) -> str | None:
        """Why `request` may not pass, in one line; None when it may."""
        if self.token is None and not self._known_host(request):
            return "this server answers only requests addressed to localhost"
        origin = request.headers.get("Origin")
        if origin is not None and not self._own_origin(origin, request):
            return "requests from other sites are refused"
        if self.token is not None and not self._has_token(request, self.token):
            return "a valid token is required: open the URL that aijora-tui serve printed"
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answer 403 to a refused request; give the page's browser the token cookie."""
        reason = self.refusal(request)
        if reason is not None:
            raise web.HTTPForbidden(text=f"403 Forbidden: {reason}\n")
        response = await handler(request)
        if self.token is not None and request.path == INDEX_PATH and not response.prepared:
            response.set_cookie(
                self.cookie_name,
                self.token,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=self.public_url is not None and self.public_url.scheme == "https",
            )
        return response

    def _known_host(self, request: web.Request) -> bool:
        host = request.url.host or ""
        if is_loopback(host):
            return True
        return self.public_url is not None and host.lower() == (self.public_url.host or "").lower()

    def _own_origin(self, origin: str, request: web.Request) -> bool:
        try:
            given = _origin(URL(origin))
        except ValueError:
            return False
        allowed = {_origin(request.url)}
        if self.public_url is not None:
            allowed.add(_origin(self.public_url))
        return given in allowed

    def _has_token(self, request: web.Request, token: str) -> bool:
        given = request.query.get("token")
        if given is None and request.path != INDEX_PATH:
            given = request.cookies.get(self.cookie_name)
        return given is not None and hmac.compare_digest(given.encode(), token.encode())


async def harden(request: web.Request, response: web.StreamResponse) -> None:
    """Headers for every response (an `on_response_prepare` hook): the page's URL (which holds
    the token) never leaks as a Referer, and no other site may frame the page."""
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path == INDEX_PATH:
        response.headers["Cache-Control"] = "no-store"
