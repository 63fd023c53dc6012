"""Figures: loss curves, D's outputs, image grids. Each function returns a matplotlib Figure."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from .checkpoint import write_config_json
from .runfiles import save_logs
from .files import atomic_write, figure_png
from .state import History, TrainState, ema_name
from .study import RunResult, saturated_labels, study_curves, study_rows


def smooth(values: Sequence[float], window: int = 100) -> np.ndarray:
    """Running mean over `window` steps ('valid' part only, so the curve has no edge artefacts)."""
    v = np.asarray(values, dtype=np.float64)
    window = max(1, min(window, len(v)))
    if len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    return (c[window:] - c[:-window]) / window


def default_window(n_steps: int) -> int:
    """About 1% of the run, at least 10 steps: enough to see the trend under the noise."""
    return max(10, n_steps // 100)


def _curve(ax, values: Sequence[float], label: str, color: str, window: int, single_steps: bool = True) -> None:
    window = max(1, min(window, len(values)))
    steps = np.arange(1, len(values) + 1)
    if single_steps:
        ax.plot(steps, values, color=color, alpha=0.25, linewidth=0.6)
    s = smooth(values, window)
    ax.plot(steps[window - 1:window - 1 + len(s)], s, color=color, linewidth=1.5, label=f"{label} (mean of {window} steps)")


def plot_losses(history: History, window: Optional[int] = None, title: str = "GAN losses") -> Figure:
    """lossD and lossG per step, raw (faint) and smoothed, in two panels."""
    window = window or default_window(len(history))
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, values, name, color in ((axes[0], history.lossD, "lossD", "tab:blue"),
                                    (axes[1], history.lossG, "lossG", "tab:orange")):
        _curve(ax, values, name, color, window)
        ax.set_xlabel("training step")
        ax.set_ylabel("BCE loss")
        ax.set_title(f"{'Discriminator' if name == 'lossD' else 'Generator'} loss ({name})")
        ax.legend(loc="upper right", fontsize=8)
    equilibrium = (2 * np.log(2), np.log(2))
    for ax, y in zip(axes, equilibrium):
        ax.axhline(y, color="grey", linestyle="--", linewidth=0.8)
    fig.suptitle(f"{title} (dashed: value at equilibrium, D = 1/2)")
    return fig


def plot_history(history: History, window: Optional[int] = None, title: str = "Training curves",
                 single_steps: bool = True) -> Figure:
    """Four panels: lossD, lossG, and D's mean outputs D(x) and D(G(z)) with the 1/2 line.

    single_steps=False leaves out the faint single steps, so the axes zoom in on the running means
    (single-step spikes would otherwise set the scale and flatten the means into lines).
    """
    window = window or default_window(len(history))
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    (a, b), (c, d) = fig.subplots(2, 2)
    _curve(a, history.lossD, "lossD", "tab:blue", window, single_steps)
    _curve(b, history.lossG, "lossG", "tab:orange", window, single_steps)
    _curve(c, history.D_x, "D(x)", "tab:green", window, single_steps)
    _curve(d, history.D_G_z, "D(G(z))", "tab:red", window, single_steps)
    for ax, name, eq in ((a, "lossD", 2 * np.log(2)), (b, "lossG", np.log(2)), (c, "D(x)", 0.5), (d, "D(G(z))", 0.5)):
        ax.axhline(eq, color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlabel("training step")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.legend(loc="best", fontsize=8)
    for ax in (c, d) if single_steps else ():
        ax.set_ylim(-0.02, 1.02)
    fig.suptitle(f"{title} (dashed: equilibrium value)")
    return fig


def image_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """N x 1 x 28 x 28 images in [-1, 1] (or uint8) as one H x W array in [0, 1]."""
    from torchvision.utils import make_grid

    x = images.detach().cpu()
    x = x.float() / 255 if x.dtype == torch.uint8 else (x.float().clamp(-1, 1) + 1) / 2
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=1.0)
    return grid[0].numpy()


def plot_grid(images: torch.Tensor, title: str = "Samples", nrow: int = 8, ax=None) -> Figure:
    """Show images as a grid (white 0..1 scale, black = -1)."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(5, 5), layout="constrained")
        ax = fig.subplots()
    ax.imshow(image_grid(images, nrow), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig if fig is not None else ax.figure


def plot_grids(grids: dict[str, torch.Tensor], title: str = "Samples", nrow: int = 8) -> Figure:
    """Several labelled grids side by side, e.g. one per configuration; as tall as their rows need."""
    rows = max(-(-len(images) // nrow) for images in grids.values())
    fig = Figure(figsize=(3.4 * len(grids), 0.4 + 3.4 * rows / nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(grids)))
    for ax, (name, images) in zip(axes, grids.items()):
        plot_grid(images, name, nrow, ax=ax)
    fig.suptitle(title)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> None:
    """Save a figure as PNG atomically (no half-written image if interrupted)."""
    data = figure_png(fig, dpi)
    atomic_write(path, lambda f: f.write(data))


def plot_bands(curves: dict[str, list[np.ndarray]], x_scale: float = 1.0, window: int = 1, ylabel: str = "",
               title: str = "", xlabel: str = "training step", ax=None, reference: Optional[float] = None,
               bounds: tuple[Optional[float], Optional[float]] = (None, None), per_seed: Sequence[str] = (),
               legend: bool = True) -> Figure:
    """Mean over seeds (line) and mean ± one std (band) for each labelled set of curves.

    The band is clipped to `bounds`, the range the quantity can take (a loss is never below 0).
    Configurations named in `per_seed` are drawn one line per seed instead: when seeds end in
    different places (one saturated at 0, another at 100), their mean is a value no run had.
    """
    fig = None
    if ax is None:
        fig = Figure(figsize=(6, 3.6), layout="constrained")
        ax = fig.subplots()
    for i, (name, runs) in enumerate(curves.items()):
        color = f"C{i}"
        if name in per_seed:  # each seed as long as it ran (a stopped run is shorter)
            for k, run in enumerate(runs):  # thick to thin, so seeds stuck at the same value stay visible
                w = window if len(run) > window else 1
                y = smooth(run, w) if w > 1 else np.asarray(run, dtype=float)
                ax.plot((np.arange(len(y)) + (w + 1) / 2) * x_scale, y, color=color, linewidth=max(3.0 - 1.0 * k, 0.8),
                        alpha=0.9, linestyle=("-", "--", ":")[k % 3], label=f"{name}, seed {k}")
            continue
        n = min(len(r) for r in runs)
        stack = np.stack([smooth(r[:n], window) if window > 1 else np.asarray(r[:n], dtype=float) for r in runs])
        x = (np.arange(stack.shape[1]) + (window + 1) / 2) * x_scale
        mean, std = stack.mean(0), stack.std(0)
        low, high = bounds
        ax.plot(x, mean, color=color, linewidth=1.2, label=f"{name} ({len(runs)} seeds)")
        ax.fill_between(x, np.clip(mean - std, low, high), np.clip(mean + std, low, high), color=color, alpha=0.25,
                        linewidth=0)
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend:
        ax.legend(fontsize=8)
    return fig if fig is not None else ax.figure


METRIC_LABELS = {"FD_mnist": "Fréchet distance (lower is better)", "IS_mnist": "classifier score (max 10)",
                 "precision": "precision (realism)", "recall": "recall (coverage)",
                 "digits_covered": "digits covered (of 10)", "class_KL": "class KL to the test set"}


def plot_metric_history(metrics: Sequence[dict], names: Sequence[str] = ("FD_mnist", "IS_mnist", "precision", "recall"),
                        title: str = "Quality metrics during training") -> Figure:
    """One panel per metric against the epoch, from History.metrics (evaluated every k epochs)."""
    fig = Figure(figsize=(3.2 * len(names), 3.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    epochs = [m["epoch"] for m in metrics]
    for ax, name in zip(axes, names):
        ax.plot(epochs, [m[name] for m in metrics], marker="o", markersize=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
    fig.suptitle(title)
    return fig


def write_run_files(state: TrainState, out_dir: str | Path) -> None:
    """config.json, losses.png and samples.png (8 x 8 fixed-noise grid) in out_dir, and history.csv and
    samples.u8 brought up to date (fit keeps them so after every epoch)."""
    out_dir = Path(out_dir)
    c = state.config
    write_config_json(out_dir / "config.json", c)
    state.saved = save_logs(out_dir, state.history, state.saved)
    if len(state.history):
        about = f"{c.optimizer}, lr_d={c.lr_d:g}, lr_g={c.lr_g:g}, z_dim={c.z_dim}, batch {c.batch_size}"
        save_figure(plot_losses(state.history, title=f"GAN losses ({about})"), out_dir / "losses.png")
    save_figure(plot_grid(state.fixed_samples(), f"Fixed-noise samples after {state.step} steps"), out_dir / "samples.png")


# ----------------------------------------------------------------------------------------- studies

def plot_study_losses(study: dict[str, list[RunResult]], title: str, separate: bool = False, log_scale: bool = False):
    """lossG and lossD of every configuration, mean ± std over seeds, as stored and smoothed over 1,000 steps.

    separate=True gives each configuration its own column and y scale (smoothed curves only), so that a
    saturated run at 100 does not flatten a working one. Saturated configurations are drawn per seed.
    log_scale=True: linear from 0 to 1, logarithmic above, for losses that run away by many powers of ten.
    """
    every = next(iter(study.values()))[0].every
    per_seed = saturated_labels(study)
    columns = [{lab: runs} for lab, runs in study.items()] if separate else [study, study]
    fig = Figure(figsize=(6 * len(columns), 6.5), layout="constrained")
    axes = fig.subplots(2, len(columns), squeeze=False)
    for row, (key, equilibrium) in enumerate((("lossG", math.log(2)), ("lossD", 2 * math.log(2)))):
        for col, part in enumerate(columns):
            window = 100 if separate or col == 1 else 1
            kind = f"blocks of {every} steps" if window == 1 else f"smoothed over {window * every:,} steps"
            name = f"{next(iter(part))}\n" if separate else ""
            plot_bands(study_curves(part, key), x_scale=every, window=window, ax=axes[row, col], ylabel=key,
                       reference=equilibrium, title=f"{name}{key}, {kind}", bounds=(0, None), per_seed=per_seed)
            if log_scale:
                axes[row, col].set_yscale("symlog", linthresh=1.0)
                axes[row, col].set_ylim(bottom=0)  # a loss is never negative
    fig.suptitle(f"{title} (dashed: equilibrium value)")
    return fig


def plot_study_metrics(study: dict[str, list[RunResult]], names: Sequence[str] = ("FD_mnist", "recall"),
                       title: str = "Quality during training, mean ± std over seeds"):
    """Metrics measured during training (every few epochs), mean ± std over seeds, one panel per metric."""
    fig = Figure(figsize=(6 * len(names), 4.4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    epochs = next(iter(study.values()))[0].metric_epochs
    for ax, name in zip(axes, names):
        curves = {label: [r.metric_curves[name] for r in runs] for label, runs in study.items()}
        high = 1.0 if name in ("precision", "recall") else None
        plot_bands(curves, x_scale=epochs[0], ax=ax, xlabel="epoch", ylabel=name, title=METRIC_LABELS.get(name, name),
                   bounds=(0, high), per_seed=saturated_labels(study), legend=False)
    # One legend under the panels, where it covers no band.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), fontsize=8)
    fig.suptitle(title)
    return fig


def plot_average_curves(runs: Sequence[RunResult], names: Sequence[str] = ("FD_mnist", "recall"),
                        title: str = "G and the averages of its weights during training"):
    """Metrics measured during training for G and each moving average of its weights, mean ± std over seeds."""
    fig = Figure(figsize=(6 * len(names), 4.4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    epochs = runs[0].metric_epochs
    prefixes = {"G itself": ""} | {f"average, decay {d:g}": f"{ema_name(d)}_" for d in runs[0].config.ema}
    for ax, name in zip(axes, names):
        curves = {label: [r.metric_curves[prefix + name] for r in runs] for label, prefix in prefixes.items()}
        plot_bands(curves, x_scale=epochs[0], ax=ax, xlabel="epoch", ylabel=name, title=METRIC_LABELS.get(name, name),
                   bounds=(0, 1.0 if name in ("precision", "recall") else None), legend=False)
        if name == "FD_mnist":  # a slow average starts far off; a log scale keeps the later gaps visible
            plain_log_scale(ax)
            ax.set_ylabel("FD_mnist (log scale)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), fontsize=8)
    fig.suptitle(title)
    return fig


def plain_log_scale(ax) -> None:
    """A log y axis labelled with plain numbers: 50, 100, 200 read better than 5 x 10^1."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_yticks([t for t in (10, 20, 30, 40, 50, 60, 70, 80, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000) if low <= t <= high])
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_quality_and_cost(groups: dict[str, Sequence[RunResult]], name: str = "FD_mnist", goal: Optional[float] = None,
                          title: str = "Quality against training: epochs and minutes",
                          epoch_cost: Optional[dict[str, float]] = None, cost_label: str = "") -> Figure:
    """A metric measured during training, for G and its first average, against epochs and against minutes.

    Mean ± std over each group's seeds; minutes are the runs' mean training time per epoch times the epoch.
    epoch_cost (one number per group, named by cost_label) replaces the minutes where they were not timed alike.
    """
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    by_epoch, by_time = fig.subplots(1, 2, sharey=True)
    i = 0
    for group, runs in groups.items():
        epochs = np.asarray(runs[0].metric_epochs, dtype=float)
        minutes = epochs * (epoch_cost[group] if epoch_cost else np.mean([r.seconds / r.config.epochs for r in runs]) / 60)
        prefixes = {"G itself": ""} | {f"average {d:g}": f"{ema_name(d)}_" for d in runs[0].config.ema[:1]}
        for who, prefix in prefixes.items():
            values = np.stack([np.asarray(r.metric_curves[prefix + name], dtype=float) for r in runs])
            mean, std = values.mean(0), values.std(0)
            for ax, x in ((by_epoch, epochs), (by_time, minutes)):
                ax.plot(x, mean, color=f"C{i}", linewidth=1.2, label=f"{group}, {who} ({len(runs)} seeds)")
                ax.fill_between(x, mean - std, mean + std, color=f"C{i}", alpha=0.25, linewidth=0)
            i += 1
    for ax, xlabel in ((by_epoch, "epoch"), (by_time, cost_label if epoch_cost else "minutes of training per run (one core)")):
        if goal is not None:
            ax.axhline(goal, color="black", linestyle="--", linewidth=0.8, label=f"goal: {goal:g}")
        plain_log_scale(ax)
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major", alpha=0.3)
    by_epoch.set_ylabel(f"{name} (log scale)")
    by_epoch.set_title(f"{METRIC_LABELS.get(name, name)} against epochs")
    by_time.set_title(f"{METRIC_LABELS.get(name, name)} against training {'cost' if epoch_cost else 'time'}")
    handles, labels = by_epoch.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), fontsize=8)
    fig.suptitle(title)
    return fig


def plot_lr_study(study: dict[str, list[RunResult]], names: Sequence[str] = ("FD_mnist", "recall"),
                  title: str = "Final quality against learning rate, mean ± std over seeds"):
    """One panel per final metric against lr (log scale): a line per optimizer (and Adam beta1), a dot per seed."""
    rows = {row["label"]: row for row in study_rows(study)}  # mean, std and the seeds' values per metric
    families: dict[str, list[tuple[float, dict]]] = {}  # family -> (lr, summary row), in the study's order
    for label, runs in study.items():
        c = runs[0].config
        family = "SGD" if c.optimizer == "sgd" else f"Adam, beta1 {c.betas[0]:g}"
        families.setdefault(family, []).append((c.lr_d, rows[label]))
    fig = Figure(figsize=(6 * len(names), 4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for family, points in families.items():
            points = sorted(points, key=lambda point: point[0])
            lrs = [lr for lr, _ in points]
            means, stds = [row[name]["mean"] for _, row in points], [row[name]["std"] for _, row in points]
            line = ax.errorbar(lrs, means, yerr=stds, marker="o", capsize=4, label=family)
            for lr, row in points:
                ax.scatter([lr] * len(row[name]["values"]), row[name]["values"], s=10, color=line[0].get_color(),
                           alpha=0.4)
        ax.set_xscale("log")
        if name == "FD_mnist":
            ax.set_yscale("log")  # from about 70 (good) to about 900 (noise)
        ax.set_xlabel("learning rate (lr_d = lr_g)")
        ax.set_ylabel(name)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig
