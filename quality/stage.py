"""The low-quality stage as plain arrays, so that a model file loads whatever the library versions.

The stage is fitted as a scikit-learn pipeline (`train.lowq_estimator`): a cubic spline of each
low-quality feature, the spin score as it is and as its log-odds, scaling, logistic regression. A
pickled pipeline holds scipy's BSpline objects, whose pickled layout changes between scipy releases
(a 1.17 pickle does not load on 1.15, the newest for Python 3.10), and scikit-learn only promises
to load its own version's pickles. Exported, the same additive model is a bias, each spline's
weighted basis as polynomial pieces, and the named element-wise functions the other columns go
through: numpy arrays and strings, which any numpy unpickles. It is also the fast way to score:
the basis and the weighted sum cost ~250 microseconds a call through scipy and scikit-learn, the
polynomial pieces for all columns at once ~30.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _logit(x: np.ndarray) -> np.ndarray:
    from scipy.special import logit

    return logit(x)


# The element-wise functions a column may go through, by name. Each is non-decreasing, so a column
# feeds the score in the direction of its weight.
FUNCTIONS = {"clip": np.clip, "logit": _logit}


@dataclass(frozen=True)
class SplinePart:
    """Splines of some input columns, each with its weights folded in: one polynomial per piece."""

    cols: list[int]
    lo: np.ndarray  # per column: the base interval, outside which the spline is constant
    hi: np.ndarray
    inner: np.ndarray  # (columns, pieces - 1): the inner knots
    starts: np.ndarray  # (columns, pieces): where each piece starts
    coefs: np.ndarray  # (columns, pieces, degree + 1): highest power first

    def __call__(self, X: np.ndarray) -> np.ndarray:
        x = np.clip(X[:, self.cols], self.lo, self.hi)
        at = (x[:, :, None] >= self.inner[None, :, :]).sum(axis=2)  # each value's piece
        columns = np.arange(len(self.lo))
        dx = x - self.starts[columns, at]
        c = self.coefs[columns, at]
        value = c[..., 0]
        for k in range(1, c.shape[-1]):
            value = value * dx + c[..., k]
        return value.sum(axis=1)


@dataclass(frozen=True)
class FunctionPart:
    """Input columns through a chain of named element-wise functions, then weighted."""

    cols: list[int]
    steps: tuple[tuple[str, dict], ...]  # (name in FUNCTIONS, keyword arguments), applied in order
    weights: np.ndarray

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = X[:, self.cols]
        for name, kw in self.steps:
            X = FUNCTIONS[name](X, **kw)
        return X @ self.weights


@dataclass(frozen=True)
class AdditiveStage:
    """A binary logistic model over a sum of per-column parts: X -> class-1 probabilities."""

    n_features_in_: int
    bias: float
    splines: tuple[SplinePart, ...]
    functions: tuple[FunctionPart, ...]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        total = np.zeros(X.shape[0])
        for part in self.splines:
            total += part(X)
        for part in self.functions:
            total += part(X)
        return 1.0 / (1.0 + np.exp(-(total + self.bias)))

    def rises_with_last_column(self) -> bool:
        """Whether the score never falls as the last input (the spin score) rises: no spline reads
        it, and every weight on it is non-negative (every function is non-decreasing)."""
        last = self.n_features_in_ - 1
        if any(last in part.cols for part in self.splines):
            return False
        return all(
            w >= 0 for part in self.functions for c, w in zip(part.cols, part.weights) if c == last
        )


def export(pipeline, check: bool = True) -> AdditiveStage:
    """The additive stage a fitted pipeline computes; ValueError if it is of another kind or (with
    `check`) the export does not reproduce its `predict_proba` within 1e-9 on a random probe."""
    *head, scaler, lr = (step for _, step in pipeline.steps)
    if (
        type(lr).__name__ != "LogisticRegression"
        or list(lr.classes_) != [0, 1]
        or type(scaler).__name__ != "StandardScaler"
        or len(head) > 1
    ):
        raise ValueError("not a scaled binary logistic regression")
    mean = scaler.mean_ if scaler.with_mean else 0.0
    scale = scaler.scale_ if scaler.with_std else 1.0
    w = lr.coef_[0] / scale
    bias = float(lr.intercept_[0] - np.sum(mean * w))
    n = int(pipeline.n_features_in_)
    if head:
        splines, functions = _parts(head[0], w)
    else:
        splines, functions = (), (FunctionPart(list(range(n)), (), w),)
    stage = AdditiveStage(n, bias, splines, functions)
    if not check:
        return stage
    probe = np.random.default_rng(0).normal(size=(64, n)) * 3
    if not np.allclose(stage(probe), pipeline.predict_proba(probe)[:, 1], rtol=0, atol=1e-9):
        raise ValueError("the exported stage does not reproduce the pipeline's probabilities")
    return stage


def _parts(transform, w: np.ndarray) -> tuple[tuple[SplinePart, ...], tuple[FunctionPart, ...]]:
    if type(transform).__name__ != "ColumnTransformer":
        raise ValueError(f"cannot export a {type(transform).__name__}")
    splines, functions = [], []
    for name, step, cols in transform.transformers_:
        span = transform.output_indices_[name]
        if span.stop == span.start or (isinstance(step, str) and step == "drop"):
            continue
        if not isinstance(cols, list):
            cols = list(np.arange(transform.n_features_in_)[cols])
        cols = [int(c) for c in cols]
        kind = type(step).__name__
        if kind == "SplineTransformer" and step.extrapolation == "constant" and step.include_bias:
            splines.append(_spline_part(step, cols, w[span]))
        elif kind in ("FunctionTransformer", "Pipeline"):
            functions.append(FunctionPart(cols, _named_steps(step), w[span]))
        else:
            raise ValueError(f"cannot export a {kind}")
    return tuple(splines), tuple(functions)


def _named_steps(step) -> tuple[tuple[str, dict], ...]:
    """A function transform's (or a pipeline of them) functions, by their names in FUNCTIONS."""
    from scipy.special import logit

    known = {id(np.clip): "clip", id(logit): "logit"}
    parts = [s for _, s in step.steps] if hasattr(step, "steps") else [step]
    named = []
    for p in parts:
        if type(p).__name__ != "FunctionTransformer" or p.validate or p.inverse_func is not None:
            raise ValueError(f"cannot export a {type(p).__name__}")
        if p.func is None:  # a fitted "passthrough"
            continue
        if id(p.func) not in known:
            raise ValueError(f"cannot export the function {p.func!r}")
        named.append((known[id(p.func)], dict(p.kw_args or {})))
    return tuple(named)


def _spline_part(spline, cols: list[int], w: np.ndarray) -> SplinePart:
    """A fitted spline transform's weighted basis as polynomial pieces over its base interval."""
    from scipy.interpolate import BSpline, PPoly

    d = spline.degree
    n_basis = len(w) // len(spline.bsplines_)
    los, his, inners, starts, coefs = [], [], [], [], []
    for j, b in enumerate(spline.bsplines_):
        combined = BSpline(b.t, w[j * n_basis : (j + 1) * n_basis], b.k, extrapolate=False)
        pieces = PPoly.from_spline(combined)
        knots = b.t[d : len(b.t) - d]  # the base interval's knots: constant extrapolation beyond
        los.append(knots[0])
        his.append(knots[-1])
        inners.append(knots[1:-1])
        starts.append(knots[:-1])
        coefs.append(pieces.c[:, d : d + len(knots) - 1].T)
    return SplinePart(
        cols, np.array(los), np.array(his), np.array(inners), np.array(starts), np.array(coefs)
    )
