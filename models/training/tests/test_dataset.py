import numpy as np

from exitgraph_training import dataset
from exitgraph_training.landscape_maps import CLASSES, make_label_map
from exitgraph_training.landscape_render import horizon_row, render


def test_same_seed_same_split_is_identical():
    a_l, a_i, a_t = dataset.make_split("test", 6, seed=3)
    b_l, b_i, b_t = dataset.make_split("test", 6, seed=3)
    assert np.array_equal(a_l, b_l) and np.array_equal(a_i, b_i) and a_t == b_t


def test_samples_do_not_depend_on_split_size_or_order():
    whole_l, whole_i, _ = dataset.make_split("train", 5, seed=0)
    part_l, part_i, _ = dataset.make_split("train", 2, seed=0, start=3)
    assert np.array_equal(whole_l[3:], part_l) and np.array_equal(whole_i[3:], part_i)


def test_splits_and_seeds_differ():
    a, _ = make_label_map("train", 0, seed=0)
    assert not np.array_equal(a, make_label_map("test", 0, seed=0)[0])
    assert not np.array_equal(a, make_label_map("train", 0, seed=1)[0])


def test_render_is_a_function_of_the_map():
    lab, _ = make_label_map("val", 1)
    assert np.array_equal(render(lab), render(lab.copy()))
    img = render(lab)
    assert img.shape == (128, 128, 3) and img.dtype == np.float32
    assert 0 <= img.min() and img.max() <= 1


def test_difficulty_mix_and_classes():
    tiers, seen = [], set()
    for i in range(120):
        lab, tier = make_label_map("train", i)
        tiers.append(tier)
        seen |= set(np.unique(lab).tolist())
        assert lab.dtype == np.uint8 and lab.shape == (128, 128) and lab.max() < len(CLASSES)
    hard = tiers.count("hard") / len(tiers)
    assert 0.15 <= hard <= 0.4, hard
    assert seen == set(range(len(CLASSES)))


def test_water_mirrors_what_stands_above_the_horizon():
    """Non-local structure: the water pixel just below the horizon resembles the pixel above."""
    for i in range(60):
        lab, _ = make_label_map("train", i)
        h = horizon_row(lab)
        cols = np.where((lab[h + 1] == 5) & (lab[h - 2] == 2))[0]   # water under mountain
        if len(cols) > 5:
            img = render(lab)
            below, above = img[h + 1, cols], img[h - 2, cols]
            dark_water = np.array([0.10, 0.22, 0.36])
            assert np.abs(below - above).mean() < np.abs(below - dark_water).mean()
            return
    raise AssertionError("no scene with water under a mountain in the first 60 maps")


def test_tensor_conversions():
    l, i, _ = dataset.make_split("val", 2)
    x = dataset.labels_to_tensor(l)
    assert tuple(x.shape) == (2, len(CLASSES), 128, 128) and float(x.sum()) == 2 * 128 * 128
    y = dataset.images_to_tensor(i)
    assert np.array_equal(dataset.tensor_to_images(y), i)


def test_parallel_rendering_gives_the_same_split():
    one = dataset.make_split("val", 130, seed=1, workers=1)
    two = dataset.make_split("val", 130, seed=1, workers=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1]) and one[2] == two[2]


def test_surf_lines_follow_the_shore():
    """Full-resolution detail: in the water, brightness peaks at whole steps of FOAM_PERIOD
    pixels from the nearest land, so it needs the distance to the shore to the pixel."""
    from scipy import ndimage
    from exitgraph_training import landscape_render as lr
    for i in range(80):
        lab, tier = make_label_map("train", i)
        h = horizon_row(lab)
        land = (lab != 5) & (np.arange(128)[:, None] >= h)
        water = lab == 5
        if tier != "hard" or water.sum() < 800 or not land.any():
            continue
        foam = lr.surf(lab, h)
        d = ndimage.distance_transform_edt(~land)
        on_line = water & (np.abs((d - 1.0) % lr.FOAM_PERIOD) < 0.3) & (d < 8)
        between = water & (np.abs((d - 1.0) % lr.FOAM_PERIOD - lr.FOAM_PERIOD / 2) < 0.3) & (d < 8)
        assert on_line.sum() > 20 and between.sum() > 20
        assert foam[on_line].mean() > 0.4 > 0.05 > foam[between].mean()
        assert foam[~water].max() == 0
        return
    raise AssertionError("no hard scene with a lake in the first 80 maps")
