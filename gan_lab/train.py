"""The training step and the one loop around it, for a single run or for runs stacked side by side."""
from __future__ import annotations

import math
import sys
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import torch
from torch import nn

from . import checkpoint as ckpt
from .config import TrainConfig
from .data import TensorBatches, check_real_images, load_dataset, load_images, load_labels, make_dataloader
from .files import check_out_dir, run_lock
from .metrics import evaluate_generator
from .models import IMAGE_DIM
from .state import (History, RunLoss, StepResult, TrainState, check_weights, ema_name, lazy_r1, new_state,
                    per_run_mean, r1_penalty, sample_z, takes_logits, to_uint8, update_ema)

SATURATION_STREAK = 100  # consecutive saturated steps before we warn
SYNC_EVERY = 50  # steps between reads of the losses: each read makes the CPU wait for the GPU
_CHECKED_D: "weakref.WeakSet[nn.Module]" = weakref.WeakSet()  # discriminators whose real images were checked


@contextmanager
def frozen(model: nn.Module) -> Iterator[None]:
    """Inside the block the model's weights get no gradients (gradients still flow through it to its inputs)."""
    model.requires_grad_(False)
    try:
        yield
    finally:  # also after an interrupt: a model left frozen would silently stop learning
        model.requires_grad_(True)


def train_step(G: nn.Module, D: nn.Module, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
               x_real: torch.Tensor, criterion: nn.Module = nn.BCELoss(), noise_gen=None, *,
               y_real: Optional[torch.Tensor] = None, real_label: float = 1.0,
               g_loss: str = "non_saturating", train_g: bool = True, r1: float = 0.0) -> StepResult:
    """One D step, then one G step, as in the report (BCE, lab_real = 1, lab_fake = 0).

    With criterion=nn.BCEWithLogitsLoss(), D must output logits; D_x and D_G_z are still reported as
    probabilities. The toy GAN of notebook 01 uses g_loss='saturating' (G minimises log(1 - D(G(z))))
    and train_g=False (a D step only). Runs stacked side by side (gan_lab.stack) pass stacked G and D,
    every run's batch, a loss per run and a noise generator per run: the step is the same.
    Notebook 06: y_real (the batch's digit labels) makes it a conditional GAN, G(z, y) and D(x, y);
    real_label < 1 is one-sided label smoothing (D's target for real images; G's stays 1); r1 > 0 adds
    the R1 penalty to D's loss (D must output logits).
    """
    if x_real[0].numel() == IMAGE_DIM and D not in _CHECKED_D:  # images, seen for the first time by this D
        check_real_images(x_real)
        _CHECKED_D.add(D)
    batch_size = x_real.size(0)
    device = x_real.device
    lab_real = torch.ones(batch_size, 1, device=device)
    lab_fake = torch.zeros(batch_size, 1, device=device)

    # A conditional GAN draws its images of the same digits as the real batch: each digit as often as in the data.
    y = () if y_real is None else (y_real,)

    # (1) Train D: real images should score 1, generated images 0.
    optD.zero_grad()
    if r1:  # the penalty needs the gradient of D's output with respect to the real images
        x_real = x_real.detach().requires_grad_(True)
    D_x = D(x_real, *y)
    # One-sided label smoothing (Salimans et al. 2016): real_label = 0.9 keeps D from growing over-confident.
    lossD_real = criterion(D_x, lab_real * real_label)
    z = sample_z(G, batch_size, noise_gen, device)  # z ~ N(0, I), as in Exercise 2.3
    x_gen = G(z, *y)
    D_G_z = D(x_gen.detach(), *y)  # detach: this loss trains D only, so no gradient flows into G
    lossD_fake = criterion(D_G_z, lab_fake)
    lossD = lossD_real + lossD_fake
    if r1:  # R1 (Mescheder et al. 2018): penalising the slope of D's logit at real images damps D and G's circling
        lossD = lossD + r1 / 2 * r1_penalty(D_x, x_real, lossD)
    lossD.sum().backward()  # sum(): one loss per run when runs are stacked; a single loss is its own sum
    optD.step()

    # (2) Train G: G wants D to call its images real, so its target is lab_real.
    optG.zero_grad()
    with frozen(D):  # D is not trained in this step: skip its weight gradients, which would be thrown away
        z = sample_z(G, batch_size, noise_gen, device)
        x_gen = G(z, *y)
        if g_loss == "non_saturating":
            lossG = criterion(D(x_gen, *y), lab_real)  # -log D(G(z))
        else:
            lossG = -criterion(D(x_gen, *y), lab_fake)  # log(1 - D(G(z))), the minimax loss as written
        if train_g:
            lossG.sum().backward()
            optG.step()

    if takes_logits(criterion):  # report D's beliefs as probabilities either way
        D_x, D_G_z = torch.sigmoid(D_x), torch.sigmoid(D_G_z)
    # Tensors, not numbers: reading them (.item()) here would make the CPU wait for the GPU at every step.
    return StepResult(lossD.detach(), lossG.detach(), per_run_mean(D_x, lossD), per_run_mean(D_G_z, lossD))


