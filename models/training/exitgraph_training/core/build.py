"""The pack build every task shares: command line, phases, checkpoint, report, check.

Phases: data -> backbone -> guides -> exit heads (with and without guides: the ablation) ->
predictor -> calibration and test measurements -> ONNX export, data files, calibration.json,
manifest -> training-report.json -> `exitgraph pack inspect` -> figures. Each phase prints its
time. A task's `build_pack` module is `main(adapter, argv)` with its adapter.

The order of the phases, of the networks' construction and of every random draw is fixed (the
torch generator is seeded once, then consumed by LPIPS, the backbone and the two head sets in
that order; the loops and the predictor have their own seeds), so a build is a function of its
flags.
"""
import argparse
import functools
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from ..lpips import LPIPS
from ..paths import TRAINING_DIR
from . import blocks, evaluation, export, guides as guides_mod, pack_check, training
from .predictor_training import train_predictor


def parse_args(adapter, argv=None, description=None):
    full, tiny = adapter.full_sizes, adapter.tiny_sizes
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="pack folder to (re)write")
    p.add_argument("--name", default=adapter.name)
    p.add_argument("--parity-out", default=None,
                   help="folder for parity vectors (default models/training/parity-out/<name>)")
    p.add_argument("--weights", default=None, help="LPIPS weights folder (else $EXITGRAPH_WEIGHTS)")
    p.add_argument("--tiny", action="store_true", help="smoke run: a few steps, tiny splits")
    p.add_argument("--seed", type=int, default=0)
    adapter.add_arguments(p)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes that render the dataset (default: one per CPU)")
    p.add_argument("--device", default="cpu",
                   help="torch device for training and measuring, e.g. cpu or cuda (default cpu); "
                        "export always runs on the CPU")
    p.add_argument("--resume", default=None,
                   help="skip training: load the modules and measurements of a --checkpoint file "
                        "(the predictor is retrained, the pack re-exported)")
    p.add_argument("--reuse-backbone", default=None, metavar="CHECKPOINT",
                   help="skip the backbone and guides: take them from a --checkpoint file of the same "
                        "data flags, train new exit heads (starting from the checkpoint's where "
                        "shapes agree), the predictor, and re-export")
    p.add_argument("--fresh-heads", action="store_true",
                   help="with --reuse-backbone: train the exit heads from their initialization, as a "
                        "full build does (the same seed gives the same heads as a full build)")
    p.add_argument("--checkpoint", default=None,
                   help="also save the trained torch modules here (for re-exporting without retraining)")
    for k, v in full.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None,
                       help=f"(full default {v}, tiny {tiny[k]})")
    args = p.parse_args(argv)
    try:
        torch.device(args.device)
    except RuntimeError as e:
        p.error(f"--device {args.device}: {e}")
    if str(args.device).startswith("cuda") and not torch.cuda.is_available():
        p.error(f"--device {args.device}: torch {torch.__version__} sees no CUDA device here")
    base = tiny if args.tiny else full
    for k, v in base.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


def command(adapter, description):
    """-> (parse_args, main) of a task's build_pack module, both taking argv (None: sys.argv)."""
    return (functools.partial(parse_args, adapter, description=description),
            functools.partial(main, adapter, description=description))


def log(msg, _start=[time.time()]):
    print(f"[{time.time() - _start[0]:7.1f}s] {msg}", flush=True)


