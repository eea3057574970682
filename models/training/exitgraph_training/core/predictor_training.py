"""Training the difficulty predictor: the pack's inputs -> LPIPS-to-full of every exit.

Targets are measured (evaluation.measure) on training samples the exit heads were trained on;
its held-out quality is measured on the calibration and test splits."""
import time

import numpy as np
import torch

from .tensors import split_size, split_slice


def pooled_inputs(adapter, predictor, split, batch=256):
    """The predictor's pooled input for a whole split (computed once, then sampled from)."""
    n = split_size(split)
    return torch.cat([predictor.pooled_input(*adapter.to_tensors(split_slice(split, s, s + batch)))
                      for s in range(0, n, batch)])


def train_predictor(adapter, split, targets, steps=3000, batch=64, lr=3e-3, weight_decay=1e-4, seed=2,
                    log=print):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    predictor = adapter.new_predictor(targets.shape[1])
    x_all = pooled_inputs(adapter, predictor, split)
    y_all = torch.from_numpy(np.asarray(targets, np.float32))
    opt = torch.optim.Adam(predictor.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    start = time.time()
    for step in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(x_all), batch))
        pred = predictor.forward_pooled(x_all[idx])
        # relative (log-scale) error: ranks small distances as carefully as large ones
        loss = torch.nn.functional.smooth_l1_loss(torch.log(pred[:, :-1] + 0.01),
                                                  torch.log(y_all[idx][:, :-1] + 0.01), beta=0.1)
        loss = loss + pred[:, -1].abs().mean()   # the full model's distance to itself is 0
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 1000 == 0:
            log(f"predictor step {step + 1} loss {loss.item():.4f}")
    predictor.eval()
    return predictor, {"steps": steps, "samples": len(x_all), "seconds": round(time.time() - start, 1)}