class Single:
    """One run, as the loop steps it (gan_lab.stack.Stack steps many runs the same way)."""

    def __init__(self, states: Sequence[TrainState]):
        (self.state,) = self.states = list(states)
        s = self.state
        self.G, self.D, self.optD, self.optG, self.noise_gen = s.G, s.D, s.optD, s.optG, s.noise_gen
        self.criterion = RunLoss(s.config.logits)
        self.real_label, self.r1, self.r1_every = 1 - s.config.label_smoothing, s.config.r1, s.config.r1_every
        self.ema = s.ema

    def batch(self, xs: Sequence) -> torch.Tensor | tuple:
        return xs[0]

    def write_back(self) -> None:
        """Nothing to do: the run trains its own G and D."""


def make_batches(config: TrainConfig, device: torch.device, generator: torch.Generator,
                 images: Optional[torch.Tensor] = None):
    """Batches of real images (with their labels for a conditional GAN): the fast tensor path or the DataLoader.

    images: the training images already loaded (runs side by side share them), else they are loaded here.
    """
    n, conditional = config.train_images, config.arch == "cond"
    if config.data_path == "loader" and images is None:
        dataset = load_dataset(config.dataset, train=True, root=config.data_root)
        if n is not None:
            dataset = torch.utils.data.Subset(dataset, range(min(n, len(dataset))))
        return _ToDevice(make_dataloader(dataset, config.batch_size, generator), device, conditional)
    if images is None:
        images = load_images(config.dataset, train=True, root=config.data_root, device=device)
    labels = load_labels(config.dataset, train=True, root=config.data_root)[:n].to(device) if conditional else None
    return TensorBatches(images[:n], config.batch_size, generator, labels=labels)


class _ToDevice:
    """A DataLoader of (images, labels) seen as batches of images (with labels, if kept) on `device`."""

    def __init__(self, loader, device: torch.device, keep_labels: bool):
        self.loader, self.device, self.keep_labels = loader, device, keep_labels

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for x_real, y_real in self.loader:
            yield (x_real.to(self.device), y_real.to(self.device)) if self.keep_labels else x_real.to(self.device)


def total_steps(config: TrainConfig, steps_per_epoch: int) -> int:
    """Steps the whole run takes: epochs x batches, capped by max_steps."""
    n = config.epochs * steps_per_epoch
    return min(n, config.max_steps) if config.max_steps else n


def progress_bar(total: int, initial: int, enabled: bool):
    """A tqdm bar that refreshes often where someone watches and rarely in a log file."""
    from tqdm.auto import tqdm

    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    return tqdm(total=total, initial=initial, disable=not enabled, unit="step", dynamic_ncols=True,
                mininterval=0.5 if interactive else 30.0, leave=True)


def fit(config: TrainConfig, out_dir: Optional[str | Path] = None, *, resume: bool = False,
        callback: Optional[Callable[[TrainState], None]] = None, progress: bool = True,
        overwrite: bool = False) -> TrainState:
    """Train G and D as `config` says; checkpoint into out_dir (checkpoint_every); return the final state.

    resume=True continues from out_dir/checkpoint.pt when it exists (same configuration; the
    number of epochs or max_steps may grow). A folder that holds a run is refused without resume,
    unless overwrite=True replaces it. callback(state) runs after every epoch. A non-finite loss or
    blown-up weights stop training; state.stopped says why and the history so far is kept.
    """
    TrainConfig.from_dict(config.to_dict())  # validate again: a field may have been changed after creation
    if out_dir is None:
        return train_runs([new_state(config)], Single, progress=progress, callback=callback)[0]
    out_dir = check_out_dir(out_dir)
    with run_lock(out_dir):  # one writer per run folder
        ckpt.prepare_run_dir(out_dir, resume, overwrite)
        state = (ckpt.resume_state(out_dir, config) if resume else None) or new_state(config)
        ckpt.write_config_json(out_dir / "config.json", state.config)  # what the folder holds, from the start
        return train_runs([state], Single, [out_dir], progress=progress, callback=callback)[0]


