"""The faces task for the core: face cross-reenactment, source + driving -> A showing E
(exitgraph.pack/2: named inputs and a cached appearance stage).

Inputs `source` and `driving`: uint8 portraits [N, 128, 128, 3] (render.py), images in [-1, 1]
for the networks. Networks: model.py (the appearance encoder is the stage, computed once per
source; the per-frame path reads only its outputs and the driver). Guides are identity retrieval:
keyed on the appearance code, holding the identity's neutral frontal portrait. Baselines: the
source and the driver returned unchanged. The pack ships the test split (both inputs and the
ground truth).

Tensor pool: source, driving (pack inputs); appearance, appearance_detail (the stage);
feat0..feat4, flow (segments); guide; image0..image4; distances.
"""
import torch.nn as nn
import torch.nn.functional as F

from ..core.adapter import ExportFile, Forward, TaskAdapter, TaskData
from ..core.export import Reference, write_u8
from ..core.tensors import images_to_tensor
from . import data, model
from .model import SIZE

INPUT_NAMES = ("source", "driving")
FULL = dict(groups=250, guide_pool=400, val=50, test=160, calibration=500, predictor=1500,
            guides=128, backbone_steps=2000, backbone_minutes=0.0, exit_steps=1200,
            exits_minutes=0.0, predictor_steps=3000, batch=8, parity_samples=2)
TINY = dict(groups=3, guide_pool=8, val=2, test=4, calibration=8, predictor=16, guides=4,
            backbone_steps=2, backbone_minutes=0.0, exit_steps=2, exits_minutes=0.0,
            predictor_steps=5, batch=2, parity_samples=1)


class _Call(nn.Module):
    """Exports one method of a module with a fixed positional signature."""

    def __init__(self, fn, module):
        super().__init__()
        self.module, self.fn = module, fn

    def forward(self, *args):
        return self.fn(self.module, *args)


