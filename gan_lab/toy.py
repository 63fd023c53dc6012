"""A GAN on 1-D numbers that trains on a CPU in seconds, to watch the game of notebook 01.

The real data are numbers x drawn from a mixture of Gaussians (by default two bumps, at -2 and
+2). G turns random noise z (4 numbers) into a number x; D says how likely x is to be real. toy_step is
the MNIST GAN's own step, gan_lab.train.train_step: BCE, lab_real = 1, lab_fake = 0, one D step, then
one G step. Everything is drawn from seeded generators, so a run is reproducible. The interactive
panel of notebook 01 is gan_lab.widgets.toy_panel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from .classifier import single_thread
from .state import History, StepResult
from .train import train_step

G_LOSSES = ("non_saturating", "saturating")
X_RANGE = (-5.0, 5.0)  # the stretch of the number line the plots show
N_GRID = 401  # points on that stretch where the densities and D(x) are computed
N_SAMPLES = 20_000  # generated numbers behind each histogram of G's density
N_BINS = 80


@dataclass(frozen=True)
class ToyConfig:
    """Everything a toy run depends on."""

    means: tuple = (-2.0, 2.0)  # centres of the real data's Gaussian bumps, equally likely
    std: float = 0.5  # width of each bump
    z_dim: int = 4  # size of G's input noise z
    g_hidden: int = 16
    d_hidden: int = 32
    lr: float = 1e-3  # Adam, for D and G
    betas: tuple = (0.5, 0.999)
    batch_size: int = 128
    g_loss: str = "non_saturating"  # G's loss: BCE(D(G(z)), 1), or 'saturating': log(1 - D(G(z)))
    seed: int = 0

    def __post_init__(self):
        if self.g_loss not in G_LOSSES:
            raise ValueError(f"g_loss={self.g_loss!r} is not allowed: one of {', '.join(G_LOSSES)}")
        if not self.means or self.std <= 0:
            raise ValueError(f"means={self.means!r}, std={self.std!r} are not allowed: "
                             "at least one mean and a positive std")


class ToyGenerator(nn.Module):
    """G(z): z_dim -> hidden -> hidden -> 1 number, LeakyReLU(0.2) in between, no output squashing."""

    def __init__(self, z_dim: int = 4, hidden_dim: int = 16):
        super().__init__()
        self.z_dim = z_dim  # train_step and toy_step read it to draw z
        self.net = nn.Sequential(nn.Linear(z_dim, hidden_dim), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Numbers, shape N x 1, from noise z (N x z_dim)."""
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """D(x): 1 -> hidden -> hidden -> 1 -> Sigmoid, the probability that each number x is real."""

    def __init__(self, hidden_dim: int = 32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden_dim), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden_dim, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities, shape N x 1, for numbers x (N x 1)."""
        return self.net(x)


def sample_real(n: int, config: ToyConfig = ToyConfig(), generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """n real data points, shape n x 1: pick a bump uniformly, then add Gaussian noise of width std."""
    means = torch.tensor(config.means, dtype=torch.float32)
    which = torch.randint(len(means), (n,), generator=generator)
    return (means[which] + config.std * torch.randn(n, generator=generator)).unsqueeze(1)


def real_density(x: np.ndarray, config: ToyConfig = ToyConfig()) -> np.ndarray:
    """p_data(x), the exact density of the real data."""
    x = np.asarray(x, dtype=np.float64)
    bumps = [np.exp(-0.5 * ((x - m) / config.std) ** 2) / (config.std * math.sqrt(2 * math.pi)) for m in config.means]
    return np.mean(bumps, axis=0)


@dataclass
class ToyState:
    """A toy run: models, optimizers, random generators, step counter and per-step history."""

    config: ToyConfig
    G: ToyGenerator
    D: ToyDiscriminator
    optD: torch.optim.Optimizer
    optG: torch.optim.Optimizer
    data_gen: torch.Generator  # draws the real batches
    noise_gen: torch.Generator  # draws z
    history: History = field(default_factory=History)
    step: int = 0


def new_toy(config: Optional[ToyConfig] = None, **changes) -> ToyState:
    """A fresh toy run; new_toy(seed=1, g_loss='saturating') changes fields of the default ToyConfig."""
    config = replace(config or ToyConfig(), **changes)
    with torch.random.fork_rng(devices=[]):  # the weights depend on the seed only; the global RNG is untouched
        torch.manual_seed(config.seed)
        G = ToyGenerator(config.z_dim, config.g_hidden)
        D = ToyDiscriminator(config.d_hidden)
    optD = torch.optim.Adam(D.parameters(), lr=config.lr, betas=config.betas)
    optG = torch.optim.Adam(G.parameters(), lr=config.lr, betas=config.betas)
    data_gen = torch.Generator().manual_seed(config.seed + 1)
    noise_gen = torch.Generator().manual_seed(config.seed + 2)
    return ToyState(config, G, D, optD, optG, data_gen, noise_gen)


def toy_step(state: ToyState, train_g: bool = True) -> StepResult:
    """One D step, then one G step, with gan_lab.train.train_step, on a batch of real numbers.

    train_g=False does the D step only (to let D win). With config.g_loss='saturating', G
    minimises log(1 - D(G(z))), the minimax objective as written, instead of BCE(D(G(z)), 1).
    """
    cfg = state.config
    x_real = sample_real(cfg.batch_size, cfg, state.data_gen)
    result = train_step(state.G, state.D, state.optD, state.optG, x_real, nn.BCELoss(), state.noise_gen,
                        g_loss=cfg.g_loss, train_g=train_g)
    state.history.append(result)
    state.step += 1
    return result


def train_toy(state: ToyState, steps: int, train_g: bool = True) -> ToyState:
    """Run `steps` toy steps; returns the same state, trained further."""
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps={steps!r} is not allowed: an integer >= 0")
    with single_thread():  # networks this small lose time splitting work across threads
        for _ in range(steps):
            toy_step(state, train_g)
    return state


@dataclass
class ToyCurves:
    """What one picture of the toy game shows, computed on a grid of x values."""

    step: int
    x: np.ndarray  # grid on the number line
    p_data: np.ndarray  # real density at x
    D: np.ndarray  # D(x)
    bin_edges: np.ndarray  # histogram of N_SAMPLES generated numbers:
    p_g: np.ndarray  # its height in each bin (a density: area 1 over all numbers, also those off the plot)
    g_mean: float
    g_std: float


@torch.no_grad()
def toy_curves(state: ToyState, n_samples: int = N_SAMPLES) -> ToyCurves:
    """p_data and D(x) on the grid, and G's density as a histogram of G(z) for a fixed batch of z."""
    with single_thread():  # networks this small lose time splitting work across threads
        return _toy_curves(state, n_samples)


