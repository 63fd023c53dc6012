"""The training step and the loop around it."""
from __future__ import annotations

import hashlib
import math
import sys
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn

from .config import TrainConfig, resolve_device
from .data import TensorBatches, load_dataset, load_images, make_dataloader
from .models import IMAGE_DIM, Discriminator, Generator, build_models

N_FIXED = 64  # images in the fixed-noise grid (8 x 8)
SATURATION_STREAK = 100  # consecutive saturated steps before we warn
WEIGHT_LIMIT = 1e4  # |weight| above this is a blown-up run (healthy runs, saturated ones too, stay below 100)
IMAGE_PIXELS = IMAGE_DIM  # the name train_step uses for a flattened image
_CHECKED_D: "weakref.WeakSet[nn.Module]" = weakref.WeakSet()  # discriminators whose real images were checked


def check_real_images(x_real: torch.Tensor) -> None:
    """Raise ValueError if a batch of real images is not in [-1, 1] (G's Tanh range) or holds NaN/inf."""
    x = x_real.detach()
    bad = (~torch.isfinite(x)).sum().item()
    if bad:
        raise ValueError(f"the real images hold {bad} NaN or infinite value(s): the data is broken before training "
                         "(check how the images were loaded and normalised); expected finite values in [-1, 1]")
    lo, hi = x.min().item(), x.max().item()
    found = f"found values from {lo:.4g} to {hi:.4g}"
    if hi > 1 + 1e-4 and hi <= 255 and lo >= 0:
        raise ValueError(f"the real images look like raw 0..255 pixels ({found}); expected [-1, 1], the range of G's "
                         "Tanh: use ToTensor() then Normalize((0.5,), (0.5,)), or x / 127.5 - 1")
    if lo >= 0 and hi <= 1 + 1e-4:
        raise ValueError(f"the real images look like [0, 1] pixels ({found}, nothing below 0); expected [-1, 1], the "
                         "range of G's Tanh: add Normalize((0.5,), (0.5,)) after ToTensor(), or use x * 2 - 1")
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"the real images are not in [-1, 1] ({found}); scale them to [-1, 1], the range of G's Tanh")


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


@dataclass
class StepResult:
    """What one train_step reports: both losses and D's mean output on real and generated images."""

    lossD: float
    lossG: float
    D_x: float  # mean D(x_real): D's belief that real images are real
    D_G_z: float  # mean D(G(z)) in the D step: D's belief that generated images are real


