"""Looking inside a trained generator: animation over epochs, latent interpolation, nearest neighbours."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .models import Generator
from .plotting import image_grid


def frame_epochs(n_epochs: int, max_frames: int = 25) -> list[int]:
    """Up to max_frames epoch numbers (1-based), spaced evenly on a log scale: early epochs change most."""
    if n_epochs <= max_frames:
        return list(range(1, n_epochs + 1))
    picks = np.unique(np.round(np.geomspace(1, n_epochs, max_frames)).astype(int))
    return [int(e) for e in picks]


def samples_gif(samples: Sequence[torch.Tensor], epochs: Sequence[int], path: str | Path | None = None,
                ms_per_frame: int = 250, n_images: int = 64) -> bytes:
    """An animated GIF of fixed-noise grids (the first n_images, a square number), one frame per given
    epoch (1-based); written atomically if path is given."""
    from PIL import Image, ImageDraw

    nrow = int(round(n_images ** 0.5))
    frames = []
    for e in epochs:
        grid = (image_grid(samples[e - 1][:n_images], nrow=nrow) * 255).astype(np.uint8)
        img = Image.fromarray(np.pad(grid, ((14, 0), (0, 0)), constant_values=255), mode="L")
        ImageDraw.Draw(img).text((4, 1), f"epoch {e}", fill=0)
        frames.append(img)
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    data = buf.getvalue()
    if path is not None:
        from .files import atomic_write

        atomic_write(path, lambda f: f.write(data))
    return data


def gif_html(data: bytes, width: int = 360) -> str:
    """An <img> tag that shows GIF bytes inline in a notebook."""
    import base64

    return f'<img src="data:image/gif;base64,{base64.b64encode(data).decode()}" width="{width}">'


def interpolate_z(z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> torch.Tensor:
    """`steps` latent vectors evenly spaced on the straight line from z0 to z1, both ends included: (steps, z_dim)."""
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).unsqueeze(1)
    return (1 - t) * z0.reshape(1, -1) + t * z1.reshape(1, -1)


def images_from(G: Generator, z: torch.Tensor) -> torch.Tensor:
    """G's images for the latent vectors z (computed on G's device, returned on the CPU)."""
    device = next(G.parameters()).device
    with torch.no_grad():
        return G(z.to(device)).cpu()


def interpolate(G: Generator, z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> torch.Tensor:
    """G's images along the straight line from z0 to z1 (steps images, both ends included)."""
    return images_from(G, interpolate_z(z0, z1, steps))


def plot_interpolations(rows: Sequence[torch.Tensor], title: str = "Walking in latent space") -> Figure:
    """One row of images per interpolation, left (t = 0) to right (t = 1)."""
    steps = len(rows[0])
    fig = Figure(figsize=(1.1 * steps, 1.2 * len(rows) + 0.6), layout="constrained")
    ax = fig.subplots()
    ax.imshow(image_grid(torch.cat(list(rows)), nrow=steps), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([2 + 30 * i + 14 for i in range(steps)], [f"{t:.2f}" for t in np.linspace(0, 1, steps)])
    ax.set_yticks([])
    ax.set_xlabel("t in z = (1 - t) z0 + t z1")
    ax.set_ylabel("pair of latent vectors")
    ax.set_title(title)
    return fig


def nearest_training_images(samples: torch.Tensor, train_images: torch.Tensor, k: int = 3,
                            chunk: int = 10_000) -> tuple[torch.Tensor, torch.Tensor]:
    """For each sample, the indices and pixel-space L2 distances of its k nearest training images."""
    s = samples.reshape(len(samples), -1).float()
    best_d = torch.full((len(s), k), float("inf"))
    best_i = torch.zeros((len(s), k), dtype=torch.long)
    for start in range(0, len(train_images), chunk):
        t = train_images[start:start + chunk].reshape(-1, s.shape[1]).float()
        d = torch.cdist(s, t)
        cand_d = torch.cat([best_d, d], dim=1)
        cand_i = torch.cat([best_i, torch.arange(start, start + len(t)).expand(len(s), -1)], dim=1)
        best_d, pos = cand_d.topk(k, dim=1, largest=False)
        best_i = cand_i.gather(1, pos)
    return best_i, best_d


def plot_nearest(samples: torch.Tensor, train_images: torch.Tensor, idx: torch.Tensor, dist: torch.Tensor,
                 title: str = "Generated samples (left) and their nearest training images") -> Figure:
    """Each row: a sample, then its nearest training images with their distances."""
    n, k = idx.shape
    fig = Figure(figsize=(1.3 * (k + 1), 1.35 * n + 0.5), layout="constrained")
    axes = fig.subplots(n, k + 1, squeeze=False)
    for r in range(n):
        row = [samples[r]] + [train_images[i] for i in idx[r].tolist()]
        labels = ["sample"] + [f"d = {d:.1f}" for d in dist[r].tolist()]
        for c, (img, label) in enumerate(zip(row, labels)):
            ax = axes[r, c]
            ax.imshow((img[0].clamp(-1, 1) + 1).numpy() / 2, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(label, fontsize=8)
    fig.suptitle(title)
    return fig
