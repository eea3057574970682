"""The committed pack (models/packs/landscape) must stay loadable and small."""
import json

import pytest

from conftest import inspect_pack
from exitgraph_training.paths import REPO_ROOT

PACK = REPO_ROOT / "models" / "packs" / "landscape"


@pytest.mark.skipif(not (PACK / "manifest.json").is_file(), reason="pack not built yet")
def test_shipped_pack_is_valid_and_small():
    assert inspect_pack(PACK)["name"] == "landscape"
    m = json.loads((PACK / "manifest.json").read_text())
    assert len(m["exits"]) >= 5
    size = sum(p.stat().st_size for p in PACK.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024, size
    report = json.loads((PACK / "training-report.json").read_text())
    assert not report["tiny"]
    cal = json.loads((PACK / "calibration.json").read_text())
    assert cal["n"] >= 500 and m["splits"]["test"]["count"] >= 200


@pytest.mark.skipif(not (PACK / "novelty.u8").is_file(), reason="pack ships no novelty maps")
def test_shipped_novelty_maps_are_the_calibration_maps():
    import numpy as np

    from exitgraph_training import dataset, novelty

    m = json.loads((PACK / "manifest.json").read_text())
    report = json.loads((PACK / "training-report.json").read_text())
    nv = m["novelty"]
    stored = np.fromfile(PACK / nv["file"], np.uint8)
    cal_l, _, _ = dataset.make_split("calibration", nv["count"], report.get("seed", 0), workers=1,
                                     painted_share=report.get("data", {}).get("painted_share", 0.0))
    if nv.get("kind") == "label-grid":
        from exitgraph_training import model
        expected = novelty.novelty_label_grids(cal_l, dataset.labels_to_tensor, model.label_grid, model.FEATURE_STRIDE)
    else:
        expected = novelty.novelty_maps(cal_l)
    assert np.array_equal(stored.reshape(expected.shape), expected)
