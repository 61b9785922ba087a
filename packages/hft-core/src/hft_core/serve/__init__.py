"""``hft serve``: mock exchanges on hft-core's simulated market, over REST and WebSocket (docs/live.md).

Needs the ``serve`` extra (``pip install 'hft-core[serve]'``: FastAPI, uvicorn, websockets). Importing this
package costs nothing; `hft_core.serve.app` and `hft_core.serve.server` import the web stack.

- `hft_core.serve.exchanges`: the exchanges as data files (one TOML file per exchange);
- `hft_core.serve.market`: one exchange's markets in wall-clock time, its users' orders, fills and streams;
- `hft_core.serve.auth`: request signing (HMAC-SHA256, API key, timestamp and recvWindow) and rate limits;
- `hft_core.serve.app`: the FastAPI application (`create_app`, `ServeConfig`);
- `hft_core.serve.server`: running it (`run_server`, `BackgroundServer`).
"""
