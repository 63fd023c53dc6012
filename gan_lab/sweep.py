"""Sweeps: many runs of the reference GAN, trained side by side, with seeds, resume and metrics.

Runs that share an optimizer type and a batch size are trained as one *stack*: their weights are
stacked along a new first dimension and every layer becomes one batched matrix product (bmm) over
the runs. Each run keeps its own seed, data order, noise, learning rates and betas, so it follows the
same trajectory as when trained alone by `fit` (up to float rounding, tested). Runs of different
z_dim share a stack: G's first layer has max(z_dim) input columns, and the columns a run does not
have are zero, receive zero gradient (their inputs are zero) and so stay zero.

After every epoch each run is written back into its own TrainState and checkpointed exactly as
`fit` does, so a killed sweep resumes: finished runs are skipped, unfinished ones continue from
their last epoch.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import torch
import torch.nn.functional as F

from .checkpoint import (CHECKPOINT_NAME, RESULT_NAME, CheckpointError, atomic_write_text, finished_result,
                         load_checkpoint, read_result, resume_state, save_checkpoint, write_config_json)
from .config import TrainConfig
from .data import load_images
from .files import run_lock
from .train import (History, StepResult, TrainState, _finish_epoch, _log, _progress_bar, _SaturationWatch,
                    _stop_if_blown_up, new_state)

SWEEPS: dict[str, list[dict]] = {
    # The report's experiment, at the report's settings (SGD 0.3; Adam 2e-4 with PyTorch's default betas)
    # and at each optimizer's usual setting (SGD 0.1, our default; Adam 2e-4 with beta1 0.5, as DCGAN).
    "optimizer": [{"optimizer": "sgd", "lr_d": 0.3, "lr_g": 0.3}, {"optimizer": "adam", "betas": (0.9, 0.999)},
                  {"optimizer": "sgd"}, {"optimizer": "adam"}],
    # The report's z_dim study (with SGD at our default 0.1: the report's 0.3 often saturates).
    "zdim": [{"optimizer": "sgd", "z_dim": z} for z in (20, 50, 100, 200)],
    # Learning rates: the report's literal SGD 0.3 down to 0.01; Adam at 1e-3 and 2e-4 with beta1 0.9 and 0.5.
    "lr": [{"optimizer": "sgd", "lr_d": lr, "lr_g": lr} for lr in (0.3, 0.1, 0.03, 0.01)]
          + [{"optimizer": "adam", "lr_d": lr, "lr_g": lr, "betas": (b1, 0.999)} for lr in (1e-3, 2e-4) for b1 in (0.9, 0.5)],
    # The report's SGD 0.3 once more, with D's loss computed from logits (BCEWithLogitsLoss): does it train now?
    "logits": [{"optimizer": "sgd", "lr_d": 0.3, "lr_g": 0.3, "logits": True}],
}
EVAL_EVERY = 10  # epochs between metric evaluations in a sweep
EVAL_SAMPLES = 2000  # samples per evaluation during training (the final one uses metrics.DEFAULT_N)
EPS = 1e-8  # Adam's eps, as torch.optim.Adam's default


def label(config: TrainConfig) -> str:
    """A short human name for a configuration, e.g. 'sgd lr 0.1 z 100' or 'adam lr 0.0002 b1 0.5 z 100'."""
    lr = f"lr {config.lr_d:g}" if config.lr_d == config.lr_g else f"lr_d {config.lr_d:g} lr_g {config.lr_g:g}"
    b1 = f" b1 {config.betas[0]:g}" if config.optimizer == "adam" else ""
    return f"{config.optimizer} {lr}{b1} z {config.z_dim}" + (" logits" if config.logits else "")


def sweep_configs(name: str, seeds: int, epochs: int, base: Optional[TrainConfig] = None) -> list[TrainConfig]:
    """The configurations of a named sweep, each with seeds 0..seeds-1."""
    if name not in SWEEPS:
        raise ValueError(f"sweep={name!r} is not allowed: one of {', '.join(SWEEPS)}")
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds={seeds!r} is not allowed: a positive number of training seeds")
    base = base or TrainConfig()
    return [base.replace(**{"lr_d": None, "lr_g": None, "betas": None, **changes}, epochs=epochs, seed=seed)
            for changes in SWEEPS[name] for seed in range(seeds)]


# ----------------------------------------------------------------------------------------- the stack

def _bce(p: torch.Tensor, target: float) -> torch.Tensor:
    """nn.BCELoss per run (mean over the batch); p is R x B x 1.

    F.binary_cross_entropy has nn.BCELoss's clamp of log at -100 and its safe gradient at p = 0 or 1,
    where D saturates. It refuses NaN, so a run whose weights have blown up is scored NaN here instead,
    and the caller takes it out of the stack.
    """
    finite = torch.isfinite(p)
    loss = F.binary_cross_entropy(torch.where(finite, p, 0.5), torch.full_like(p, target), reduction="none")
    return torch.where(finite.all(dim=(1, 2)), loss.mean(dim=(1, 2)), torch.nan)


def _bce_logits(a: torch.Tensor, target: float) -> torch.Tensor:
    """nn.BCEWithLogitsLoss per run (mean over the batch); a is R x B x 1 logits. NaN passes through."""
    return F.binary_cross_entropy_with_logits(a, torch.full_like(a, target), reduction="none").mean(dim=(1, 2))


class Stack:
    """The weights and optimizer states of R runs, stacked; forward passes are batched over runs."""

    def __init__(self, states: Sequence[TrainState]):
        c0 = states[0].config
        self.states = list(states)
        self.optimizer = c0.optimizer
        self.slope = c0.leaky_slope
        self.logits = c0.logits
        self.z_dims = [s.config.z_dim for s in states]
        self.z_max = max(self.z_dims)
        dev = states[0].device
        self.D = [torch.stack([p.detach() for p in ps]).clone() for ps in zip(*(s.D.parameters() for s in states))]
        self.G = [torch.zeros(len(states), c0.hidden_dim, self.z_max, device=dev)]  # fc1.weight, zero-padded
        for r, s in enumerate(states):
            self.G[0][r, :, :self.z_dims[r]] = s.G.fc1.weight.detach()
        self.G += [torch.stack([p.detach() for p in ps]).clone()
                   for ps in zip(*(list(s.G.parameters())[1:] for s in states))]
        for p in self.D + self.G:
            p.requires_grad_(True)
        self.lr_d = self._per_run([s.config.lr_d for s in states])
        self.lr_g = self._per_run([s.config.lr_g for s in states])
        if self.optimizer == "adam":
            self.beta1 = self._per_run([s.config.betas[0] for s in states])
            self.beta2 = self._per_run([s.config.betas[1] for s in states])
            self.adam_D = self._read_adam([s.optD for s in states], self.D)
            self.adam_G = self._read_adam([s.optG for s in states], self.G)

    def _per_run(self, values: list[float]) -> torch.Tensor:
        """One float32 value per run (viewed per parameter by _view)."""
        return torch.tensor(values, dtype=torch.float32, device=self.states[0].device)

    @staticmethod
    def _view(v: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return v.view(-1, *([1] * (p.dim() - 1)))

    # -- forward passes, batched over runs: x is R x B x features
    def disc(self, x: torch.Tensor) -> torch.Tensor:
        W1, b1, W2, b2 = self.D
        h = F.leaky_relu(torch.baddbmm(b1.unsqueeze(1), x, W1.transpose(1, 2)), self.slope)
        out = torch.baddbmm(b2.unsqueeze(1), h, W2.transpose(1, 2))
        return out if self.logits else torch.sigmoid(out)

    def gen(self, z: torch.Tensor) -> torch.Tensor:
        W1, b1, W2, b2 = self.G
        h = F.leaky_relu(torch.baddbmm(b1.unsqueeze(1), z, W1.transpose(1, 2)), self.slope)
        return torch.tanh(torch.baddbmm(b2.unsqueeze(1), h, W2.transpose(1, 2)))

    def noise(self, batch_size: int) -> torch.Tensor:
        """Each run's z from its own noise generator (as train_step draws it), zero-padded to z_max."""
        z = torch.zeros(len(self.states), batch_size, self.z_max, device=self.states[0].device)
        for r, s in enumerate(self.states):
            z[r, :, :self.z_dims[r]] = torch.randn(batch_size, self.z_dims[r], device=z.device, generator=s.noise_gen)
        return z

    # -- optimizer updates, per run
    def update(self, params: list[torch.Tensor], grads: Sequence[torch.Tensor], lr: torch.Tensor,
               adam: Optional[dict]) -> None:
        with torch.no_grad():
            if adam is None:  # plain SGD: p <- p - lr * g
                for p, g in zip(params, grads):
                    p.sub_(self._view(lr, p) * g)
                return
            adam["step"] += 1  # per run: runs resumed from different epochs share a stack
            for p, g, m, v in zip(params, grads, adam["exp_avg"], adam["exp_avg_sq"]):
                b1, b2, t = self._view(self.beta1, p), self._view(self.beta2, p), self._view(adam["step"], p)
                m.lerp_(g, 1 - b1)
                v.mul_(b2).add_((1 - b2) * g * g)
                step_size = self._view(lr, p) / (1 - b1 ** t)
                denom = (v.sqrt() / (1 - b2 ** t).sqrt()).add_(EPS)
                p.sub_(step_size * m / denom)

    def _read_adam(self, opts: list[torch.optim.Optimizer], params: list[torch.Tensor]) -> dict:
        """Stack the runs' Adam moments and step counts (zeros for a run that has not stepped yet)."""
        m = [torch.zeros_like(p) for p in params]
        v = [torch.zeros_like(p) for p in params]
        steps = torch.zeros(len(opts), device=params[0].device)
        for r, o in enumerate(opts):
            state = o.state_dict()["state"]
            for i in range(len(params)):
                if i in state:
                    cols = state[i]["exp_avg"].shape[-1] if state[i]["exp_avg"].dim() > 1 else None
                    m[i][r, ..., :cols] = state[i]["exp_avg"]
                    v[i][r, ..., :cols] = state[i]["exp_avg_sq"]
                    steps[r] = float(state[i]["step"])
        return {"step": steps, "exp_avg": m, "exp_avg_sq": v}

    # -- back into the runs' own modules and optimizers
    def write_back(self, rows: Optional[Iterable[int]] = None) -> None:
        """Copy each run's weights and optimizer state into its TrainState (G, D, optD, optG)."""
        with torch.no_grad():
            for r in range(len(self.states)) if rows is None else rows:
                s = self.states[r]
                for p, stacked in zip(s.D.parameters(), self.D):
                    p.copy_(stacked[r])
                for i, (p, stacked) in enumerate(zip(s.G.parameters(), self.G)):
                    p.copy_(stacked[r, :, :self.z_dims[r]] if i == 0 else stacked[r])
                if self.optimizer == "adam":
                    self._write_adam(s.optD, self.adam_D, r, None)
                    self._write_adam(s.optG, self.adam_G, r, self.z_dims[r])

    @staticmethod
    def _write_adam(opt: torch.optim.Optimizer, adam: dict, r: int, z_dim: Optional[int]) -> None:
        sd = opt.state_dict()
        state = {}
        for i in range(len(adam["exp_avg"])):
            m, v = adam["exp_avg"][i][r], adam["exp_avg_sq"][i][r]
            if i == 0 and z_dim is not None:
                m, v = m[:, :z_dim], v[:, :z_dim]
            state[i] = {"step": torch.tensor(float(adam["step"][r])), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
        sd["state"] = state
        opt.load_state_dict(sd)


def stacked_step(stack: Stack, x_real: torch.Tensor) -> torch.Tensor:
    """train_step for every run of the stack at once; returns a 4 x R tensor (lossD, lossG, D_x, D_G_z).

    x_real is R x B x 784. The order is the one of train_step: D step on real and generated images
    (generated ones detached), then a G step with fresh z.
    """
    batch_size = x_real.size(1)
    bce = _bce_logits if stack.logits else _bce
    # (1) Train D.
    D_x = stack.disc(x_real)
    lossD_real = bce(D_x, 1.0)
    x_gen = stack.gen(stack.noise(batch_size))
    D_G_z = stack.disc(x_gen.detach())
    lossD_fake = bce(D_G_z, 0.0)
    lossD = lossD_real + lossD_fake
    # Each run's loss depends on its own weights only, so the gradient of the sum is every run's own gradient.
    stack.update(stack.D, torch.autograd.grad(lossD.sum(), stack.D), stack.lr_d, getattr(stack, "adam_D", None))
    # (2) Train G. Only G's gradients are computed: D's would be thrown away (zero_grad) anyway.
    lossG = bce(stack.disc(stack.gen(stack.noise(batch_size))), 1.0)
    stack.update(stack.G, torch.autograd.grad(lossG.sum(), stack.G), stack.lr_g, getattr(stack, "adam_G", None))
    if stack.logits:  # report D's beliefs as probabilities, as train_step does
        D_x, D_G_z = torch.sigmoid(D_x), torch.sigmoid(D_G_z)
    return torch.stack([lossD.detach(), lossG.detach(), D_x.detach().mean(dim=(1, 2)), D_G_z.mean(dim=(1, 2))])


# ----------------------------------------------------------------------------------------- training

def stack_key(config: TrainConfig) -> tuple:
    """Runs with the same key can share a stack."""
    return (config.optimizer, config.batch_size, config.hidden_dim, config.leaky_slope, config.dataset,
            config.data_root, config.train_images, config.device, config.logits)


def fit_side_by_side(states: Sequence[TrainState], out_dirs: Optional[Sequence[Path]] = None,
                     progress: bool = True, images: Optional[torch.Tensor] = None) -> list[TrainState]:
    """Train runs that share a stack_key together, whole epochs at a time, until each reaches its epochs."""
    states = list(states)
    keys = {stack_key(s.config) for s in states}
    if len(keys) != 1:
        raise ValueError(f"these runs cannot share a stack (optimizer, batch size, ... differ): {sorted(keys)}")
    if any(s.step_in_epoch for s in states):
        raise ValueError("side-by-side training resumes from epoch boundaries only")
    cfg = states[0].config
    if images is None:
        images = load_images(cfg.dataset, train=True, root=cfg.data_root, device=states[0].device)[:cfg.train_images]
    flat = images.view(len(images), -1)
    steps_per_epoch = math.ceil(len(flat) / cfg.batch_size)
    total = sum(s.config.epochs * steps_per_epoch for s in states)
    pbar = _progress_bar(total, sum(s.step for s in states), progress)
    watches = [_SaturationWatch() for _ in states]
    try:
        while True:
            active = [i for i, s in enumerate(states) if s.epoch < s.config.epochs and not s.stopped]
            if not active:
                break
            _train_epoch([states[i] for i in active], [watches[i] for i in active], flat, pbar)
            for i in active:
                s = states[i]
                if not s.stopped:
                    _stop_if_blown_up(s)  # finite losses can hide absurd weights
                if s.stopped:
                    continue
                _finish_epoch(s)
                if out_dirs is not None:
                    save_checkpoint(Path(out_dirs[i]) / CHECKPOINT_NAME, s)
            pbar.set_description(f"epoch {min(states[i].epoch for i in active)}/{cfg.epochs}", refresh=False)
    finally:
        pbar.close()
    return states


def _train_epoch(states: list[TrainState], watches: list[_SaturationWatch], flat: torch.Tensor, pbar) -> None:
    """One epoch for every run in states, side by side; runs whose loss turns non-finite leave the stack."""
    bs = states[0].config.batch_size
    perms = {id(s): torch.randperm(len(flat), generator=s.data_gen).to(flat.device) for s in states}
    for s in states:
        s.epoch_start_rng = None
    live = list(range(len(states)))
    stack = Stack(states)
    for start in range(0, len(flat), bs):
        idx = torch.stack([perms[id(states[i])][start:start + bs] for i in live])
        out = stacked_step(stack, flat[idx]).tolist()
        bad = []
        for j, i in enumerate(live):
            r = StepResult(out[0][j], out[1][j], out[2][j], out[3][j])
            s = states[i]
            if not (math.isfinite(r.lossD) and math.isfinite(r.lossG)):
                s.stopped = (f"Training stopped at step {s.step + 1} (epoch {s.epoch + 1}): a loss is not a finite "
                             f"number. Try lower learning rates (now lr_d={s.config.lr_d}, lr_g={s.config.lr_g}).")
                _log(s, "diverged", s.stopped)
                bad.append(i)
                continue
            s.history.append(r)
            s.step += 1
            watches[i].check(s, r)
        pbar.update(len(live) - len(bad))
        if bad:  # go on with the healthy runs in a new stack; a stopped run keeps its last epoch's weights
            keep = [j for j, i in enumerate(live) if i not in bad]
            stack.write_back(keep)
            live = [live[j] for j in keep]
            if not live:
                return
            stack = Stack([states[i] for i in live])
    stack.write_back()



# ----------------------------------------------------------------------------------------- a whole sweep

def run_dir(out: Path, config: TrainConfig) -> Path:
    """Where one run of a sweep lives."""
    return Path(out) / config.run_name()


def run_sweep(name: str, seeds: int, epochs: int, out: str | Path, base: Optional[TrainConfig] = None,
              eval_every: int = EVAL_EVERY, eval_samples: int = EVAL_SAMPLES, final_samples: Optional[int] = None,
              only: Optional[Sequence[int]] = None, progress: bool = True) -> list[dict]:
    """Train (or resume) every run of a sweep, side by side per stack; write each run's results.

    Runs whose result.json shows this length are not trained again; unfinished ones, and finished ones
    asked for more epochs, continue from their checkpoint (fewer epochs are refused: checkpoint.finished_result). `only` (indices into the sweep's runs) restricts it to a share of the runs, as a worker
    process of `sweep --workers N` trains. Returns the result records of the runs it covered.
    """
    from .metrics import DEFAULT_N

    out = Path(out)
    configs = [c.replace(eval_every=eval_every if eval_every <= epochs else 0, eval_samples=eval_samples)
               for c in sweep_configs(name, seeds, epochs, base)]
    if only is not None:
        configs = [configs[i] for i in only]
    todo = [c for c in configs if finished_result(run_dir(out, c), c) is None]  # checks every run before training
    with ExitStack() as locks:
        for c in todo:  # one writer per run folder: a second sweep or a notebook is refused
            locks.enter_context(run_lock(run_dir(out, c)))
            (run_dir(out, c) / RESULT_NAME).unlink(missing_ok=True)  # a stale or damaged result is no longer true
        groups: dict[tuple, list[TrainState]] = {}
        for c in todo:
            state = resume_state(run_dir(out, c), c) or new_state(c)
            write_config_json(run_dir(out, c) / "config.json", c)
            groups.setdefault(stack_key(c), []).append(state)
        for states in groups.values():
            t0 = time.time()
            fit_side_by_side(states, [run_dir(out, s.config) for s in states], progress=progress)
            seconds = (time.time() - t0) / len(states)
            for s in states:
                write_run_results(s, run_dir(out, s.config), final_samples or DEFAULT_N, seconds)
    return [read_result(run_dir(out, c) / RESULT_NAME) for c in configs]


def compact_history(history: History, every: int = 10) -> dict[str, "object"]:
    """Means over consecutive blocks of `every` steps (float32), small enough to ship."""
    import numpy as np

    out = {}
    for k in ("lossD", "lossG", "D_x", "D_G_z"):
        v = np.asarray(getattr(history, k), dtype=np.float64)
        n = len(v) // every * every
        out[k] = v[:n].reshape(-1, every).mean(axis=1).astype(np.float32)
    out["every"] = np.array(every)
    return out


def write_run_results(state: TrainState, out_dir: Path, n_final: int, seconds_per_run: float) -> dict:
    """history.npz, generator.pt, metrics (N = n_final) and result.json (written last: it marks 'done')."""
    import io

    import numpy as np

    from .checkpoint import atomic_write, write_generator_file, write_result
    from .metrics import evaluate_generator

    h = state.history
    arrays = compact_history(h)
    arrays["final_samples"] = h.samples[-1].numpy() if h.samples else np.zeros((0,), np.uint8)
    if h.metrics:
        names = [k for k in h.metrics[0] if k not in ("epoch", "step")]
        arrays["metric_epochs"] = np.array([m["epoch"] for m in h.metrics])
        for k in names:
            arrays[f"metric_{k}"] = np.array([m[k] for m in h.metrics], dtype=np.float64)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write(out_dir / "history.npz", lambda f: f.write(buf.getvalue()))
    write_generator_file(out_dir / "generator.pt", state.G, state.config)
    metrics = {} if state.stopped else evaluate_generator(state.G, n=n_final, seed=state.config.seed,
                                                           data_root=state.config.data_root)
    result = {"label": label(state.config), "config": state.config.to_dict(), "steps": state.step,
              "epochs": state.epoch, "stopped": state.stopped, "events": [e["kind"] for e in h.events],
              "metrics_n": n_final, "metrics": metrics, "seconds": round(seconds_per_run, 1)}
    write_result(out_dir / RESULT_NAME, result)
    return result


def load_results(out: str | Path) -> list[dict]:
    """Every finished run's result.json under a sweep folder, with its folder added as 'dir'."""
    rows = []
    for path in sorted(Path(out).glob(f"*/{RESULT_NAME}")):
        r = read_result(path)
        r["dir"] = str(path.parent)
        rows.append(r)
    return rows


def summarize(results: Sequence[dict]) -> list[dict]:
    """Per configuration (label): number of seeds and mean and std over seeds of every metric."""
    import numpy as np

    def order(r: dict) -> tuple:
        c = r["config"]
        return (c["optimizer"], -c["lr_d"], -(c["betas"] or [0])[0], c["z_dim"], c["seed"])

    by_label: dict[str, list[dict]] = {}
    for r in sorted(results, key=order):
        by_label.setdefault(r["label"], []).append(r)
    rows = []
    for lab, runs in by_label.items():
        row = {"label": lab, "seeds": len(runs), "stopped": sum(bool(r["stopped"]) for r in runs)}
        names = sorted({k for r in runs for k in r["metrics"]})
        for k in names:
            v = np.array([r["metrics"][k] for r in runs if k in r["metrics"]], dtype=np.float64)
            row[k] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                      "values": v.tolist()}
        rows.append(row)
    return rows


