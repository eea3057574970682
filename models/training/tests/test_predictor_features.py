"""The predictor's `label_grid` input (model.label_grid): exitgraph computes the same numbers
from the label ids (sdk/early-exit/packs/predictor-features.ts); its test checks this very map
and these very values, so the two stay one definition."""
import numpy as np
import torch

from exitgraph_training import model
from exitgraph_training.dataset import labels_to_tensor

MAP = ["20001111",
       "00001111",
       "00001111",
       "00001111",
       "00000000",
       "00000000",
       "22221111",
       "22221111"]

# [class 0, class 1, class 2, boundary] x 2 x 2 cells, from the samples at even rows and columns:
# 2 0 1 1 / 0 0 1 1 / 0 0 0 0 / 2 2 1 1
EXPECTED = [[[0.75, 0.0], [0.5, 0.5]],
            [[0.0, 1.0], [0.0, 0.5]],
            [[0.25, 0.0], [0.5, 0.0]],
            [[0.75, 0.5], [0.75, 0.5]]]


def one_hot(rows, classes):
    ids = torch.tensor([[int(c) for c in row] for row in rows])
    return torch.nn.functional.one_hot(ids, classes).permute(2, 0, 1)[None].float()


def test_label_grid_of_a_small_map():
    got = model.label_grid(one_hot(MAP, 3), grid=2, stride=2)
    assert got.shape == (1, 4, 2, 2)
    np.testing.assert_allclose(got[0].numpy(), EXPECTED)


def test_pack_shape_and_shares():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, len(model.CLASSES), (3, model.SIZE, model.SIZE)).astype(np.uint8)
    grid = model.label_grid(labels_to_tensor(labels))
    assert grid.shape == (3, model.FEATURE_CHANNELS, model.FEATURE_GRID, model.FEATURE_GRID)
    # class shares of every cell sum to 1; a noise map is boundary nearly everywhere
    np.testing.assert_allclose(grid[:, :-1].sum(1).numpy(), 1.0, atol=1e-6)
    assert float(grid[:, -1].mean()) > 0.8


def test_predictor_reads_the_grid():
    predictor = model.Predictor(5).eval()
    labels = labels_to_tensor(np.zeros((2, model.SIZE, model.SIZE), np.uint8))
    with torch.no_grad():
        direct = predictor(labels)
        via_file = model.PredictorFile(predictor)(model.label_grid(labels))
    assert direct.shape == (2, 5)
    torch.testing.assert_close(direct, via_file)
