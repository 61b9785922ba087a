"""The O(n) loops behind `hft_core.flow.hawkes`: exact simulation, state at query times, log-likelihood+gradient.

Each kernel is written once as plain Python (``*_py``, the reference implementation, importable and tested) and
compiled with numba under the name without the suffix. All of them exploit the exponential kernel: the
excitation of dimension i by the events of dimension j,

    R_ij(t) = Σ_{t_k^j < t} e^{−β_ij (t − t_k^j)},

obeys ``R_ij(t + Δ) = e^{−β_ij Δ}·R_ij(t)`` between events and jumps by 1 at each event of j, so the intensity
``λ_i(t) = μ_i + Σ_j α_ij R_ij(t)`` and the compensator
``Λ_i(t) = μ_i t + Σ_j (α_ij/β_ij)(N_j(t) − R_ij(t))`` are carried along in one pass (Ozaki 1979).

Events at the same time do not excite one another: intensities are left limits ``λ(t−)``.
"""

from __future__ import annotations

import math

import numpy as np

from hft_core.flow._checks import FloatArray, IntArray, jit

__all__ = [
    "loglik_grad",
    "loglik_grad_py",
    "simulate_block",
    "simulate_block_py",
    "state_at",
    "state_at_py",
]


def simulate_block_py(
    mu: FloatArray,
    alpha: FloatArray,
    beta: FloatArray,
    horizon: float,
    t_start: float,
    excitation: FloatArray,
    uniforms: FloatArray,
    out_times: FloatArray,
    out_marks: IntArray,
) -> tuple[int, float, bool]:
    """Advance an exponential Hawkes process from ``t_start``, one event per row of ``uniforms``.

    Exact simulation by decomposition (Dassios & Zhao 2013, multivariate form): after an event the total
    intensity is a sum of independent pieces, each baseline ``μ_i`` and each decaying excitation
    ``E_ij e^{−β_ij s}``; the waiting time of each piece is sampled by inverting its cumulative hazard, and the
    earliest piece fires (in its dimension i). No rejection, so exactly one row of ``D + D²`` uniforms is used
    per event. ``excitation`` (``E_ij`` = α_ij·R_ij at ``t_start``) is updated in place.

    Returns (events written, time reached, whether the horizon was reached).
    """
    dim = mu.shape[0]
    t = t_start
    written = 0
    for row in range(uniforms.shape[0]):
        best_wait = math.inf
        best_dim = -1
        for i in range(dim):
            if mu[i] > 0.0:
                wait = -math.log(1.0 - uniforms[row, i]) / mu[i]
                if wait < best_wait:
                    best_wait = wait
                    best_dim = i
        for i in range(dim):
            for j in range(dim):
                level = excitation[i, j]
                if level > 0.0:
                    # Cumulative hazard of E·e^{−βs} is (E/β)(1 − e^{−βs}) < E/β: the piece may never fire.
                    log_u = math.log(1.0 - uniforms[row, dim + i * dim + j])
                    remaining = 1.0 + beta[i, j] * log_u / level
                    if remaining > 0.0:
                        wait = -math.log(remaining) / beta[i, j]
                        if wait < best_wait:
                            best_wait = wait
                            best_dim = i
        if best_dim < 0 or t + best_wait > horizon:
            return written, horizon, True
        t += best_wait
        for i in range(dim):
            for j in range(dim):
                excitation[i, j] *= math.exp(-beta[i, j] * best_wait)
        for i in range(dim):
            excitation[i, best_dim] += alpha[i, best_dim]
        out_times[written] = t
        out_marks[written] = best_dim
        written += 1
    return written, t, False


