"""Headline files (CSV, JSONL, Parquet): columns by common names or options, explicit time zones, bad rows counted
or named; `hft data info` on them; a run's text file recorded in config.toml and reloaded."""

from __future__ import annotations

import gzip
import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hft_core import ConfigError, DataError, TextSource, load_text
from hft_core.runs import resolve_run
from hft_core.text import describe_text_file, is_text_file

UTC_NOON = 1_723_118_400_000_000_000  # 2024-08-08T12:00:00Z


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_columns_found_by_common_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "news.csv",
        "Date,Title,Ticker,Publisher\n"
        "2024-08-08T12:00:00Z,Acme beats estimates,ACME,wire\n"
        '2024-08-08T08:00:00.000000001-04:00,"Bolt cuts guidance, shares slide","$bolt; ACME",\n',
    )
    feed = load_text(path)
    first, second = feed.items
    assert (first.published_ns, first.headline, first.tickers, first.source) == (
        UTC_NOON,
        "Acme beats estimates",
        ("ACME",),
        "wire",
    )
    assert second.published_ns == UTC_NOON + 1  # the offset is applied and nanoseconds are kept
    assert second.tickers == ("BOLT", "ACME")
    assert second.source == "news.csv"  # no publisher in the row: the file's name
    assert first.received_ns == first.published_ns  # no receipt column
    assert feed.stats["loader"]["columns"] == {
        "time": "Date",
        "text": "Title",
        "tickers": "Ticker",
        "source": "Publisher",
    }


def test_naive_timestamps_need_an_explicit_zone(tmp_path: Path) -> None:
    path = _write(tmp_path / "naive.csv", "published,headline\n2024-08-08 08:00:00,Acme beats\n")
    with pytest.raises(DataError, match=r"naive.csv:2: field 'published': .*no time zone.*--tz"):
        load_text(path)
    assert load_text(path, tz="America/New_York").items[0].published_ns == UTC_NOON
    assert load_text(path, tz="UTC").items[0].published_ns == UTC_NOON - 4 * 3600 * 10**9
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_text(path, tz="Mars/Olympus")


def test_mixed_zones_and_dst_gaps_are_errors_naming_the_line(tmp_path: Path) -> None:
    mixed = _write(tmp_path / "mixed.csv", "time,text\n2024-08-08T12:00:00Z,a\n2024-08-08 12:00:01,b\n")
    with pytest.raises(DataError, match=r"mixed.csv:3: .*mixes timestamps with and without a time zone"):
        load_text(mixed, tz="UTC")
    gap = _write(tmp_path / "gap.csv", "time,text\n2024-03-10 02:30:00,a\n")
    with pytest.raises(DataError, match=r"gap.csv:2: .*does not exist or is ambiguous"):
        load_text(gap, tz="America/New_York")


def test_bad_rows_are_counted_or_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "timestamp,headline,symbol\n"
        "2024-08-08T12:00:00Z,fine,ACME\n"
        ",no time,ACME\n"
        "2024-08-08T12:00:02Z,,ACME\n"
        "\n"
        "2024-08-08T11:59:59Z,  backwards  ,NOPE\n",
    )
    feed = load_text(path)
    assert [item.headline for item in feed.items] == ["backwards", "fine"]  # (in receipt order)
    loader = feed.stats["loader"]
    assert (loader["rows"], loader["items"], loader["missing_time"], loader["empty_text"], loader["blank"]) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert loader["published_backwards"] == 1
    assert loader["skipped"] == ["line 3: missing time", "line 4: empty text"]
    unparsable = _write(tmp_path / "unparsable.csv", "date,title\nyesterday-ish,Acme\n")
    with pytest.raises(DataError, match=r"unparsable.csv:2: field 'date': cannot parse timestamp"):
        load_text(unparsable)
    too_many = _write(tmp_path / "fields.csv", "date,title\n2024-08-08T12:00:00Z,Acme, beats\n")
    with pytest.raises(DataError, match=r"fields.csv:2: 3 fields, the header has 2"):
        load_text(too_many)


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "date,title\n2024-08-08T12:00:00Z,ok\n2024-08-08T12:00:01Z,Soci\xe9t\xe9 G\xe9n\xe9rale\n".encode("latin-1")
    )
    with pytest.raises(DataError, match=r"latin1.csv:3: not UTF-8: byte 0xe9 at column 26"):
        load_text(path)


def test_no_text_column_says_how_to_name_it(tmp_path: Path) -> None:
    path = _write(tmp_path / "cols.csv", "when,words\n2024-08-08T12:00:00Z,Acme\n")
    with pytest.raises(DataError, match=r"no time column: none of published.*--time-column"):
        load_text(path)
    feed = load_text(path, time_column="when", text_column="words")
    assert feed.items[0].headline == "Acme"


