"""SSIM and PSNR: the weight-free companions of LPIPS (same definitions in TypeScript).

Images: float RGB in [0, 1], shape [N, 3, H, W] (uint8 u enters as u/255). Results: one number
per image pair, shape [N].

PSNR: mse = mean over all channels and pixels of (a - b)^2; psnr = 10 * log10(1 / mse)
(data range 1.0); identical images give +inf.

SSIM (Wang et al. 2004, as skimage `structural_similarity(..., gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=1.0)`):
  * window: 11x11 Gaussian, sigma 1.5, g(i) = exp(-(i-5)^2 / (2*1.5^2)) for i = 0..10,
    normalised so the 2-D window (outer product) sums to 1;
  * per channel: mu_a = w*a, mu_b = w*b, s_aa = w*(a*a) - mu_a^2, s_bb = w*(b*b) - mu_b^2,
    s_ab = w*(a*b) - mu_a*mu_b, with * a 'valid' correlation (no padding: the map is
    (H-10) x (W-10));
  * C1 = (0.01*1)^2, C2 = (0.03*1)^2;
    ssim_map = ((2 mu_a mu_b + C1)(2 s_ab + C2)) / ((mu_a^2 + mu_b^2 + C1)(s_aa + s_bb + C2));
  * result = mean of ssim_map over the valid region, then mean over the 3 channels.
  (skimage crops a 5-px border of a 'same'-size map, which is exactly this valid region.)
"""
import math

import torch
import torch.nn.functional as F

SSIM_SIZE = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def gaussian_window(size=SSIM_SIZE, sigma=SSIM_SIGMA, dtype=torch.float64):
    i = torch.arange(size, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(i * i) / (2 * sigma * sigma))
    w = torch.outer(g, g)
    return w / w.sum()


def ssim(a, b, data_range=1.0):
    """Mean SSIM per pair, [N]; computed in float64 for stability."""
    a = a.to(torch.float64)
    b = b.to(torch.float64)
    c = a.shape[1]
    w = gaussian_window().to(a.device).expand(c, 1, SSIM_SIZE, SSIM_SIZE)

    def filt(x):
        return F.conv2d(x, w, groups=c)

    mu_a, mu_b = filt(a), filt(b)
    s_aa = filt(a * a) - mu_a * mu_a
    s_bb = filt(b * b) - mu_b * mu_b
    s_ab = filt(a * b) - mu_a * mu_b
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    num = (2 * mu_a * mu_b + c1) * (2 * s_ab + c2)
    den = (mu_a * mu_a + mu_b * mu_b + c1) * (s_aa + s_bb + c2)
    return (num / den).mean(dim=(1, 2, 3))


def psnr(a, b, data_range=1.0):
    """PSNR in dB per pair, [N]; +inf for identical images."""
    mse = ((a.to(torch.float64) - b.to(torch.float64)) ** 2).mean(dim=(1, 2, 3))
    return 10.0 * torch.log10(data_range ** 2 / mse)
