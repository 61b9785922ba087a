"""Console rendering for ``hft --version``, ``hft list`` and ``hft info``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hft_core.__about__ import __version__
from hft_core.knobs import KnobSpec, commented_toml, markdown_table
from hft_core.patterns import Pattern
from hft_core.plugins import PluginHost, PluginRecord, installed_pattern_packages
from hft_core.scenarios import Scenario

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
        table.add_row(
            escape(row["pattern"]),
            row["package"],
            row["version"],
            f"[{style}]{row['status']}[/]",
            escape(row["summary"]),
        )
    console.print(table)


def _knob_dict(spec: KnobSpec) -> dict[str, Any]:
    knob = spec.knob
    bounds = {k: v for k, v in (("gt", knob.gt), ("ge", knob.ge), ("lt", knob.lt), ("le", knob.le)) if v is not None}
    return {
        "name": spec.name,
        "type": spec.type_name,
        "default": spec.to_toml(spec.default),
        "unit": knob.unit,
        "help": knob.help,
        **({"choices": list(spec.choices)} if spec.choices is not None else {}),
        **bounds,
    }


def pattern_as_dict(pattern: Pattern, scenario: Scenario | None = None) -> dict[str, Any]:
    """A JSON-ready description of a pattern (and of its scenario's knobs at the pattern's defaults)."""
    described: dict[str, Any] = {
        "name": pattern.name,
        "summary": pattern.summary,
        "description": pattern.description,
        "package": pattern.package,
        "version": pattern.version,
        "config": _qualified(pattern.config),
        "strategy": _qualified(pattern.strategy),
        "default_scenario": pattern.default_scenario,
        "scenario_params": dict(pattern.scenario_params),
        "parameters": [_knob_dict(spec) for spec in pattern.knobs()],
        "references": list(pattern.references),
    }
    if scenario is not None:
        described["scenario"] = {"name": scenario.name, "summary": scenario.summary}
    return described


def _qualified(target: str | type) -> str:
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def print_pattern_info(name: str, *, form: str = "table") -> None:
    """A pattern's summary, knobs (type, default, unit, allowed values, help) and references.

    ``form``: ``table`` (rich), ``json``, ``toml`` (a commented starting config) or ``markdown`` (the docs table).
    """
    host = PluginHost()
    pattern = host.get(name)
    specs = pattern.knobs()
    if form == "json":
        print(json.dumps(pattern_as_dict(pattern), indent=2))
        return
    if form == "toml":
        header = (
            f"{pattern.name} ({pattern.package}): every knob at its default.\n"
            f"Use it as a starting point: hft run {pattern.name} --config THIS_FILE (then --set key=value).\n"
            f"Generated by: hft info {pattern.name} --toml"
        )
        sys.stdout.write(commented_toml(specs, header))
        return
    if form == "markdown":
        sys.stdout.write(markdown_table(specs))
        return
    console = _stdout()
    console.print(f"[bold]{pattern.name}[/] — {pattern.summary}")
    console.print(f"package: {pattern.package} {pattern.version}    default scenario: {pattern.default_scenario}")
    if pattern.scenario_params:
        settings = ", ".join(f"{k}={v}" for k, v in pattern.scenario_params.items())
        console.print(f"scenario settings (override with --set scenario.KEY=VALUE): {settings}")
    if pattern.description:
        console.print(pattern.description)
    if specs:
        table = Table(title="knobs (set with --set key=value or a --config TOML file)")
        for column in ("name", "type", "default", "unit", "allowed", "help"):
            table.add_column(column, overflow="fold")
        for spec in specs:
            shown = spec.to_toml(spec.default)
            table.add_row(spec.name, spec.type_name, repr(shown), spec.knob.unit, spec.constraint, spec.help)
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
    """A run's key statistics as a table in groups (`hft_core.report.summary_sections`), then where its files are."""
    from hft_core.report import summary_sections  # (pandas: not imported for `hft --version`)

    console = console or _stdout()
    suffix = f" ({status})" if status and status != "complete" else ""
    table = Table(title=f"{pattern} — summary{suffix}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right", overflow="fold")  # a long venue name wraps, never cut
    for group, rows in summary_sections(summary):
        table.add_row(f"[bold]{group}[/]", "")
        for name, value in rows:
            table.add_row(f"  {escape(name)}", escape(value))  # a venue's [label] is text, not markup
        table.add_section()
    console.print(table)
    console.print(f"run directory: {run_dir}")
