"""Reference image sets that show what the metrics of metrics.py read for known good and bad images.

The sets: real training images (the floor), the same images blurred or with added noise, uniform
noise, a single digit (mode collapse), and an untrained generator; each is compared with the MNIST
test set. `python -m gan_lab calibrate` prints the table (docs/calibration.md discusses it).
"""
from __future__ import annotations

import math
from typing import Optional

import torch

from .data import load_images, load_labels
from .metrics import DEFAULT_N, K_NEIGHBOURS, METRIC_FORMATS, METRIC_NAMES, compute_metrics, mnist_test_reference
from .models import build_models, generate

BLUR_SIGMAS = (0.5, 1.0, 2.0)  # pixels
NOISE_SIGMAS = (0.1, 0.3, 0.6)  # in units of the [-1, 1] pixel range, clipped back into it
ONE_CLASS_DIGIT = 1


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each image with a Gaussian of `sigma` pixels (kernel radius 3 sigma, borders padded with -1)."""
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-x ** 2 / (2 * sigma ** 2))
    kernel /= kernel.sum()
    padded = torch.nn.functional.pad(images, (radius,) * 4, value=-1.0)  # MNIST's background is -1
    out = torch.nn.functional.conv2d(padded, kernel.view(1, 1, 1, -1))
    return torch.nn.functional.conv2d(out, kernel.view(1, 1, -1, 1))


def calibration_sets(n: int = DEFAULT_N, data_root: Optional[str] = None, seed: int = 0) -> list[tuple[str, torch.Tensor]]:
    """(name, images) pairs: real training images, corrupted copies, noise, one digit, untrained G."""
    gen = torch.Generator().manual_seed(seed)
    train = load_images("mnist", train=True, root=data_root)
    labels = load_labels("mnist", train=True, root=data_root)
    real = train[torch.randperm(len(train), generator=gen)[:n]]
    sets = [("train images (floor)", real)]
    sets += [(f"train, blur sigma {s:g} px", gaussian_blur(real, s)) for s in BLUR_SIGMAS]
    sets += [(f"train, + noise sigma {s:g}", (real + s * torch.randn(real.shape, generator=gen)).clamp(-1, 1))
             for s in NOISE_SIGMAS]
    sets.append(("uniform noise", torch.rand(real.shape, generator=gen) * 2 - 1))
    one_digit = train[labels == ONE_CLASS_DIGIT]
    sets.append((f"only digit {ONE_CLASS_DIGIT}", one_digit[torch.randperm(len(one_digit), generator=gen)[:n]]))
    untrained, _ = build_models(seed=seed)
    sets.append(("untrained generator", generate(untrained, n, seed=seed)))
    return sets


def calibration_table(n: int = DEFAULT_N, data_root: Optional[str] = None, seed: int = 0) -> list[dict]:
    """One row per calibration set: {"set", "n", metric: value, ...} against the MNIST test set."""
    if not isinstance(n, int) or isinstance(n, bool) or not K_NEIGHBOURS < n <= 60_000:
        raise ValueError(f"n={n!r} is not allowed: an integer from {K_NEIGHBOURS + 1} to 60000")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed={seed!r} is not allowed: an integer >= 0")
    reference = mnist_test_reference(data_root)
    return [{"set": name, "n": len(images), **compute_metrics(images, reference)}
            for name, images in calibration_sets(n, data_root, seed)]


def format_calibration_table(rows: list[dict]) -> str:
    """The calibration rows as a Markdown table."""
    head = ["set", "N", *METRIC_NAMES]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for row in rows:
        cells = [row["set"], str(row["n"])] + [f"{row[m]:{METRIC_FORMATS[m]}}" for m in METRIC_NAMES]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
