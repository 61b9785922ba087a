"""The compiled draws of `hft_core.venues.simulated._kdraws` against their Python references, bit for bit.

Each test runs a kernel and its reference on the same MT19937 stream and requires the same sequence of results
and the same stream state afterwards. Uniforms at the edges of [0, 1) are produced exactly by writing the words
a stream will output (`_stream_of`), rather than by hoping a seed reaches them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Any, TypeVar

import numpy as np
import pytest
from hft_core.venues.simulated import _kdraws as k
from hft_core.venues.simulated import participants as p
from hft_core.venues.simulated.latency import JITTER_KINDS, Latency, LatencyKind, Link
from hypothesis import given, settings
from hypothesis import strategies as st

T = TypeVar("T")
StateArray = k.StateArray

_TOP = 2**53 - 1
"""The largest k for which ``k / 2**53`` is a `random.Random.random` value."""
_EDGE_KS = (0, 1, 2, 2**26, 2**52, _TOP - 1, _TOP, 9007, _TOP - 9007, 1 << 20, _TOP - (1 << 20))
"""Uniforms near 0 and 1 (9007 and 2**20 over 2**53 lie about either side of latency's 1e-12 clip)."""

seeds = st.integers(min_value=0, max_value=2**64)
skips = st.integers(min_value=0, max_value=700)
"""Draws taken before the comparison starts, so the stream's position (and its refills) varies."""
edge_ks = st.lists(st.one_of(st.sampled_from(_EDGE_KS), st.integers(0, _TOP)), min_size=1, max_size=40)
rates = st.floats(min_value=1e-3, max_value=1e6)
means = st.floats(min_value=0.0, max_value=1e4)
sizes = st.integers(min_value=1, max_value=40_000)
log_sds = st.floats(min_value=0.0, max_value=3.0)
kinds = st.sampled_from(JITTER_KINDS)
jitters = st.integers(min_value=0, max_value=10**9)


def _untemper(output: int) -> int:
    """The MT19937 word whose tempered output is ``output`` (each tempering step inverted)."""
    y = output ^ (output >> 18)
    y ^= (y << 15) & 0xEFC60000
    x = y
    for _ in range(5):
        x = y ^ ((x << 7) & 0x9D2C5680)
    y = x & 0xFFFFFFFF
    x = y
    for _ in range(3):
        x = y ^ (x >> 11)
    return x


def _stream_of(ks: Sequence[int], seed: int) -> random.Random:
    """A stream whose next ``random()`` values are ``k / 2**53`` for each k, then words of ``seed``'s stream."""
    words = list(random.Random(seed).getstate()[1][: k.MT_STATE_SIZE - 1])
    for i, value in enumerate(ks):
        words[2 * i] = _untemper((value >> 26) << 5)
        words[2 * i + 1] = _untemper((value & (2**26 - 1)) << 6)
    rng = random.Random()
    rng.setstate((3, (*words, 0), None))
    check = random.Random()
    check.setstate(rng.getstate())
    assert [check.random() for _ in ks] == [value / 2**53 for value in ks]
    return rng


def _seeded(seed: int, skip: int) -> random.Random:
    rng = random.Random(seed)
    for _ in range(skip):
        rng.random()
    return rng


def _assert_same_draws(
    rng: random.Random, count: int, reference: Callable[[random.Random], T], kernel: Callable[[StateArray], T]
) -> list[T]:
    """``count`` draws of ``kernel`` on a copy of ``rng``'s state equal those of ``reference`` on ``rng``, and
    the two streams end in the same state."""
    state = k.mt_state(rng)
    compiled = [kernel(state) for _ in range(count)]
    python = [reference(rng) for _ in range(count)]
    assert compiled == python
    assert [type(value) for value in compiled] == [type(value) for value in python]
    np.testing.assert_array_equal(state, k.mt_state(rng))
    return python


# -- the stream --------------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seeds, skips)
def test_state_round_trip_keeps_the_stream(seed: int, skip: int) -> None:
    rng = _seeded(seed, skip)
    rng.gauss(0.0, 1.0)  # leaves a cached Gaussian, which set_mt_state must keep
    state = k.mt_state(rng)
    assert state.dtype == np.uint32 and state.shape == (k.MT_STATE_SIZE,)
    other = random.Random(seed + 1)
    other.setstate(rng.getstate())
    for _ in range(3):
        k.uniform(state)
    k.set_mt_state(other, state)
    for _ in range(3):
        rng.random()
    assert other.getstate() == rng.getstate()
    assert [other.random() for _ in range(5)] == [rng.random() for _ in range(5)]


def test_mt_state_refuses_a_state_of_another_kind() -> None:
    class OldState(random.Random):
        def getstate(self) -> Any:
            return (2, (0,) * 625, None)

    with pytest.raises(ValueError, match="not an MT19937 state"):
        k.mt_state(OldState(1))


def test_set_mt_state_refuses_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"shape \(625,\)"):
        k.set_mt_state(random.Random(1), np.zeros(624, dtype=np.uint32))


