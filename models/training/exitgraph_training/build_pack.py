"""One command that rebuilds the landscape pack from nothing.

    cd models/training && python3 -m exitgraph_training.build_pack --out ../packs/landscape

Steps: data -> backbone -> guides -> exit heads (with and without guides: the ablation) ->
predictor -> calibration and test measurements -> ONNX export, manifest, checks -> figures.
`--tiny` is a smoke run (seconds) used by the tests.
"""
import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from . import dataset, evaluation, export, guides as guides_mod, model, novelty, training
from .landscape_maps import CLASSES
from .lpips import LPIPS
from .paths import TRAINING_DIR
from .predictor_training import train_predictor

FULL = dict(train=6000, guide_pool=600, val=50, test=200, painted=200, calibration=500, predictor=1000,
            guides=256, backbone_minutes=12.0, backbone_steps=0, exits_minutes=17.0,
            exit_steps=0, predictor_steps=3000, batch=8, parity_samples=2)
TINY = dict(train=24, guide_pool=8, val=4, test=6, painted=4, calibration=8, predictor=16, guides=4,
            backbone_minutes=0, backbone_steps=2, exits_minutes=0, exit_steps=2,
            predictor_steps=5, batch=2, parity_samples=1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="pack folder to (re)write")
    p.add_argument("--name", default="landscape")
    p.add_argument("--parity-out", default=None,
                   help="folder for parity vectors (default models/training/parity-out/<name>)")
    p.add_argument("--weights", default=None, help="LPIPS weights folder (else $EXITGRAPH_WEIGHTS)")
    p.add_argument("--tiny", action="store_true", help="smoke run: a few steps, tiny splits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--painted-share", type=float, default=0.0,
                   help="share of painted-style maps (painted_maps.brush_map) in training and calibration")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes that render the dataset (default: one per CPU)")
    p.add_argument("--device", default="cpu",
                   help="torch device for training and measuring, e.g. cpu or cuda (default cpu); "
                        "export always runs on the CPU")
    p.add_argument("--resume", default=None,
                   help="skip training: load the modules and measurements of a --checkpoint file "
                        "(the predictor is retrained, the pack re-exported)")
    p.add_argument("--checkpoint", default=None,
                   help="also save the trained torch modules here (for re-exporting without retraining)")
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
    def split(name, count):
        # The test split stays procedural; painted-style maps join training and calibration.
        share = 0.0 if name == "test" else args.painted_share
        return dataset.make_split(name, count, args.seed, workers=args.workers, painted_share=share)
    train_l, train_i, train_tiers = split("train", args.train + args.guide_pool)
    val_l, val_i, _ = split("val", args.val)
    test_l, test_i, test_tiers = split("test", args.test)
    cal_l, _, _ = split("calibration", args.calibration)
    # The independent painted-style test set (another generator than the painted share's).
    painted_l, painted_i, painted_kinds = dataset.make_split(dataset.PAINTED_TEST, args.painted, args.seed,
                                                             workers=args.workers)
    tiers = {k: train_tiers.count(k) / len(train_tiers) for k in ("easy", "medium", "hard")}
    painted_train = sum(t.startswith("painted:") for t in train_tiers) / len(train_tiers)
    log(f"data: {len(train_l)} train (tiers {tiers}, painted-style {painted_train:.2f}), {len(test_l)} test, "
        f"{len(painted_l)} painted-style test, {len(cal_l)} calibration")
    return dict(train_l=train_l, train_i=train_i, val_l=val_l, val_i=val_i, test_l=test_l,
                test_i=test_i, test_tiers=test_tiers, cal_l=cal_l, train_tiers=tiers,
                painted_l=painted_l, painted_i=painted_i, painted_kinds=painted_kinds,
                painted_train_share=painted_train)


