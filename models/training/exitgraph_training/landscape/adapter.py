"""The landscape task for the core: semantic label map -> landscape image (exitgraph.pack/1).

Input `label_map`: uint8 class ids [N, 128, 128] (landscape_maps.CLASSES), one-hot for the
networks (dataset.labels_to_tensor). Networks: model.py (a SPADE-style backbone whose every segment
reads the label map). Guides are keyed on the first segment's features and hold the backbone's own
output at 32x32. The pack ships the test split (labels and renders), the painted-style test set
(labels only) and the calibration maps at low resolution for the novelty score (novelty.py).
"""
import numpy as np
import torch.nn as nn
import torch.nn.functional as F

from .. import dataset, model, novelty
from ..core.adapter import ExportFile, Forward, TaskAdapter, TaskData
from ..core.export import Reference, write_u8
from ..landscape_maps import CLASSES, SIZE

FULL = dict(train=6000, guide_pool=600, val=50, test=200, painted=200, calibration=500, predictor=1000,
            guides=256, backbone_minutes=12.0, backbone_steps=0, exits_minutes=17.0,
            exit_steps=0, predictor_steps=3000, batch=8, parity_samples=2)
TINY = dict(train=24, guide_pool=8, val=4, test=6, painted=4, calibration=8, predictor=16, guides=4,
            backbone_minutes=0, backbone_steps=2, exits_minutes=0, exit_steps=2,
            predictor_steps=5, batch=2, parity_samples=1)


class _SegmentFile(nn.Module):
    def __init__(self, segment, first):
        super().__init__()
        self.segment, self.first = segment, first

    def forward(self, *args):
        return self.segment(*args)


class _HeadFile(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, feat, guide, label_map=None):
        return self.head(feat, guide, label_map)