def train_networks(adapter, args, data, lpips, lap):
    """Backbone, guide database, exit heads with and without guides (the ablation)."""
    t = time.time()
    backbone = adapter.new_backbone().to(args.device)
    head_sets = {"with_guides": adapter.new_exit_heads(True), "without_guides": adapter.new_exit_heads(False)}
    if args.reuse_backbone:
        backbone, gdb, bb_stats = reuse_backbone(adapter, args.reuse_backbone, None if args.fresh_heads else head_sets)
        backbone = backbone.to(args.device)
        t = lap("backbone", t)
    else:
        bb_stats = training.train_backbone(adapter, backbone, lpips, data.backbone_train, args.backbone_minutes,
                                           args.backbone_steps, batch=args.batch, seed=args.seed, log=log)
        log(f"backbone: {bb_stats}")
        t = lap("backbone", t)
        gdb = guides_mod.build_guides(adapter, backbone, data.guide_pool, args.guides, seed=args.seed,
                                      device=args.device)
    t = lap("guides", t)
    head_sets = {k: h.to(args.device) for k, h in head_sets.items()}
    ex_stats = training.train_exits(adapter, backbone, head_sets, gdb, lpips, data.exits_train,
                                    args.exits_minutes, args.exit_steps, batch=args.batch,
                                    seed=args.seed + 1, log=log)
    log(f"exits: {ex_stats}")
    lap("exits", t)
    return dict(backbone=backbone, heads=head_sets["with_guides"],
                ablation_heads=head_sets["without_guides"], guides=gdb,
                stats={"backbone": bb_stats, "exits": ex_stats})


def load_networks(adapter, path):
    """The trained modules (and measurements) saved by --checkpoint."""
    ck = _load(path)
    backbone, gdb = _backbone_and_guides(adapter, ck)
    heads, ablation = adapter.new_exit_heads(True), adapter.new_exit_heads(False)
    heads.load_state_dict(ck["heads"])
    ablation.load_state_dict(ck["heads_without_guides"])
    for m in (backbone, heads, ablation, gdb):
        m.eval()
    nets = dict(backbone=backbone, heads=heads, ablation_heads=ablation, guides=gdb,
                stats={"backbone": ck["stats"]["backbone"], "exits": ck["stats"]["exits"],
                       "resumed_from_checkpoint": True})
    return nets, ck


def reuse_backbone(adapter, path, head_sets):
    """--reuse-backbone: the backbone and guide database of a checkpoint; each head set (unless
    None: --fresh-heads) starts from the checkpoint's heads where names and shapes agree.
    -> (backbone, guides, stats)."""
    ck = _load(path)
    backbone, gdb = _backbone_and_guides(adapter, ck)
    for name, key in (("with_guides", "heads"), ("without_guides", "heads_without_guides")) if head_sets else ():
        taken = blocks.load_matching(head_sets[name], ck[key])
        log(f"{name} heads: {len(taken)} of {len(head_sets[name].state_dict())} tensors from {path}")
    old = ck.get("stats") or {}   # checkpoints of early builds hold only the modules
    stats = dict(old.get("backbone") or {}, reused_from_checkpoint=Path(path).name,
                 seconds_of_checkpoint=(old.get("times") or {}).get("backbone"))
    return backbone, gdb, stats


def _backbone_and_guides(adapter, ck):
    """The backbone and guide database a checkpoint holds."""
    backbone = adapter.new_backbone()
    backbone.load_state_dict(ck["backbone"])
    return backbone, guides_mod.GuideDatabase(ck["guides"]["keys"], ck["guides"]["values"])


def _load(path):
    try:   # torch >= 2.6 loads weights only by default; the checkpoint also holds numpy arrays
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def save_checkpoint(path, nets, predictor, measured, stats):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"backbone": nets["backbone"].state_dict(), "heads": nets["heads"].state_dict(),
                "heads_without_guides": nets["ablation_heads"].state_dict(),
                "guides": nets["guides"].state_dict(), "predictor": predictor.state_dict(),
                "measured": measured, "stats": stats}, path)


def measure_all(adapter, data, nets, lpips, checkpoint):
    """Calibration, test, the ablation, val and any extra test set: from the checkpoint when it
    holds them (same size), else measured."""
    backbone, heads, gdb = nets["backbone"], nets["heads"], nets["guides"]
    old = checkpoint["measured"] if checkpoint is not None else {}

    def get(key, split, with_target, use_heads=heads):
        m = old.get(key)
        if m is None or len(m["lpips_to_full"]) != len(next(iter(split.values()))):
            m = evaluation.measure(adapter, backbone, use_heads, gdb, lpips, split, with_target)
        return m

    measured = {"calibration": get("calibration", data.calibration, False),
                "test": get("test", data.test, True),
                "ablation": get("ablation", data.test, False, nets["ablation_heads"]),
                "val": get("val", data.val, True)}
    for key, split in data.extra_tests.items():
        measured[key] = get(key, split, True)
    return measured