def train_runs(states: Sequence[TrainState], runner: Callable, out_dirs: Optional[Sequence[Path]] = None,
               progress: bool = True, callback: Optional[Callable[[TrainState], None]] = None,
               images: Optional[torch.Tensor] = None) -> list[TrainState]:
    """The loop: train each run to its end, epoch by epoch, with `runner` (Single, or stack.Stack for many).

    After every epoch each run is checked, its samples (and metrics) are kept, and it is checkpointed
    into its out_dir when due (checkpoint.checkpoint_every); runs that stop (divergence) or finish
    leave the runner.
    """
    states = list(states)
    out = {id(s): Path(d) for s, d in zip(states, out_dirs)} if out_dirs is not None else {}
    # Each run's batches, drawn with its own data generator (images: a tensor already loaded, shared by runs).
    loaders = {id(s): make_batches(s.config, s.device, s.data_gen, images) for s in states}
    ends = {id(s): total_steps(s.config, len(loaders[id(s)])) for s in states}
    for s in states:
        if s.step >= ends[id(s)]:
            where = f" in {out[id(s)]}" if id(s) in out else ""
            s.log("info", f"nothing to train: the run{where} is complete ({s.step} of {ends[id(s)]} steps); returning it")
    pbar = progress_bar(sum(ends.values()), sum(min(s.step, ends[id(s)]) for s in states), progress)
    watches = {id(s): _SaturationWatch() for s in states}
    try:
        while True:
            active = [s for s in states if not s.stopped and s.step < ends[id(s)]]
            if not active:
                break
            pbar.set_description(f"epoch {min(s.epoch for s in active) + 1}/{active[0].config.epochs}", refresh=False)
            _run_epoch(runner, active, loaders, ends, watches, pbar)
            for s in active:
                _end_of_epoch(s, len(loaders[id(s)]), s.step >= ends[id(s)], out.get(id(s)), callback)
    finally:
        pbar.close()
    return states


def _run_epoch(runner: Callable, states: list[TrainState], loaders: dict, ends: dict, watches: dict, pbar) -> None:
    """Train until the epoch ends (or a run's last step); resumes mid-epoch where a checkpoint left off."""
    for s in states:
        if s.step_in_epoch == 0:
            s.epoch_start_rng = s.data_gen.get_state()
        else:  # replay this epoch's permutation, then skip the batches already trained on
            s.data_gen.set_state(s.epoch_start_rng)
    iters = {id(s): iter(loaders[id(s)]) for s in states}
    skip = states[0].step_in_epoch  # runs share a runner only at the same point of an epoch
    for it in iters.values():
        for _ in range(skip):
            next(it)
    live = list(states)
    run = _with_epoch_lr(runner(live), states[0])
    pending: list[StepResult] = []
    for i in range(skip, len(loaders[id(states[0])])):
        batch = run.batch([next(iters[id(s)]) for s in live])
        x_real, y_real = batch if isinstance(batch, tuple) else (batch, None)
        pending.append(train_step(run.G, run.D, run.optD, run.optG, x_real, run.criterion, run.noise_gen,
                                  y_real=y_real, real_label=run.real_label,
                                  r1=lazy_r1(run.r1, run.r1_every, live[0].step + len(pending))))
        if run.ema:
            update_ema(run.ema, run.G, live[0].config.ema)
        last = min(ends[id(s)] for s in live) == live[0].step + len(pending)
        if len(pending) < SYNC_EVERY and not last and i + 1 < len(loaders[id(states[0])]):
            continue
        _record(live, pending, watches, pbar)
        pending = []
        leaving = [s for s in live if s.stopped or s.step >= ends[id(s)]]
        if leaving:  # the others go on in a new runner; a stopped run keeps its last good checkpoint
            run.write_back()
            live = [s for s in live if s not in leaving]
            if not live:
                return
            run = _with_epoch_lr(runner(live), states[0])
    run.write_back()


def _with_epoch_lr(run, state: TrainState):
    """The runner with this epoch's learning rates (TrainConfig.lr_decay); set at every epoch, so a resume repeats them."""
    c = state.config
    for opt, lr in ((run.optD, c.lr_d), (run.optG, c.lr_g)):
        for group in opt.param_groups:
            group["lr"] = lr * c.lr_factor(state.epoch)
    return run


def _record(states: list[TrainState], pending: list[StepResult], watches: dict, pbar) -> None:
    """Read a block of steps at once and add them to each run's history; a non-finite step stops its run."""
    columns = [torch.stack([getattr(r, k) for r in pending]) for k in ("lossD", "lossG", "D_x", "D_G_z")]
    block = torch.stack(columns, dim=1).reshape(len(pending), 4, len(states)).cpu().tolist()  # steps x 4 x runs
    before = sum(s.step for s in states)
    for j, s in enumerate(states):
        for row in block:
            values = [row[c][j] for c in range(4)]
            if not all(math.isfinite(v) for v in values):
                _stop(s, "a loss or D's output is not a finite number, so the weights have blown up", s.step + 1)
                break
            s.history.add_row(values)
            s.step += 1
            s.step_in_epoch += 1
            watches[id(s)].check(s, values)
    pbar.update(sum(s.step for s in states) - before)
    h = states[0].history
    if len(h):
        pbar.set_postfix(lossD=f"{h.lossD[-1]:.3f}", lossG=f"{h.lossG[-1]:.3f}", refresh=False)


