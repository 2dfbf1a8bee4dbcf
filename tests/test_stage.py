"""The low-quality stage exported to plain arrays computes what the fitted pipeline does."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from quality.stage import AdditiveStage, export
from quality.train import lowq_estimator


def fitted_stage(spin_sign: float, use_spin: bool = True, seed: int = 0):
    """The training code's stage pipeline fitted on made-up rows: nine features (one curved effect)
    and a spin score in [0, 1] that raises (or, with a negative sign, lowers) the odds."""
    rng = np.random.default_rng(seed)
    n = 600
    X = rng.normal(size=(n, 10))
    X[:, 9] = rng.uniform(0, 1, n)
    odds = X[:, 0] + np.sin(2 * X[:, 1]) + spin_sign * 4 * (X[:, 9] - 0.5)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-odds))).astype(int)
    if not use_spin:
        X = X[:, :9]
    return lowq_estimator(X.shape[1], use_spin).fit(X, y)


def probe(n_features: int) -> np.ndarray:
    # beyond the knots on both sides, and spin scores at and past the clip bounds
    X = np.random.default_rng(1).normal(size=(200, n_features)) * 4
    X[:4, -1] = [0.0, 1.0, 1e-9, 1 - 1e-9]
    return X


@pytest.mark.parametrize("use_spin", [True, False])
def test_export_reproduces_predict_proba(use_spin):
    pipeline = fitted_stage(1.0, use_spin)
    stage = export(pipeline)
    X = probe(pipeline.n_features_in_)
    assert stage(X) == pytest.approx(pipeline.predict_proba(X)[:, 1], abs=1e-12)


def test_rises_with_spin_follows_the_sign_of_its_weights():
    assert export(fitted_stage(1.0)).rises_with_last_column()
    assert not export(fitted_stage(-1.0)).rises_with_last_column()
    # without a spin column the last column is a spline's input: no promise
    assert not export(fitted_stage(1.0, use_spin=False)).rises_with_last_column()


def test_exported_stage_pickles_without_scipy_or_scikit_learn():
    raw = pickle.dumps(export(fitted_stage(1.0)))
    assert b"scipy" not in raw and b"sklearn" not in raw
    again = pickle.loads(raw)
    assert isinstance(again, AdditiveStage)
    X = probe(10)
    assert np.array_equal(again(X), export(fitted_stage(1.0))(X))


def test_other_estimators_are_not_exported():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    X = np.random.default_rng(0).normal(size=(50, 3))
    tree = make_pipeline(StandardScaler(), DecisionTreeClassifier()).fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="logistic"):
        export(tree)


def test_a_model_file_with_the_pipeline_scores_as_one_with_the_exported_stage():
    """Files written before the export hold the fitted pipeline: it is exported when first used."""
    from quality.model import BlockModel, _rises_with_spin

    pipeline = fitted_stage(1.0)
    old = BlockModel(None, None, (), lowq=pipeline, lowq_uses_spin=True)
    new = BlockModel(None, None, (), lowq=export(pipeline), lowq_uses_spin=True)
    X = probe(10)
    assert np.array_equal(old._scorers()[2](X), new._scorers()[2](X))
    assert _rises_with_spin(old) and _rises_with_spin(new)
