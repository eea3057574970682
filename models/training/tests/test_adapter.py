"""A new task needs only an adapter: a toy task defined here (mirror an RGB picture left-right,
64x64) runs the core's whole build (training, guides, predictor, measurements, export with
parity vectors, calibration, manifest, `exitgraph pack inspect`) with no other code."""
import json
import shutil

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from conftest import inspect_pack
from exitgraph_training.core import build, pack_check
from exitgraph_training.core.adapter import ExportFile, Forward, TaskAdapter, TaskData
from exitgraph_training.core.export import PackExporter, Reference, export_model, write_u8
from exitgraph_training.core.tensors import images_to_tensor
from test_export_parity import run_parity

SIZE = 64
SIZES = dict(train=16, guide_pool=8, val=2, test=3, calibration=6, predictor=8, guides=4,
             backbone_minutes=0.0, backbone_steps=3, exits_minutes=0.0, exit_steps=3,
             predictor_steps=5, batch=2, parity_samples=1)


def toy_images(seed, count):
    """Smooth random colour fields, deterministic by seed."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((count, 4, 4, 3)).astype(np.float32)
    t = F.interpolate(torch.from_numpy(coarse).permute(0, 3, 1, 2), size=(SIZE, SIZE), mode="bilinear",
                      align_corners=False)
    return (t.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)


def toy_split(seed, count):
    images = toy_images(seed, count)
    return {"image": images, "target": np.ascontiguousarray(images[:, :, ::-1])}


class Segment(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return F.leaky_relu(self.conv(x), 0.2)


class ToyBackbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.segments = nn.ModuleList([Segment(3, 8), Segment(8, 8)])
        self.head = nn.Sequential(nn.Conv2d(8, 3, 3, padding=1), nn.Tanh())

    def forward(self, image):
        feats = [self.segments[0](image)]
        feats.append(self.segments[1](feats[0]))
        return self.head(feats[-1]), feats


class ToyHead(nn.Module):
    def __init__(self, use_guide):
        super().__init__()
        self.use_guide = use_guide
        self.conv = nn.Conv2d(8 + 3, 3, 3, padding=1)

    def forward(self, feat, guide):
        guide = guide if self.use_guide else torch.zeros_like(guide)
        guide = F.interpolate(guide, size=feat.shape[-2:], mode="bilinear", align_corners=False)
        return torch.tanh(self.conv(torch.cat([feat, guide], 1)))


class ToyHeads(nn.Module):
    def __init__(self, use_guide):
        super().__init__()
        self.heads = nn.ModuleList([ToyHead(use_guide)])

    def forward(self, feats, guide, head_input=None):
        return [head(feats[k], guide) for k, head in enumerate(self.heads)]


class ToyPredictor(nn.Module):
    def __init__(self, num_exits):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, num_exits)

    @staticmethod
    def pooled_input(image):
        return F.avg_pool2d(image, SIZE // 8)

    def forward_pooled(self, x):
        return F.softplus(self.fc(x.flatten(1)))

    def forward(self, image):
        return self.forward_pooled(self.pooled_input(image))


class HeadFile(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, feat, guide):
        return self.head(feat, guide)


class ToyAdapter(TaskAdapter):
    name = "toy"
    task = "mirror-image"
    input_names = ("image",)
    full_sizes = tiny_sizes = SIZES
    log_every = 1

    def make_data(self, args, log):
        train = toy_split([args.seed, 0], args.train)
        test = toy_split([args.seed, 2], args.test)
        return TaskData(backbone_train=train, exits_train=train,
                        guide_pool={"image": toy_images([args.seed, 4], args.guide_pool)},
                        predictor={"image": train["image"][:args.predictor]}, predictor_id=[args.predictor],
                        calibration={"image": toy_images([args.seed, 3], args.calibration)},
                        test=test, val=toy_split([args.seed, 1], args.val),
                        test_tiers=["easy"] * args.test)

    def to_tensors(self, split, device=None):
        return [images_to_tensor(split["image"], device)]

    def draw(self, source, rng, batch):
        idx = rng.integers(0, len(source["image"]), batch)
        return {k: v[idx] for k, v in source.items()}

    def new_backbone(self):
        return ToyBackbone()

    def new_exit_heads(self, use_guide):
        return ToyHeads(use_guide)

    def new_predictor(self, num_exits):
        return ToyPredictor(num_exits)

    def forward(self, backbone, inputs):
        full, feats = backbone(*inputs)
        return Forward(full, feats, guide_input=feats[0], head_input=None)

    def guide_entry(self, backbone, pool_batch, device):
        full, feats = backbone(*self.to_tensors(pool_batch, device))
        return feats[0], F.avg_pool2d(full, SIZE // 16)

    def export_files(self, backbone, heads, guides, predictor):
        return [ExportFile("segment0.onnx", backbone.segments[0], ["image"], ["feat0"]),
                ExportFile("segment1.onnx", backbone.segments[1], ["feat0"], ["feat1"]),
                ExportFile("guides.onnx", guides, ["feat0"], ["guide"]),
                ExportFile("head0.onnx", HeadFile(heads.heads[0]), ["feat0", "guide"], ["image0"]),
                ExportFile("head1.onnx", backbone.head, ["feat1"], ["image1"]),
                ExportFile("predictor.onnx", predictor, ["image"], ["distances"]),
                ExportFile("reference.onnx", Reference(self, backbone, heads, guides), ["image"],
                           ["image0", "image1"])]

    def write_data_files(self, out, data):
        (out / "splits").mkdir()
        write_u8(out / "splits/test.image.u8", data.test["image"])
        write_u8(out / "splits/test.images.u8", data.test["target"])

    def build_manifest(self, args, num_segments, num_exits, guide_count, data):
        image = {"name": "image", "kind": "image", "height": SIZE, "width": SIZE, "channels": 3, "range": [-1, 1]}
        return {
            "format": "exitgraph.pack/2", "name": args.name, "version": "0.0.1", "task": self.task,
            "inputs": [image], "output": {"kind": "image", "range": [-1, 1]},
            "segments": [{"file": "segment0.onnx", "inputs": ["image"], "outputs": ["feat0"]},
                         {"file": "segment1.onnx", "inputs": ["feat0"], "outputs": ["feat1"]}],
            "guides": {"file": "guides.onnx", "after_segment": 0, "inputs": ["feat0"], "outputs": ["guide"],
                       "count": int(guide_count)},
            "exits": [{"name": "exit0", "after_segment": 0, "file": "head0.onnx", "inputs": ["feat0", "guide"],
                       "output": "image0"},
                      {"name": "full", "after_segment": 1, "file": "head1.onnx", "inputs": ["feat1"],
                       "output": "image1"}],
            "predictor": {"file": "predictor.onnx", "inputs": ["image"], "output": "distances"},
            "metric": "lpips-alex", "calibration": {"file": "calibration.json"},
            "reference": {"file": "reference.onnx", "inputs": ["image"], "outputs": ["image0", "image1"]},
            "training": {"file": "training-report.json"},
            "splits": {"test": {"inputs": {"image": "splits/test.image.u8"}, "images": "splits/test.images.u8",
                                "count": len(data.test["image"])}},
        }

    def report_data(self, args, data):
        return {"train": args.train, "test": args.test}


@pytest.fixture(scope="module")
def toy_pack(tmp_path_factory, weights_dir):
    root = tmp_path_factory.mktemp("toy")
    report = build.main(ToyAdapter(), ["--tiny", "--out", str(root / "pack"), "--parity-out",
                                       str(root / "parity"), "--weights", str(weights_dir)])
    return root / "pack", root / "parity", report


def test_a_toy_adapter_builds_a_checked_pack(toy_pack):
    pack, _, report = toy_pack
    result = inspect_pack(pack)
    assert result["name"] == "toy" and result["task"] == "mirror-image" and result["format"] == "exitgraph.pack/2"
    assert [e["name"] for e in result["exits"]] == ["exit0", "full"]
    assert [e["macs"] for e in result["exits"]] == report["macs"]["exit_costs"]
    assert report["task"] == "mirror-image" and report["backbone"]["steps"] == 3
    assert report["exits_training"]["steps"] == 3 and report["predictor"]["samples"] == 8
    assert len(report["test"]["exits"]) == 2 and report["test"]["full_lpips_to_gt"] > 0
    assert "baseline_lpips_to_gt" not in report and "stage_macs" not in report["macs"]
    cal = json.loads((pack / "calibration.json").read_text())
    assert cal["n"] == 6 and cal["exits"] == ["exit0", "full"]


def test_the_toy_packs_onnx_files_match_pytorch(toy_pack):
    pack, parity, _ = toy_pack
    results = run_parity(pack, parity)["results"]
    assert {r["file"] for r in results} == {p.name for p in pack.glob("*.onnx")}
    assert max(r["max_abs_diff"] for r in results) <= 1e-4


def test_a_file_reading_an_unknown_tensor_is_named(tmp_path):
    class Broken(ToyAdapter):
        def export_files(self, backbone, heads, guides, predictor):
            return [ExportFile("segment1.onnx", backbone.segments[1], ["feat0"], ["feat1"])]
    with pytest.raises(ValueError, match=r"segment1.onnx: input feat0 is produced by no earlier file"):
        export_model(Broken(), tmp_path, ToyBackbone(), ToyHeads(True), None, None,
                     {"image": toy_images(0, 1)})


def test_the_build_fails_with_the_runtimes_problems(toy_pack, tmp_path):
    pack, _, _ = toy_pack
    inspect_pack(pack)   # skips without node and the built CLI
    broken = tmp_path / "broken"
    shutil.copytree(pack, broken)
    (broken / "head0.onnx").unlink()
    with pytest.raises(pack_check.PackCheckFailed, match="head0.onnx") as e:
        pack_check.inspect_pack(broken)
    assert any(p["severity"] == "error" for p in e.value.problems)


def test_exporter_counts_and_records_parity(tmp_path):
    ex = PackExporter(tmp_path / "out", tmp_path / "parity")
    seg = Segment(3, 8)
    outs = ex.add(seg, [torch.zeros(1, 3, SIZE, SIZE)], "segment0.onnx", ["image"], ["feat0"])
    assert list(outs[0].shape) == [1, 8, SIZE, SIZE]
    assert ex.macs["segment0.onnx"] == SIZE * SIZE * 8 * 3 * 9
    assert [c["file"] for c in ex.cases] == ["segment0.onnx"]
