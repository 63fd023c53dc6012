"""What a run is at any moment: configuration, networks, optimizers, random generators, counters and history."""
from __future__ import annotations

import copy
import hashlib
import math
import sys
from dataclasses import dataclass, field
from typing import Optional, Sequence

import torch
from torch import nn

from .config import TrainConfig, resolve_device
from .models import build_models

N_FIXED = 64  # images in the fixed-noise grid (8 x 8)
WEIGHT_LIMIT = 1e4  # |weight| above this is a blown-up run (healthy runs, saturated ones too, stay below 100)
STATE_FORMAT = 2  # version of TrainState.state_dict's layout (1 held the per-step history and every epoch's samples)


@dataclass
class StepResult:
    """What one train_step reports: both losses and D's mean output on real and generated images.

    The fields are tensors (one value, or one per run when runs are stacked), so that the training loop
    can read many steps at once instead of making the CPU wait for the GPU after every step.
    """

    lossD: torch.Tensor
    lossG: torch.Tensor
    D_x: torch.Tensor  # mean D(x_real): D's belief that real images are real
    D_G_z: torch.Tensor  # mean D(G(z)) in the D step: D's belief that generated images are real


def sample_z(G: nn.Module, n: int, noise_gen, device: torch.device | str = "cpu") -> torch.Tensor:
    """n latent vectors for G, drawn from noise_gen: z ~ N(0, I), shape n x G.z_dim.

    Runs stacked side by side pass one generator per run: each run then draws its own n / runs rows,
    exactly the z it would draw when trained alone (padded with zeros to the stack's widest z_dim).
    """
    if isinstance(noise_gen, (list, tuple)):
        rows = n // len(noise_gen)
        dims = getattr(G, "z_dims", None) or [G.z_dim] * len(noise_gen)
        # A run of smaller z_dim in a stack of wider ones: its own z, then zeros (gan_lab.stack.StackedModule).
        zs = [torch.randn(rows, d, device=device, generator=g) for g, d in zip(noise_gen, dims)]
        return torch.cat([z if z.size(1) == G.z_dim else nn.functional.pad(z, (0, G.z_dim - z.size(1))) for z in zs])
    return torch.randn(n, G.z_dim, device=device, generator=noise_gen)


