"""Training loops: the backbone against ground truth, then the exit heads against the backbone.

Both loops run for a step cap and/or a wall-clock budget (minutes), with a cosine learning-rate
decay over whichever ends first. Batches come from the task adapter's `draw`, inputs from its
`to_tensors`, forward passes from its `forward`: the loops themselves know no task.
"""
import math
import time

import numpy as np
import torch

from .tensors import device_of, images_to_tensor


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


def _mean_tail(running, column, window=100):
    tail = running[-window:]
    return float(np.mean([r[column] for r in tail])) if tail else None


def train_backbone(adapter, backbone, lpips, source, minutes, max_steps, batch=8, lr=2e-3, seed=0,
                   log=print):
    """L1 + LPIPS-alex of the full output to the ground truth (on the backbone's device)."""
    device = device_of(backbone)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(backbone.parameters(), lr=lr, betas=(0.5, 0.999))
    sched = Schedule(minutes, max_steps)
    every = adapter.log_every
    backbone.train()
    step, running = 0, []
    while sched.progress(step) < 1.0:
        for g in opt.param_groups:
            g["lr"] = sched.lr(lr, step)
        part = adapter.draw(source, rng, batch)
        inputs = adapter.to_tensors(part, device)
        y = images_to_tensor(part["target"], device)
        out = adapter.forward(backbone, inputs).full
        l1 = (out - y).abs().mean()
        lp = lpips(out, y).mean()
        loss = l1 + lp
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.append((l1.item(), lp.item()))
        step += 1
        if step % every == 0:
            a = np.mean(running[-every:], axis=0)
            log(f"backbone step {step} l1 {a[0]:.4f} lpips {a[1]:.4f} ({time.time() - sched.start:.0f}s)")
    backbone.eval()
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch,
            "final_l1": _mean_tail(running, 0), "final_lpips": _mean_tail(running, 1)}


def train_exits(adapter, backbone, head_sets, guides, lpips, source, minutes, max_steps, batch=8,
                lr=2e-3, seed=1, log=print):
    """Train every head of every set to match the frozen backbone's own output
    (L1 + LPIPS-alex to the full output). `head_sets`: dict name -> ExitHeads; all sets see the
    same batches (the guides ablation is paired), each with its own optimiser."""
    rng = np.random.default_rng(seed)
    device = device_of(backbone)
    backbone.eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    opts = {k: torch.optim.Adam(h.parameters(), lr=lr, betas=(0.5, 0.999)) for k, h in head_sets.items()}
    sched = Schedule(minutes, max_steps)
    every = adapter.log_every
    step, running = 0, {k: [] for k in head_sets}
    while sched.progress(step) < 1.0:
        inputs = adapter.to_tensors(adapter.draw(source, rng, batch), device)
        with torch.no_grad():
            fw = adapter.forward(backbone, inputs)
            full = fw.full
            target = lpips.features_of(full)
            guide = guides(fw.guide_input)
        # every head of every set in one LPIPS pass (one big batch is faster on a CPU)
        outs = {}
        for name, heads in head_sets.items():
            heads.train()
            for g in opts[name].param_groups:
                g["lr"] = sched.lr(lr, step)
            outs[name] = heads(fw.feats, guide, fw.head_input)
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
        if step % every == 0:
            msg = " | ".join(f"{k} " + " ".join(f"{v:.3f}" for v in np.mean(r[-every:], axis=0))
                             for k, r in running.items())
            log(f"exits step {step} {msg} ({time.time() - sched.start:.0f}s)")
    for heads in head_sets.values():
        heads.eval()
    return {"steps": step, "seconds": round(time.time() - sched.start, 1), "batch": batch}