def main(adapter, argv=None, description=None):
    args = parse_args(adapter, argv, description)
    adapter.configure(args)
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
    data = adapter.make_data(args, log)
    t = lap("data", t)
    lpips = LPIPS("alex", args.weights).to(args.device)

    checkpoint = None
    if args.resume:
        nets, checkpoint = load_networks(adapter, args.resume)
        lpips = lpips.cpu()
    else:
        nets = train_networks(adapter, args, data, lpips, lap)
    t = time.time()
    backbone, heads, gdb = nets["backbone"], nets["heads"], nets["guides"]

    # predictor on measured distances of training samples the heads were trained on
    old = checkpoint["measured"] if checkpoint is not None else {}
    if "predictor_idx" in old and np.array_equal(old["predictor_idx"], data.predictor_id):
        ptrain = old["predictor_train"]
    else:
        ptrain = evaluation.measure(adapter, backbone, heads, gdb, lpips, data.predictor)
    predictor, pr_stats = train_predictor(adapter, data.predictor, ptrain["lpips_to_full"],
                                          weight_decay=adapter.predictor_weight_decay,
                                          steps=args.predictor_steps, seed=args.seed + 2, log=log)
    predictor = predictor.to(next(backbone.parameters()).device)
    t = lap("predictor", t)

    measured = measure_all(adapter, data, nets, lpips, checkpoint)
    cal, test, ablation = measured["calibration"], measured["test"], measured["ablation"]
    cal_pred = evaluation.predict(adapter, predictor, data.calibration)
    test_pred = evaluation.predict(adapter, predictor, data.test)
    extra_pred = {k: evaluation.predict(adapter, predictor, s) for k, s in data.extra_tests.items()}
    t = lap("measure", t)
    stats = dict(nets["stats"], predictor=pr_stats, times=times)
    if args.checkpoint:
        save_checkpoint(args.checkpoint, nets, predictor,
                        dict(measured, predictor_train=ptrain, predictor_idx=data.predictor_id), stats)

    for key in ("backbone", "heads", "ablation_heads", "guides"):
        nets[key] = nets[key].cpu()
    predictor = predictor.cpu()
    ex, costs = write_pack(adapter, args, out, parity, data, nets, predictor, cal, cal_pred)
    lap("export", t)

    gdb = nets["guides"]
    figures = evaluation.summarize(test, test_pred, cal_pred, cal["lpips_to_full"], costs)
    tier_names = np.array(data.test_tiers)
    macs = {"files": ex.macs, "exit_costs": costs}
    if ex.stage_files:
        macs["stage_macs"] = sum(ex.macs[f] for f in ex.stage_files)
    macs["predictor_share"] = ex.macs["predictor.onnx"] / costs[-1]
    report = {
        "pack": args.name, "task": adapter.task, "tiny": args.tiny, "seed": args.seed,
        "torch": torch.__version__, "threads": args.threads, "device": str(args.device),
        "build_seconds": round(time.time() - t0, 1), "phase_seconds": times,
        "data": adapter.report_data(args, data),
        "backbone": nets["stats"]["backbone"], "exits_training": nets["stats"]["exits"],
        "predictor": pr_stats,
        "macs": macs,
        "val_full_lpips_to_gt": float(measured["val"]["full_lpips_to_gt"].mean()),
    }
    baselines = evaluation.baselines_of(test)
    if baselines:
        report["baseline_lpips_to_gt"] = baselines
    report["test"] = figures
    for key in data.extra_tests:
        report[key] = evaluation.summarize(measured[key], extra_pred[key], cal_pred, cal["lpips_to_full"], costs)
    report["test_lpips_to_full_by_tier"] = {
        k: np.round(test["lpips_to_full"][tier_names == k].mean(0), 4).tolist()
        for k in ("easy", "medium", "hard") if np.any(tier_names == k)}
    report["guides_ablation"] = {
        "split": "test", "count": int(gdb.count),
        "with_guides": np.round(test["lpips_to_full"].mean(0)[:-1], 5).tolist(),
        "without_guides": np.round(ablation["lpips_to_full"].mean(0)[:-1], 5).tolist()}
    if checkpoint is not None:
        report["resumed_from_checkpoint"] = True
        report["training_seconds_of_checkpoint"] = checkpoint["stats"].get("times")
    (out / "training-report.json").write_text(json.dumps(report, indent=2) + "\n")
    check(out, costs)
    print_figures(report, list(data.extra_tests))
    return report