def train_step(G: Generator, D: Discriminator, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
               x_real: torch.Tensor, criterion: nn.Module = nn.BCELoss(),
               noise_gen: Optional[torch.Generator] = None) -> StepResult:
    """One D step, then one G step, as in the report (BCE, lab_real = 1, lab_fake = 0).

    With criterion=nn.BCEWithLogitsLoss(), D must output logits; D_x and D_G_z are still reported as
    probabilities.
    """
    if x_real[0].numel() == IMAGE_PIXELS and D not in _CHECKED_D:  # images, seen for the first time by this D
        check_real_images(x_real)
        _CHECKED_D.add(D)
    batch_size = x_real.size(0)
    device = x_real.device
    lab_real = torch.ones(batch_size, 1, device=device)
    lab_fake = torch.zeros(batch_size, 1, device=device)

    # (1) Train D: real images should score 1, generated images 0.
    optD.zero_grad()
    D_x = D(x_real)
    lossD_real = criterion(D_x, lab_real)
    z = torch.randn(batch_size, G.z_dim, device=device, generator=noise_gen)
    x_gen = G(z)
    D_G_z = D(x_gen.detach())  # detach: this loss trains D only, so no gradient flows into G
    lossD_fake = criterion(D_G_z, lab_fake)
    lossD = lossD_real + lossD_fake
    lossD.backward()
    optD.step()

    # (2) Train G: G wants D to call its images real, so its target is lab_real.
    optG.zero_grad()
    z = torch.randn(batch_size, G.z_dim, device=device, generator=noise_gen)
    x_gen = G(z)
    lossG = criterion(D(x_gen), lab_real)  # also fills D's .grad; optD.zero_grad() clears it next step
    lossG.backward()
    optG.step()

    if isinstance(criterion, nn.BCEWithLogitsLoss):  # report D's beliefs as probabilities either way
        D_x, D_G_z = torch.sigmoid(D_x), torch.sigmoid(D_G_z)
    return StepResult(lossD.item(), lossG.item(), D_x.mean().item(), D_G_z.mean().item())


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
        """Record one step."""
        self.lossD.append(r.lossD)
        self.lossG.append(r.lossG)
        self.D_x.append(r.D_x)
        self.D_G_z.append(r.D_G_z)

    def __len__(self) -> int:
        return len(self.lossD)

    def to_dict(self) -> dict:
        """Tensors and plain types only, so that torch.load(weights_only=True) reads it back."""
        cols = {k: torch.tensor(getattr(self, k), dtype=torch.float64) for k in ("lossD", "lossG", "D_x", "D_G_z")}
        samples = torch.stack(self.samples) if self.samples else torch.zeros(0, dtype=torch.uint8)
        return {**cols, "epoch_end_steps": list(self.epoch_end_steps), "samples": samples,
                "metrics": list(self.metrics), "events": list(self.events)}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        """Inverse of to_dict."""
        h = cls(**{k: d[k].tolist() for k in ("lossD", "lossG", "D_x", "D_G_z")})
        h.epoch_end_steps = list(d["epoch_end_steps"])
        h.samples = list(d["samples"]) if len(d["samples"]) else []
        h.metrics = list(d["metrics"])
        h.events = list(d["events"])
        return h


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats to 0..255 bytes on the CPU (compact storage for sample grids)."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8(images: torch.Tensor) -> torch.Tensor:
    """Inverse of to_uint8, back to floats in [-1, 1]."""
    return images.float() / 127.5 - 1


@dataclass
class TrainState:
    """Everything a run needs to continue: models, optimizers, RNGs, counters and history."""

    config: TrainConfig
    G: Generator
    D: Discriminator
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

    @property
    def device(self) -> torch.device:
        return self.fixed_noise.device

    def fixed_samples(self) -> torch.Tensor:
        """G's images for the fixed noise, in [-1, 1], on the CPU."""
        was_training = self.G.training
        self.G.eval()
        with torch.no_grad():
            x = self.G(self.fixed_noise).cpu()
        self.G.train(was_training)
        return x


def new_state(config: TrainConfig) -> TrainState:
    """A fresh run: seeded models, optimizers, fixed noise and random generators."""
    device = resolve_device(config.device)
    G, D = build_models(config.z_dim, config.hidden_dim, config.leaky_slope,
                        seed=derived_seed(config.seed, "init"), device=device, logits=config.logits)
    optD, optG = make_optimizers(config, G, D)
    data_gen = torch.Generator().manual_seed(derived_seed(config.seed, "data"))
    noise_gen = torch.Generator(device=device).manual_seed(derived_seed(config.seed, "noise"))
    return TrainState(config, G, D, optD, optG, make_fixed_noise(config.seed, config.z_dim, device=device),
                      data_gen, noise_gen)


def make_batches(config: TrainConfig, device: torch.device, generator: torch.Generator):
    """Batches of real images: the fast tensor path (default) or the textbook DataLoader."""
    n = config.train_images
    if config.data_path == "loader":
        dataset = load_dataset(config.dataset, train=True, root=config.data_root)
        if n is not None:
            dataset = torch.utils.data.Subset(dataset, range(min(n, len(dataset))))
        _check_batch_size(config.batch_size, len(dataset))
        return _ImagesOnly(make_dataloader(dataset, config.batch_size, generator), device)
    images = load_images(config.dataset, train=True, root=config.data_root, device=device)[:n]
    _check_batch_size(config.batch_size, len(images))
    return TensorBatches(images, config.batch_size, generator)


def _check_batch_size(batch_size: int, n: int) -> None:
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} is not allowed: at most {n}, the number of training images")


class _ImagesOnly:
    """A DataLoader of (images, labels) seen as batches of images on `device`."""

    def __init__(self, loader, device: torch.device):
        self.loader, self.device = loader, device

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for x_real, _ in self.loader:
            yield x_real.to(self.device)


