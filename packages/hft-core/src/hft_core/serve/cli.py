"""``hft serve``'s body: parse the options, print where the exchanges are and the API keys, serve until stopped.

Kept out of ``hft_core.cli.app`` so ``hft --help`` imports neither FastAPI nor numpy.
"""

from __future__ import annotations

import dataclasses
import secrets
import sys
from pathlib import Path

from hft_core.errors import ConfigError, HftError

__all__ = ["parse_keys", "serve_command"]


def parse_keys(texts: list[str]) -> dict[str, str]:
    """``KEY:SECRET`` texts as a mapping; a malformed text or a key given twice is a `ConfigError`."""
    keys: dict[str, str] = {}
    for text in texts:
        key, sep, secret = text.partition(":")
        if not sep or not key or not secret:
            raise ConfigError(f"--key {text!r}: expected KEY:SECRET")
        if key in keys:
            raise ConfigError(f"--key {key!r} is given twice")
        keys[key] = secret
    return keys


def serve_command(
    *,
    host: str,
    port: int,
    seed: int,
    speed: float,
    session_s: float,
    exchange_dirs: list[Path],
    keys: list[str],
    rate: float,
    burst: int,
    faults: bool,
    log_level: str,
    retention_s: float | None = None,
    max_closed: int | None = None,
    send_queue: int | None = None,
) -> None:
    """Everything ``hft serve`` does; errors surface as `HftError` for `main` to print."""
    try:
        from hft_core.serve.app import ServeConfig
        from hft_core.serve.server import run_server
    except ImportError as exc:
        raise HftError(f"hft serve needs the serve extra: pip install 'hft-core[serve]' ({exc})") from None
    from hft_core.serve.exchanges import load_exchanges

    key_map = parse_keys(keys)
    if not key_map:
        key_map = {"demo": secrets.token_hex(16)}
        print(f"API key (this run only): demo  secret: {key_map['demo']}", file=sys.stderr)
    try:
        config = ServeConfig(
            load_exchanges(exchange_dirs),
            seed=seed,
            speed=speed,
            session_s=session_s,
            keys=key_map,
            rate=rate,
            burst=burst,
            faults=faults,
        )
        # unset: ServeConfig's own defaults (declared there once); replace() checks the values as the constructor does
        config = dataclasses.replace(
            config,
            retention_s=config.retention_s if retention_s is None else retention_s,
            max_closed=config.max_closed if max_closed is None else max_closed,
            send_queue=config.send_queue if send_queue is None else send_queue,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: reachable from other machines", file=sys.stderr)
    for name, spec in sorted(config.exchanges.items()):
        symbols = ", ".join(s.symbol for s in spec.symbols)
        print(f"{name}: http://{host}:{port}/api/{name}/ticker  ({symbols})", file=sys.stderr)
    run_server(config, host=host, port=port, log_level=log_level)