def check(out, costs=None):
    """`exitgraph pack inspect`: errors fail the build; without node or the built CLI the build
    says so and leaves the pack unchecked. Its per-exit MACs are compared with the toolkit's
    (onnx_macs): the two counters are meant to agree, a difference is printed."""
    try:
        result = pack_check.inspect_pack(out)
    except pack_check.PackCheckUnavailable as e:
        log(f"pack NOT checked: {e}")
        return None
    warnings = [p for p in result["problems"] if p["severity"] == "warning"]
    log(f"exitgraph pack inspect: no errors, {len(warnings)} warning(s)"
        + "".join(f"\n  warning: {p['file']} {p['field']}: {p['message']}" for p in warnings))
    theirs = [e["macs"] for e in result["exits"]]
    if costs is not None and theirs != list(costs):
        log(f"warning: exitgraph counts the exits' MACs as {theirs}, the toolkit as {list(costs)}")
    return result


def write_pack(adapter, args, out, parity, data, nets, predictor, cal, cal_pred):
    """ONNX files, parity vectors, data files, calibration.json and manifest.json."""
    backbone, heads, gdb = nets["backbone"], nets["heads"], nets["guides"]
    if out.exists():
        shutil.rmtree(out)
    if parity.exists():
        shutil.rmtree(parity)
    samples = {k: v[:args.parity_samples] for k, v in data.test.items()}
    ex = export.export_model(adapter, out, backbone, heads, gdb, predictor, samples, parity_dir=parity)
    ex.write_parity_index(args.name)
    num_exits = len(heads.heads) + 1
    costs = export.exit_costs(ex.macs, len(backbone.segments), num_exits)
    adapter.write_data_files(out, data)
    export.write_calibration(out, num_exits, cal_pred, cal["lpips_to_full"])
    manifest = adapter.build_manifest(args, len(backbone.segments), num_exits, gdb.count, data)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ex, costs


def print_figures(r, extra_tests=()):
    print(f"\nbuild time: {r['build_seconds'] / 60:.1f} min  phases (s): {r['phase_seconds']}")
    if "stage_macs" in r["macs"]:
        print(f"stages (once per distinct input): {r['macs']['stage_macs'] / 1e6:.1f} MMAC; per sample "
              f"(full): {r['macs']['exit_costs'][-1] / 1e6:.1f} MMAC")
    for key in ["test", *extra_tests]:
        f = r[key]
        print(f"\n== {r['pack']} pack figures: {key} ==")
        line = (f"full model to ground truth: LPIPS {f['full_lpips_to_gt']:.4f}  SSIM "
                f"{f['full_ssim_to_gt']:.4f}  PSNR {f['full_psnr_to_gt']:.2f} dB   (target LPIPS <= 0.25)")
        if key == "test" and r.get("baseline_lpips_to_gt"):
            line += "   baselines: " + ", ".join(f"{k} {v:.4f}" for k, v in r["baseline_lpips_to_gt"].items())
        print(line)
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
    print(f"by tier (LPIPS-to-full per exit): {r['test_lpips_to_full_by_tier']}")
    print(f"guides ablation (LPIPS-to-full per exit): with {r['guides_ablation']['with_guides']} "
          f"without {r['guides_ablation']['without_guides']}")
    print(f"predictor MACs share: {100 * r['macs']['predictor_share']:.2f}%")
