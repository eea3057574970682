"""Training loops for the faces pack: the backbone against the rendered ground truth, then the
exit heads against the frozen backbone's own output (as for landscapes: an exit learns to
reproduce the full model). Fixed step counts (with an optional wall-clock cap), cosine decay.
Pairs are drawn from the training groups (data.sample_group_pairs)."""
import time

import numpy as np
import torch

from ..training import Schedule
from .data import images_to_tensor, sample_group_pairs


def device_of(module):
    return next(module.parameters()).device


def _batch(groups, rng, batch, device):
    src, drv, gt = sample_group_pairs(groups, rng, batch)
    return (images_to_tensor(src, device), images_to_tensor(drv, device), images_to_tensor(gt, device))


def train_backbone(backbone, lpips, groups, minutes, max_steps, batch=8, lr=2e-3, seed=0, log=print):
    """L1 + LPIPS-alex of the full output to render(A, E)."""
    device = device_of(backbone)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(backbone.parameters(), lr=lr, betas=(0.5, 0.999))
    sched = Schedule(minutes, max_steps)
    backbone.train()
    step, running = 0, []
    while sched.progress(step) < 1.0:
        for g in opt.param_groups:
            g["lr"] = sched.lr(lr, step)
        src, drv, gt = _batch(groups, rng, batch, device)
        out, _, _ = backbone(src, drv)
        l1 = (out - gt).abs().mean()
        lp = lpips(out, gt).mean()
        loss = l1 + lp
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.append((l1.item(), lp.item()))
        step += 1
        if step % 50 == 0:
            a = np.mean(running[-50:], axis=0)
            log(f"backbone step {step} l1 {a[0]:.4f} lpips {a[1]:.4f} ({time.time() - sched.start:.0f}s)")
    backbone.eval()
    tail = running[-100:]
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch,
            "final_l1": float(np.mean([r[0] for r in tail])) if tail else None,
            "final_lpips": float(np.mean([r[1] for r in tail])) if tail else None}


def train_exits(backbone, head_sets, guides, lpips, groups, minutes, max_steps, batch=8, lr=2e-3,
                seed=1, log=print):
    """Every head of every set (dict name -> ExitHeads) against the frozen full output
    (L1 + LPIPS-alex); all sets see the same batches (the guides ablation is paired)."""
    rng = np.random.default_rng(seed)
    device = device_of(backbone)
    backbone.eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    opts = {k: torch.optim.Adam(h.parameters(), lr=lr, betas=(0.5, 0.999)) for k, h in head_sets.items()}
    sched = Schedule(minutes, max_steps)
    step, running = 0, {k: [] for k in head_sets}
    while sched.progress(step) < 1.0:
        src, drv, _ = _batch(groups, rng, batch, device)
        with torch.no_grad():
            full, feats, st = backbone(src, drv)
            target = lpips.features_of(full)
            guide = guides(st["appearance"])
        outs = {}
        for name, heads in head_sets.items():
            heads.train()
            for g in opts[name].param_groups:
                g["lr"] = sched.lr(lr, step)
            outs[name] = heads(feats, guide, st["appearance"])
        flat = [o for name in head_sets for o in outs[name]]
        stacked = torch.cat(flat)
        tgt = [t.repeat(len(flat), 1, 1, 1) for t in target]
        lp = lpips.distance_from_features(lpips.features_of(stacked), tgt).view(len(flat), -1).mean(1)
        l1 = (stacked - full.repeat(len(flat), 1, 1, 1)).abs().view(len(flat), -1).mean(1)
        per_head = lp + l1
        for opt in opts.values():
            opt.zero_grad()
        per_head.sum().backward()
        for opt in opts.values():
            opt.step()
        k = 0
        for name in head_sets:
            n = len(outs[name])
            running[name].append(per_head[k:k + n].tolist())
            k += n
        step += 1
        if step % 50 == 0:
            msg = " | ".join(f"{k} " + " ".join(f"{v:.3f}" for v in np.mean(r[-50:], axis=0))
                             for k, r in running.items())
            log(f"exits step {step} {msg} ({time.time() - sched.start:.0f}s)")
    for heads in head_sets.values():
        heads.eval()
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch}
