"""Compiled random draws that equal the simulated market's Python draws bit for bit.

The simulated market's participants and links draw all their randomness from their own `random.Random`
(CPython's Mersenne Twister, MT19937) through a few small helpers: the "random draws from uniforms" of
`hft_core.venues.simulated.participants`, `Latency.draw` and `Link.arrival` of
`hft_core.venues.simulated.latency`, and ``rng.random()`` itself (the informed taker). Those Python helpers are
the reference implementation; the functions here are their numba-compiled mirrors, for a compiled event kernel
that must reproduce the Python venue exactly (same seed, same fills). Each one mirrors its reference operation
by operation, in the same order of float operations, so its results are identical, not merely close; the
tests in ``tests/test_sim_kdraws.py`` hold the pairs together.

A stream's state is a uint32 array of 625: MT19937's 624 words, then the position of the next word (CPython's
``index``; 624 means the words are used up). `mt_state` copies it out of a `random.Random` and `set_mt_state`
back into one, so a stream can be handed between the Python venue and the compiled kernel in either direction.
Every compiled draw takes the state first and advances it in place; none allocates.

Results are the reference's for arguments whose results fit in int64 (the ns clock's range: a waiting time
of rate 1e-3/s is at most ~3.7e13 ns). `Latency.draw`'s jitter kind is passed as its code in `JITTER_CODES`.
"""

from __future__ import annotations

import math
import random
from typing import Final

import numpy as np
import numpy.typing as npt
from numba import njit

from hft_core.venues.simulated import latency as _latency
from hft_core.venues.simulated import participants as _participants
from hft_core.venues.simulated._kcache import key_on_sources
from hft_core.venues.simulated.latency import _LOGNORMAL_SIGMA, _MAX_NS, _STANDARD_NORMAL, JITTER_KINDS
from hft_core.venues.simulated.participants import _NS_PER_S

__all__ = [
    "JITTER_CODES",
    "MT_STATE_SIZE",
    "geometric",
    "latency_draw",
    "link_arrival",
    "mt_state",
    "next_uint32",
    "normal_inv_cdf",
    "order_size",
    "poisson",
    "round_half_even",
    "set_mt_state",
    "standard_normal",
    "uniform",
    "uniform_int",
    "waiting_ns",
]

StateArray = npt.NDArray[np.uint32]

# -- MT19937 (Matsumoto & Nishimura 1998), as CPython's _randommodule.c runs it ---------------------------------
_N: Final = 624
_M: Final = 397
_MATRIX_A: Final = 0x9908B0DF
_UPPER_MASK: Final = 0x80000000
_LOWER_MASK: Final = 0x7FFFFFFF
MT_STATE_SIZE: Final = _N + 1
"""Length of a state array: the 624 words, then the index of the next word to use."""
_STATE_VERSION: Final = 3
"""The version `random.Random.getstate` tags its MT19937 state with."""

JITTER_CODES: Final[dict[str, int]] = {kind: code for code, kind in enumerate(JITTER_KINDS)}
"""The int code of each `Latency` jitter kind for `latency_draw` and `link_arrival`."""
# Numba freezes these globals into the compiled code; the on-disk cache is keyed on this file only, so a
# reordering of JITTER_KINDS needs this file touched (or the cache cleared) to reach cached kernels.
_CONSTANT: Final = JITTER_CODES["constant"]
_EXPONENTIAL: Final = JITTER_CODES["exponential"]
_UNIFORM: Final = JITTER_CODES["uniform"]
_NORMAL_MU: Final = _STANDARD_NORMAL.mean
_NORMAL_SIGMA: Final = _STANDARD_NORMAL.stdev
_MAX_NS_FLOAT: Final = float(_MAX_NS)


def mt_state(rng: random.Random) -> StateArray:
    """A copy of ``rng``'s MT19937 state as a state array (``rng`` is not advanced)."""
    version, internal, _gauss_next = rng.getstate()
    if version != _STATE_VERSION or len(internal) != MT_STATE_SIZE:
        raise ValueError(f"not an MT19937 state of version {_STATE_VERSION} and {MT_STATE_SIZE} words")
    return np.array(internal, dtype=np.uint32)


def set_mt_state(rng: random.Random, state: StateArray) -> None:
    """Continue ``rng`` from ``state`` (its cached Gaussian, which no draw here uses, is kept)."""
    if state.shape != (MT_STATE_SIZE,):
        raise ValueError(f"a state array has shape ({MT_STATE_SIZE},), got {state.shape}")
    gauss_next = rng.getstate()[2]
    rng.setstate((_STATE_VERSION, tuple(int(word) for word in state), gauss_next))


