"""Scorers (VADER, a user word list: negation and intensity inside the scorer) and instrument mapping."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hft_core import ConfigError, TextItem
from hft_news_algo.headlines import CHATTER, NEGATIVE_BIG, NEGATIVE_SMALL, POSITIVE_BIG, POSITIVE_SMALL
from hft_news_algo.mapping import InstrumentMapper, load_aliases
from hft_news_algo.scoring import VaderScorer, WordListScorer, make_scorer


def test_vader_reads_the_generated_wording_by_sign_and_size() -> None:
    vader = VaderScorer()

    def scores(templates: tuple[str, ...]) -> list[float]:
        return [vader.score(t.format(name="Acme Corp")) for t in templates]

    assert all(s >= 0.3 for s in scores(POSITIVE_BIG))
    assert all(s <= -0.3 for s in scores(NEGATIVE_BIG))
    assert all(s > 0 for s in scores(POSITIVE_SMALL))  # "does not expect a loss": negation, in VADER
    assert all(s < 0 for s in scores(NEGATIVE_SMALL))  # "not great"
    assert all(abs(s) < 0.3 for s in scores(CHATTER))
    assert sum(map(abs, scores(POSITIVE_BIG))) > sum(map(abs, scores(POSITIVE_SMALL)))


def test_vader_scores_ten_thousand_headlines_in_under_five_seconds() -> None:
    vader = make_scorer("vader")
    texts = [t.format(name=f"Company {i}") for i in range(2_500) for t in (*POSITIVE_BIG[:2], *NEGATIVE_SMALL[:2])]
    started = time.perf_counter()
    for text in texts:
        vader.score(text)
    assert len(texts) == 10_000 and time.perf_counter() - started < 5.0


def test_word_list_scorer_from_loughran_mcdonald_columns(tmp_path: Path) -> None:
    path = tmp_path / "lm.csv"
    path.write_text(
        "Word,Seq_num,Negative,Positive,Uncertainty\nLOSS,1,2009,0,0\nGAIN,2,0,2009,0\nSTRONG,3,0,2009,0\nMAY,4,0,0,2009\n"
    )
    scorer = WordListScorer.from_file(path)
    assert scorer.polarity == {"loss": -1.0, "gain": 1.0, "strong": 1.0}
    assert scorer.score("Strong gain") > scorer.score("gain") > 0
    assert scorer.score("a loss") < 0
    assert scorer.score("does not expect a loss") > 0  # negation flips
    assert scorer.score("a very strong quarter") > scorer.score("a strong quarter")  # intensity
    assert scorer.score("shares may move") == 0.0


def test_word_list_scorer_simple_format_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("word,sentiment\nbeats,positive\nmisses,negative\nflat,0\n")
    scorer = make_scorer("word-list", str(path))
    assert scorer.score("Acme beats") > 0 > scorer.score("Acme misses")
    bad = tmp_path / "bad.csv"
    bad.write_text("term,value\nx,1\n")
    with pytest.raises(ConfigError, match="expected the columns"):
        WordListScorer.from_file(bad)
    bad.write_text("word,sentiment\nx,maybe\n")
    with pytest.raises(ConfigError, match=r"bad.csv:2: sentiment must be"):
        WordListScorer.from_file(bad)
    with pytest.raises(ConfigError, match=r"missing\.csv: no such file"):
        WordListScorer.from_file(tmp_path / "missing.csv")


def _item(headline: str, tickers: tuple[str, ...] = ()) -> TextItem:
    return TextItem(0, 0, "wire", headline, tickers=tickers)


def test_mapping_tickers_then_cashtags_then_aliases(tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,symbol\nAcme Corp,ACME\nBolt,bolt\n")
    mapper = InstrumentMapper(("ACME", "BOLT"), load_aliases(aliases))
    assert mapper.map(_item("Bolt news", ("acme", "ZZZ"))) == ("ACME",)  # explicit tickers win
    assert mapper.map(_item("$BOLT up", ("ZZZ",))) == ("BOLT",)  # unknown tickers: counted, then cashtags
    assert mapper.map(_item("ACME CORP beats; Boltzmann unrelated")) == ("ACME",)  # whole words only
    assert mapper.map(_item("Thunderbolt rises")) == ()
    assert dict(mapper.counts) == {"by_ticker": 1, "unknown_tickers": 1, "by_cashtag": 1, "by_alias": 1, "unmapped": 1}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,ticker\nx,y\n")
    with pytest.raises(ConfigError, match="alias,symbol"):
        load_aliases(bad)


def test_word_lists_and_alias_tables_must_be_regular_bounded_files(tmp_path: Path) -> None:
    # /dev/zero as a word list used to hang the run
    with pytest.raises(ConfigError, match="word list /dev/zero: not a regular file"):
        WordListScorer.from_file("/dev/zero")
    with pytest.raises(ConfigError, match="alias table /dev/zero: not a regular file"):
        load_aliases("/dev/zero")
    with pytest.raises(ConfigError, match="no such file"):
        load_aliases(tmp_path / "missing.csv")
    latin = tmp_path / "w.csv"
    latin.write_bytes(b"word,sentiment\ncaf\xe9,positive\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        WordListScorer.from_file(latin)
