"""Quality gate for the signal scorers on dev data: fails when a figure falls below its pinned floor.

Measured on a fixed sample to stay fast; scripts/eval_signals.py prints the full figures. The floors
sit a little under the sample's measured values (see models/spin.md and models/clickbait.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
SAMPLE_PARAGRAPHS = 400
SAMPLE_PAIRS = 600

# measured on these samples with session 6's spin model: 0.830, 0.980, 0.899 (694 pairs), 0.9752
# (with the model before it: 0.812, 0.978, 0.863)
FLOOR_SPIN_AUC_10 = 0.80
FLOOR_SPIN_AUC_30 = 0.96
FLOOR_TORTURED = 0.87
FLOOR_CLICKBAIT = 0.965


@pytest.fixture(scope="module")
def evaluation(data_root):
    sys.path.insert(0, str(SCRIPTS))
    try:
        import eval_signals
    finally:
        sys.path.remove(str(SCRIPTS))
    return eval_signals


def test_spin_auc_on_dev_paragraphs(evaluation) -> None:
    from quality.signals import spin_scores

    paragraphs = evaluation.dev_paragraphs(SAMPLE_PARAGRAPHS)
    aucs = evaluation.spin_aucs(spin_scores, paragraphs)
    assert aucs[0.1][0] >= FLOOR_SPIN_AUC_10
    assert aucs[0.3][0] >= FLOOR_SPIN_AUC_30


def test_tortured_phrases_score_worse_than_expected_text(evaluation) -> None:
    from quality.signals import spin_scores

    pairs = evaluation.tortured_test_half()
    step = max(len(pairs) // SAMPLE_PAIRS, 1)
    assert evaluation.tortured_win_rate(spin_scores, pairs[::step]) >= FLOOR_TORTURED


def test_clickbait_accuracy_in_any_letter_case(evaluation) -> None:
    from quality.signals._models import load_model
    from train_clickbait import split

    _, dev = split()
    for accuracy in evaluation.clickbait_accuracy(load_model("clickbait"), dev).values():
        assert accuracy >= FLOOR_CLICKBAIT