def train_networks(args, data, lpips, lap):
    """Backbone, guide database, exit heads with and without guides (the ablation)."""
    t = time.time()
    backbone = model.Backbone().to(args.device)
    bb_stats = training.train_backbone(backbone, lpips, data["train_l"], data["train_i"],
                                       args.backbone_minutes, args.backbone_steps,
                                       batch=args.batch, seed=args.seed, log=log)
    t = lap("backbone", t)
    log(f"backbone: {bb_stats}")
    # guides from the pool the exit heads never train on
    pool = data["train_l"][args.train:]
    gdb = guides_mod.build_guides(
        backbone, (dataset.labels_to_tensor(pool[s:s + 32]) for s in range(0, len(pool), 32)),
        args.guides, seed=args.seed)
    t = lap("guides", t)
    head_sets = {"with_guides": model.ExitHeads(use_guide=True).to(args.device),
                 "without_guides": model.ExitHeads(use_guide=False).to(args.device)}
    ex_stats = training.train_exits(backbone, head_sets, gdb, lpips, data["train_l"][:args.train],
                                    args.exits_minutes, args.exit_steps, batch=args.batch,
                                    seed=args.seed + 1, log=log)
    lap("exits", t)
    log(f"exits: {ex_stats}")
    return dict(backbone=backbone, heads=head_sets["with_guides"],
                ablation_heads=head_sets["without_guides"], guides=gdb,
                stats={"backbone": bb_stats, "exits": ex_stats})


def load_networks(path):
    """The trained modules (and measurements) saved by --checkpoint."""
    try:   # torch >= 2.6 loads weights only by default; the checkpoint also holds numpy arrays
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        ck = torch.load(path, map_location="cpu")
    backbone = model.Backbone()
    backbone.load_state_dict(ck["backbone"])
    heads, ablation = model.ExitHeads(True), model.ExitHeads(False)
    heads.load_state_dict(ck["heads"])
    ablation.load_state_dict(ck["heads_without_guides"])
    gdb = guides_mod.GuideDatabase(ck["guides"]["keys"], ck["guides"]["values"])
    for m in (backbone, heads, ablation, gdb):
        m.eval()
    nets = dict(backbone=backbone, heads=heads, ablation_heads=ablation, guides=gdb,
                stats={"backbone": ck["stats"]["backbone"], "exits": ck["stats"]["exits"],
                       "resumed_from_checkpoint": True})
    return nets, ck


