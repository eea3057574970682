"""Measuring the faces model: exit outputs, LPIPS to the full output per exit, the full model and
the two baselines (source unchanged, driver unchanged) against the ground truth. The routers,
Spearman and the summary figures are the landscape ones (evaluation.summarize), which work on
these arrays whatever the task."""
import numpy as np
import torch

from ..image_metrics import psnr, ssim
from .data import images_to_tensor
from .training import device_of


@torch.no_grad()
def exit_outputs(backbone, heads, guides, source, driving):
    """All exit images for a batch, in exit order (last = full)."""
    full, feats, st = backbone(source, driving)
    return heads(feats, guides(st["appearance"]), st["appearance"]) + [full]


@torch.no_grad()
def measure(backbone, heads, guides, lpips, pairs, with_target=False, batch=16):
    """pairs: dict source, driving[, target] uint8 arrays -> dict lpips_to_full [N, E]; with
    with_target also full_lpips_to_gt / ssim / psnr [N] and baseline_{source,driver}_lpips [N]."""
    device = device_of(backbone)
    n = len(pairs["source"])
    acc = {k: [] for k in ("lpips_to_full", "full_lpips_to_gt", "full_ssim_to_gt", "full_psnr_to_gt",
                           "baseline_source_lpips", "baseline_driver_lpips")}
    for s in range(0, n, batch):
        src = images_to_tensor(pairs["source"][s:s + batch], device)
        drv = images_to_tensor(pairs["driving"][s:s + batch], device)
        outs = exit_outputs(backbone, heads, guides, src, drv)
        full = outs[-1]
        tf = lpips.features_of(full)
        acc["lpips_to_full"].append(torch.stack(
            [lpips.distance_from_features(lpips.features_of(o), tf) for o in outs[:-1]]
            + [torch.zeros(len(src), device=device)], 1).cpu())
        if with_target:
            y = images_to_tensor(pairs["target"][s:s + batch], device)
            acc["full_lpips_to_gt"].append(lpips(full, y).cpu())
            a, b = (full + 1) / 2, (y + 1) / 2
            acc["full_ssim_to_gt"].append(ssim(a, b).cpu())
            acc["full_psnr_to_gt"].append(psnr(a, b).cpu())
            acc["baseline_source_lpips"].append(lpips(src, y).cpu())
            acc["baseline_driver_lpips"].append(lpips(drv, y).cpu())
    return {k: torch.cat(v).numpy() for k, v in acc.items() if v}


@torch.no_grad()
def predict(predictor, pairs, batch=64):
    device = device_of(predictor)
    out = []
    for s in range(0, len(pairs["source"]), batch):
        out.append(predictor(images_to_tensor(pairs["source"][s:s + batch], device),
                             images_to_tensor(pairs["driving"][s:s + batch], device)).cpu())
    return torch.cat(out).numpy()
