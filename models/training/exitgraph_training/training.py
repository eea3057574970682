"""Training loops: the backbone against ground truth, then the exit heads against the backbone.

Both loops run on a wall-clock budget (minutes) and/or a step cap, with a cosine learning-rate
decay over whichever ends first, so that the whole pack build fits the machine it runs on.
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from .dataset import device_of, images_to_tensor, labels_to_tensor


class Schedule:
    """Progress in [0, 1] by steps or by time, whichever is further along."""

    def __init__(self, minutes, max_steps):
        self.seconds = minutes * 60 if minutes else None
        self.max_steps = max_steps
        self.start = time.time()

    def progress(self, step):
        p = step / self.max_steps if self.max_steps else 0.0
        if self.seconds:
            p = max(p, (time.time() - self.start) / self.seconds)
        return min(p, 1.0)

    def lr(self, base, step, floor=0.05):
        p = self.progress(step)
        return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def batches(rng, count, batch):
    while True:
        yield rng.integers(0, count, batch)


def train_backbone(backbone, lpips, labels, images, minutes, max_steps, batch=8, lr=2e-3,
                   seed=0, log=print):
    """L1 + LPIPS-alex to the ground-truth render (on the backbone's device; lpips alike)."""
    device = device_of(backbone)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(backbone.parameters(), lr=lr, betas=(0.5, 0.999))
    sched = Schedule(minutes, max_steps)
    backbone.train()
    step, running = 0, []
    for idx in batches(rng, len(labels), batch):
        if sched.progress(step) >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = sched.lr(lr, step)
        x = labels_to_tensor(labels[idx], device)
        y = images_to_tensor(images[idx], device)
        out, _ = backbone(x)
        l1 = (out - y).abs().mean()
        lp = lpips(out, y).mean()
        loss = l1 + lp
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.append((l1.item(), lp.item()))
        step += 1
        if step % 100 == 0:
            a = np.mean(running[-100:], axis=0)
            log(f"backbone step {step} l1 {a[0]:.4f} lpips {a[1]:.4f} "
                f"({time.time() - sched.start:.0f}s)")
    backbone.eval()
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch,
            "final_l1": float(np.mean([r[0] for r in running[-100:]])) if running else None,
            "final_lpips": float(np.mean([r[1] for r in running[-100:]])) if running else None}


def train_exits(backbone, head_sets, guides, lpips, labels, minutes, max_steps, batch=8,
                lr=2e-3, seed=1, log=print):
    """Train every head of every set to match the frozen backbone's own output
    (L1 + LPIPS-alex to the full output). `head_sets`: dict name -> ExitHeads; all sets see the
    same batches (the ablation is paired), each with its own optimiser."""
    rng = np.random.default_rng(seed)
    device = device_of(backbone)
    backbone.eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    opts = {k: torch.optim.Adam(h.parameters(), lr=lr, betas=(0.5, 0.999)) for k, h in head_sets.items()}
    sched = Schedule(minutes, max_steps)
    step, running = 0, {k: [] for k in head_sets}
    for idx in batches(rng, len(labels), batch):
        if sched.progress(step) >= 1.0:
            break
        x = labels_to_tensor(labels[idx], device)
        with torch.no_grad():
            full, feats = backbone(x)
            target = lpips.features_of(full)
            guide = guides(feats[0])
        # every head of every set in one LPIPS pass (one big batch is faster on a CPU)
        outs = {}
        for name, heads in head_sets.items():
            heads.train()
            for g in opts[name].param_groups:
                g["lr"] = sched.lr(lr, step)
            outs[name] = heads(feats, guide, x)
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
        if step % 100 == 0:
            msg = " | ".join(f"{k} " + " ".join(f"{v:.3f}" for v in np.mean(r[-100:], axis=0))
                             for k, r in running.items())
            log(f"exits step {step} {msg} ({time.time() - sched.start:.0f}s)")
    for heads in head_sets.values():
        heads.eval()
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch}