def total_steps(config: TrainConfig, steps_per_epoch: int) -> int:
    """Steps the whole run takes: epochs x batches, capped by max_steps."""
    n = config.epochs * steps_per_epoch
    return min(n, config.max_steps) if config.max_steps else n


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    # In a log file every refresh is a new line: refresh rarely there, often in a terminal or notebook.
    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    return tqdm(total=total, initial=initial, disable=not enabled, unit="step", dynamic_ncols=True,
                mininterval=0.5 if interactive else 30.0, leave=True)


def fit(config: TrainConfig, out_dir: Optional[str | Path] = None, *, resume: bool = False,
        callback: Optional[Callable[[TrainState], None]] = None, progress: bool = True,
        overwrite: bool = False) -> TrainState:
    """Train G and D as `config` says; checkpoint every epoch into out_dir; return the final state.

    resume=True continues from out_dir/checkpoint.pt when it exists (same configuration; the
    number of epochs or max_steps may grow). A folder that holds a run is refused without resume,
    unless overwrite=True replaces it. callback(state) runs after every epoch. A non-finite loss or
    blown-up weights stop training; state.stopped says why and the history so far is kept.
    """
    if out_dir is None:
        return _fit(config, None, False, callback, progress)
    from .checkpoint import prepare_run_dir
    from .files import check_out_dir, run_lock

    out_dir = check_out_dir(out_dir)
    with run_lock(out_dir):  # one writer per run folder
        prepare_run_dir(out_dir, resume, overwrite)
        return _fit(config, out_dir, resume, callback, progress)


def _fit(config: TrainConfig, out_dir: Optional[Path], resume: bool,
         callback: Optional[Callable[[TrainState], None]], progress: bool) -> TrainState:
    """fit's loop, once the output folder is checked and locked."""
    from . import checkpoint as ckpt

    TrainConfig.from_dict(config.to_dict())  # validate again: a field may have been changed after creation
    state = None
    if resume and out_dir is not None:
        state = ckpt.resume_state(out_dir, config)
    if state is None:
        state = new_state(config)
    config = state.config
    batches = make_batches(config, state.device, state.data_gen)
    steps_per_epoch = len(batches)
    end = total_steps(config, steps_per_epoch)
    if state.step >= end:
        where = f" in {out_dir}" if out_dir is not None else ""
        _log(state, "info", f"nothing to train: the run{where} is complete ({state.step} of {end} steps); returning it")
        return state
    pbar = _progress_bar(end, state.step, progress)
    criterion = nn.BCEWithLogitsLoss() if config.logits else nn.BCELoss()
    watch = _SaturationWatch()
    try:
        while state.step < end:
            _run_epoch(state, batches, criterion, end, pbar, watch)
            if not state.stopped:
                _stop_if_blown_up(state)
            if state.stopped:
                break
            if state.step_in_epoch == steps_per_epoch:  # the epoch is complete
                _finish_epoch(state)
            if out_dir is not None:
                ckpt.save_checkpoint(out_dir / ckpt.CHECKPOINT_NAME, state)
            if callback is not None and state.step_in_epoch == 0:
                callback(state)
    finally:
        pbar.close()
    return state


def _run_epoch(state: TrainState, batches, criterion: nn.Module, end: int, pbar, watch: "_SaturationWatch") -> None:
    """Train until the epoch ends or the run's last step; resumes mid-epoch where a checkpoint left off."""
    if state.step_in_epoch == 0:
        state.epoch_start_rng = state.data_gen.get_state()
    else:  # replay this epoch's permutation, then skip the batches already trained on
        state.data_gen.set_state(state.epoch_start_rng)
    cfg = state.config
    pbar.set_description(f"epoch {state.epoch + 1}/{cfg.epochs}", refresh=False)
    for i, x_real in enumerate(batches):
        if i < state.step_in_epoch:
            continue
        try:
            r = train_step(state.G, state.D, state.optD, state.optG, x_real, criterion, state.noise_gen)
        except RuntimeError as e:  # BCELoss refuses a NaN probability
            if "between 0 and 1" not in str(e):
                raise
            r = StepResult(math.nan, math.nan, math.nan, math.nan)
        if not (math.isfinite(r.lossD) and math.isfinite(r.lossG)):
            which = "lossD" if not math.isfinite(r.lossD) else "lossG"
            state.stopped = (f"Training stopped at step {state.step + 1} (epoch {state.epoch + 1}): {which} is not a "
                             f"finite number, so the weights have blown up. Try lower learning rates (now lr_d="
                             f"{cfg.lr_d}, lr_g={cfg.lr_g}). The history of the {state.step} steps before is kept; "
                             "the last checkpoint holds the last good weights.")
            _log(state, "diverged", state.stopped)
            return
        state.history.append(r)
        state.step += 1
        state.step_in_epoch += 1
        watch.check(state, r)
        if state.step % 50 == 0 or state.step == end:
            pbar.set_postfix(lossD=f"{r.lossD:.3f}", lossG=f"{r.lossG:.3f}", refresh=False)
            pbar.update(state.step - pbar.n)
        if state.step >= end:
            return