def state_at_py(
    times: FloatArray,
    marks: IntArray,
    beta: FloatArray,
    query: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """``R_ij(q)`` and ``N_j(q)`` counting only events strictly before each query time ``q``.

    ``times`` sorted; ``query`` sorted. Returns arrays shaped ``(len(query), D, D)`` and ``(len(query), D)``.
    """
    dim = beta.shape[0]
    n_query = query.shape[0]
    out_r = np.zeros((n_query, dim, dim))
    out_n = np.zeros((n_query, dim))
    decayed = np.zeros((dim, dim))
    counts = np.zeros(dim)
    t_last = 0.0
    k = 0
    n_events = times.shape[0]
    for q in range(n_query):
        t_query = query[q]
        while k < n_events and times[k] < t_query:
            gap = times[k] - t_last
            for i in range(dim):
                for j in range(dim):
                    decayed[i, j] *= math.exp(-beta[i, j] * gap)
            source = marks[k]
            for i in range(dim):
                decayed[i, source] += 1.0
            counts[source] += 1.0
            t_last = times[k]
            k += 1
        gap = t_query - t_last
        for i in range(dim):
            out_n[q, i] = counts[i]
            for j in range(dim):
                out_r[q, i, j] = decayed[i, j] * math.exp(-beta[i, j] * gap)
    return out_r, out_n


def loglik_grad_py(
    times: FloatArray,
    marks: IntArray,
    horizon: float,
    mu: FloatArray,
    alpha: FloatArray,
    beta: FloatArray,
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Log-likelihood of a D-dimensional exponential Hawkes path on ``[0, horizon]`` and its gradient.

    ``ℓ = Σ_n ln λ_{m_n}(t_n−) − Σ_i Λ_i(T)`` (Ozaki 1979; for D = 1 this is the recursion in REFERENCES.md,
    ``R_n = e^{−βΔ_n}(1 + R_{n−1})``). The β-derivative carries ``B_ij(t) = Σ (t − t_k) e^{−β_ij (t − t_k)}``,
    with ``B(t + Δ) = e^{−βΔ}(B(t) + Δ·R(t))``. Returns (ℓ, ∂ℓ/∂μ, ∂ℓ/∂α, ∂ℓ/∂β); ℓ = −inf if some event
    has zero intensity.
    """
    dim = mu.shape[0]
    decayed = np.zeros((dim, dim))
    weighted = np.zeros((dim, dim))
    pending = np.zeros(dim)
    counts = np.zeros(dim)
    grad_mu = np.zeros(dim)
    grad_alpha = np.zeros((dim, dim))
    grad_beta = np.zeros((dim, dim))
    log_sum = 0.0
    t_current = 0.0
    n_events = times.shape[0]
    for step in range(n_events + 1):
        t = times[step] if step < n_events else horizon
        if t > t_current:
            gap = t - t_current
            for i in range(dim):
                for j in range(dim):
                    level = decayed[i, j] + pending[j]
                    decay = math.exp(-beta[i, j] * gap)
                    weighted[i, j] = decay * (weighted[i, j] + gap * level)
                    decayed[i, j] = decay * level
            for j in range(dim):
                counts[j] += pending[j]
                pending[j] = 0.0
            t_current = t
        if step == n_events:
            break
        m = marks[step]
        intensity = mu[m]
        for j in range(dim):
            intensity += alpha[m, j] * decayed[m, j]
        if intensity <= 0.0:
            return -math.inf, grad_mu, grad_alpha, grad_beta
        log_sum += math.log(intensity)
        inverse = 1.0 / intensity
        grad_mu[m] += inverse
        for j in range(dim):
            grad_alpha[m, j] += decayed[m, j] * inverse
            grad_beta[m, j] -= alpha[m, j] * weighted[m, j] * inverse
        pending[m] += 1.0
    # Events exactly at the horizon are still pending: each adds 1 to both N_j(T) and R_ij(T), so they add
    # nothing to N_j − R_ij (their compensator share 1 − e^0 is 0) and are left out of both here.
    compensator = 0.0
    for i in range(dim):
        compensator += mu[i] * horizon
        grad_mu[i] -= horizon
        for j in range(dim):
            excess = counts[j] - decayed[i, j]
            compensator += alpha[i, j] / beta[i, j] * excess
            grad_alpha[i, j] -= excess / beta[i, j]
            grad_beta[i, j] += alpha[i, j] * excess / beta[i, j] ** 2 - alpha[i, j] * weighted[i, j] / beta[i, j]
    return log_sum - compensator, grad_mu, grad_alpha, grad_beta


simulate_block = jit(simulate_block_py)
state_at = jit(state_at_py)
loglik_grad = jit(loglik_grad_py)
