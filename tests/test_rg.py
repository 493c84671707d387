import numpy as np
import pytest

from rgkit import rg


def test_constant_lattices_stay_constant():
    for value in (1, -1):
        s = np.full((3, 8, 8), value, dtype=np.int8)
        for b in (2, 4, 8):
            out = rg.majority_rule(s, b, seed=0)
            assert out.shape == (3, 8 // b, 8 // b) and np.all(out == value)


def test_majority_without_ties_is_deterministic():
    s = np.ones((1, 3, 3), dtype=np.int8)
    s.reshape(-1)[:4] = -1  # 4 of 9 down: majority up
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == 1
    s.reshape(-1)[:5] = -1  # 5 of 9 down
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == -1


def test_ties_are_broken_fairly():
    tie = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    s = np.tile(tie, (4000, 1, 1))
    out = rg.majority_rule(s, 2, seed=2).ravel()
    n_up = int((out == 1).sum())
    # Binomial(4000, 1/2): four standard deviations are 4 * sqrt(1000) ≈ 126.
    assert abs(n_up - 2000) < 4 * np.sqrt(4000 * 0.25)
    assert np.array_equal(out, rg.majority_rule(s, 2, seed=2).ravel())


@pytest.mark.parametrize(
    ("spins", "b", "error"),
    [
        (np.ones((1, 6, 6), dtype=np.int8), 4, ValueError),
        (np.ones((1, 6, 6), dtype=np.int8), 1, ValueError),
        (np.ones((1, 6), dtype=np.int8), 2, ValueError),
        (np.ones((1, 6, 6)), 2, TypeError),
        (np.ones((1, 6, 6), dtype=np.int8), 2.0, TypeError),
    ],
)
def test_majority_rule_refuses_bad_input(spins, b, error):
    with pytest.raises(error):
        rg.majority_rule(spins, b)
