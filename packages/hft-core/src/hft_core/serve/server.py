"""Running `hft serve`'s application: in the foreground (the CLI) or on a background thread (tests, notebooks).

Both bind 127.0.0.1 unless told otherwise: the mock has test keys and fault injection, not a place on a network.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from hft_core.serve.app import ServeConfig, create_app

__all__ = ["BackgroundServer", "free_port", "run_server"]

DEFAULT_HOST = "127.0.0.1"


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` right now (for tests: bind it soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _uvicorn_config(app: Any, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", ws="websockets-sansio")


def run_server(config: ServeConfig, *, host: str = DEFAULT_HOST, port: int = 8000, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    uvicorn.Server(_uvicorn_config(create_app(config), host, port, log_level)).run()


class BackgroundServer:
    """The application served on a daemon thread: ``with BackgroundServer(config) as server: server.url``.

    ``send_buffer_bytes`` sets the kernel's send buffer (``SO_SNDBUF``) of the listening socket, which the
    connections it accepts inherit (Linux), so a test can fill a client's path with a few frames instead of the
    megabytes the kernel otherwise lets a loopback connection hold."""

    def __init__(
        self,
        config: ServeConfig,
        *,
        host: str = DEFAULT_HOST,
        port: int | None = None,
        log_level: str = "warning",
        send_buffer_bytes: int | None = None,
    ) -> None:
        self.host = host
        self._sockets: list[socket.socket] | None = None
        if send_buffer_bytes is not None:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)
            listener.bind((host, port or 0))
            self._sockets = [listener]
            port = listener.getsockname()[1]
        self.port: int = free_port(host) if port is None else port
        self.app = create_app(config)
        """The ASGI application (its ``state.exchanges`` hold the server's records, for tests)."""
        self._server = uvicorn.Server(_uvicorn_config(self.app, host, self.port, log_level))
        self._thread = threading.Thread(
            target=self._server.run, args=(self._sockets,), name=f"hft-serve:{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"hft serve did not start on {self.url} within {timeout_s:g} s")
            time.sleep(0.01)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        for listener in self._sockets or ():
            listener.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