def per_run_mean(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Mean of a batch of D outputs, one per run: `like` (a loss) has one value per run, or is a single number."""
    return values.detach().reshape(*like.shape, -1).mean(-1)


def lazy_r1(r1: float, every: int, steps_done: int) -> float:
    """R1's weight for the next step: r1 * every on every every-th step, else 0 (lazy R1, Karras et al. 2020)."""
    return r1 * every if steps_done % every == 0 else 0.0


def r1_penalty(D_x: torch.Tensor, x_real: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Mean of |grad of D's output w.r.t. each real image|^2, one per run like `like` (a loss): R1's penalty."""
    # Summing the outputs is exact: each image's output depends on that image alone (D has no batch norm).
    (grad,) = torch.autograd.grad(D_x.sum(), x_real, create_graph=True)  # create_graph: the penalty trains D
    return grad.flatten(1).pow(2).sum(1).reshape(*like.shape, -1).mean(-1)


class RunLoss(nn.Module):
    """BCE as nn.BCELoss (or, with logits, nn.BCEWithLogitsLoss), one mean per run for stacked runs.

    A NaN probability (blown-up weights) gives a finite loss here instead of BCELoss's error; the NaN
    still shows in D's outputs (D_x, D_G_z), which is where the loop sees that a run has diverged.
    """

    def __init__(self, logits: bool = False, runs: int = 1):
        super().__init__()
        self.logits, self.runs = logits, runs

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.logits:  # BCE on logits lets NaN through
            loss = nn.functional.binary_cross_entropy_with_logits
        else:
            out = out.nan_to_num(0.5)  # identical for finite values: same numbers and gradients as BCELoss
            loss = nn.functional.binary_cross_entropy
        if self.runs == 1:
            return loss(out, target)
        return loss(out, target, reduction="none").view(self.runs, -1).mean(1)


def takes_logits(criterion: nn.Module) -> bool:
    """True when the criterion expects D's logits rather than probabilities."""
    return isinstance(criterion, nn.BCEWithLogitsLoss) or getattr(criterion, "logits", False)


def make_optimizers(config: TrainConfig, G: nn.Module, D: nn.Module) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    """optD and optG as the configuration asks (plain SGD, or Adam with its betas)."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(D.parameters(), lr=config.lr_d), torch.optim.SGD(G.parameters(), lr=config.lr_g)
    return (torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=config.betas),
            torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=config.betas))


def derived_seed(seed: int, purpose: str) -> int:
    """An independent, reproducible seed per purpose (init, fixed noise, data order, noise)."""
    return int.from_bytes(hashlib.sha256(f"gan_lab:{seed}:{purpose}".encode()).digest()[:7], "big")


def make_fixed_noise(seed: int, z_dim: int, n: int = N_FIXED, device: torch.device | str = "cpu") -> torch.Tensor:
    """The latent batch whose images we watch after every epoch; depends only on seed and z_dim."""
    gen = torch.Generator().manual_seed(derived_seed(seed, "fixed_noise"))
    return torch.randn(n, z_dim, generator=gen).to(device)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats to 0..255 bytes on the CPU (compact storage for sample grids)."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8(images: torch.Tensor) -> torch.Tensor:
    """Inverse of to_uint8, back to floats in [-1, 1]."""
    return images.float() / 127.5 - 1


COLUMNS = ("lossD", "lossG", "D_x", "D_G_z")


@dataclass
class History:
    """Per-step losses and D outputs, plus per-epoch samples, metrics and events."""

    lossD: list[float] = field(default_factory=list)
    lossG: list[float] = field(default_factory=list)
    D_x: list[float] = field(default_factory=list)
    D_G_z: list[float] = field(default_factory=list)
    epoch_end_steps: list[int] = field(default_factory=list)  # global step count at each epoch's end
    samples: list[torch.Tensor] = field(default_factory=list)  # fixed-noise images per epoch, uint8
    metrics: list[dict] = field(default_factory=list)  # {"epoch", "step", metric: value, ...}
    events: list[dict] = field(default_factory=list)  # {"step", "kind", "message"}

    def append(self, r: StepResult) -> None:
        """Record one step (reads its values, so on a GPU it waits for the step to finish)."""
        self.add_row([float(getattr(r, k)) for k in COLUMNS])

    def add_row(self, row) -> None:
        """Record one step from its four numbers, in COLUMNS order."""
        self.lossD.append(row[0])
        self.lossG.append(row[1])
        self.D_x.append(row[2])
        self.D_G_z.append(row[3])

    def __len__(self) -> int:
        return len(self.lossD)

    def to_dict(self) -> dict:
        """Tensors and plain types only, so that torch.load(weights_only=True) reads it back."""
        cols = {k: torch.tensor(getattr(self, k), dtype=torch.float64) for k in COLUMNS}
        samples = torch.stack(self.samples) if self.samples else torch.zeros(0, dtype=torch.uint8)
        return {**cols, "epoch_end_steps": list(self.epoch_end_steps), "samples": samples,
                "metrics": list(self.metrics), "events": list(self.events)}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        """Inverse of to_dict."""
        h = cls(**{k: d[k].tolist() for k in COLUMNS})
        h.epoch_end_steps = list(d["epoch_end_steps"])
        h.samples = list(d["samples"]) if len(d["samples"]) else []
        h.metrics = list(d["metrics"])
        h.events = list(d["events"])
        return h


@dataclass
class TrainState:
    """Everything a run needs to continue: models, optimizers, RNGs, counters and history."""

    config: TrainConfig
    G: nn.Module
    D: nn.Module
    optD: torch.optim.Optimizer
    optG: torch.optim.Optimizer
    fixed_noise: torch.Tensor
    data_gen: torch.Generator  # CPU: draws each epoch's permutation
    noise_gen: torch.Generator  # on the training device: draws z in train_step
    history: History = field(default_factory=History)
    epoch: int = 0  # completed epochs
    step: int = 0  # completed steps in total
    step_in_epoch: int = 0  # completed steps in the current, unfinished epoch
    epoch_start_rng: Optional[torch.Tensor] = None  # data_gen state when the current epoch began
    stopped: Optional[str] = None  # why training stopped early (divergence), else None
    saved: dict = field(default_factory=dict)  # what the run folder's append-only files hold (runfiles.save_logs)
    ema: list = field(default_factory=list)  # moving averages of G's weights, one copy of G per config.ema decay

    @property
    def device(self) -> torch.device:
        return self.fixed_noise.device

    def fixed_samples(self, G: Optional[nn.Module] = None) -> torch.Tensor:
        """G's images (or those of another generator, e.g. an average) for the fixed noise, in [-1, 1], on the CPU."""
        G = self.G if G is None else G
        was_training = G.training
        G.eval()
        with torch.no_grad():
            x = G(self.fixed_noise).cpu()
        G.train(was_training)
        return x

    def log(self, kind: str, message: str) -> None:
        """Record an event in the history and print it without breaking a progress bar."""
        from tqdm.auto import tqdm  # tqdm is only needed once something is worth saying

        self.history.events.append({"step": self.step, "kind": kind, "message": message})
        tqdm.write(f"[gan_lab] {message}", file=sys.stderr)

    def state_dict(self) -> dict:
        """Everything needed to continue the run bit for bit, as tensors and plain types.

        The per-step history and the samples are not in it: they live in the run folder's append-only
        files, and "logs" records how far those go (gan_lab.runfiles).
        """
        rng = {"data": self.data_gen.get_state(), "noise": self.noise_gen.get_state(),
               "epoch_start": self.epoch_start_rng if self.epoch_start_rng is not None
               else torch.zeros(0, dtype=torch.uint8)}
        return {"format": STATE_FORMAT, "config": self.config.to_dict(), "device_type": self.device.type,
                "G": self.G.state_dict(), "D": self.D.state_dict(), "optD": self.optD.state_dict(),
                "optG": self.optG.state_dict(), "fixed_noise": self.fixed_noise.cpu(), "rng": rng,
                "epoch": self.epoch, "step": self.step, "step_in_epoch": self.step_in_epoch,
                "history": {"epoch_end_steps": list(self.history.epoch_end_steps), "metrics": list(self.history.metrics),
                            "events": list(self.history.events)},
                "logs": {k: v for k, v in self.saved.items() if k != "folder"},
                "ema": [m.state_dict() for m in self.ema]}

    def load_state_dict(self, d: dict, same_device: bool = True) -> None:
        """Load weights, optimizer states, random generators, counters and history from state_dict's output.

        same_device=False (the run moves between CPU and GPU): the noise generator's state belongs to the
        other device, so it restarts from a seed derived from the run's seed and step.
        """
        self.G.load_state_dict(d["G"])
        self.D.load_state_dict(d["D"])
        self.optD.load_state_dict(d["optD"])
        self.optG.load_state_dict(d["optG"])
        saved_ema = d.get("ema", [])
        if len(saved_ema) != len(self.ema):
            raise ValueError(f"the checkpoint holds {len(saved_ema)} averages of G, the configuration asks for {len(self.ema)}")
        for m, sd in zip(self.ema, saved_ema):
            m.load_state_dict(sd)
        self.fixed_noise = d["fixed_noise"].to(self.device)
        self.data_gen.set_state(d["rng"]["data"])
        self.epoch_start_rng = d["rng"]["epoch_start"] if len(d["rng"]["epoch_start"]) else None
        self.epoch, self.step, self.step_in_epoch = d["epoch"], d["step"], d["step_in_epoch"]
        if same_device:
            self.noise_gen.set_state(d["rng"]["noise"])
        else:
            self.noise_gen.manual_seed(derived_seed(self.config.seed, f"noise from step {self.step}"))
        if d["format"] == 1:  # the whole history inside the checkpoint
            self.history = History.from_dict(d["history"])
            return
        h = d["history"]
        self.history = History(epoch_end_steps=list(h["epoch_end_steps"]), metrics=list(h["metrics"]),
                               events=list(h["events"]))
        self.saved = dict(d["logs"])


def new_state(config: TrainConfig) -> TrainState:
    """A fresh run: seeded models, optimizers, fixed noise and random generators."""
    device = resolve_device(config.device)
    G, D = build_models(config.z_dim, config.hidden_dim, config.leaky_slope,
                        seed=derived_seed(config.seed, "init"), device=device, logits=config.logits, arch=config.arch,
                        d_hidden_dim=config.d_hidden_dim, g_channels=config.g_channels, d_channels=config.d_channels)
    optD, optG = make_optimizers(config, G, D)
    data_gen = torch.Generator().manual_seed(derived_seed(config.seed, "data"))
    noise_gen = torch.Generator(device=device).manual_seed(derived_seed(config.seed, "noise"))
    return TrainState(config, G, D, optD, optG, make_fixed_noise(config.seed, config.z_dim, device=device),
                      data_gen, noise_gen, ema=[copy.deepcopy(G).requires_grad_(False) for _ in config.ema])


def ema_name(decay: float) -> str:
    """How an average of G is named in metrics and files: 'ema0.999'."""
    return f"ema{decay:g}"


@torch.no_grad()
def update_ema(averages: Sequence[nn.Module], G: nn.Module, decays: Sequence[float]) -> None:
    """avg <- decay * avg + (1 - decay) * w for every weight w of G, once per step (Yazici et al. 2019).

    With decay 0.999 the average spans about the last 1,000 steps: it smooths out the back and forth
    of G's weights that the game causes, and costs no training at all.
    """
    weights = list(G.parameters())
    for avg, decay in zip(averages, decays):
        torch._foreach_lerp_(list(avg.parameters()), weights, 1 - decay)


def check_weights(*models: nn.Module) -> Optional[str]:
    """None if every weight is finite and below WEIGHT_LIMIT, else a short description of the worst one."""
    for model in models:
        for name, p in model.named_parameters():
            big = p.detach().abs().max().item()
            if not math.isfinite(big):
                return f"{type(model).__name__}.{name} holds NaN or inf"
            if big > WEIGHT_LIMIT:
                return f"{type(model).__name__}.{name} reaches |w| = {big:.3g}, above {WEIGHT_LIMIT:g}"
    return None
