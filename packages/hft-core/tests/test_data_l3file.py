"""The generic order-by-order (L3) format: CSV and Parquet, every action, named errors, guessing, hft data and run."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hft_core.data.formats import guess_format, load_source
from hft_core.data.instrument_spec import resolve_source_instrument
from hft_core.data.l3file import L3FileReader
from hft_core.data.samples import shared_data_path
from hft_core.errors import DataError
from hft_core.events import EventKind
from hft_core.instruments import Instrument

T0 = 1_700_000_000_000_000_000
GRID = Instrument("XYZ", tick_size=0.01, lot_size=0.1)
ROWS = [
    (T0, 1, "buy", "100.00", "1.0", "add"),
    (T0 + 1000, 2, "sell", "100.05", "2.0", "add"),
    (T0 + 2000, 3, "B", "99.99", "0.5", "new"),
    (T0 + 3000, 1, "buy", "100.00", "0.4", "modify"),
    (T0 + 4000, 2, "sell", "100.05", "1.0", "trade"),
    (T0 + 5000, "", "buy", "100.02", "0.3", "trade"),
    (T0 + 6000, 3, "1", "99.99", "", "cancel"),
    (T0 + 7000, 2, "ask", "100.05", "1.0", "delete"),
]

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""


def _csv(path: Path, rows: Sequence[tuple[object, ...]], header: str = "time,order_id,side,price,size,action") -> Path:
    path.write_text(header + "\n" + "".join(",".join(str(c) for c in row) + "\n" for row in rows))
    return path


def test_every_action_becomes_its_event(tmp_path: Path) -> None:
    reader = L3FileReader(_csv(tmp_path / "x.csv", ROWS), GRID)
    events = reader.read_all()
    assert events["kind"].tolist() == [
        EventKind.ADD,
        EventKind.ADD,
        EventKind.ADD,
        EventKind.MODIFY,
        EventKind.FILL,
        EventKind.TRADE,
        EventKind.CANCEL,
        EventKind.CANCEL,
    ]
    assert events["order_id"].tolist() == [1, 2, 3, 1, 2, 0, 3, 2]
    assert events["side"].tolist() == [1, -1, 1, 1, -1, 1, 1, -1]
    assert events["price"].tolist() == [10000, 10005, 9999, 10000, 10005, 10002, 9999, 10005]
    assert events["qty"].tolist() == [10, 20, 5, 4, 10, 3, 0, 10]
    assert (events["exch_ts"] == events["local_ts"]).all() and events["exch_ts"][0] == T0
    stats = reader.stats.to_dict()
    assert (stats["adds"], stats["fills"], stats["anonymous_trades"], stats["whole_order_cancels"]) == (3, 1, 1, 1)


def test_parquet_gzip_iso_times_and_units_read_the_same(tmp_path: Path) -> None:
    plain = L3FileReader(_csv(tmp_path / "x.csv", ROWS), GRID).read_all()
    frame = pd.read_csv(tmp_path / "x.csv", dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "x.parquet")
    assert guess_format(tmp_path / "x.parquet") == "l3"
    assert np.array_equal(L3FileReader(tmp_path / "x.parquet", GRID).read_all(), plain)
    (tmp_path / "x.csv.gz").write_bytes(gzip.compress((tmp_path / "x.csv").read_bytes()))
    assert np.array_equal(L3FileReader(tmp_path / "x.csv.gz", GRID).read_all(), plain)
    iso = [(pd.Timestamp(t, tz="UTC").isoformat().replace("+00:00", "Z"), *rest) for t, *rest in ROWS]
    assert np.array_equal(L3FileReader(_csv(tmp_path / "iso.csv", iso), GRID).read_all(), plain)
    seconds = [(f"{t // 10**9}.{t % 10**9:09d}", *rest) for t, *rest in ROWS]
    reader = L3FileReader(_csv(tmp_path / "s.csv", seconds), GRID, time_unit="s")
    assert np.array_equal(reader.read_all(), plain)
    header = "Timestamp,OID,Direction,PX,Quantity,Type,Received"
    received = [(*row, row[0] + 500) for row in ROWS]
    local = L3FileReader(_csv(tmp_path / "names.csv", received, header), GRID).read_all()
    assert (local["local_ts"] - local["exch_ts"] == 500).all()


@pytest.mark.parametrize(
    ("row", "line", "field", "reason"),
    [
        ((T0, 1, "buy", "100.00", "1.0", "launch"), 2, "action", "action 'launch' is not one of"),
        ((T0, 1, "up", "100.00", "1.0", "add"), 2, "side", "side 'up' is not buy/sell"),
        ((T0, "", "buy", "100.00", "1.0", "add"), 2, "order_id", "a add needs an order id >= 1"),
        ((T0, "x1", "buy", "100.00", "1.0", "add"), 2, "order_id", "order id 'x1' is not"),
        ((T0, 1, "buy", "abc", "1.0", "add"), 2, "price", "price 'abc' is not a number"),
        ((T0, 1, "buy", "100.001", "1.0", "add"), 2, "price", "off the grid"),
        ((T0, 1, "buy", "-1", "1.0", "add"), 2, "price", "must be positive"),
        ((T0, 1, "buy", "100.00", "", "add"), 2, "size", "a add needs a size"),
        (("2024-01-02T09:30:00", 1, "buy", "100.00", "1.0", "add"), 2, "time", "has no zone"),
        ((1_700_000_000, 1, "buy", "100.00", "1.0", "add"), 2, "time", "before 1970-01-12"),
        (("noon", 1, "buy", "100.00", "1.0", "add"), 2, "time", "neither a number nor ISO 8601"),
    ],
)
def test_bad_cells_name_file_line_and_column(
    tmp_path: Path, row: tuple[object, ...], line: int, field: str, reason: str
) -> None:
    good = ROWS[:1]
    path = _csv(tmp_path / "bad.csv", [*good, row] if line > 2 else [row])
    with pytest.raises(DataError, match=reason) as caught:
        L3FileReader(path, GRID).read_all()
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line, field)


def test_broken_files_are_named(tmp_path: Path) -> None:
    missing = _csv(tmp_path / "m.csv", [], "time,order_id,side,price,action")
    with pytest.raises(DataError, match="no column for size: one of size, qty"):
        L3FileReader(missing, GRID).read_all()
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        L3FileReader(tmp_path / "e.csv", GRID).read_all()
    (tmp_path / "u.csv").write_bytes(b"time,order_id,side,price,size,action\n1,1,b\xff,1,1,add\n")
    with pytest.raises(DataError, match="not UTF-8"):
        L3FileReader(tmp_path / "u.csv", GRID).read_all()
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(b"time,order_id,side,price,size,action\n" * 50)[:30])
    with pytest.raises(DataError, match="corrupt or truncated"):
        L3FileReader(tmp_path / "t.csv.gz", GRID).read_all()


def test_time_running_backwards_is_refused_by_the_stream_checks(tmp_path: Path) -> None:
    rows = [ROWS[1], ROWS[0]]
    with pytest.raises(DataError, match="backwards"):
        load_source(_csv(tmp_path / "b.csv", rows), "l3", instrument=GRID, use_cache=False)


def test_guessed_and_grid_inferred(tmp_path: Path) -> None:
    path = _csv(tmp_path / "xyz.csv", ROWS)
    assert guess_format(path) == "l3"
    chosen = resolve_source_instrument(path, "l3")
    assert (chosen.instrument.symbol, chosen.instrument.tick_size, chosen.instrument.lot_size) == ("XYZ", 0.01, 0.1)
    assert "inferred" in chosen.origin and "stem" in chosen.origin


def test_a_lobster_days_messages_rewritten_in_the_layout_load_identically(tmp_path: Path) -> None:
    # The shared LOBSTER AMZN day's L3 events (its seed snapshot from the orderbook file aside: this layout has
    # messages only), written as a generic L3 CSV with prices as text, read back event for event.
    data = shared_data_path("lobster-amzn-2012-06-21-l1")
    amzn = Instrument("AMZN", tick_size=0.005, lot_size=1.0)  # hidden executions print at half cents
    source = data / "AMZN_2012-06-21_34200000_57600000_message_1.csv"
    events = load_source(source, "lobster", instrument=amzn, use_cache=False).events
    kinds = events["kind"]
    events = events[(kinds != EventKind.CLEAR) & (kinds != EventKind.SNAPSHOT)]
    kinds = events["kind"]
    action = {EventKind.ADD: "add", EventKind.MODIFY: "modify", EventKind.CANCEL: "cancel"}
    frame = pd.DataFrame(
        {
            "time": events["exch_ts"],
            "local_time": events["local_ts"],
            "order_id": np.where(kinds == EventKind.TRADE, 0, events["order_id"]),
            "side": np.where(events["side"] == 1, "buy", np.where(events["side"] == -1, "sell", "")),
            "price": [f"{p * 5 / 1000:.3f}" for p in events["price"].tolist()],
            "size": events["qty"],
            "action": [action.get(EventKind(int(k)), "trade") for k in kinds.tolist()],
        }
    )
    path = tmp_path / "amzn_l3.csv"
    frame.to_csv(path, index=False)
    loaded = L3FileReader(path, amzn).read_all()
    assert len(loaded) == len(events) > 50_000
    assert np.array_equal(loaded, events)


def _synthetic_l3(path: Path, messages: int = 20_000, seed: int = 3) -> Path:
    """A self-consistent order flow (adds around a random-walk mid, cancels, partial cancels, fills at the best)."""
    rng = np.random.default_rng(seed)
    live: dict[int, tuple[str, int, int]] = {}  # id -> side, price ticks, lots
    rows: list[tuple[object, ...]] = []
    mid, next_id, now = 10_000, 1, T0
    for _ in range(messages):
        now += int(rng.integers(5_000_000, 55_000_000))
        mid += int(rng.integers(-1, 2))
        bids = [o for o in live.values() if o[0] == "buy"]
        asks = [o for o in live.values() if o[0] == "sell"]
        best_bid = max((o[1] for o in bids), default=None)
        best_ask = min((o[1] for o in asks), default=None)
        roll = rng.random()
        if roll < 0.5 or len(live) < 20:
            side = "buy" if rng.random() < 0.5 else "sell"
            price = mid - int(rng.integers(1, 8)) if side == "buy" else mid + int(rng.integers(1, 8))
            if (side == "buy" and best_ask is not None and price >= best_ask) or (
                side == "sell" and best_bid is not None and price <= best_bid
            ):
                continue
            live[next_id] = (side, price, int(rng.integers(1, 20)))
            rows.append((now, next_id, side, f"{price / 100:.2f}", live[next_id][2], "add"))
            next_id += 1
        elif roll < 0.75:
            oid = int(rng.choice(list(live)))
            side, price, lots = live.pop(oid)
            rows.append((now, oid, side, f"{price / 100:.2f}", "", "cancel"))
        elif roll < 0.85:
            oid = int(rng.choice(list(live)))
            side, price, lots = live[oid]
            if lots > 1:
                live[oid] = (side, price, lots - 1)
                rows.append((now, oid, side, f"{price / 100:.2f}", lots - 1, "modify"))
        else:
            side = "buy" if rng.random() < 0.5 else "sell"
            best = best_bid if side == "buy" else best_ask
            if best is None:
                continue
            oid = min(i for i, o in live.items() if o[0] == side and o[1] == best)
            _, price, lots = live[oid]
            take = int(rng.integers(1, lots + 1))
            rows.append((now, oid, side, f"{price / 100:.2f}", take, "trade"))
            if take == lots:
                del live[oid]
            else:
                live[oid] = (side, price, lots - take)
    return _csv(path, rows)


def test_hft_data_info_and_a_replay_from_the_cli(tmp_path: Path, hft_cli: HftCli) -> None:
    path = _synthetic_l3(tmp_path / "flow.csv")
    code, out, err = hft_cli(["data", "info", str(path)])
    assert code == 0, err
    assert "l3" in out and "FLOW" in out and "inferred" in out
    run = tmp_path / "run"
    argv = ["run", "passive-mm", "--data", str(path), "--quiet", "--json", "--out", str(run)]
    code, out, err = hft_cli([*argv, "--set", "size=1lots", "inv_limit=5"])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["venue"].startswith("replay") and summary["duration_s"] > 300
    assert summary["orders"] > 0


def test_a_row_longer_than_the_header_is_an_error_not_a_dropped_cell(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("time,order_id,side,price,size,action\n" + f"{T0},1,buy,100.00,1.0,add,surprise\n")
    with pytest.raises(DataError, match="more fields than the header"):
        L3FileReader(path, GRID).read_all()


def test_a_parquet_file_of_something_else_is_named_briefly(tmp_path: Path) -> None:
    path = tmp_path / "results.parquet"
    pd.DataFrame({f"column_{i}": [1.0] for i in range(40)}).to_parquet(path)
    with pytest.raises(
        DataError, match=r"neither our events columns nor an L3 layout \(columns: column_0, .*\(40 in all\)\)"
    ):
        guess_format(path)
