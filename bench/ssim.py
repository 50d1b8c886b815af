"""SSIM for the benchmark (numpy + Pillow; no GPL code).

Method: Wang et al. 2004 SSIM on luma (Y = 0.299 R + 0.587 G + 0.114 B, 8-bit scale), an 11-tap
Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, averaged over the "valid" region
(no padding). The reference is the original decoded at full resolution by Pillow and resampled with
Pillow's Lanczos (a = 3) straight to the output's size (for crops: the centred cover crop box),
so every tool is scored against the same ideal, not against another tool.
"""

from functools import lru_cache

import numpy as np
from PIL import Image

Image.MAX_IMAGE_PIXELS = None


def _kernel():
    x = np.arange(11, dtype=np.float64) - 5
    k = np.exp(-(x * x) / (2 * 1.5 * 1.5))
    return k / k.sum()


_K = _kernel()


def _filter(a):
    """Separable 11x11 Gaussian, valid region."""
    h, w = a.shape
    t = np.zeros((h, w - 10))
    for i, k in enumerate(_K):
        t += k * a[:, i : i + w - 10]
    out = np.zeros((h - 10, w - 10))
    for i, k in enumerate(_K):
        out += k * t[i : i + h - 10, :]
    return out


def luma(img):
    a = np.asarray(img.convert("RGB"), dtype=np.float64)
    return a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114


def ssim(x, y):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _filter(x), _filter(y)
    sxx = _filter(x * x) - mx * mx
    syy = _filter(y * y) - my * my
    sxy = _filter(x * y) - mx * my
    m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(m.mean())


@lru_cache(maxsize=4)
def _source(path):
    img = Image.open(path)
    img.load()
    return img.convert("RGB")


@lru_cache(maxsize=64)
def _reference(path, size, crop):
    src = _source(path)
    sw, sh = src.size
    ow, oh = size
    if crop:
        # Cover the box, then take its centre (imgix fit=crop, sharp fit=cover, vips smartcrop=centre).
        scale = max(ow / sw, oh / sh)
        bw, bh = ow / scale, oh / scale
        box = ((sw - bw) / 2, (sh - bh) / 2, (sw + bw) / 2, (sh + bh) / 2)
    else:
        box = (0, 0, sw, sh)
    return luma(src.resize((ow, oh), Image.Resampling.LANCZOS, box=box, reducing_gap=None))


def score(source_path, output_path, crop):
    """SSIM of `output_path` against the reference for its own size, or None if it cannot be read."""
    try:
        out = Image.open(output_path)
        out.load()
    except Exception:
        return None
    ref = _reference(source_path, out.size, crop)
    return ssim(luma(out), ref)