@settings(max_examples=25, deadline=None)
@given(seeds, skips, st.integers(min_value=1, max_value=1500))
def test_uniform_is_random_random(seed: int, skip: int, count: int) -> None:
    _assert_same_draws(_seeded(seed, skip), count, random.Random.random, k.uniform)


@settings(max_examples=25, deadline=None)
@given(seeds, skips)
def test_next_uint32_is_getrandbits_32(seed: int, skip: int) -> None:
    _assert_same_draws(_seeded(seed, skip), 700, lambda rng: rng.getrandbits(32), k.next_uint32)


@settings(max_examples=30, deadline=None)
@given(edge_ks, seeds)
def test_uniform_reaches_both_ends_exactly(ks: list[int], seed: int) -> None:
    draws = _assert_same_draws(_stream_of(ks, seed), len(ks), random.Random.random, k.uniform)
    assert draws == [value / 2**53 for value in ks]


def test_uniform_extremes_are_zero_and_one_minus_an_ulp() -> None:
    assert _assert_same_draws(_stream_of([0, _TOP], 7), 2, random.Random.random, k.uniform) == [0.0, 1.0 - 2**-53]


# -- participants.py ---------------------------------------------------------------------------------------------
def _participant_draws(rng: random.Random, rate: float, mean: float, low: int, high: int, log_sd: float) -> None:
    """Every participant helper, in turn, on one stream (poisson last and short: a large mean draws a lot)."""
    _assert_same_draws(rng, 20, lambda r: p._waiting_ns(r, rate), lambda s: k.waiting_ns(s, rate))
    _assert_same_draws(rng, 20, lambda r: p._geometric(r, mean), lambda s: k.geometric(s, mean))
    _assert_same_draws(rng, 20, lambda r: p._uniform_int(r, low, high), lambda s: k.uniform_int(s, low, high))
    _assert_same_draws(rng, 20, p._standard_normal, k.standard_normal)
    _assert_same_draws(
        rng,
        20,
        lambda r: p._order_size(r, low, high, mean, log_sd),
        lambda s: k.order_size(s, low, high, mean, log_sd),
    )
    _assert_same_draws(rng, 3, lambda r: p._poisson(r, mean), lambda s: k.poisson(s, mean))


@settings(max_examples=60, deadline=None)
@given(seeds, skips, rates, means, sizes, sizes, log_sds)
def test_participant_draws_match_their_references(
    seed: int, skip: int, rate: float, mean: float, size_a: int, size_b: int, log_sd: float
) -> None:
    low, high = min(size_a, size_b), max(size_a, size_b)
    _participant_draws(_seeded(seed, skip), rate, mean, low, high, log_sd)


@settings(max_examples=40, deadline=None)
@given(edge_ks, seeds, rates, means, sizes, sizes, log_sds)
def test_participant_draws_match_at_the_edges_of_the_uniform(
    ks: list[int], seed: int, rate: float, mean: float, size_a: int, size_b: int, log_sd: float
) -> None:
    low, high = min(size_a, size_b), max(size_a, size_b)
    _participant_draws(_stream_of(ks * 6, seed), rate, mean, low, high, log_sd)


def test_zero_means_draw_nothing_or_one() -> None:
    rng = _stream_of([5, 0, _TOP], 3)
    state = k.mt_state(rng)
    assert k.geometric(state, 0.0) == 0  # no draw at all
    np.testing.assert_array_equal(state, k.mt_state(rng))
    assert _assert_same_draws(rng, 3, lambda r: p._poisson(r, 0.0), lambda s: k.poisson(s, 0.0)) == [0, 0, 0]
    assert k.mt_state(rng)[-1] == 6  # poisson(0) took one uniform (two words) per count


def test_fixed_draws_at_the_edges() -> None:
    """Hand-checked values: u = 0 gives the shortest wait, no distance, the low end; u -> 1 the far ends."""
    rng = _stream_of([0, 0, 0, _TOP, _TOP, _TOP, _TOP], 11)
    state = k.mt_state(rng)
    assert k.waiting_ns(state, 1e6) == 1
    assert k.geometric(state, 4.0) == 0
    assert k.uniform_int(state, 3, 9) == 3
    assert k.uniform_int(state, 3, 9) == 9
    assert 36.7e12 < k.waiting_ns(state, 1e-3) < 36.8e12  # -ln(2**-53) = 36.74 mean waits
    assert k.order_size(state, 1, 40_000, 20.0, 3.0) == 40_000  # z = sqrt(-2 ln 2**-53) ~ 8.6: clipped
    assert state[-1] == 14  # seven uniforms, two words each


# -- rounding and the normal quantile ----------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=0.0, max_value=2.0**60),
        st.integers(min_value=0, max_value=2**52).map(lambda n: n + 0.5),
        st.floats(min_value=-1e6, max_value=0.0),
    )
)
def test_round_half_even_is_pythons_round(x: float) -> None:
    assert k.round_half_even(x) == float(round(x))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
        st.floats(min_value=1e-300, max_value=1e-8),
        st.floats(min_value=1e-12, max_value=1e-10).map(lambda d: 1.0 - d),
    ),
    st.floats(min_value=-1e3, max_value=1e3),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_normal_inv_cdf_is_statistics(prob: float, mu: float, sigma: float) -> None:
    assert k.normal_inv_cdf(prob, mu, sigma) == NormalDist(mu, sigma).inv_cdf(prob)
    assert k.normal_inv_cdf(prob, 0.0, 1.0) == NormalDist().inv_cdf(prob)