@njit(cache=True)
def _twist(state: StateArray) -> None:
    """Regenerate all 624 words (CPython's genrand_uint32 when its index reaches 624)."""
    for kk in range(_N):
        y = (np.int64(state[kk]) & _UPPER_MASK) | (np.int64(state[(kk + 1) % _N]) & _LOWER_MASK)
        word = np.int64(state[(kk + _M) % _N]) ^ (y >> 1)
        if y & 1:
            word ^= _MATRIX_A
        state[kk] = np.uint32(word)
    state[_N] = 0


@njit(cache=True)
def next_uint32(state: StateArray) -> int:
    """The next 32-bit output (CPython's genrand_uint32: the next word, tempered)."""
    if state[_N] >= _N:
        _twist(state)
    index = np.int64(state[_N])
    y = np.int64(state[index])
    state[_N] = np.uint32(index + 1)
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return int(y)


@njit(cache=True)
def uniform(state: StateArray) -> float:
    """`random.Random.random`: a float on [0, 1) with 53 random bits, from two outputs (genrand_res53)."""
    a = next_uint32(state) >> 5
    b = next_uint32(state) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


# -- the participants' draws (participants.py) ------------------------------------------------------------------
@njit(cache=True)
def waiting_ns(state: StateArray, rate_per_s: float) -> int:
    """`participants._waiting_ns`: an exponential waiting time of rate ``rate_per_s``, in whole ns (>= 1)."""
    return 1 + int(-math.log(1.0 - uniform(state)) / rate_per_s * _NS_PER_S)


@njit(cache=True)
def geometric(state: StateArray, mean: float) -> int:
    """`participants._geometric`: a geometric count on 0, 1, 2, ... with the given mean (0 drawing nothing)."""
    if mean <= 0.0:
        return 0
    return int(math.log(1.0 - uniform(state)) / math.log(mean / (1.0 + mean)))


@njit(cache=True)
def uniform_int(state: StateArray, low: int, high: int) -> int:
    """`participants._uniform_int`: an integer uniform on ``[low, high]``."""
    return low + int(uniform(state) * (high - low + 1))


@njit(cache=True)
def standard_normal(state: StateArray) -> float:
    """`participants._standard_normal`: Box–Muller's cosine half, from two uniforms in that order."""
    radius = math.sqrt(-2.0 * math.log(1.0 - uniform(state)))
    return radius * math.cos(2.0 * math.pi * uniform(state))


@njit(cache=True)
def round_half_even(x: float) -> float:
    """Python's ``round(x)`` (to the nearest integer, ties to even) for a finite ``x``, as a float."""
    low = float(np.floor(x))
    fraction = x - low  # exact unless -1 < x < 0, where its rounding cannot change the result
    if fraction > 0.5 or (fraction == 0.5 and low - 2.0 * float(np.floor(0.5 * low)) == 1.0):
        return low + 1.0
    return low


@njit(cache=True)
def order_size(state: StateArray, size_min: int, size_max: int, median: float, log_sd: float) -> int:
    """`participants._order_size`: uniform on ``[size_min, size_max]`` when ``log_sd`` is 0, else lognormal of
    the given median and log-sd, rounded (ties to even) and clipped to ``[size_min, size_max]``."""
    if log_sd <= 0.0:
        return uniform_int(state, size_min, size_max)
    size = round_half_even(median * math.exp(log_sd * standard_normal(state)))
    # compared as floats (exact: both sides are whole numbers) so a huge draw clips instead of overflowing
    if size < size_min:
        return size_min
    if size > size_max:
        return size_max
    return int(size)


@njit(cache=True)
def poisson(state: StateArray, mean: float) -> int:
    """`participants._poisson`: the number of unit-rate arrivals in ``[0, mean)`` (one draw when ``mean`` is 0)."""
    count = 0
    elapsed = -math.log(1.0 - uniform(state))
    while elapsed < mean:
        count += 1
        elapsed -= math.log(1.0 - uniform(state))
    return count