class FacesAdapter(TaskAdapter):
    name = "faces"
    task = "face-reenactment"
    input_names = INPUT_NAMES
    full_sizes, tiny_sizes = FULL, TINY
    log_every = 50
    exit_texture = model.DEFAULT_EXIT_TEXTURE   # until configure(args)

    def add_arguments(self, parser):
        parser.add_argument("--exit-texture", choices=model.EXIT_TEXTURES,
                            default=model.DEFAULT_EXIT_TEXTURE,
                            help="resolution of the source texture the exit heads' refine reads: stage "
                                 "(the head's own, 32 or 64; the default, as shipped) or full (128, "
                                 "the earlier design); see model.py")

    def configure(self, args):
        self.exit_texture = args.exit_texture

    def make_data(self, args, log):
        groups = data.make_groups(args.groups, args.seed, workers=args.workers)
        guide_src, guide_neutral = data.make_guide_pool(args.guide_pool, args.seed, workers=args.workers)
        splits = {name: data.make_pairs(name, count, args.seed, workers=args.workers)
                  for name, count in (("val", args.val), ("test", args.test),
                                      ("calibration", args.calibration))}
        tiers = splits["test"].pop("tiers")
        for s in splits.values():
            s.pop("tiers", None)
        share = {k: tiers.count(k) / len(tiers) for k in ("easy", "medium", "hard")}
        log(f"data: {groups.shape[0]} groups of {groups.shape[1]} identities x {groups.shape[2]} "
            f"expressions, {args.test} test pairs (tiers {share}), {args.calibration} calibration")
        return TaskData(
            backbone_train=groups, exits_train=groups,
            guide_pool={"source": guide_src, "neutral": guide_neutral},
            predictor=data.pairs_from_groups(groups, args.predictor, args.seed + 7),
            # the predictor's pairs are a function of these (a resumed build reuses their targets)
            predictor_id=[args.groups, args.predictor, args.seed],
            calibration=splits["calibration"], test=splits["test"], val=splits["val"],
            test_tiers=tiers, info={"test_tier_share": share})

    def to_tensors(self, split, device=None):
        return [images_to_tensor(split[name], device) for name in INPUT_NAMES]

    def draw(self, source, rng, batch):
        src, drv, gt = data.sample_group_pairs(source, rng, batch)
        return {"source": src, "driving": drv, "target": gt}

    def new_backbone(self):
        return model.Backbone()

    def new_exit_heads(self, use_guide):
        return model.ExitHeads(use_guide, self.exit_texture)

    def new_predictor(self, num_exits):
        return model.Predictor(num_exits)

    def forward(self, backbone, inputs):
        full, feats, st = backbone(*inputs)
        return Forward(full, feats, guide_input=st["appearance"],
                       head_input=model.HeadInput(st["appearance"], st["appearance_detail"], st["flow"]))

    def guide_entry(self, backbone, pool_batch, device):
        """Identity retrieval: key = the source's appearance code, value = the same identity
        frontal and neutral, pooled to 3x32x32."""
        appearance, _ = backbone.stage(images_to_tensor(pool_batch["source"], device))
        return appearance, F.avg_pool2d(images_to_tensor(pool_batch["neutral"]), SIZE // model.GUIDE_SIZE)

    def baselines(self, inputs):
        source, driving = inputs
        return {"source": source, "driver": driving}

    def export_files(self, backbone, heads, guides, predictor):
        segs = backbone.segments
        files = [
            ExportFile("appearance.onnx", backbone.stage, ["source"], ["appearance", "appearance_detail"],
                       stage=True),
            ExportFile("segment0.onnx", segs[0], ["driving"], ["feat0"]),
            ExportFile("segment1.onnx", segs[1], ["feat0", "appearance"], ["feat1", "flow"]),
            ExportFile("segment2.onnx", segs[2], ["feat1"], ["feat2"]),
            ExportFile("segment3.onnx", segs[3], ["feat2"], ["feat3"]),
            ExportFile("segment4.onnx", segs[4], ["feat3", "flow", "appearance_detail"], ["feat4"]),
            ExportFile("guides.onnx", guides, ["appearance"], ["guide"]),
        ]
        for k, head in enumerate(heads.heads):
            names = head_inputs(k)
            if k == 0:   # head 0 also reads the appearance: feat0 knows only the driver
                call = _Call(lambda h, f, g, a, d: h(f, g, d, appearance=a), head)
            else:        # heads 1..3 warp the texture by segment 1's flow
                call = _Call(lambda h, f, g, d, fl: h(f, g, d, flow=fl), head)
            files.append(ExportFile(f"head{k}.onnx", call, names, [f"image{k}"]))
        full_k = len(heads.heads)
        files.append(ExportFile(f"head{full_k}.onnx", backbone.head, ["feat4"], [f"image{full_k}"]))
        files.append(ExportFile("predictor.onnx", predictor, list(INPUT_NAMES), ["distances"]))
        files.append(ExportFile("reference.onnx", Reference(self, backbone, heads, guides), list(INPUT_NAMES),
                                [f"image{k}" for k in range(full_k + 1)]))
        return files

    def write_data_files(self, out, data):
        (out / "splits").mkdir()
        for name in INPUT_NAMES:
            write_u8(out / f"splits/test.{name}.u8", data.test[name])
        write_u8(out / "splits/test.images.u8", data.test["target"])

    def build_manifest(self, args, num_segments, num_exits, guide_count, data):
        return build_manifest(args.name, num_exits, guide_count, len(data.test["source"]))

    def report_data(self, args, d):
        return {"groups": args.groups, "group_identities": data.GROUP_IDENTITIES,
                "group_expressions": data.GROUP_EXPRESSIONS, "guide_pool": args.guide_pool,
                "val": args.val, "test": args.test, "calibration": args.calibration,
                "predictor": args.predictor, "test_tier_share": d.info["test_tier_share"],
                "exit_texture": args.exit_texture}


def head_inputs(k):
    """Tensor names exit head k reads (the order of its ONNX inputs)."""
    if k == 0:
        return ["feat0", "guide", "appearance", "appearance_detail"]
    return [f"feat{k}", "guide", "appearance_detail", "flow"]


def image_input(name):
    return {"name": name, "kind": "image", "height": SIZE, "width": SIZE, "channels": 3, "range": [-1, 1]}


def build_manifest(name, num_exits, guide_count, test_count, version="1.0.0"):
    """The exitgraph.pack/2 manifest (inputs source and driving, the appearance stage)."""
    full = num_exits - 1
    segments = [
        {"file": "segment0.onnx", "inputs": ["driving"], "outputs": ["feat0"]},
        {"file": "segment1.onnx", "inputs": ["feat0", "appearance"], "outputs": ["feat1", "flow"]},
        {"file": "segment2.onnx", "inputs": ["feat1"], "outputs": ["feat2"]},
        {"file": "segment3.onnx", "inputs": ["feat2"], "outputs": ["feat3"]},
        {"file": "segment4.onnx", "inputs": ["feat3", "flow", "appearance_detail"], "outputs": ["feat4"]},
    ]
    exits = [{"name": f"exit{k}", "after_segment": k, "file": f"head{k}.onnx",
              "inputs": head_inputs(k), "output": f"image{k}"} for k in range(full)]
    exits.append({"name": "full", "after_segment": len(segments) - 1, "file": f"head{full}.onnx",
                  "inputs": [f"feat{len(segments) - 1}"], "output": f"image{full}"})
    manifest = {
        "format": "exitgraph.pack/2",
        "name": name,
        "version": version,
        "task": FacesAdapter.task,
        "description": f"Face cross-reenactment of stylised portraits (procedural data): the source's "
                       f"identity with the driver's expression and pose, {num_exits} exits, "
                       f"identity-retrieval guides",
        "inputs": [image_input(n) for n in INPUT_NAMES],
        "output": {"kind": "image", "range": [-1, 1]},
        "stages": [{"file": "appearance.onnx", "inputs": ["source"],
                    "outputs": ["appearance", "appearance_detail"], "cache": "per_input"}],
        "segments": segments,
        "guides": {"file": "guides.onnx", "after_segment": 0, "inputs": ["appearance"],
                   "outputs": ["guide"], "count": int(guide_count)},
        "exits": exits,
        "predictor": {"file": "predictor.onnx", "inputs": list(INPUT_NAMES), "output": "distances"},
        "metric": "lpips-alex",
        "calibration": {"file": "calibration.json"},
        "reference": {"file": "reference.onnx", "inputs": list(INPUT_NAMES),
                      "outputs": [f"image{k}" for k in range(num_exits)]},
        "training": {"file": "training-report.json"},
    }
    if test_count:
        manifest["splits"] = {"test": {
            "inputs": {n: f"splits/test.{n}.u8" for n in INPUT_NAMES},
            "images": "splits/test.images.u8", "count": int(test_count)}}
    return manifest