def test_jsonl_with_receipt_times_epochs_and_gzip(tmp_path: Path) -> None:
    rows = [
        {"published": UTC_NOON // 10**6, "received": UTC_NOON // 10**6 + 250, "headline": "Acme", "tickers": ["ACME"]},
        {"published": UTC_NOON // 10**6 + 1, "received": None, "headline": "Bolt", "body": "more"},
    ]
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(row) for row in rows) + "\n\n")
    with pytest.raises(DataError, match=r"numeric timestamp .*epoch_unit.*never guessed"):
        load_text(path)
    feed = load_text(path, epoch_unit="ms", latency_ms=5)
    second, first = feed.items  # (in receipt order: Bolt's receipt is its publish time)
    assert first.received_ns == UTC_NOON + 250_000_000 + 5_000_000
    assert (second.received_ns, second.body) == (UTC_NOON + 1_000_000 + 5_000_000, "more")
    assert feed.stats["loader"]["missing_received"] == 1
    assert feed.stats["loader"]["blank"] == 1
    broken = _write(tmp_path / "broken.jsonl", '{"date": "2024-08-08T12:00:00Z", "title": "x"}\n{"date": \n')
    with pytest.raises(DataError, match=r"broken.jsonl:2: malformed JSON"):
        load_text(broken)


def test_parquet_rows_are_named_by_row(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "datetime": pd.to_datetime(["2024-08-08 12:00:00", "2024-08-08 12:00:01"]),
            "text": ["Acme beats", "Bolt misses"],
            "stock": ["ACME", None],
        }
    )
    path = tmp_path / "news.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataError, match=r"field 'datetime \(row 1\)': .*no time zone"):
        load_text(path)
    feed = load_text(path, tz="UTC")
    assert [(i.published_ns, i.tickers) for i in feed.items] == [(UTC_NOON, ("ACME",)), (UTC_NOON + 10**9, ())]
    frame["datetime"] = frame["datetime"].dt.tz_localize("UTC")
    frame.to_parquet(path)
    assert load_text(path).items[0].published_ns == UTC_NOON
    assert is_text_file(path)


def test_data_info_describes_a_headline_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "news.csv",
        "published,received,headline,tickers\n"
        "2024-08-08T12:00:00Z,2024-08-08T12:00:00.002Z,Acme beats,ACME\n"
        "2024-08-08T12:00:05Z,2024-08-08T12:00:05.004Z,Bolt misses,BOLT ACME\n"
        "2024-08-08T12:00:09Z,2024-08-08T12:00:09.003Z,Markets calm,\n",
    )
    summary = describe_text_file(path)
    text = summary.to_text()
    assert "text (csv): 3 items from 3 rows" in text
    assert "published    2024-08-08T12:00:00+00:00 .. 2024-08-08T12:00:09+00:00" in text
    assert "receipt lag  min 2.000 / mean 3.000 / max 4.000 ms" in text
    assert "tickers      2 distinct: ACME 2, BOLT 1; 1 untagged" in text
    assert summary.to_dict()["items"] == 3
    from hft_core.cli.app import app
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["data", "info", str(path)])
    assert out.exit_code == 0, out.output
    assert "receipt lag" in out.output
    naive = _write(tmp_path / "naive.csv", "date,title\n2024-08-08 12:00:00,x\n")
    out = CliRunner().invoke(app, ["data", "info", str(naive)])
    assert isinstance(out.exception, DataError) and "no time zone" in str(out.exception)
    out = CliRunner().invoke(app, ["data", "info", str(naive), "--tz", "Europe/London", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["first_published"] == "2024-08-08T11:00:00+00:00"


def test_a_runs_text_file_is_recorded_and_reloaded(tmp_path: Path) -> None:
    path = _write(tmp_path / "news.csv", "date,title\n2024-01-02 14:30:01,Acme beats\n")
    spec = resolve_run("passive-mm", text=TextSource(path, tz="UTC", latency_ms=2.5), duration_s=5.0)
    recorded = tomllib.loads(spec.config_toml())["run"]["text"]
    assert recorded == {"path": str(path), "tz": "UTC", "latency_ms": 2.5}
    config = tmp_path / "config.toml"
    config.write_text(spec.config_toml())
    again = resolve_run("passive-mm", config_file=config)
    assert again.text == spec.text and again.config_toml() == spec.config_toml()
    with pytest.raises(ConfigError, match=r"text file .*: no such file"):
        resolve_run("passive-mm", text=tmp_path / "missing.csv")
    config.write_text('[run]\ntext = {path = "x.csv", zone = "UTC"}\n')
    with pytest.raises(ConfigError, match=r"unknown key.*'zone'"):
        resolve_run("passive-mm", config_file=config)