def _stop(state: TrainState, why: str, step: int) -> None:
    """Stop a run: say at which step and why, and what to try."""
    cfg = state.config
    state.stopped = (f"Training stopped at step {step} (epoch {state.epoch + 1}): {why}. Try lower learning rates "
                     f"(now lr_d={cfg.lr_d:g}, lr_g={cfg.lr_g:g}). The history of the {state.step} steps before is "
                     "kept; the last checkpoint holds the last good weights.")
    state.log("diverged", state.stopped)


def _end_of_epoch(s: TrainState, steps_per_epoch: int, last: bool, out_dir: Optional[Path],
                  callback: Optional[Callable[[TrainState], None]]) -> None:
    """Check the weights, count a completed epoch, checkpoint (when due, and at the end), and call back."""
    if not s.stopped:
        problem = check_weights(s.G, s.D)  # finite losses can hide absurd weights
        if problem:
            _stop(s, f"the weights have blown up ({problem})", s.step)
    if s.stopped:
        return
    if s.step_in_epoch == steps_per_epoch:
        _finish_epoch(s)
    if out_dir is not None and (last or s.step_in_epoch or s.epoch % ckpt.checkpoint_every(s) == 0):
        ckpt.save_checkpoint(out_dir / ckpt.CHECKPOINT_NAME, s)
    if callback is not None and s.step_in_epoch == 0:
        callback(s)


def _finish_epoch(state: TrainState) -> None:
    """Count the epoch, keep the fixed-noise samples and (every eval_every epochs) the metrics."""
    state.epoch += 1
    state.step_in_epoch = 0
    state.history.epoch_end_steps.append(state.step)
    state.history.samples.append(to_uint8(state.fixed_samples()))
    cfg = state.config
    if cfg.eval_every and state.epoch % cfg.eval_every == 0:
        values = evaluate_generator(state.G, n=cfg.eval_samples, seed=cfg.seed, data_root=cfg.data_root)
        for decay, avg in zip(cfg.ema, state.ema):  # the averages too, on the same latent vectors
            averaged = evaluate_generator(avg, n=cfg.eval_samples, seed=cfg.seed, data_root=cfg.data_root)
            values.update({f"{ema_name(decay)}_{k}": v for k, v in averaged.items()})
        state.history.metrics.append({"epoch": state.epoch, "step": state.step, **values})


class _SaturationWatch:
    """Warn once when D's sigmoid saturates (a loss stuck near BCE's cap of 100): then nobody learns."""

    def __init__(self) -> None:
        self.streak = 0

    def check(self, state: TrainState, values: Sequence[float]) -> None:
        lossD, lossG = values[0], values[1]
        saturated = max(lossD, lossG) > 20  # -log p > 20 means p < 2e-9: the sigmoid is flat there
        self.streak = self.streak + 1 if saturated else 0
        if self.streak != SATURATION_STREAK or any(e["kind"] == "saturated" for e in state.history.events):
            return
        first = state.step - SATURATION_STREAK + 1
        if lossD < 1e-3:
            who = "D wins completely: lossD ~ 0 while lossG is huge, so D(G(z)) ~ 0"
        elif lossG < 1e-3:
            who = "G fools D completely: lossG ~ 0 while lossD is huge; D calls every image real"
        else:
            who = "D calls every image fake, real ones too: both losses are huge"
        # With a Sigmoid in D, float32 soon rounds D's output to exactly 0 or 1, where its gradient is exactly 0.
        # On logits (BCEWithLogitsLoss) the gradients survive, but D is far ahead.
        why = ("; on logits the gradients do not vanish, but D's logits are beyond +-20" if state.config.logits
               else "; D's sigmoid is pinned near 0 or 1, where its float32 gradient is zero or nearly so, so learning "
                    "stalls (BCELoss shows at most 100)")
        state.log("saturated", f"From step {first} the loss is saturated. {who}{why}. Training goes on, but it is "
                  f"unlikely to recover; try lower learning rates (lr_d={state.config.lr_d}).")


__all__ = ["History", "StepResult", "TrainState", "check_real_images", "fit", "frozen", "train_runs", "train_step"]
