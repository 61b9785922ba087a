"""Knobs: the one declaration of every setting a pattern or a simulated market exposes.

A pattern's settings are a frozen dataclass deriving from `Config`; each field carries its type, its default and
a `Knob` (help, unit, bounds, choices) in its annotation::

    @dataclass(frozen=True)
    class MyConfig(Config):
        half_spread: Annotated[Distance, Knob("Quote distance from the mid.", gt=0)] = Distance(2, "ticks")
        model: Annotated[Literal["skew", "glft"], Knob("Quoting model.")] = "skew"
        tick_ms: Annotated[int, Knob("Decision interval.", unit="ms", ge=1)] = 50

Everything else is derived from that declaration, here and nowhere else: validation (building a config, in a
notebook or from the command line, checks every knob and names the knob and the bound it breaks), parsing of
TOML values and ``--set key=value`` text, the TOML written into run directories, the ``hft info`` table and the
docs tables. A knob type declared once (``Entry = Annotated[float, Knob(...)]``) may be shared by several
configs, each with its own default.

Value types: ``bool``, ``int``, ``float``, ``str``, a ``Literal`` of strings or ints (its values are the
choices), `Distance` (a price distance: ``0.25`` price units, ``"2ticks"``, ``"5bp"``) and `Size` (an order or
position size: ``0.5`` units of the instrument, ``"3lots"``). The last two let one default behave sanely on any
instrument: they are resolved against the instrument the run trades.

Nothing here imports numpy, so listing patterns and describing their knobs stays cheap.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

import tomli_w

from hft_core.errors import ConfigError

__all__ = [
    "Config",
    "Distance",
    "Knob",
    "KnobSpec",
    "Size",
    "commented_toml",
    "knob_specs",
    "markdown_table",
    "split_assignment",
]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# -- unit-bearing values ----------------------------------------------------------------------------------------
_AMOUNT_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def _parse_amount(text: str, units: Mapping[str, str], what: str) -> tuple[float, str]:
    match = _AMOUNT_RE.match(text)
    if match is None:
        raise ValueError(f"expected a {what} such as {_examples(units)}, got {text!r}")
    amount, suffix = float(match.group(1)), match.group(2).lower()
    unit = units.get(suffix)
    if unit is None:
        raise ValueError(f"unknown unit {match.group(2)!r} in {text!r}; use {_examples(units)}")
    if not math.isfinite(amount):
        raise ValueError(f"{what} must be finite, got {text!r}")
    return amount, unit


def _examples(units: Mapping[str, str]) -> str:
    shown = dict.fromkeys(units.values())
    return ", ".join("0.25 (plain)" if unit == "" else f"'2{unit}'" for unit in shown)


def _amount_and_unit(value: str | float, units: Mapping[str, str], what: str) -> tuple[float, Any]:
    """``value``'s amount and unit: from its text, or a plain number (no unit)."""
    return _parse_amount(value, units, what) if isinstance(value, str) else (float(value), "")


def _check_unit(value: Distance | Size, units: Mapping[str, str]) -> None:
    """Refuse a unit ``value``'s class does not know; keep its amount a float (as parsing gives it)."""
    if value.unit not in units.values():
        known = ", ".join(repr(unit) for unit in dict.fromkeys(units.values()))
        raise ValueError(f"unit must be one of {known}, got {value.unit!r}")
    if isinstance(value.amount, int) and not isinstance(value.amount, bool):
        object.__setattr__(value, "amount", float(value.amount))


def _number_text(amount: float) -> str:
    return str(int(amount)) if amount.is_integer() and abs(amount) < 2**53 else repr(amount)


@dataclass(frozen=True, slots=True)
class Distance:
    """A price distance: ``amount`` in price units (``unit=""``), in ticks, or in basis points of a price.

    Written as ``0.25``, ``"2ticks"`` or ``"5bp"`` in TOML and on the command line.
    """

    amount: float
    unit: Literal["", "ticks", "bp"] = ""

    _UNITS: ClassVar[Mapping[str, str]] = {"": "", "tick": "ticks", "ticks": "ticks", "bp": "bp", "bps": "bp"}

    def __post_init__(self) -> None:
        _check_unit(self, self._UNITS)

    @classmethod
    def parse(cls, value: str | float) -> Distance:
        """A distance from its text (``"2ticks"``) or a plain number of price units."""
        return cls(*_amount_and_unit(value, cls._UNITS, "price distance"))

    def price(self, tick_size: float, reference_price: float) -> float:
        """The distance in price units on an instrument with ``tick_size``, near ``reference_price`` (for bp)."""
        if self.unit == "ticks":
            return self.amount * tick_size
        if self.unit == "bp":
            return self.amount * 1e-4 * abs(reference_price)
        return self.amount

    def __str__(self) -> str:
        return _number_text(self.amount) + self.unit