def save_checkpoint(path, nets, predictor, measured, stats):
    torch.save({"backbone": nets["backbone"].state_dict(), "heads": nets["heads"].state_dict(),
                "heads_without_guides": nets["ablation_heads"].state_dict(),
                "guides": nets["guides"].state_dict(), "predictor": predictor.state_dict(),
                "measured": measured, "stats": stats}, path)


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
        return time.time()

    t = time.time()
    data = make_data(args)
    t = lap("data", t)
    lpips = LPIPS("alex", args.weights).to(args.device)

    checkpoint = None
    if args.resume:
        nets, checkpoint = load_networks(args.resume)
        lpips = lpips.cpu()
        t = time.time()
    else:
        nets = train_networks(args, data, lpips, lap)
        t = time.time()
    backbone, heads, gdb = nets["backbone"], nets["heads"], nets["guides"]

    # predictor on measured distances of training maps the heads were trained on
    rng = np.random.default_rng(args.seed + 7)
    pidx = np.sort(rng.choice(args.train, min(args.predictor, args.train), replace=False))
    if checkpoint is not None and np.array_equal(checkpoint["measured"]["predictor_idx"], pidx):
        ptrain = checkpoint["measured"]["predictor_train"]
    else:
        ptrain = evaluation.measure(backbone, heads, gdb, lpips, data["train_l"][pidx])
    predictor, pr_stats = train_predictor(data["train_l"][pidx], ptrain["lpips_to_full"],
                                          steps=args.predictor_steps, seed=args.seed + 2, log=log)
    t = lap("predictor", t)

    # calibration, test, ablation
    if checkpoint is not None:
        m = checkpoint["measured"]
        cal, test, ablation, val = m["calibration"], m["test"], m["ablation"], m["val"]
        painted = m.get("painted")
        if painted is None or len(painted["lpips_to_full"]) != len(data["painted_l"]):
            painted = evaluation.measure(backbone, heads, gdb, lpips, data["painted_l"], data["painted_i"])
    else:
        cal = evaluation.measure(backbone, heads, gdb, lpips, data["cal_l"])
        test = evaluation.measure(backbone, heads, gdb, lpips, data["test_l"], data["test_i"])
        ablation = evaluation.measure(backbone, nets["ablation_heads"], gdb, lpips, data["test_l"])
        val = evaluation.measure(backbone, heads, gdb, lpips, data["val_l"], data["val_i"])
        painted = evaluation.measure(backbone, heads, gdb, lpips, data["painted_l"], data["painted_i"])
    cal_pred = evaluation.predict(predictor, data["cal_l"])
    test_pred = evaluation.predict(predictor, data["test_l"])
    painted_pred = evaluation.predict(predictor, data["painted_l"])
    t = lap("measure", t)
    stats = dict(nets["stats"], predictor=pr_stats, times=times)
    if args.checkpoint:
        Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(args.checkpoint, nets, predictor,
                        {"calibration": cal, "test": test, "ablation": ablation, "val": val, "painted": painted,
                         "predictor_train": ptrain, "predictor_idx": pidx}, stats)

    for key in ("backbone", "heads", "ablation_heads", "guides"):
        nets[key] = nets[key].cpu()
    ex, costs = write_pack(args, out, parity, data, nets, predictor, cal, cal_pred)
    lap("export", t)
    figures = evaluation.summarize(test, test_pred, cal_pred, cal["lpips_to_full"], costs)
    painted_figures = evaluation.summarize(painted, painted_pred, cal_pred, cal["lpips_to_full"], costs)
    tier_names = np.array(data["test_tiers"])
    report = {
        "pack": args.name, "tiny": args.tiny, "seed": args.seed,
        "torch": torch.__version__, "threads": args.threads, "device": str(args.device),
        "build_seconds": round(time.time() - t0, 1), "phase_seconds": times,
        "data": {"train": args.train, "guide_pool": args.guide_pool, "val": args.val,
                 "test": args.test, "painted_test": args.painted, "calibration": args.calibration,
                 "painted_share": args.painted_share,
                 "train_painted_share": data["painted_train_share"],
                 "train_tier_share": data["train_tiers"]},
        "backbone": nets["stats"]["backbone"], "exits_training": nets["stats"]["exits"],
        "predictor": pr_stats,
        "macs": {"files": ex.macs, "exit_costs": costs,
                 "predictor_share": ex.macs["predictor.onnx"] / costs[-1]},
        "val_full_lpips_to_gt": float(val["full_lpips_to_gt"].mean()),
        "test": figures,
        # The independent painted-style test set (painted_maps.sketch_map), same figures.
        "painted_test": painted_figures,
        "test_lpips_to_full_by_tier": {
            k: np.round(test["lpips_to_full"][tier_names == k].mean(0), 4).tolist()
            for k in ("easy", "medium", "hard") if np.any(tier_names == k)},
        "guides_ablation": {
            "split": "test", "count": int(gdb.count),
            "with_guides": np.round(test["lpips_to_full"].mean(0)[:-1], 5).tolist(),
            "without_guides": np.round(ablation["lpips_to_full"].mean(0)[:-1], 5).tolist()},
    }
    if checkpoint is not None:
        report["resumed_from_checkpoint"] = True
        report["training_seconds_of_checkpoint"] = checkpoint["stats"].get("times")
    (out / "training-report.json").write_text(json.dumps(report, indent=2) + "\n")
    export.check_pack(out)
    print_figures(report)
    return report