def guide_value(full_image):
    """A guide's value: the full output, area-pooled to 3 x GUIDE_SIZE x GUIDE_SIZE."""
    return F.avg_pool2d(full_image, int(full_image.shape[-1]) // model.GUIDE_SIZE)


class LandscapeAdapter(TaskAdapter):
    # The dense predictor (model.Predictor) on 704 label-grid numbers: measured on one build's
    # checkpoint, 1e-3 ranked the painted-style set better than 1e-4 at the same procedural ranking.
    predictor_weight_decay = 1e-3
    name = "landscape"
    task = "semantic-map-to-image"
    input_names = ("label_map",)
    full_sizes, tiny_sizes = FULL, TINY
    log_every = 100
    exit_refine = "full"   # until configure(args)

    def add_arguments(self, parser):
        parser.add_argument("--painted-share", type=float, default=0.35,
                            help="share of painted-style maps (painted_maps.brush_map) in training and "
                                 "calibration (default 0.35, as shipped)")
        parser.add_argument("--exit-refine", choices=model.EXIT_REFINES, default="full",
                            help="exit heads end in a full-resolution refine that reads the label map: "
                                 "none, pixel (1x1 convs) or full (3x3 convs; the default, as shipped); see model.py")

    def configure(self, args):
        self.exit_refine = args.exit_refine

    def make_data(self, args, log):
        def split(name, count):
            # The test split stays procedural; painted-style maps join training and calibration.
            share = 0.0 if name == "test" else args.painted_share
            return dataset.make_split(name, count, args.seed, workers=args.workers, painted_share=share)
        train_l, train_i, train_tiers = split("train", args.train + args.guide_pool)
        val_l, val_i, _ = split("val", args.val)
        test_l, test_i, test_tiers = split("test", args.test)
        cal_l, _, _ = split("calibration", args.calibration)
        # The independent painted-style test set (another generator than the painted share's).
        painted_l, painted_i, _ = dataset.make_split(dataset.PAINTED_TEST, args.painted, args.seed,
                                                     workers=args.workers)
        tiers = {k: train_tiers.count(k) / len(train_tiers) for k in ("easy", "medium", "hard")}
        painted_train = sum(t.startswith("painted:") for t in train_tiers) / len(train_tiers)
        log(f"data: {len(train_l)} train (tiers {tiers}, painted-style {painted_train:.2f}), {len(test_l)} test, "
            f"{len(painted_l)} painted-style test, {len(cal_l)} calibration")
        # predictor targets: training maps the heads were trained on
        rng = np.random.default_rng(args.seed + 7)
        pidx = np.sort(rng.choice(args.train, min(args.predictor, args.train), replace=False))
        return TaskData(
            backbone_train={"label_map": train_l, "target": train_i},
            exits_train={"label_map": train_l[:args.train]},
            # guides from the pool the exit heads never train on
            guide_pool={"label_map": train_l[args.train:]},
            predictor={"label_map": train_l[pidx]}, predictor_id=pidx,
            calibration={"label_map": cal_l},
            test={"label_map": test_l, "target": test_i},
            val={"label_map": val_l, "target": val_i},
            test_tiers=test_tiers,
            extra_tests={"painted_test": {"label_map": painted_l, "target": painted_i}},
            info={"train_tiers": tiers, "painted_train_share": painted_train})

    def to_tensors(self, split, device=None):
        return [dataset.labels_to_tensor(split["label_map"], device)]

    def draw(self, source, rng, batch):
        idx = rng.integers(0, len(source["label_map"]), batch)
        return {k: v[idx] for k, v in source.items()}

    def new_backbone(self):
        return model.Backbone()

    def new_exit_heads(self, use_guide):
        return model.ExitHeads(use_guide=use_guide, refine=self.exit_refine)

    def new_predictor(self, num_exits):
        return model.Predictor(num_exits)

    def forward(self, backbone, inputs):
        full, feats = backbone(*inputs)
        return Forward(full, feats, guide_input=feats[0], head_input=inputs[0])

    def guide_entry(self, backbone, pool_batch, device):
        full, feats = backbone(*self.to_tensors(pool_batch, device))
        return feats[0], guide_value(full)

    def export_files(self, backbone, heads, guides, predictor):
        n = len(backbone.segments)
        files = [ExportFile("segment0.onnx", _SegmentFile(backbone.segments[0], True), ["label_map"], ["feat0"])]
        files += [ExportFile(f"segment{i}.onnx", _SegmentFile(backbone.segments[i], False),
                             [f"feat{i-1}", "label_map"], [f"feat{i}"]) for i in range(1, n)]
        files.append(ExportFile("guides.onnx", guides, ["feat0"], ["guide"]))
        files += [ExportFile(f"head{k}.onnx", _HeadFile(head), head_inputs(k, self.exit_refine),
                             [f"image{k}"])
                  for k, head in enumerate(heads.heads)]
        full_k = len(heads.heads)
        files.append(ExportFile(f"head{full_k}.onnx", backbone.head, [f"feat{n-1}"], [f"image{full_k}"]))
        files.append(ExportFile("predictor.onnx", model.PredictorFile(predictor), [PREDICTOR_INPUT], ["distances"]))
        files.append(ExportFile("reference.onnx", Reference(self, backbone, heads, guides), ["label_map"],
                                [f"image{k}" for k in range(full_k + 1)]))
        return files

    def derived_tensors(self, pool):
        return {PREDICTOR_INPUT: model.label_grid(pool["label_map"])}

    def write_data_files(self, out, data):
        (out / "splits").mkdir()
        write_u8(out / "splits/test.labels.u8", data.test["label_map"])
        write_u8(out / "splits/test.images.u8", data.test["target"])
        # The painted-style set ships labels only: its renders would take the pack past 30 MB (the
        # build's own report measures it against ground truth; the promise is against the full output).
        write_u8(out / "splits/painted.labels.u8", data.extra_tests["painted_test"]["label_map"])
        # The calibration maps' label grids, for exitgraph's novelty score (novelty.py).
        grids = novelty.novelty_label_grids(data.calibration["label_map"], dataset.labels_to_tensor, model.label_grid,
                                            model.FEATURE_STRIDE)
        (out / "novelty.u8").write_bytes(grids.tobytes())

    def build_manifest(self, args, num_segments, num_exits, guide_count, data):
        return build_manifest(args.name, CLASSES, num_segments, num_exits, guide_count,
                              len(data.test["label_map"]),
                              painted_count=len(data.extra_tests["painted_test"]["label_map"]),
                              novelty_count=len(data.calibration["label_map"]),
                              exit_refine=self.exit_refine)

    def report_data(self, args, data):
        return {"train": args.train, "guide_pool": args.guide_pool, "val": args.val,
                "test": args.test, "painted_test": args.painted, "calibration": args.calibration,
                "painted_share": args.painted_share, "exit_refine": args.exit_refine,
                "predictor_features": predictor_features(),
                "train_painted_share": data.info["painted_train_share"],
                "train_tier_share": data.info["train_tiers"]}


PREDICTOR_INPUT = "label_grid"


def predictor_features():
    """The manifest's `predictor.features`: how exitgraph computes predictor.onnx's input from the
    label map (model.label_grid, the same numbers)."""
    return {"name": PREDICTOR_INPUT, "kind": "label-grid", "from": "label_map",
            "grid": model.FEATURE_GRID, "stride": model.FEATURE_STRIDE, "boundary": model.FEATURE_BOUNDARY}


def head_inputs(k, exit_refine):
    """Tensor names exit head k reads: its stage's features and the guide (and the label map
    when the heads end in a refine)."""
    return [f"feat{k}", "guide"] + ([] if exit_refine == "none" else ["label_map"])


def build_manifest(name, classes, num_segments, num_exits, guide_count, test_count, version="1.0.0",
                   painted_count=0, novelty_count=0, exit_refine="none"):
    """The exitgraph.pack/1 manifest (one `label_map` input)."""
    full = num_exits - 1
    segments = [{"file": "segment0.onnx", "inputs": ["label_map"], "outputs": ["feat0"]}]
    for i in range(1, num_segments):
        segments.append({"file": f"segment{i}.onnx", "inputs": [f"feat{i-1}", "label_map"],
                         "outputs": [f"feat{i}"]})
    exits = [{"name": f"exit{k}", "after_segment": k, "file": f"head{k}.onnx",
              "inputs": head_inputs(k, exit_refine), "output": f"image{k}"}
             for k in range(full)]
    exits.append({"name": "full", "after_segment": num_segments - 1, "file": f"head{full}.onnx",
                  "inputs": [f"feat{num_segments-1}"], "output": f"image{full}"})
    manifest = {
        "format": "exitgraph.pack/1",
        "name": name,
        "version": version,
        "task": LandscapeAdapter.task,
        "description": f"Landscapes from label maps (procedural data), {num_exits} exits, FIANCEE guides",
        "input": {"name": "label_map", "kind": "label_map", "height": SIZE, "width": SIZE,
                  "classes": list(classes)},
        "output": {"kind": "image", "range": [-1, 1]},
        "segments": segments,
        "guides": {"file": "guides.onnx", "after_segment": 0, "inputs": ["feat0"],
                   "outputs": ["guide"], "count": int(guide_count)},
        "exits": exits,
        "predictor": {"file": "predictor.onnx", "input": PREDICTOR_INPUT, "output": "distances",
                      "features": predictor_features()},
        "metric": "lpips-alex",
        "calibration": {"file": "calibration.json"},
        "reference": {"file": "reference.onnx", "input": "label_map",
                      "outputs": [f"image{k}" for k in range(num_exits)]},
        "training": {"file": "training-report.json"},
    }
    splits = {}
    if test_count:
        splits["test"] = {"labels": "splits/test.labels.u8", "images": "splits/test.images.u8",
                          "count": int(test_count)}
    if painted_count:
        # dataset.PAINTED_TEST: the independent painted-style set (painted_maps.sketch_map)
        splits["painted"] = {"labels": "splits/painted.labels.u8", "count": int(painted_count)}
    if splits:
        manifest["splits"] = splits
    if novelty_count:
        # label grids of predictor.features (novelty.py)
        manifest["novelty"] = {"file": "novelty.u8", "split": "calibration",
                               "count": int(novelty_count), "kind": "label-grid"}
    return manifest
