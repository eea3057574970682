import numpy as np
import pytest
import torch
from scipy import ndimage

from exitgraph_training.image_metrics import gaussian_window, psnr, ssim
from exitgraph_training.lpips import LPIPS, LpipsWeightsMissing, load_image_minus1_1

REFERENCE = {"alex": (0.721881, 0.137566), "squeeze": (0.711048, 0.147902)}


@pytest.mark.parametrize("net", ["alex", "squeeze"])
def test_lpips_reference_values(weights_dir, net):
    imgs = weights_dir / "test-images"
    ref, p0, p1 = (load_image_minus1_1(imgs / f"{n}.png") for n in ("ex_ref", "ex_p0", "ex_p1"))
    d = LPIPS(net, weights_dir)(torch.cat([ref, ref]), torch.cat([p0, p1]))
    assert abs(d[0].item() - REFERENCE[net][0]) < 1e-4
    assert abs(d[1].item() - REFERENCE[net][1]) < 1e-4


def test_lpips_is_batched_and_differentiable(weights_dir):
    lp = LPIPS("alex", weights_dir)
    torch.manual_seed(0)
    a = torch.rand(3, 3, 64, 64) * 2 - 1
    b = torch.rand(3, 3, 64, 64) * 2 - 1
    batched = lp(a, b)
    single = torch.cat([lp(a[i:i + 1], b[i:i + 1]) for i in range(3)])
    assert torch.allclose(batched, single, atol=1e-6)
    assert lp(a, a).abs().max() < 1e-6
    a.requires_grad_(True)
    lp(a, b).sum().backward()
    assert a.grad is not None and a.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in lp.parameters())


def test_missing_weights_folder_says_where_and_how(tmp_path):
    with pytest.raises(LpipsWeightsMissing) as err:
        LPIPS("alex", tmp_path / "nowhere")
    assert "nowhere" in str(err.value) and "export_lpips_weights" in str(err.value)


def _ssim_scipy(a, b):
    """Independent SSIM (numpy/scipy, valid region) for one [H, W, C] pair in [0, 1]."""
    w = gaussian_window().numpy()
    out = []
    for c in range(a.shape[2]):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)

        def f(z):
            return ndimage.correlate(z, w, mode="constant")[5:-5, 5:-5]
        mx, my = f(x), f(y)
        sxx, syy, sxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
        c1, c2 = 0.01 ** 2, 0.03 ** 2
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        out.append(m.mean())
    return float(np.mean(out))


def test_ssim_matches_an_independent_implementation():
    rng = np.random.default_rng(0)
    a = rng.random((32, 40, 3))
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1)
    t = lambda z: torch.from_numpy(z).permute(2, 0, 1)[None]
    assert abs(ssim(t(a), t(b)).item() - _ssim_scipy(a, b)) < 1e-9
    assert abs(ssim(t(a), t(a)).item() - 1.0) < 1e-12


def test_psnr():
    a = torch.zeros(1, 3, 8, 8)
    b = torch.full((1, 3, 8, 8), 0.1)
    assert abs(psnr(a, b).item() - 20.0) < 1e-5
    assert torch.isinf(psnr(a, a)).all()
