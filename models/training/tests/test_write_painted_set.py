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