@pytest.mark.parametrize("prob", [0.075, 0.5 - 0.425, 0.5, 0.925, 1e-12, 1.0 - 1e-12, 2e-11, 1e-11, 0.3])
def test_normal_inv_cdf_at_range_boundaries(prob: float) -> None:
    assert k.normal_inv_cdf(prob, 0.0, 1.0) == NormalDist().inv_cdf(prob)


# -- latency.py --------------------------------------------------------------------------------------------------
def test_jitter_codes_follow_jitter_kinds() -> None:
    assert list(k.JITTER_CODES) == list(JITTER_KINDS)
    assert list(k.JITTER_CODES.values()) == list(range(len(JITTER_KINDS)))


def _link_arrivals(rng: random.Random, latency: Latency, times: Sequence[int]) -> None:
    """A `Link` and `link_arrival` agree on each arrival, on the link's ``_last`` and on the stream."""
    link = Link(latency, rng)
    code = k.JITTER_CODES[latency.kind]
    state = k.mt_state(rng)
    last = 0
    for t in times:
        arrival, last = k.link_arrival(state, t, latency.base_ns, latency.jitter_ns, code, last)
        assert arrival == link.arrival(t)
        assert last == link._last
    np.testing.assert_array_equal(state, k.mt_state(rng))


def _times(gaps: Sequence[int]) -> list[int]:
    t, times = 10**12, []
    for gap in gaps:
        t += gap
        times.append(t)
    return times


@settings(max_examples=60, deadline=None)
@given(
    seeds,
    skips,
    st.integers(min_value=0, max_value=10**9),
    jitters,
    kinds,
    st.lists(st.integers(min_value=-(10**6), max_value=10**8), min_size=1, max_size=60),
)
def test_latency_draws_and_link_arrivals_match(
    seed: int, skip: int, base: int, jitter: int, kind: LatencyKind, gaps: list[int]
) -> None:
    latency = Latency(base, jitter, kind)
    code = k.JITTER_CODES[kind]
    _assert_same_draws(_seeded(seed, skip), 30, latency.draw, lambda s: k.latency_draw(s, base, jitter, code))
    _link_arrivals(_seeded(seed, skip + 1), latency, _times(gaps))


@settings(max_examples=40, deadline=None)
@given(edge_ks, seeds, st.integers(min_value=0, max_value=10**9), jitters, kinds)
def test_latency_draws_match_at_the_edges_of_the_uniform(
    ks: list[int], seed: int, base: int, jitter: int, kind: LatencyKind
) -> None:
    latency = Latency(base, jitter, kind)
    code = k.JITTER_CODES[kind]
    _assert_same_draws(_stream_of(ks, seed), len(ks), latency.draw, lambda s: k.latency_draw(s, base, jitter, code))


def test_far_tail_jitter_is_capped_like_the_reference() -> None:
    """A jitter beyond 10 000 s is capped, in the kernel as in `Latency.draw` (no int64 overflow)."""
    latency = Latency(5, 10**17, "exponential")
    code = k.JITTER_CODES["exponential"]
    draws = _assert_same_draws(
        _stream_of([_TOP, 0, _TOP - 1], 2), 3, latency.draw, lambda s: k.latency_draw(s, 5, 10**17, code)
    )
    assert draws == [5 + 10**13, 5, 5 + 10**13]
    uniform_code = k.JITTER_CODES["uniform"]
    uniform_latency = Latency(5, 10**13, "uniform")  # jitter 2e13 * u, the cap at u = 1/2
    draws = _assert_same_draws(
        _stream_of([2**52, 2**52 - 1, 3 * 2**51, 0], 2),
        4,
        uniform_latency.draw,
        lambda s: k.latency_draw(s, 5, 10**13, uniform_code),
    )
    assert draws == [5 + 10**13, 5 + 10**13 - 1, 5 + 10**13, 5]


@pytest.mark.parametrize("rate", [1e-3, 1.7e-3, 3.3e-3])
def test_long_waits_match_to_the_ns(rate: float) -> None:
    """Waits of ~1e12 ns, where the float's last bit decides the whole ns: the order of the float ops shows."""
    _assert_same_draws(random.Random(rate), 20_000, lambda r: p._waiting_ns(r, rate), lambda s: k.waiting_ns(s, rate))


@pytest.mark.parametrize("kind", JITTER_KINDS)
def test_constant_links_draw_nothing_and_keep_no_state(kind: LatencyKind) -> None:
    rng = random.Random(4)
    state = k.mt_state(rng)
    jitter = 0 if kind != "constant" else 500
    assert k.link_arrival(state, 100, 7, jitter, k.JITTER_CODES[kind], 123) == (107, 123)
    np.testing.assert_array_equal(state, k.mt_state(rng))