# Decimals per metric in tables: the same for the mean and the spread, so "71.2 ± 1.2" and "363.3 ± 110.4" read alike.
DECIMALS = {"FD_mnist": 1, "IS_mnist": 2, "digits_covered": 1, "class_KL": 3, "mean_confidence": 3, "precision": 3,
            "recall": 3}


def mean_std(v: dict, metric: str) -> str:
    """'mean ± std' of a summarize() cell, both with the metric's fixed number of decimals."""
    d = DECIMALS.get(metric, 3)
    return f"{v['mean']:.{d}f} ± {v['std']:.{d}f}"


def format_summary(rows: Sequence[dict], metrics: Sequence[str] = ("FD_mnist", "IS_mnist", "digits_covered",
                                                                     "class_KL", "precision", "recall")) -> str:
    """A Markdown table: one row per configuration, 'mean ± std' over its seeds per metric."""
    head = "| configuration | seeds | " + " | ".join(metrics) + " |"
    lines = [head, "|" + " --- |" * (len(metrics) + 2)]
    for r in rows:
        cells = []
        for m in metrics:
            v = r.get(m)
            cells.append(mean_std(v, m) if v else "n/a")
        seeds = f"{r['seeds']} ({r['stopped']} stopped, no metrics)" if r["stopped"] else f"{r['seeds']}"
        lines.append(f"| {r['label']} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_results(out: str | Path, configs: Sequence[TrainConfig]) -> list[dict]:
    """The finished runs of these configurations (several sweeps may share one folder and its runs)."""
    wanted = {c.run_name() for c in configs}
    return [r for r in load_results(out) if Path(r["dir"]).name in wanted]


def write_summary(out: str | Path, name: str, configs: Sequence[TrainConfig]) -> list[dict]:
    """summary_<name>.json and summary_<name>.md: mean and std over seeds per configuration."""
    rows = summarize(sweep_results(out, configs))
    atomic_write_text(Path(out) / f"summary_{name}.json", json.dumps(rows, indent=2) + "\n")
    atomic_write_text(Path(out) / f"summary_{name}.md", format_summary(rows) + "\n")
    return rows


# ----------------------------------------------------------------------------------------- command line

def add_sweep_args(p) -> None:
    """Options of `python -m gan_lab sweep`."""
    p.add_argument("name", choices=sorted(SWEEPS), help="optimizer: SGD vs Adam at the report's and the usual "
                   "settings; zdim: z_dim 20/50/100/200 (SGD); "
                   "lr: SGD 0.3/0.1/0.03/0.01 and Adam 1e-3/2e-4 x beta1 0.9/0.5; "
                   "logits: SGD 0.3 with D's loss on logits (BCEWithLogitsLoss)")
    p.add_argument("--seeds", type=int, default=3, help="training seeds per configuration (default: 3)")
    p.add_argument("--epochs", type=int, default=100, help="epochs per run (default: 100)")
    p.add_argument("--out", required=True, help="sweep folder, e.g. results/optimizer; one subfolder per run")
    p.add_argument("--eval-every", type=int, default=EVAL_EVERY,
                   help=f"compute the metrics every k epochs (default: {EVAL_EVERY}; 0: never)")
    p.add_argument("--eval-samples", type=int, default=EVAL_SAMPLES,
                   help=f"samples for the metrics during training (default: {EVAL_SAMPLES})")
    p.add_argument("--final-samples", type=int, default=None, help="samples for the final metrics (default: 10000)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes, one thread each (default: 2 on a CPU with 2+ cores, 1 on CUDA)")
    p.add_argument("--runs", default=None, help=argparse.SUPPRESS)  # a worker's share: run indices
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--data-root", default=None, help="dataset folder (default: $GAN_LAB_DATA_DIR, else ./data)")
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images (quick runs)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def cmd_sweep(a) -> int:
    """Run a sweep, in `workers` processes; then write summary_<name>.json / .md and print the table."""
    import os
    import subprocess
    import sys

    from .config import resolve_device

    from .config import check_count
    from .files import check_out_dir

    base = TrainConfig(device=a.device, data_root=a.data_root, train_images=a.train_images)
    if a.final_samples is not None:  # checked now, not after hours of training
        check_count("--final-samples", a.final_samples, 100, "the final metrics need at least 100 images (evaluate -n)")
    check_out_dir(a.out)
    if a.runs is not None:  # a worker: train its share of the runs on one thread
        torch.set_num_threads(1)
        run_sweep(a.name, a.seeds, a.epochs, a.out, base, a.eval_every, a.eval_samples, a.final_samples,
                  only=[int(i) for i in a.runs.split(",") if i], progress=not a.no_progress)
        return 0
    sweep_configs(a.name, a.seeds, a.epochs, base)  # validate before spawning anything
    if a.workers is not None and not 1 <= a.workers <= 64:
        raise ValueError(f"--workers={a.workers} is not allowed: an integer from 1 to 64 (leave it out for the default)")
    workers = a.workers or (2 if resolve_device(a.device).type == "cpu" and (os.cpu_count() or 1) >= 2 else 1)
    t0 = time.time()
    if workers == 1:
        run_sweep(a.name, a.seeds, a.epochs, a.out, base, a.eval_every, a.eval_samples, a.final_samples,
                  progress=not a.no_progress)
    else:
        argv = ["sweep", a.name, "--seeds", str(a.seeds), "--epochs", str(a.epochs), "--out", str(a.out),
                "--eval-every", str(a.eval_every), "--eval-samples", str(a.eval_samples), "--device", a.device]
        for flag, value in (("--final-samples", a.final_samples), ("--data-root", a.data_root),
                            ("--train-images", a.train_images)):
            argv += [flag, str(value)] if value is not None else []
        argv += ["--no-progress"] if a.no_progress else []
        shares = balance(sweep_configs(a.name, a.seeds, a.epochs, base), Path(a.out), workers)
        procs = [subprocess.Popen([sys.executable, "-m", "gan_lab", *argv, "--runs", ",".join(map(str, share))],
                                  env={**os.environ, "OMP_NUM_THREADS": "1"}, preexec_fn=_die_with_parent)
                 for share in shares if share]
        codes = [p.wait() for p in procs]
        if any(codes):
            print(f"error: a sweep worker failed (exit codes {codes}); rerun the same command to resume",
                  file=sys.stderr)
            return 1
    rows = write_summary(a.out, a.name, sweep_configs(a.name, a.seeds, a.epochs, base))
    print(format_summary(rows))
    print(f"sweep {a.name}: {len(rows)} configurations in {a.out} ({time.time() - t0:.0f} s)")
    return 0


def balance(configs: Sequence[TrainConfig], out: Path, workers: int) -> list[list[int]]:
    """Split the unfinished runs among workers so that each has about the same number of steps left.

    Adam steps cost more than SGD steps (its update does more arithmetic), so they count 1.3 times.
    Longest first, each to the least loaded worker; runs of one optimizer stay together where possible.
    """
    left = []
    for i, c in enumerate(configs):
        d = run_dir(out, c)
        if finished_result(d, c) is not None:
            continue
        done = 0
        if (d / CHECKPOINT_NAME).is_file():
            try:
                done = int(load_checkpoint(d / CHECKPOINT_NAME)["step"])
            except CheckpointError:  # damaged: resume_state falls back or restarts; count it whole
                done = 0
        cost = (c.epochs * c.steps_per_epoch - done) * (1.3 if c.optimizer == "adam" else 1.0)
        left.append((cost, c.optimizer, i))
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for cost, _, i in sorted(left, key=lambda t: (-t[0], t[1])):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += cost
    return [sorted(share) for share in shares]


def _die_with_parent() -> None:
    """Linux: a worker is killed when the sweep process dies, so a rerun never races an orphan."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ----------------------------------------------------------------------------------------- reading a study back

@dataclass
class RunResult:
    """One finished run of a sweep, as the notebooks use it."""

    label: str
    config: TrainConfig
    metrics: dict
    stopped: Optional[str]
    curves: dict  # lossD, lossG, D_x, D_G_z: means over blocks of `every` steps
    every: int
    final_samples: torch.Tensor  # the fixed-noise grid after the last epoch, uint8 64 x 1 x 28 x 28
    metric_epochs: list
    metric_curves: dict  # metric name -> values at metric_epochs (N = eval_samples)
    dir: Path
    events: tuple = ()  # kinds of the events the run logged: 'saturated', 'diverged'

    def generator(self):
        """The trained G, loaded from generator.pt."""
        from .models import Generator

        from .checkpoint import read_generator_file

        d = read_generator_file(self.dir / "generator.pt")
        G = Generator(self.config.z_dim, self.config.hidden_dim, self.config.leaky_slope)
        G.load_state_dict(d["G"])
        return G.eval()


def load_study(out: str | Path, name: str, seeds: int = 3, epochs: int = 100) -> dict[str, list[RunResult]]:
    """The finished runs of a sweep, grouped by configuration label in the sweep's order."""
    import numpy as np

    configs = sweep_configs(name, seeds, epochs)
    found = {Path(r["dir"]).name: r for r in load_results(out)}
    study: dict[str, list[RunResult]] = {}
    for c in configs:
        r = found.get(c.run_name())
        if r is None:
            continue
        with np.load(Path(r["dir"]) / "history.npz") as z:
            curves = {k: z[k] for k in ("lossD", "lossG", "D_x", "D_G_z")}
            metric_curves = {k[len("metric_"):]: z[k] for k in z.files if k.startswith("metric_") and k != "metric_epochs"}
            metric_epochs = z["metric_epochs"].tolist() if "metric_epochs" in z.files else []
            run = RunResult(r["label"], TrainConfig.from_dict({**r["config"], "device": "cpu", "data_root": None}),
                            r["metrics"], r["stopped"], curves, int(z["every"]), torch.from_numpy(z["final_samples"]),
                            metric_epochs, metric_curves, Path(r["dir"]), tuple(r.get("events", ())))
        study.setdefault(r["label"], []).append(run)
    return study


def study_rows(study: dict[str, list[RunResult]]) -> list[dict]:
    """summarize() rows for a loaded study (mean and std over seeds of each final metric)."""
    return summarize([{"label": lab, "stopped": r.stopped, "config": r.config.to_dict(), "metrics": r.metrics}
                      for lab, runs in study.items() for r in runs])


def study_curves(study: dict[str, list[RunResult]], key: str) -> dict[str, list]:
    """label -> one curve per seed (block means of `key`), for plotting.plot_bands."""
    return {lab: [r.curves[key] for r in runs] for lab, runs in study.items()}


def pick(study: dict[str, list[RunResult]], *labels: str) -> dict[str, list[RunResult]]:
    """A sub-study with these labels, in this order (a KeyError names a missing one)."""
    missing = [lab for lab in labels if lab not in study]
    if missing:
        raise KeyError(f"no finished runs for {missing}; have {list(study)}")
    return {lab: study[lab] for lab in labels}


def saturated_labels(study: dict[str, list[RunResult]]) -> list[str]:
    """Configurations in which some seed saturated or diverged: their seeds are drawn one by one."""
    return [lab for lab, runs in study.items() if any({"saturated", "diverged"} & set(r.events) for r in runs)]


def plot_study_losses(study: dict[str, list[RunResult]], title: str, separate: bool = False, log_scale: bool = False):
    """lossG and lossD of every configuration, mean ± std over seeds, as stored and smoothed over 1,000 steps.

    separate=True gives each configuration its own column and y scale (smoothed curves only), so that a
    saturated run at 100 does not flatten a working one. Saturated configurations are drawn per seed.
    log_scale=True: linear from 0 to 1, logarithmic above, for losses that run away by many powers of ten.
    """
    from matplotlib.figure import Figure

    from .plotting import plot_bands

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
    from matplotlib.figure import Figure

    from .plotting import METRIC_LABELS, plot_bands

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


def plot_lr_study(study: dict[str, list[RunResult]], names: Sequence[str] = ("FD_mnist", "recall"),
                  title: str = "Final quality against learning rate, mean ± std over seeds"):
    """One panel per final metric against lr (log scale): a line per optimizer (and Adam beta1), a dot per seed."""
    from matplotlib.figure import Figure

    from .plotting import METRIC_LABELS

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


def notebook_study(name: str, work: str | Path, retrain: bool = False, smoke: bool = False, seeds: int = 3,
                   epochs: int = 100) -> dict[str, list[RunResult]]:
    """The study a notebook shows: the shipped results, or runs trained into the work folder.

    retrain=True trains the whole sweep into <work>/results (resuming if interrupted) and returns it.
    smoke=True (CI) trains a tiny version into <work>/results_smoke to exercise that path, prints its
    table, and still returns the shipped results.
    """
    from .metrics import DEFAULT_N
    from .notebook import shipped_results

    if retrain or smoke:
        out = Path(work) / ("results_smoke" if smoke else "results")
        run_seeds, run_epochs = (1, 2) if smoke else (seeds, epochs)
        run_sweep(name, run_seeds, run_epochs, out, base=TrainConfig(train_images=640 if smoke else None),
                  eval_every=1 if smoke else EVAL_EVERY, eval_samples=500 if smoke else EVAL_SAMPLES,
                  final_samples=500 if smoke else DEFAULT_N)
        trained = load_study(out, name, run_seeds, run_epochs)
        print(format_summary(study_rows(trained)))
        if retrain:
            return trained
    return load_study(shipped_results(), name, seeds, epochs)