@dataclass(frozen=True, slots=True)
class Size:
    """An order or position size: ``amount`` in units of the instrument (``unit=""``) or in lots.

    Written as ``0.5`` or ``"3lots"`` in TOML and on the command line.
    """

    amount: float
    unit: Literal["", "lots"] = ""

    _UNITS: ClassVar[Mapping[str, str]] = {"": "", "lot": "lots", "lots": "lots"}

    def __post_init__(self) -> None:
        _check_unit(self, self._UNITS)

    @classmethod
    def parse(cls, value: str | float) -> Size:
        """A size from its text (``"3lots"``) or a plain number of instrument units."""
        return cls(*_amount_and_unit(value, cls._UNITS, "size"))

    def qty(self, lot_size: float) -> float:
        """The size in instrument units on an instrument with ``lot_size``."""
        return self.amount * lot_size if self.unit == "lots" else self.amount

    def __str__(self) -> str:
        return _number_text(self.amount) + self.unit


_UNIT_TYPES: tuple[type[Distance], type[Size]] = (Distance, Size)


# -- the annotation ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Knob:
    """What a config field means: ``help``, its ``unit`` (shown, e.g. ``"ms"``) and its bounds.

    ``gt``/``ge``/``lt``/``le`` bound a number (for `Distance` and `Size`: their amount), exclusive or inclusive;
    ``choices`` restricts a value to a set (for strings and ints a ``Literal`` type says the same more simply).
    """

    help: str
    unit: str = ""
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple[bool | int | float | str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.help.strip():
            raise TypeError("a Knob needs help text")
        if self.gt is not None and self.ge is not None:
            raise TypeError("give gt or ge, not both")
        if self.lt is not None and self.le is not None:
            raise TypeError("give lt or le, not both")

    @property
    def bounds(self) -> str:
        """The bounds as text, e.g. ``"> 0"``, ``">= 1, <= 50"``; empty when unbounded."""
        parts = [
            f"{op} {_number_text(float(bound))}"
            for op, bound in ((">", self.gt), (">=", self.ge), ("<", self.lt), ("<=", self.le))
            if bound is not None
        ]
        return ", ".join(parts)


# -- the derived description of one field ---------------------------------------------------------------------------
ValueKind = type[bool] | type[int] | type[float] | type[str] | type[Distance] | type[Size]


@dataclass(frozen=True, slots=True)
class KnobSpec:
    """One knob as hft-core derives it from a config field: name, value type, default, meaning, choices."""

    name: str
    kind: ValueKind
    default: Any
    knob: Knob
    choices: tuple[Any, ...] | None = None

    @property
    def type_name(self) -> str:
        """The name shown to users: ``bool``, ``int``, ``float``, ``str``, ``distance`` or ``size``."""
        return self.kind.__name__.lower()

    @property
    def help(self) -> str:
        """The knob's help text."""
        return self.knob.help

    @property
    def constraint(self) -> str:
        """Choices and bounds as one line of text (empty when the knob takes any value of its type)."""
        parts = []
        if self.choices is not None:
            parts.append("one of " + ", ".join(_plain(c) for c in self.choices))
        if self.knob.bounds:
            parts.append(self.knob.bounds)
        return "; ".join(parts)

    def check(self, value: object, *, source: str = "") -> Any:
        """``value`` as this knob's type, within its bounds and choices, or a `ConfigError` that says why not.

        Python values are taken as they are (an int is accepted for a float; a number or its text for a
        `Distance` or `Size`); bools are never numbers.
        """
        where = f"{source}: " if source else ""
        checked = self._typed(value, where)
        if self.choices is not None and checked not in self.choices:
            options = ", ".join(_plain(c) for c in self.choices)
            raise ConfigError(f"{where}{self.name!r} must be one of {options}; got {_plain(checked)}")
        number = checked.amount if isinstance(checked, _UNIT_TYPES) else checked
        if isinstance(number, int | float) and not isinstance(number, bool):
            self._check_bounds(number, where)
        return checked

    def parse(self, raw: str, *, source: str = "") -> Any:
        """The ``--set`` text ``raw`` as this knob's value (checked)."""
        where = f"{source}: " if source else ""
        text = raw.strip()
        value: object
        try:
            if self.kind is bool:
                if text.lower() in _TRUE:
                    value = True
                elif text.lower() in _FALSE:
                    value = False
                else:
                    raise ValueError(text)
            elif self.kind is int:
                value = int(text)
            elif self.kind is float:
                value = float(text)
            elif self.kind in _UNIT_TYPES:
                value = self.kind.parse(text)
            else:
                value = raw
        except ValueError as exc:
            detail = str(exc) if self.kind in _UNIT_TYPES else f"expects {self.type_name}, got {raw!r}"
            raise ConfigError(f"{where}{self.name!r} {detail}") from None
        return self.check(value, source=source)

    def to_toml(self, value: Any) -> bool | int | float | str:
        """``value`` as written into a TOML file (`Distance` and `Size` with a unit as text)."""
        if isinstance(value, _UNIT_TYPES):
            return value.amount if value.unit == "" else str(value)
        checked: bool | int | float | str = value
        return checked

    def _typed(self, value: object, where: str) -> Any:
        kind = self.kind
        if kind in _UNIT_TYPES:
            if isinstance(value, kind):
                amount = value.amount
                if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
                    raise ConfigError(f"{where}{self.name!r} needs a finite amount, got {value!r}")
                return value
            if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
                try:
                    return kind.parse(value)
                except ValueError as exc:
                    raise ConfigError(f"{where}{self.name!r} {exc}") from None
        elif kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        elif isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{where}{self.name!r} must be a finite number, got {value!r}")
            return value
        raise ConfigError(f"{where}{self.name!r} expects {self.type_name}, got {type(value).__name__} {value!r}")

    def _check_bounds(self, number: float, where: str) -> None:
        knob = self.knob
        failed = (
            (knob.gt is not None and not number > knob.gt and f"> {_number_text(float(knob.gt))}")
            or (knob.ge is not None and not number >= knob.ge and f">= {_number_text(float(knob.ge))}")
            or (knob.lt is not None and not number < knob.lt and f"< {_number_text(float(knob.lt))}")
            or (knob.le is not None and not number <= knob.le and f"<= {_number_text(float(knob.le))}")
        )
        if failed:
            raise ConfigError(f"{where}{self.name!r} must be {failed}, got {_plain(number)}")


def _plain(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


# -- deriving specs from a dataclass ------------------------------------------------------------------------------
_PLAIN_KINDS: tuple[type, ...] = (bool, int, float, str, Distance, Size)


def _spec(owner: type, field: dataclasses.Field[Any], hint: Any) -> KnobSpec:
    where = f"{owner.__name__}.{field.name}"
    if not _NAME_RE.match(field.name):
        raise TypeError(f"{where}: a knob name must be snake_case (a-z, 0-9, _)")
    if get_origin(hint) is not Annotated:
        raise TypeError(f"{where}: every field needs a Knob in its annotation: Annotated[type, Knob('help', ...)]")
    base, *extras = get_args(hint)
    knobs = [extra for extra in extras if isinstance(extra, Knob)]
    if len(knobs) != 1:
        raise TypeError(f"{where}: the annotation needs exactly one Knob, found {len(knobs)}")
    knob = knobs[0]
    choices: tuple[Any, ...] | None = knob.choices
    if get_origin(base) is Literal:
        if choices is not None:
            raise TypeError(f"{where}: a Literal type already lists the choices; drop Knob(choices=...)")
        choices = get_args(base)
        kinds = {type(c) for c in choices}
        if len(kinds) != 1 or not kinds <= {str, int}:
            raise TypeError(f"{where}: Literal choices must all be str or all be int")
        kind: Any = kinds.pop()
    elif base in _PLAIN_KINDS:
        kind = base
    else:
        raise TypeError(f"{where}: knob type must be bool, int, float, str, a Literal, Distance or Size; got {base!r}")
    if field.default is dataclasses.MISSING:
        raise TypeError(f"{where}: every knob needs a default")
    spec = KnobSpec(field.name, kind, field.default, knob, choices)
    try:
        spec.check(field.default, source="default")
    except ConfigError as exc:
        raise TypeError(f"{owner.__name__}: {exc}") from None
    return spec


_SPECS: dict[type, tuple[KnobSpec, ...]] = {}


def knob_specs(cls: type) -> tuple[KnobSpec, ...]:
    """Every knob of the config dataclass ``cls``, in field order (a `TypeError` says what is wrong with it)."""
    found = _SPECS.get(cls)
    if found is None:
        found = _SPECS[cls] = _derive_specs(cls)
    return found


def _derive_specs(cls: type) -> tuple[KnobSpec, ...]:
    if not dataclasses.is_dataclass(cls) or not isinstance(cls, type):
        raise TypeError(f"{cls!r} is not a dataclass")
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    if not params.frozen:
        raise TypeError(f"{cls.__name__} must be a frozen dataclass: @dataclass(frozen=True)")
    hints = get_type_hints(cls, include_extras=True)
    return tuple(_spec(cls, field, hints[field.name]) for field in dataclasses.fields(cls) if field.init)


# -- the base class -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """Base of every pattern and market config: a frozen dataclass whose fields are knobs.

    Building one checks every knob (type, bounds, choices) and then `validate` (rules that tie knobs together),
    so an invalid config cannot exist, whichever door it came through. Errors are `ConfigError` naming the knob.
    """

    def __post_init__(self) -> None:
        for spec in knob_specs(type(self)):
            value = getattr(self, spec.name)
            checked = spec.check(value, source=type(self).__name__)
            if checked is not value:
                object.__setattr__(self, spec.name, checked)
        try:
            self.validate()
        except ConfigError:
            raise
        except ValueError as exc:
            raise ConfigError(f"{type(self).__name__}: {exc}") from None

    def validate(self) -> None:
        """Checks that involve several knobs; raise `ConfigError` (or `ValueError`) naming them. None by default."""

    @classmethod
    def knobs(cls) -> tuple[KnobSpec, ...]:
        """This config's knobs (see `knob_specs`)."""
        return knob_specs(cls)

    @classmethod
    def knob(cls, name: str) -> KnobSpec | None:
        """The knob called ``name``, if there is one."""
        return next((spec for spec in knob_specs(cls) if spec.name == name), None)

    def to_dict(self) -> dict[str, bool | int | float | str]:
        """Every knob's value as TOML writes it (``Distance``/``Size`` with a unit as text)."""
        return {spec.name: spec.to_toml(getattr(self, spec.name)) for spec in knob_specs(type(self))}

    def updated(
        self,
        values: Mapping[str, object] = types.MappingProxyType({}),
        *,
        assignments: Iterable[str] = (),
        source: str = "",
        owner: str = "",
        prefix: str = "",
    ) -> Self:
        """A copy with ``values`` (typed values, e.g. from TOML) and then ``key=value`` texts applied, in order.

        An unknown key names the closest known ones; ``source`` says where the values came from, ``owner`` what
        they configure (e.g. ``pattern 'passive-mm'``) and ``prefix`` how the texts were written on the command
        line (``scenario.``), for the messages.
        """
        cls = type(self)
        changes: dict[str, Any] = {}
        for key, value in values.items():
            spec = _known(cls, key, source, owner)
            if isinstance(value, dict):
                raise ConfigError(f"{source}: {key!r} is a table; expected a {spec.type_name} value")
            changes[key] = spec.check(value, source=source)
        for text in assignments:
            key, raw = split_assignment(text)
            label = f"--set {prefix}{text}"
            changes[key] = _known(cls, key, label, owner).parse(raw, source=label)
        if not changes:
            return self
        try:
            return dataclasses.replace(self, **changes)
        except ConfigError as exc:
            raise ConfigError(f"{source or 'config'}: {exc}") from None


def split_assignment(text: str) -> tuple[str, str]:
    """Split a ``key=value`` command-line assignment (a `ConfigError` if it is not one)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected key=value")
    return key, raw.strip()


def _known(cls: type[Config], key: str, source: str, owner: str) -> KnobSpec:
    spec = cls.knob(key)
    if spec is not None:
        return spec
    names = [s.name for s in cls.knobs()]
    close = difflib.get_close_matches(key, names, n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    what = f" for {owner}" if owner else ""
    known = ", ".join(names) if names else "none"
    raise ConfigError(f"{source}: unknown key {key!r}{what}{hint}; known keys: {known}")


# -- what is derived for people: tables and a starting config -------------------------------------------------------
def _shown(spec: KnobSpec, value: Any) -> str:
    shown = spec.to_toml(value)
    return f'"{shown}"' if isinstance(shown, str) else str(shown).lower() if isinstance(shown, bool) else str(shown)


def markdown_table(specs: Iterable[KnobSpec]) -> str:
    """The knobs as a Markdown table (name, type, default, unit, allowed values, meaning): the docs' tables."""
    lines = ["| knob | type | default | unit | allowed | meaning |", "|---|---|---|---|---|---|"]
    for spec in specs:
        cells = (f"`{spec.name}`", spec.type_name, f"`{_shown(spec, spec.default)}`", spec.knob.unit, spec.constraint)
        meaning = spec.help.replace("|", "\\|")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + f" | {meaning} |")
    return "\n".join(lines) + "\n"


def commented_toml(specs: Iterable[KnobSpec], header: str = "") -> str:
    """Every knob at its default as TOML, each preceded by its help, unit and allowed values as comments."""
    out = [f"# {line}".rstrip() for line in header.splitlines()] + ([""] if header else [])
    for spec in specs:
        notes = "; ".join(part for part in (spec.knob.unit and f"unit: {spec.knob.unit}", spec.constraint) if part)
        out.append(f"# {spec.help}" + (f" ({notes})" if notes else ""))
        out.append(tomli_w.dumps({spec.name: spec.to_toml(spec.default)}).rstrip("\n"))
    return "\n".join(out) + "\n"
