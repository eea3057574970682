import json

import numpy as np
from PIL import Image

from exitgraph_training.landscape_maps import CLASSES
from exitgraph_training.painted_maps import sketch_map
from exitgraph_training.write_painted_set import write_painted_set


def test_writes_the_painted_test_maps_as_named_greyscale_pngs(tmp_path):
    index = write_painted_set(tmp_path, 3)
    assert [e["file"] for e in index] == ["painted_test-0000.png", "painted_test-0001.png", "painted_test-0002.png"]
    for entry in index:
        image = Image.open(tmp_path / entry["file"])
        assert image.mode == "L"
        assert json.loads(image.text["classes"]) == CLASSES
        labels, kind = sketch_map(entry["index"])
        assert np.array_equal(np.asarray(image), labels) and entry["kind"] == kind
    assert json.loads((tmp_path / "index.json").read_text())["split"] == "painted_test"


def test_procedural_maps_come_first_in_file_order(tmp_path):
    index = write_painted_set(tmp_path, 2, procedural=2)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["0-test-0000.png", "0-test-0001.png", "painted_test-0000.png", "painted_test-0001.png"]
    assert [e["kind"].startswith("procedural:") for e in index] == [True, True, False, False]