def _stop_if_blown_up(state: TrainState) -> None:
    """Stop the run (state.stopped) when a weight is NaN, inf or absurdly large, even if the losses look finite."""
    problem = check_weights(state.G, state.D)
    if problem:
        cfg = state.config
        state.stopped = (f"Training stopped at step {state.step} (epoch {state.epoch + 1}): the weights have blown up "
                         f"({problem}). Try lower learning rates (now lr_d={cfg.lr_d:g}, lr_g={cfg.lr_g:g}). The last "
                         "checkpoint holds the last good weights.")
        _log(state, "diverged", state.stopped)


def _finish_epoch(state: TrainState) -> None:
    """Count the epoch, keep the fixed-noise samples and (every eval_every epochs) the metrics."""
    state.epoch += 1
    state.step_in_epoch = 0
    state.history.epoch_end_steps.append(state.step)
    state.history.samples.append(to_uint8(state.fixed_samples()))
    cfg = state.config
    if cfg.eval_every and state.epoch % cfg.eval_every == 0:
        from .metrics import evaluate_generator

        values = evaluate_generator(state.G, n=cfg.eval_samples, seed=cfg.seed, data_root=cfg.data_root)
        state.history.metrics.append({"epoch": state.epoch, "step": state.step, **values})


class _SaturationWatch:
    """Warn once when D's sigmoid saturates (a loss stuck near BCE's cap of 100): then nobody learns."""

    def __init__(self) -> None:
        self.streak = 0

    def check(self, state: TrainState, r: StepResult) -> None:
        saturated = max(r.lossD, r.lossG) > 20  # -log p > 20 means p < 2e-9: the sigmoid is flat there
        self.streak = self.streak + 1 if saturated else 0
        if self.streak != SATURATION_STREAK or any(e["kind"] == "saturated" for e in state.history.events):
            return
        first = state.step - SATURATION_STREAK + 1
        if r.lossD < 1e-3:
            who = "D wins completely: lossD ~ 0 while lossG is huge, so D(G(z)) ~ 0"
        elif r.lossG < 1e-3:
            who = "G fools D completely: lossG ~ 0 while lossD is huge; D calls every image real"
        else:
            who = "D calls every image fake, real ones too: both losses are huge"
        # With a Sigmoid in D, float32 soon rounds D's output to exactly 0 or 1, where its gradient is exactly 0.
        # On logits (BCEWithLogitsLoss) the gradients survive, but D is far ahead.
        why = ("; on logits the gradients do not vanish, but D's logits are beyond +-20" if state.config.logits
               else "; D's sigmoid is pinned near 0 or 1, where its float32 gradient is zero or nearly so, so learning "
                    "stalls (BCELoss shows at most 100)")
        _log(state, "saturated", f"From step {first} the loss is saturated. {who}{why}. Training goes on, but it is "
             f"unlikely to recover; try lower learning rates (lr_d={state.config.lr_d}).")


def _log(state: TrainState, kind: str, message: str) -> None:
    """Record an event in the history and print it without breaking the progress bar."""
    from tqdm.auto import tqdm

    state.history.events.append({"step": state.step, "kind": kind, "message": message})
    tqdm.write(f"[gan_lab] {message}", file=sys.stderr)
