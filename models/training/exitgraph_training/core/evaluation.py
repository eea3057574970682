"""Measuring a trained early-exit model: exit outputs, distances, routers' savings, predictor
quality. These are the figures printed at the end of a build and stored in the training report;
exitgraph's TypeScript report re-measures them from the pack. Inputs reach the networks through
the task adapter; the routers and figures work on the measured arrays whatever the task."""
from collections import defaultdict

import numpy as np
import torch
from scipy import stats

from ..image_metrics import psnr, ssim
from .tensors import device_of, images_to_tensor, split_size, split_slice


def run_exits(adapter, backbone, heads, guides, inputs):
    """All exit images for a batch of input tensors, in exit order (last = full)."""
    fw = adapter.forward(backbone, inputs)
    return heads(fw.feats, guides(fw.guide_input), fw.head_input) + [fw.full]


@torch.no_grad()
def exit_outputs(adapter, backbone, heads, guides, inputs):
    return run_exits(adapter, backbone, heads, guides, inputs)


@torch.no_grad()
def measure(adapter, backbone, heads, guides, lpips, split, with_target=False, batch=16):
    """-> dict: lpips_to_full [N, E]; with_target (the split has `target`) also the full
    output's full_lpips_to_gt / full_ssim_to_gt / full_psnr_to_gt [N] and, for each of the
    adapter's baselines, baseline_<name>_lpips [N]."""
    device = device_of(backbone)
    acc = defaultdict(list)
    for s in range(0, split_size(split), batch):
        part = split_slice(split, s, s + batch)
        inputs = adapter.to_tensors(part, device)
        outs = exit_outputs(adapter, backbone, heads, guides, inputs)
        full = outs[-1]
        tf = lpips.features_of(full)
        acc["lpips_to_full"].append(torch.stack(
            [lpips.distance_from_features(lpips.features_of(o), tf) for o in outs[:-1]]
            + [torch.zeros(len(full), device=device)], 1).cpu())
        if with_target:
            y = images_to_tensor(part["target"], device)
            acc["full_lpips_to_gt"].append(lpips(full, y).cpu())
            a, b = (full + 1) / 2, (y + 1) / 2
            acc["full_ssim_to_gt"].append(ssim(a, b).cpu())
            acc["full_psnr_to_gt"].append(psnr(a, b).cpu())
            for name, image in adapter.baselines(inputs).items():
                acc[f"baseline_{name}_lpips"].append(lpips(image, y).cpu())
    return {k: torch.cat(v).numpy() for k, v in acc.items()}


def baselines_of(measured):
    """{name: mean LPIPS to the ground truth} of the baselines in a `measure` result."""
    return {k[len("baseline_"):-len("_lpips")]: float(v.mean())
            for k, v in measured.items() if k.startswith("baseline_") and k.endswith("_lpips")}


@torch.no_grad()
def predict(adapter, predictor, split, batch=64):
    device = device_of(predictor)
    return torch.cat([predictor(*adapter.to_tensors(split_slice(split, s, s + batch), device)).cpu()
                      for s in range(0, split_size(split), batch)]).numpy()


def oracle_route(distances, tau):
    """Earliest exit whose true distance to the full output is <= tau (last exit always is)."""
    ok = distances <= tau
    ok[:, -1] = True
    return ok.argmax(axis=1)


def threshold_route(predicted, lam):
    ok = predicted <= lam
    ok[:, -1] = True
    return ok.argmax(axis=1)


def saving(choice, exit_costs):
    costs = np.asarray(exit_costs, dtype=np.float64)
    return float(1.0 - costs[choice].mean() / costs[-1])


def histogram(choice, num_exits):
    return [float(np.mean(choice == k)) for k in range(num_exits)]


def conformal_lambda(pred_cal, meas_cal, tau, alpha, grid=None):
    """Largest lambda such that (violations(lambda) + 1) / (n + 1) <= alpha, where a violation is
    a calibration input routed (earliest exit with predicted <= lambda) to an exit whose measured
    distance exceeds tau. Returns -inf when no lambda qualifies (everything goes to full)."""
    n = len(pred_cal)
    if grid is None:
        grid = np.unique(np.concatenate([pred_cal[:, :-1].ravel(), [0.0]]))
    best = -np.inf
    for lam in np.sort(grid):
        choice = threshold_route(pred_cal, lam)
        viol = np.sum(meas_cal[np.arange(n), choice] > tau)
        if (viol + 1) / (n + 1) <= alpha:
            best = lam
    return best


def spearman_per_exit(predicted, measured):
    out = []
    for k in range(measured.shape[1] - 1):
        r = stats.spearmanr(predicted[:, k], measured[:, k]).correlation
        out.append(float(r) if np.isfinite(r) else 0.0)
    return out


def summarize(test, pred_test, pred_cal, meas_cal, exit_costs, taus=(0.05, 0.1, 0.2), alpha=0.1):
    """All the pack's figures on the test split (the issue's 'done when' list)."""
    d = test["lpips_to_full"]
    e = d.shape[1]
    full_cost = exit_costs[-1]
    report = {
        "full_lpips_to_gt": float(np.mean(test["full_lpips_to_gt"])),
        "full_ssim_to_gt": float(np.mean(test["full_ssim_to_gt"])),
        "full_psnr_to_gt": float(np.mean(test["full_psnr_to_gt"])),
        "exits": [],
        "oracle_saving": {},
        "oracle_exit_histogram": {},
        "risk": {},
    }
    spear = spearman_per_exit(pred_test, d) + [None]
    for k in range(e):
        report["exits"].append({
            "macs_share": float(exit_costs[k] / full_cost),
            "lpips_to_full_mean": float(d[:, k].mean()),
            "lpips_to_full_median": float(np.median(d[:, k])),
            "predictor_spearman": spear[k],
            # predicted minus measured: how far off the predictor is on this set, and which way
            "predictor_bias": float(np.mean(pred_test[:, k] - d[:, k])),
            "predictor_mae": float(np.mean(np.abs(pred_test[:, k] - d[:, k]))),
        })
    for tau in taus:
        choice = oracle_route(d, tau)
        report["oracle_saving"][str(tau)] = saving(choice, exit_costs)
        report["oracle_exit_histogram"][str(tau)] = histogram(choice, e)
        lam = conformal_lambda(pred_cal, meas_cal, tau, alpha)
        rc = threshold_route(pred_test, lam) if np.isfinite(lam) else np.full(len(d), e - 1)
        report["risk"][str(tau)] = {
            "alpha": alpha, "lambda": float(lam) if np.isfinite(lam) else None,
            "saving": saving(rc, exit_costs),
            "violation_rate": float(np.mean(d[np.arange(len(d)), rc] > tau)),
            "exit_histogram": histogram(rc, e),
        }
    return report
