"""Neighbour features in both directions: what the blocks before and after a block look like."""

from __future__ import annotations

import numpy as np

OFFSETS = (-2, -1, 1, 2)
SMOOTH = 5  # blocks each side averaged for the wide context


def shifted(values: np.ndarray, offset: int) -> np.ndarray:
    """Rows moved by `offset` (row i gets row i+offset), zero where that row does not exist."""
    out = np.zeros_like(values)
    n = values.shape[0]
    if offset > 0:
        out[: n - offset] = values[offset:]
    elif offset < 0:
        out[-offset:] = values[: n + offset]
    else:
        out[:] = values
    return out


def window_mean(values: np.ndarray, half: int = SMOOTH) -> np.ndarray:
    """Mean of each column over a window of `half` rows each side, the row itself included."""
    n = values.shape[0]
    if not n:
        return values.copy()
    cum = np.zeros((n + 1, values.shape[1]))
    np.cumsum(values, axis=0, out=cum[1:])
    idx = np.arange(n)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, n)
    return (cum[hi] - cum[lo]) / (hi - lo)[:, None]


def names(base: tuple[str, ...]) -> tuple[str, ...]:
    """Feature names of `features` for the given base columns."""
    out = [f"context__{name}__at{o:+d}" for o in OFFSETS for name in base]
    out += [f"context__{name}__window" for name in base]
    return tuple(out)


def features(base: np.ndarray) -> np.ndarray:
    """The base columns of the neighbours at each offset, then their windowed means."""
    n, k = base.shape
    out = np.zeros((n, k * (len(OFFSETS) + 1)))
    if not n:
        return out
    # Each offset's columns are the base rows moved by it (as `shifted` moves them), zero off the page.
    for j, o in enumerate(OFFSETS):
        part = out[:, j * k : (j + 1) * k]
        if o > 0:
            part[: n - o] = base[o:]
        else:
            part[-o:] = base[: n + o]
    out[:, len(OFFSETS) * k :] = window_mean(base)
    return out
