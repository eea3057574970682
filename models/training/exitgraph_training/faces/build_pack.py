"""One command that rebuilds the faces (face cross-reenactment) pack from nothing.

    cd models/training && python3 -m exitgraph_training.faces.build_pack --out ../packs/faces

Steps: data (rendered portraits) -> backbone -> guides (identity retrieval) -> exit heads (with
and without guides: the ablation) -> predictor -> calibration and test measurements -> ONNX
export (exitgraph.pack/2: inputs source and driving, the appearance stage), manifest, parity
vectors, checks -> figures. Training runs fixed step counts, so the pack does not depend on the
machine's load (`--backbone-minutes` / `--exits-minutes` add a wall-clock cap if wanted).
`--tiny` is a smoke run (seconds) used by the tests.
"""
import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .. import evaluation as core_eval
from ..guides import GuideDatabase, guide_key, kmeans_pick
from ..lpips import LPIPS
from ..paths import TRAINING_DIR
from . import data, evaluation, export, model, training
from .predictor_training import train_predictor

FULL = dict(groups=250, guide_pool=400, val=50, test=160, calibration=500, predictor=1500,
            guides=128, backbone_steps=2000, backbone_minutes=0.0, exit_steps=1200,
            exits_minutes=0.0, predictor_steps=3000, batch=8, parity_samples=2)
TINY = dict(groups=3, guide_pool=8, val=2, test=4, calibration=8, predictor=16, guides=4,
            backbone_steps=2, backbone_minutes=0.0, exit_steps=2, exits_minutes=0.0,
            predictor_steps=5, batch=2, parity_samples=1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="pack folder to (re)write")
    p.add_argument("--name", default="faces")
    p.add_argument("--parity-out", default=None,
                   help="folder for parity vectors (default models/training/parity-out/<name>)")
    p.add_argument("--weights", default=None, help="LPIPS weights folder (else $EXITGRAPH_WEIGHTS)")
    p.add_argument("--tiny", action="store_true", help="smoke run: a few steps, tiny splits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes that render the dataset (default: one per CPU)")
    p.add_argument("--device", default="cpu",
                   help="torch device for training and measuring, e.g. cpu or cuda (default cpu); "
                        "export always runs on the CPU")
    p.add_argument("--checkpoint", default=None, help="also save the trained torch modules here")
    for k, v in FULL.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None,
                       help=f"(full default {v}, tiny {TINY[k]})")
    args = p.parse_args(argv)
    try:
        torch.device(args.device)
    except RuntimeError as e:
        p.error(f"--device {args.device}: {e}")
    if str(args.device).startswith("cuda") and not torch.cuda.is_available():
        p.error(f"--device {args.device}: torch {torch.__version__} sees no CUDA device here")
    base = TINY if args.tiny else FULL
    for k, v in base.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


def log(msg, _start=[time.time()]):
    print(f"[{time.time() - _start[0]:7.1f}s] {msg}", flush=True)


def make_data(args):
    groups = data.make_groups(args.groups, args.seed, workers=args.workers)
    guide_src, guide_neutral = data.make_guide_pool(args.guide_pool, args.seed, workers=args.workers)
    splits = {name: data.make_pairs(name, count, args.seed, workers=args.workers)
              for name, count in (("val", args.val), ("test", args.test),
                                  ("calibration", args.calibration))}
    tiers = splits["test"]["tiers"]
    share = {k: tiers.count(k) / len(tiers) for k in ("easy", "medium", "hard")}
    log(f"data: {groups.shape[0]} groups of {groups.shape[1]} identities x {groups.shape[2]} "
        f"expressions, {args.test} test pairs (tiers {share}), {args.calibration} calibration")
    return dict(groups=groups, guide_src=guide_src, guide_neutral=guide_neutral,
                predictor=data.pairs_from_groups(groups, args.predictor, args.seed + 7),
                test_tier_share=share, **splits)


