"""Console rendering for ``hft --version``, ``hft list`` and ``hft info``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hft_core.__about__ import __version__
from hft_core.patterns import Pattern
from hft_core.plugins import PluginHost, PluginRecord, installed_pattern_packages

__all__ = ["pattern_as_dict", "print_pattern_info", "print_pattern_list", "print_run_summary", "print_versions"]

_STATUS_STYLE = {"ok": "green", "locked": "yellow", "broken": "red", "disabled": "dim"}


def _stdout() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def print_versions() -> None:
    """hft-core and every installed pattern package, one ``name version`` per line."""
    lines = [f"hft-core {__version__}"]
    lines += [f"{dist} {version}" for dist, version in installed_pattern_packages() if dist != "hft-core"]
    print("\n".join(lines))


def _rows(records: list[PluginRecord]) -> list[dict[str, str]]:
    rows = []
    for record in records:
        base = {"package": record.package, "version": record.version, "plugin": record.name}
        if record.status == "ok":
            rows += [{"pattern": p.name, **base, "status": "ok", "summary": p.summary} for p in record.patterns]
        elif record.status == "locked" and record.locked_patterns:
            rows += [
                {"pattern": n, **base, "status": "locked", "summary": record.error or ""}
                for n in record.locked_patterns
            ]
        else:
            rows.append({"pattern": "-", **base, "status": record.status, "summary": record.error or ""})
    return rows


def print_pattern_list(*, as_json: bool) -> None:
    """The pattern table: one row per pattern, or per plugin that is locked/broken/disabled without patterns."""
    rows = _rows(PluginHost().records())
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    console = _stdout()
    if not rows:
        console.print("No pattern packages installed. Install one (e.g. 'pip install hft-passive-mm') or write")
        console.print("your own: 'hft new-pattern my-idea' (see docs/plugin-authors.md).")
        return
    table = Table(title="hft patterns")
    for column in ("pattern", "package", "version", "status", "summary"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = _STATUS_STYLE.get(row["status"], "")
        table.add_row(row["pattern"], row["package"], row["version"], f"[{style}]{row['status']}[/]", row["summary"])
    console.print(table)


def pattern_as_dict(pattern: Pattern) -> dict[str, Any]:
    """A JSON-ready description of a pattern."""
    return {
        "name": pattern.name,
        "summary": pattern.summary,
        "description": pattern.description,
        "package": pattern.package,
        "version": pattern.version,
        "default_scenario": pattern.default_scenario,
        "scenario_params": dict(pattern.scenario_params),
        "parameters": [
            {
                "name": p.name,
                "type": p.type_name,
                "default": p.default,
                "help": p.help,
                **({"choices": list(p.choices)} if p.choices else {}),
                **({"minimum": p.minimum} if p.minimum is not None else {}),
                **({"maximum": p.maximum} if p.maximum is not None else {}),
            }
            for p in pattern.parameters
        ],
        "references": list(pattern.references),
    }


def print_pattern_info(name: str, *, as_json: bool) -> None:
    """A pattern's summary, parameters (type, default, help) and references."""
    pattern = PluginHost().get(name)
    if as_json:
        print(json.dumps(pattern_as_dict(pattern), indent=2))
        return
    console = _stdout()
    console.print(f"[bold]{pattern.name}[/] — {pattern.summary}")
    console.print(f"package: {pattern.package} {pattern.version}    default scenario: {pattern.default_scenario}")
    if pattern.scenario_params:
        settings = ", ".join(f"{k}={v}" for k, v in pattern.scenario_params.items())
        console.print(f"scenario settings (override with --set scenario.KEY=VALUE): {settings}")
    if pattern.description:
        console.print(pattern.description)
    if pattern.parameters:
        table = Table(title="parameters (set with --set key=value or a --config TOML file)")
        for column in ("name", "type", "default", "help"):
            table.add_column(column, overflow="fold")
        for p in pattern.parameters:
            extra = f" (one of: {', '.join(map(str, p.choices))})" if p.choices else ""
            table.add_row(p.name, p.type_name, repr(p.default), p.help + extra)
        console.print(table)
    if pattern.references:
        console.print("[bold]references[/]")
        for ref in pattern.references:
            console.print(f"  - {ref}")


def print_run_summary(
    pattern: str,
    summary: Mapping[str, Any],
    run_dir: Path,
    *,
    status: str | None = None,
    console: Console | None = None,
) -> None:
    """A run's key statistics as a table, then where its files are."""
    console = console or _stdout()
    suffix = f" ({status})" if status and status != "complete" else ""
    table = Table(title=f"{pattern} — summary{suffix}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")

    def number(key: str, spec: str) -> str:
        value = summary.get(key)
        return "-" if value is None else format(value, spec)

    rows = [
        ("PnL", number("pnl", ".2f")),
        ("fills", number("fills", "d")),
        ("volume", number("volume", "g")),
        ("fees", number("fees", ".4f")),
        ("max inventory", number("max_inventory", "g")),
        ("Sharpe (annualised)", number("sharpe", ".2f")),
        ("max drawdown", number("max_drawdown", ".2f")),
        ("fill ratio", number("fill_ratio", ".3f")),
        ("orders", number("orders", "d")),
        ("market time (s)", number("duration_s", ".1f")),
        ("venue", str(summary.get("venue", "-"))),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(f"run directory: {run_dir}")
