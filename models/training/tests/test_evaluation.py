import numpy as np

from exitgraph_training.core.evaluation import (conformal_lambda, histogram, oracle_route, saving,
                                           spearman_per_exit, threshold_route)


def test_oracle_takes_the_earliest_good_enough_exit():
    d = np.array([[0.3, 0.05, 0.01, 0.0], [0.2, 0.2, 0.2, 0.0], [0.01, 0.0, 0.0, 0.0]])
    choice = oracle_route(d, 0.1)
    assert choice.tolist() == [1, 3, 0]
    costs = [10, 20, 50, 100]
    assert abs(saving(choice, costs) - (1 - (20 + 100 + 10) / 3 / 100)) < 1e-12
    assert histogram(choice, 4) == [1 / 3, 1 / 3, 0.0, 1 / 3]


def test_conformal_lambda_holds_the_violation_rate_on_calibration():
    rng = np.random.default_rng(0)
    meas = np.concatenate([rng.random((400, 3)) * 0.3, np.zeros((400, 1))], 1)
    pred = np.concatenate([meas[:, :3] + rng.normal(0, 0.02, (400, 3)), np.zeros((400, 1))], 1)
    lam = conformal_lambda(pred, meas, tau=0.1, alpha=0.1)
    choice = threshold_route(pred, lam)
    viol = np.sum(meas[np.arange(400), choice] > 0.1)
    assert (viol + 1) / 401 <= 0.1
    assert saving(choice, [10, 20, 50, 100]) > 0


def test_spearman_skips_the_last_exit():
    m = np.array([[0.1, 0.2, 0], [0.2, 0.3, 0], [0.3, 0.1, 0]])
    assert spearman_per_exit(m, m) == [1.0, 1.0]
