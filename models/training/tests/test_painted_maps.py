import numpy as np

from exitgraph_training.landscape_maps import CLASSES, make_label_map
from exitgraph_training.landscape_render import render
from exitgraph_training.painted_maps import brush_map, sketch_map


def kinds_and_maps(make, count):
    out = [make(i) for i in range(count)]
    return [k for _, k in out], [m for m, _ in out]


def test_deterministic_and_well_formed():
    for make in (lambda i: brush_map("train", i), lambda i: sketch_map(i)):
        a, b = make(7)[0], make(7)[0]
        assert np.array_equal(a, b)
        assert a.dtype == np.uint8 and a.shape == (128, 128) and a.max() < len(CLASSES)
        img = render(a)
        assert img.shape == (128, 128, 3) and 0 <= img.min() and img.max() <= 1


def test_brush_maps_cover_painted_styles_and_all_classes():
    kinds, maps = kinds_and_maps(lambda i: brush_map("train", i), 300)
    assert {"single", "stripes", "anything", "upside-down", "scene"} <= set(kinds)
    seen = set().union(*(set(np.unique(m).tolist()) for m in maps))
    assert seen == set(range(len(CLASSES)))
    # flat regions: painted maps have far fewer class boundaries than noise
    edges = np.mean([np.mean(m[:, 1:] != m[:, :-1]) for m in maps])
    assert edges < 0.1


def test_sketch_set_is_independent_of_the_training_generators():
    sketch = [sketch_map(i)[0] for i in range(200)]
    brush = [brush_map(split, i)[0] for split in ("train", "calibration") for i in range(200)]
    procedural = [make_label_map(split, i)[0] for split in ("train", "calibration") for i in range(100)]
    known = {m.tobytes() for m in brush + procedural}
    # single-class maps may coincide by chance; nothing else may
    repeats = [m for m in sketch if m.tobytes() in known and len(np.unique(m)) > 1]
    assert repeats == []
    kinds = {sketch_map(i)[1] for i in range(200)}
    assert {"pattern", "mirrored", "rotated", "landscape"} <= kinds


def test_splits_mix_painted_maps_by_share_and_keep_the_rest():
    from exitgraph_training import dataset
    plain, _, plain_tiers = dataset.make_split("train", 40, seed=0)
    mixed, _, tiers = dataset.make_split("train", 40, seed=0, painted_share=0.5)
    painted = [t.startswith("painted:") for t in tiers]
    assert 10 <= sum(painted) <= 30
    # samples that stay procedural are exactly the procedural ones
    for i, p in enumerate(painted):
        if not p:
            assert np.array_equal(mixed[i], plain[i]) and tiers[i] == plain_tiers[i]
    test, _, test_tiers = dataset.make_split(dataset.PAINTED_TEST, 8, seed=0)
    assert all(t.startswith("painted:") for t in test_tiers)