@torch.no_grad()
def build_guides(backbone, sources, neutrals, count, seed, batch=32):
    """Identity retrieval: keys = pooled appearance codes of guide-pool sources, values = the
    same identities frontal and neutral, pooled to 3x32x32 (k-means spread, as for landscapes)."""
    device = training.device_of(backbone)
    keys, values = [], []
    for s in range(0, len(sources), batch):
        appearance, _ = backbone.stage(data.images_to_tensor(sources[s:s + batch], device))
        keys.append(guide_key(appearance).cpu())
        values.append(F.avg_pool2d(data.images_to_tensor(neutrals[s:s + batch]), model.SIZE // model.GUIDE_SIZE))
    keys, values = torch.cat(keys), torch.cat(values)
    picked = kmeans_pick(keys, count, generator=torch.Generator().manual_seed(seed))
    return GuideDatabase(keys[picked], values[picked]).to(device)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()
    times = {}
    out = Path(args.out)
    parity = Path(args.parity_out) if args.parity_out else TRAINING_DIR / "parity-out" / args.name

    def lap(name, since):
        times[name] = round(time.time() - since, 1)
        log(f"phase {name}: {times[name]} s")
        return time.time()

    t = time.time()
    d = make_data(args)
    t = lap("data", t)
    lpips = LPIPS("alex", args.weights).to(args.device)

    backbone = model.Backbone().to(args.device)
    bb_stats = training.train_backbone(backbone, lpips, d["groups"], args.backbone_minutes,
                                       args.backbone_steps, batch=args.batch, seed=args.seed, log=log)
    log(f"backbone: {bb_stats}")
    t = lap("backbone", t)
    gdb = build_guides(backbone, d["guide_src"], d["guide_neutral"], args.guides, args.seed)
    t = lap("guides", t)
    head_sets = {"with_guides": model.ExitHeads(True).to(args.device),
                 "without_guides": model.ExitHeads(False).to(args.device)}
    ex_stats = training.train_exits(backbone, head_sets, gdb, lpips, d["groups"], args.exits_minutes,
                                    args.exit_steps, batch=args.batch, seed=args.seed + 1, log=log)
    log(f"exits: {ex_stats}")
    t = lap("exits", t)
    heads, ablation_heads = head_sets["with_guides"], head_sets["without_guides"]

    ptrain = evaluation.measure(backbone, heads, gdb, lpips, d["predictor"])
    predictor, pr_stats = train_predictor(d["predictor"], ptrain["lpips_to_full"],
                                          steps=args.predictor_steps, seed=args.seed + 2, log=log)
    predictor = predictor.to(args.device)
    t = lap("predictor", t)

    cal = evaluation.measure(backbone, heads, gdb, lpips, d["calibration"])
    test = evaluation.measure(backbone, heads, gdb, lpips, d["test"], with_target=True)
    ablation = evaluation.measure(backbone, ablation_heads, gdb, lpips, d["test"])
    val = evaluation.measure(backbone, heads, gdb, lpips, d["val"], with_target=True)
    cal_pred = evaluation.predict(predictor, d["calibration"])
    test_pred = evaluation.predict(predictor, d["test"])
    t = lap("measure", t)

    backbone, heads, gdb, predictor = backbone.cpu(), heads.cpu(), gdb.cpu(), predictor.cpu()
    if args.checkpoint:
        Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
        torch.save({"backbone": backbone.state_dict(), "heads": heads.state_dict(),
                    "heads_without_guides": ablation_heads.cpu().state_dict(),
                    "guides": gdb.state_dict(), "predictor": predictor.state_dict()}, args.checkpoint)
    ex, costs = write_pack(args, out, parity, d, backbone, heads, gdb, predictor, cal, cal_pred)
    lap("export", t)

    figures = core_eval.summarize(test, test_pred, cal_pred, cal["lpips_to_full"], costs)
    tier_names = np.array(d["test"]["tiers"])
    report = {
        "pack": args.name, "task": "face-reenactment", "tiny": args.tiny, "seed": args.seed,
        "torch": torch.__version__, "threads": args.threads, "device": str(args.device),
        "build_seconds": round(time.time() - t0, 1), "phase_seconds": times,
        "data": {"groups": args.groups, "group_identities": data.GROUP_IDENTITIES,
                 "group_expressions": data.GROUP_EXPRESSIONS, "guide_pool": args.guide_pool,
                 "val": args.val, "test": args.test, "calibration": args.calibration,
                 "predictor": args.predictor, "test_tier_share": d["test_tier_share"]},
        "backbone": bb_stats, "exits_training": ex_stats, "predictor": pr_stats,
        "macs": {"files": ex.macs, "exit_costs": costs,
                 "stage_macs": ex.macs["appearance.onnx"],
                 "predictor_share": ex.macs["predictor.onnx"] / costs[-1]},
        "val_full_lpips_to_gt": float(val["full_lpips_to_gt"].mean()),
        "baseline_lpips_to_gt": {"source": float(test["baseline_source_lpips"].mean()),
                                 "driver": float(test["baseline_driver_lpips"].mean())},
        "test": figures,
        "test_lpips_to_full_by_tier": {
            k: np.round(test["lpips_to_full"][tier_names == k].mean(0), 4).tolist()
            for k in ("easy", "medium", "hard") if np.any(tier_names == k)},
        "guides_ablation": {
            "split": "test", "count": int(gdb.count),
            "with_guides": np.round(test["lpips_to_full"].mean(0)[:-1], 5).tolist(),
            "without_guides": np.round(ablation["lpips_to_full"].mean(0)[:-1], 5).tolist()},
    }
    (out / "training-report.json").write_text(json.dumps(report, indent=2) + "\n")
    export.check_pack(out)
    print_figures(report)
    return report


def write_pack(args, out, parity, d, backbone, heads, gdb, predictor, cal, cal_pred):
    """ONNX files, parity vectors, test split, calibration.json and manifest.json."""
    if out.exists():
        shutil.rmtree(out)
    if parity.exists():
        shutil.rmtree(parity)
    n = args.parity_samples
    ex = export.export_model(out, backbone, heads, gdb, predictor,
                             {k: d["test"][k][:n] for k in ("source", "driving")}, parity_dir=parity)
    ex.write_parity_index(args.name)
    num_exits = len(heads.heads) + 1
    costs = export.exit_costs(ex.macs, len(backbone.segments), num_exits)
    (out / "splits").mkdir()
    for name in export.INPUT_NAMES:
        (out / f"splits/test.{name}.u8").write_bytes(np.ascontiguousarray(d["test"][name], np.uint8).tobytes())
    (out / "splits/test.images.u8").write_bytes(np.ascontiguousarray(d["test"]["target"], np.uint8).tobytes())
    exit_names = [f"exit{k}" for k in range(num_exits - 1)] + ["full"]
    (out / "calibration.json").write_text(json.dumps({
        "metric": "lpips-alex", "split": "calibration", "n": int(len(cal_pred)), "exits": exit_names,
        "predicted": np.round(cal_pred.astype(np.float64), 6).tolist(),
        "measured": np.round(cal["lpips_to_full"].astype(np.float64), 6).tolist()}))
    manifest = export.build_manifest(args.name, num_exits, gdb.count, len(d["test"]["source"]))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ex, costs


def print_figures(r):
    f = r["test"]
    b = r["baseline_lpips_to_gt"]
    print("\n== faces pack figures (test split) ==")
    print(f"build time: {r['build_seconds'] / 60:.1f} min  phases (s): {r['phase_seconds']}")
    print(f"full model to ground truth: LPIPS {f['full_lpips_to_gt']:.4f}  SSIM {f['full_ssim_to_gt']:.4f}  "
          f"PSNR {f['full_psnr_to_gt']:.2f} dB   baselines: source {b['source']:.4f}, driver "
          f"{b['driver']:.4f}   (target LPIPS <= 0.25 and below both)")
    print(f"stage (appearance, once per source): {r['macs']['stage_macs'] / 1e6:.1f} MMAC; per frame "
          f"(full): {r['macs']['exit_costs'][-1] / 1e6:.1f} MMAC")
    for k, e in enumerate(f["exits"]):
        sp = "-" if e["predictor_spearman"] is None else f"{e['predictor_spearman']:.3f}"
        print(f"exit {k}: MACs {100 * e['macs_share']:5.1f}%  LPIPS-to-full mean "
              f"{e['lpips_to_full_mean']:.4f}  predictor Spearman {sp}")
    for tau, s in f["oracle_saving"].items():
        hist = " ".join(f"{h:.2f}" for h in f["oracle_exit_histogram"][tau])
        rk = f["risk"][tau]
        print(f"tau {tau}: oracle saving {100 * s:.1f}% (exits {hist}) | conformal risk alpha 0.1: saving "
              f"{100 * rk['saving']:.1f}%, violations {100 * rk['violation_rate']:.1f}%")
    print(f"by tier (LPIPS-to-full per exit): {r['test_lpips_to_full_by_tier']}")
    print(f"guides ablation (LPIPS-to-full per exit): with {r['guides_ablation']['with_guides']} "
          f"without {r['guides_ablation']['without_guides']}")
    print(f"predictor MACs share: {100 * r['macs']['predictor_share']:.2f}% of the per-frame MACs")


if __name__ == "__main__":
    main()
