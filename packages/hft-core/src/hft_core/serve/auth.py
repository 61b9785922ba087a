"""Request signing and rate limits of `hft serve`'s order entry (the scheme of Binance's signed endpoints).

A signed request carries its API key in the ``X-API-KEY`` header (or, for a WebSocket, the ``api_key`` query
parameter), and in its query string a ``timestamp`` (ms since the Unix epoch), an optional ``recvWindow`` (ms,
default 5000, at most 60000) and, last, ``signature``: the hex HMAC-SHA256, keyed by the key's secret, of the query
string exactly as sent up to ``&signature=``. The server refuses a request whose key is unknown, whose signature
does not match, or whose timestamp is older than ``recvWindow`` or more than 1 s ahead of the server's clock (a
replay outside its window). A replay *inside* the window does no harm: creating an order is idempotent by client
order id, cancelling one twice cancels it once.

Rate limits are per key: a token bucket of ``burst`` requests refilled at ``rate`` per second; a request finding it
empty is answered 429 with ``Retry-After`` (whole seconds, as HTTP wants) and ``Retry-After-Ms``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

__all__ = ["AuthError", "RateLimiter", "sign", "signed_query", "verify"]

DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60_000
FUTURE_TOLERANCE_MS = 1000


class AuthError(Exception):
    """A refused signed request: ``status`` 401 (who are you) or 400 (malformed), the reason, and ``code``, the
    Binance error code of the same refusal (the Binance dialect answers with it, `hft_core.serve.binance`)."""

    def __init__(self, status: int, message: str, code: int = -1002) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def sign(secret: str, payload: str) -> str:
    """The hex HMAC-SHA256 of ``payload`` keyed by ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signed_query(secret: str, params: Mapping[str, object], *, timestamp_ms: int | None = None) -> str:
    """``params`` plus ``timestamp`` as a query string, signed: what a client sends (used by the live venue)."""
    from urllib.parse import urlencode

    items = [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items() if v is not None]
    items.append(("timestamp", str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)))
    query = urlencode(items)
    return f"{query}&signature={sign(secret, query)}"


def verify(
    secrets: Mapping[str, str],
    api_key: str | None,
    raw_query: str,
    *,
    body: str = "",
    now_ms: int | None = None,
) -> str:
    """The API key of a correctly signed, fresh request, or `AuthError` saying why not.

    ``body`` is a form-encoded request body (Binance's clients may send a POST's parameters there): the signed
    payload is then the query string followed by the body, as Binance defines it, and ``signature`` ends one of
    them."""
    if not api_key:
        raise AuthError(401, "missing API key (X-API-KEY header)", -2014)
    secret = secrets.get(api_key)
    if secret is None:
        raise AuthError(401, "unknown API key", -2015)
    in_body = bool(body) and "signature=" in body
    text = body if in_body else raw_query
    marker = text.rfind("signature=")
    if marker < 0 or (marker > 0 and text[marker - 1] != "&"):
        raise AuthError(401, "unsigned request: add &signature=HMAC-SHA256(secret, query) last", -1022)
    signed_part = text[: max(marker - 1, 0)]
    given = text[marker + len("signature=") :]
    payload = raw_query + signed_part if in_body else signed_part + body
    if not hmac.compare_digest(sign(secret, payload), given.lower()):
        raise AuthError(401, "signature does not match the query string", -1022)
    params = dict(parse_qsl(payload, keep_blank_values=True))
    try:
        timestamp = int(params["timestamp"])
    except (KeyError, ValueError):
        raise AuthError(400, "a signed request needs an integer 'timestamp' (ms since the epoch)", -1102) from None
    try:
        window = int(params.get("recvWindow", DEFAULT_RECV_WINDOW_MS))
    except ValueError:
        raise AuthError(400, "'recvWindow' must be an integer number of ms", -1131) from None
    if not 0 < window <= MAX_RECV_WINDOW_MS:
        raise AuthError(400, f"'recvWindow' must be within 1..{MAX_RECV_WINDOW_MS} ms, got {window}", -1131)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if timestamp > now + FUTURE_TOLERANCE_MS:
        raise AuthError(401, f"timestamp is {timestamp - now} ms ahead of the server's clock", -1021)
    if now - timestamp > window:
        raise AuthError(401, f"stale request: timestamp is {now - timestamp} ms old, recvWindow is {window} ms", -1021)
    return api_key


class RateLimiter:
    """Per-key token buckets (see the module docstring)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got {rate} and {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one is available."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait_s: float) -> dict[str, str]:
        """The headers of a 429 answer for a wait of ``wait_s`` seconds."""
        return {"Retry-After": str(max(1, math.ceil(wait_s))), "Retry-After-Ms": str(max(1, math.ceil(wait_s * 1000)))}