def write_pack(args, out, parity, data, nets, predictor, cal, cal_pred):
    """ONNX files, parity vectors, splits, calibration.json and manifest.json."""
    backbone, heads, gdb = nets["backbone"], nets["heads"], nets["guides"]
    if out.exists():
        shutil.rmtree(out)
    if parity.exists():
        shutil.rmtree(parity)
    ex = export.export_model(out, backbone, heads, gdb, predictor,
                             data["test_l"][:args.parity_samples], parity_dir=parity)
    ex.write_parity_index(args.name)
    num_exits = len(heads.heads) + 1
    costs = export.exit_costs(ex.macs, len(backbone.segments), num_exits)
    (out / "splits").mkdir()
    (out / "splits/test.labels.u8").write_bytes(np.ascontiguousarray(data["test_l"], np.uint8).tobytes())
    (out / "splits/test.images.u8").write_bytes(np.ascontiguousarray(data["test_i"], np.uint8).tobytes())
    (out / "splits/painted.labels.u8").write_bytes(np.ascontiguousarray(data["painted_l"], np.uint8).tobytes())
    # The painted-style set ships labels only: its renders would take the pack past 30 MB (the
    # build's own report measures it against ground truth; the promise is against the full output).
    # Calibration maps at low resolution, for exitgraph's novelty score (novelty.py).
    (out / "novelty.u8").write_bytes(novelty.novelty_maps(data["cal_l"]).tobytes())
    exit_names = [f"exit{k}" for k in range(num_exits - 1)] + ["full"]
    (out / "calibration.json").write_text(json.dumps({
        "metric": "lpips-alex", "split": "calibration", "n": int(len(data["cal_l"])),
        "exits": exit_names,
        "predicted": np.round(cal_pred.astype(np.float64), 6).tolist(),
        "measured": np.round(cal["lpips_to_full"].astype(np.float64), 6).tolist()}))
    manifest = export.build_manifest(args.name, CLASSES, len(backbone.segments), num_exits,
                                     gdb.count, len(data["test_l"]), painted_count=len(data["painted_l"]),
                                     novelty_count=len(data["cal_l"]), novelty_size=novelty.SIZE)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ex, costs


def print_figures(r):
    print(f"\nbuild time: {r['build_seconds'] / 60:.1f} min  phases: {r['phase_seconds']}")
    for key, title in (("test", "test split (procedural)"), ("painted_test", "painted-style test set")):
        f = r[key]
        print(f"\n== pack figures: {title} ==")
        print(f"full model to ground truth: LPIPS {f['full_lpips_to_gt']:.4f}  SSIM "
              f"{f['full_ssim_to_gt']:.4f}  PSNR {f['full_psnr_to_gt']:.2f} dB   (target LPIPS <= 0.25)")
        for k, e in enumerate(f["exits"]):
            sp = "-" if e["predictor_spearman"] is None else f"{e['predictor_spearman']:.3f}"
            print(f"exit {k}: MACs {100 * e['macs_share']:5.1f}%  LPIPS-to-full mean "
                  f"{e['lpips_to_full_mean']:.4f}  predictor Spearman {sp}  bias {e['predictor_bias']:+.4f}  "
                  f"MAE {e['predictor_mae']:.4f}")
        for tau, s in f["oracle_saving"].items():
            hist = " ".join(f"{h:.2f}" for h in f["oracle_exit_histogram"][tau])
            rk = f["risk"][tau]
            print(f"tau {tau}: oracle saving {100 * s:.1f}% (exits {hist}) | conformal risk alpha 0.1: saving "
                  f"{100 * rk['saving']:.1f}%, violations {100 * rk['violation_rate']:.1f}%")
    print(f"guides ablation (LPIPS-to-full per exit): with {r['guides_ablation']['with_guides']} "
          f"without {r['guides_ablation']['without_guides']}")
    print(f"predictor MACs share: {100 * r['macs']['predictor_share']:.2f}%")


if __name__ == "__main__":
    main()
