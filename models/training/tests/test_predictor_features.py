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
    for boundary in ("sampled", "pixel-or-sample"):   # this map's edges lie where samples see them
        got = model.label_grid(one_hot(MAP, 3), grid=2, stride=2, boundary=boundary)
        assert got.shape == (1, 4, 2, 2)
        np.testing.assert_allclose(got[0].numpy(), EXPECTED)


# 1-px horizontal stripes of classes 0 and 1: the samples (rows 0 and 2) are all class 0, so only
# the pixel rule sees the stripes. [class 0, class 1, boundary], one cell.
STRIPES = ["0000", "1111", "0000", "1111"]


def test_pixel_boundaries_see_stripes_between_the_samples():
    sampled = model.label_grid(one_hot(STRIPES, 2), grid=1, stride=2, boundary="sampled")
    pixel = model.label_grid(one_hot(STRIPES, 2), grid=1, stride=2, boundary="pixel-or-sample")
    np.testing.assert_allclose(sampled[0, :, 0, 0].numpy(), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(pixel[0, :, 0, 0].numpy(), [1.0, 0.0, 1.0])


def test_pack_shape_and_shares():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, len(model.CLASSES), (3, model.SIZE, model.SIZE)).astype(np.uint8)
    grid = model.label_grid(labels_to_tensor(labels))
    assert grid.shape == (3, model.FEATURE_CHANNELS, model.FEATURE_GRID, model.FEATURE_GRID)
    # class shares of every cell sum to 1; a noise map is boundary nearly everywhere
    np.testing.assert_allclose(grid[:, :-1].sum(1).numpy(), 1.0, atol=1e-6)
    assert float(grid[:, -1].mean()) > 0.8


def test_predictor_is_a_dense_chain():
    """exitgraph evaluates predictor.onnx in JS when it is Flatten, Gemm and activations only."""
    ops = {type(m).__name__ for m in model.Predictor(5).modules()} - {"Predictor", "Sequential"}
    assert ops == {"Flatten", "Linear", "LeakyReLU"}


def test_predictor_reads_the_grid():
    predictor = model.Predictor(5).eval()
    labels = labels_to_tensor(np.zeros((2, model.SIZE, model.SIZE), np.uint8))
    with torch.no_grad():
        direct = predictor(labels)
        via_file = model.PredictorFile(predictor)(model.label_grid(labels))
    assert direct.shape == (2, 5)
    torch.testing.assert_close(direct, via_file)