# -- the links' draws (latency.py) ------------------------------------------------------------------------------
# Wichura (1988), Algorithm AS241 (PPND16): rational approximations of the normal quantile on three ranges, the
# polynomials below listed from the highest power down and evaluated by Horner's rule, as CPython does.
_CENTRAL_NUM: Final = (
    2509.0809287301226727,
    33430.575583588128105,
    67265.770927008700853,
    45921.953931549871457,
    13731.693765509461125,
    1971.5909503065514427,
    133.14166789178437745,
    3.387132872796366608,
)
_CENTRAL_DEN: Final = (
    5226.495278852854561,
    28729.085735721942674,
    39307.89580009271061,
    21213.794301586595867,
    5394.1960214247511077,
    687.1870074920579083,
    42.313330701600911252,
    1.0,
)
_MIDDLE_NUM: Final = (
    7.7454501427834140764e-4,
    0.0227238449892691845833,
    0.24178072517745061177,
    1.27045825245236838258,
    3.64784832476320460504,
    5.7694972214606914055,
    4.6303378461565452959,
    1.42343711074968357734,
)
_MIDDLE_DEN: Final = (
    1.05075007164441684324e-9,
    5.475938084995344946e-4,
    0.0151986665636164571966,
    0.14810397642748007459,
    0.68976733498510000455,
    1.6763848301838038494,
    2.05319162663775882187,
    1.0,
)
_TAIL_NUM: Final = (
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    0.0012426609473880784386,
    0.026532189526576123093,
    0.29656057182850489123,
    1.7848265399172913358,
    5.4637849111641143699,
    6.6579046435011037772,
)
_TAIL_DEN: Final = (
    2.04426310338993978564e-15,
    1.4215117583164458887e-7,
    1.8463183175100546818e-5,
    7.868691311456132591e-4,
    0.0148753612908506148525,
    0.13692988092273580531,
    0.59983220655588793769,
    1.0,
)


@njit(cache=True)
def _horner(coefficients: tuple[float, ...], r: float) -> float:
    acc = coefficients[0]
    for k in range(1, len(coefficients)):
        acc = acc * r + coefficients[k]
    return acc


@njit(cache=True)
def normal_inv_cdf(p: float, mu: float, sigma: float) -> float:
    """`statistics.NormalDist(mu, sigma).inv_cdf(p)` for ``0 < p < 1`` and ``sigma > 0`` (AS241, as CPython)."""
    q = p - 0.5
    if math.fabs(q) <= 0.425:
        r = 0.180625 - q * q
        x = (_horner(_CENTRAL_NUM, r) * q) / _horner(_CENTRAL_DEN, r)
        return mu + (x * sigma)
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        x = _horner(_MIDDLE_NUM, r) / _horner(_MIDDLE_DEN, r)
    else:
        r = r - 5.0
        x = _horner(_TAIL_NUM, r) / _horner(_TAIL_DEN, r)
    if q < 0.0:
        x = -x
    return mu + (x * sigma)


@njit(cache=True)
def latency_draw(state: StateArray, base_ns: int, jitter_ns: int, kind: int) -> int:
    """`Latency(base_ns, jitter_ns, kind).draw` with ``kind`` as its `JITTER_CODES` code (constant: no draw)."""
    if jitter_ns == 0 or kind == _CONSTANT:
        return base_ns
    u = uniform(state)
    mean = float(jitter_ns)
    if kind == _EXPONENTIAL:
        jitter = -math.log(1.0 - u) * mean
    elif kind == _UNIFORM:
        jitter = 2.0 * mean * u
    else:
        z = normal_inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12), _NORMAL_MU, _NORMAL_SIGMA)
        mu = math.log(mean) - 0.5 * _LOGNORMAL_SIGMA**2
        jitter = math.exp(mu + _LOGNORMAL_SIGMA * z)
    # min(int(jitter), _MAX_NS), compared as floats first so a far tail cannot overflow the conversion
    if jitter >= _MAX_NS_FLOAT:
        return base_ns + _MAX_NS
    return base_ns + int(jitter)


@njit(cache=True)
def link_arrival(state: StateArray, t: int, base_ns: int, jitter_ns: int, kind: int, last: int) -> tuple[int, int]:
    """`Link.arrival(t)` for a link of that latency whose previous arrival was ``last`` (0 before any):
    returns the arrival and the link's new ``last`` (unchanged on a constant link, which keeps no state)."""
    if jitter_ns == 0 or kind == _CONSTANT:
        return t + base_ns, last
    arrival = t + latency_draw(state, base_ns, jitter_ns, kind)
    if arrival < last:
        arrival = last
    return arrival, arrival


# the draws read constants of these files (frozen into the cached machine code): an edit of one recompiles
key_on_sources(__name__, _latency, _participants)