def _toy_curves(state: ToyState, n_samples: int) -> ToyCurves:
    x = np.linspace(*X_RANGE, N_GRID)
    d = state.D(torch.tensor(x, dtype=torch.float32).unsqueeze(1)).squeeze(1).double().numpy()
    z = torch.randn(n_samples, state.G.z_dim, generator=torch.Generator().manual_seed(12345))
    g = state.G(z).squeeze(1).double().numpy()
    edges = np.linspace(*X_RANGE, N_BINS + 1)
    counts, _ = np.histogram(g, bins=edges)
    p_g = counts / (n_samples * np.diff(edges))
    return ToyCurves(state.step, x, real_density(x, state.config), d, edges, p_g, float(g.mean()), float(g.std()))


def plot_toy(curves: ToyCurves, title: Optional[str] = None, ax=None) -> Figure:
    """Real density (grey), G's density (orange histogram) and D(x) (blue, right axis, 1/2 dashed).

    The density axis stops at 1.5 x the real density's peak, so a narrow spike of G is cut off.
    """
    fig = None
    if ax is None:
        fig = Figure(figsize=(6.5, 3.8), layout="constrained")
        ax = fig.subplots()
    ax.fill_between(curves.x, curves.p_data, color="0.75", label="real data density $p_{data}$")
    ax.stairs(curves.p_g, curves.bin_edges, color="tab:orange", linewidth=1.5, label="generator density $p_g$")
    ax.set_xlim(*X_RANGE)
    ax.set_ylim(0, 1.5 * curves.p_data.max())
    ax.set_xlabel("x")
    ax.set_ylabel("probability density")
    ax2 = ax.twinx()
    ax2.plot(curves.x, curves.D, color="tab:blue", linewidth=1.5, label="D(x) (right axis)")
    ax2.axhline(0.5, color="tab:blue", linestyle="--", linewidth=0.8, label="D = 1/2 (right axis)")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("D(x)")
    ax.set_title(title or f"Toy GAN after {curves.step} steps")
    if fig is not None:
        _legend(fig, ax, ax2)
    return fig if fig is not None else ax.figure


def _legend(fig: Figure, ax, ax2) -> None:
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    fig.legend(h1 + h2, l1 + l2, loc="outside lower center", ncol=4, fontsize=8)


def toy_snapshots(steps: Sequence[int] = (0, 200, 1000, 3000), config: Optional[ToyConfig] = None,
                  **changes) -> tuple[list[ToyCurves], ToyState]:
    """Train one run and take toy_curves after each number of steps in `steps` (increasing)."""
    if list(steps) != sorted(steps) or any(s < 0 for s in steps):
        raise ValueError(f"steps={steps!r} is not allowed: increasing step counts >= 0")
    state = new_toy(config, **changes)
    snaps = []
    for s in steps:
        train_toy(state, s - state.step)
        snaps.append(toy_curves(state))
    return snaps, state


def plot_toy_snapshots(snaps: Sequence[ToyCurves], title: str = "The toy GAN during training") -> Figure:
    """One plot_toy panel per snapshot, side by side."""
    fig = Figure(figsize=(3.6 * len(snaps), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(snaps)))
    for ax, c in zip(axes, snaps):
        plot_toy(c, title=f"after {c.step} steps", ax=ax)
    _legend(fig, axes[0], fig.axes[len(axes)])  # the first panel's density axis and its twin D(x) axis
    fig.suptitle(title)
    return fig
