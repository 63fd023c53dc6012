"""Sweeps: many runs of a GAN with seeds, trained side by side (gan_lab.stack), resumable, with final metrics.

A sweep's runs live in one folder, one subfolder per run (named by TrainConfig.run_name). Each run is
checkpointed exactly as `fit` does (every epoch; every second one with Adam), so a killed sweep
resumes: finished runs are skipped, unfinished ones continue from their last checkpoint. With
workers > 1 the runs are spread over processes (concurrent.futures), each on one thread; their progress
lines reach the parent through a queue and are printed there, so a notebook cell shows them too.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import queue
import time
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from .checkpoint import (CHECKPOINT_NAME, EMA_GENERATOR_NAME, GENERATOR_NAME, RESULT_NAME, CheckpointError, finished_result,
                         load_checkpoint, read_result, resume_state, write_config_json, write_generator_file,
                         write_result)
from .config import CONV_CHANNELS, CONV_D_CHANNELS, REPORT_HIDDEN_DIM, SWEEPS, TrainConfig, label, resolve_device, sweep_configs  # noqa: F401 (SWEEPS: part of the sweep API)
from .files import atomic_write, run_lock
from .metrics import DEFAULT_N, evaluate_generator
from .stack import fit_side_by_side, group_by_stack
from .state import History, TrainState, new_state, to_uint8

EVAL_EVERY = 10  # epochs between metric evaluations in a sweep
EVAL_SAMPLES = 2000  # samples per evaluation during training (the final one uses metrics.DEFAULT_N)
# Time of one step against the report's networks with SGD in a stack of 3, and Adam's extra, on one thread of this
# project's 2-core CPU: cond 1.01-1.12 and Adam 1.11-1.12 (fc), in stacks of 3 (2026-12-05); conv as it trains on
# a CPU, alone, with Adam and lazy R1 (2026-12-06): 54.2 ms against 2.56 ms, 21.2 = 19 x 1.1 x 1.03.
STEP_COST = {"fc": 1.0, "cond": 1.1, "conv": 19.0}
ADAM_STEP_COST = 1.1
# The R1 penalty's extra backward pass through D: 6 epochs of the conv pair took 190 s with it, 129 s without.
R1_STEP_COST = 1.5
# Each further 128 hidden units of the fully connected networks, as a share of a step at 128 (the report's width),
# in G and in D. Both: one thread, 3 runs stacked, 2026-12-07, a quiet machine: 7.15 ms per run-step at 256 units,
# 4.33 at 128 (benchmarks/bench_hidden.py), so 0.65 in all. Split between G and D in the proportion measured the
# same day with a sweep on the other core (G alone 1.22 of a step at 128, D alone 1.30, both 1.53): D is run more
# often per step than G (on real and fake images, and again for G's loss). Linear in the width, as the matrix
# products are; measured at 128 and 256 only.
HIDDEN_STEP_COST = {"G": 0.27, "D": 0.38}
# The convolutional G's maps: its first transposed convolution grows with their square, so the extra is priced as
# CONV_G_STEP_COST x ((g_channels / 16)^2 - 1). One thread, alone, 2026-12-07, a quiet machine: 53.1 ms per step
# with 16 maps, 68.4 with 32 (1.29), 134.9 with 64 (2.54) (benchmarks/bench_conv_width.py); 0.1 gives 1.3 and 2.5.
CONV_G_STEP_COST = 0.1
# The convolutional D's maps, priced as CONV_D_STEP_COST x (d_channels / 32 - 1): linear in them, as measured. One
# thread, alone, 2026-12-07, a quiet machine: 48.4 ms per step with 32 maps, 74.5 with 48 (1.54), 102.2 with 64
# (2.11), and 121.9 with 64 in D and 32 in G (2.52, where the two prices add to 2.5) (benchmarks/bench_conv_width.py;
# beside a training run on the other core: 1.63, 2.23 and 2.66); 1.2 gives 1.6 and 2.2.
CONV_D_STEP_COST = 1.2
# Stacking the convolutional pair saves nothing on a CPU: one thread, lazy R1, 2026-12-06: 63 ms per run and step
# in a stack of 3, 50-58 ms alone (benchmarks/bench_conv_stack.py: 68.4 and 58.3). So there each of its runs
# trains alone, and two workers can share them.
UNSTACKED_ON_CPU = ("conv",)


def stacks_pay(config: TrainConfig) -> bool:
    """Whether this run trains in a stack with its seeds: not the convolutional pair on a CPU (UNSTACKED_ON_CPU)."""
    return not (config.arch in UNSTACKED_ON_CPU and resolve_device(config.device).type == "cpu")


def run_dir(out: Path, config: TrainConfig) -> Path:
    """Where one run of a sweep lives."""
    return Path(out) / config.run_name()


def step_cost(config: TrainConfig) -> float:
    """The time of one of this run's steps, in steps of the report's network with SGD (STEP_COST)."""
    adam = ADAM_STEP_COST if config.optimizer == "adam" else 1.0
    r1 = 1.0 + (R1_STEP_COST - 1.0) / config.r1_every if config.r1 else 1.0  # lazy R1 pays on every k-th step
    width = 1.0
    if config.arch == "conv":  # no hidden units: maps (config.CONV_CHANNELS and CONV_D_CHANNELS unless set otherwise)
        width += CONV_G_STEP_COST * ((config.g_channels or CONV_CHANNELS) ** 2 / CONV_CHANNELS ** 2 - 1)
        width += CONV_D_STEP_COST * ((config.d_channels or CONV_D_CHANNELS) / CONV_D_CHANNELS - 1)
    else:
        d_hidden_dim = config.hidden_dim if config.d_hidden_dim is None else config.d_hidden_dim
        width += HIDDEN_STEP_COST["G"] * (config.hidden_dim / REPORT_HIDDEN_DIM - 1)
        width += HIDDEN_STEP_COST["D"] * (d_hidden_dim / REPORT_HIDDEN_DIM - 1)
    return STEP_COST[config.arch] * adam * r1 * width


def with_evaluation(configs: list[TrainConfig], eval_every: int, eval_samples: int) -> list[TrainConfig]:
    """The sweep's runs measured every eval_every epochs (0: never), or more often where an entry asks to.

    A run shorter than eval_every (a smoke run, or an entry capped by max_epochs) is measured at its end.
    """
    return [c.replace(eval_every=min(eval_every, c.eval_every or eval_every, c.epochs), eval_samples=eval_samples)
            for c in configs]


def run_sweep(name: str, seeds: int, epochs: int, out: str | Path, base: Optional[TrainConfig] = None,
              eval_every: int = EVAL_EVERY, eval_samples: int = EVAL_SAMPLES, final_samples: Optional[int] = None,
              only: Optional[Sequence[int]] = None, progress: bool = True, workers: int = 1) -> list[dict]:
    """Train (or resume) every run of a sweep, side by side per stack; write each run's results.

    Runs whose result.json shows this length are not trained again; unfinished ones, and finished ones
    asked for more epochs, continue from their checkpoint (fewer epochs are refused: checkpoint.finished_result).
    `only` (indices into the sweep's runs) restricts it to a share of the runs. workers > 1 spreads the
    unfinished runs over that many processes of one thread each. Returns the result records of the runs.
    """
    out = Path(out)
    configs = with_evaluation(sweep_configs(name, seeds, epochs, base), eval_every, eval_samples)
    chosen = list(range(len(configs))) if only is None else list(only)
    if workers > 1:
        units = [[chosen[i] for i in unit] for unit in work_units([configs[i] for i in chosen], out, workers)]
        jobs = [(name, seeds, epochs, str(out), base, eval_every, eval_samples, final_samples, unit, progress)
                for unit in units]
        _run_in_workers(jobs, workers)
    else:
        _train_share([configs[i] for i in chosen], out, final_samples or DEFAULT_N, progress, lines=False)
    return [read_result(run_dir(out, configs[i]) / RESULT_NAME) for i in chosen]


def _run_in_workers(jobs: Sequence[tuple], workers: int) -> None:
    """Run the jobs in that many worker processes, each taking the next job when it is free; print their lines here."""
    # spawn, not fork: a forked copy of a process that has run torch's thread pool can hang.
    context = multiprocessing.get_context("spawn")
    lines = context.Queue()
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), mp_context=context,
                             initializer=_start_worker, initargs=(lines,)) as pool:
        futures = [pool.submit(_worker, job) for job in jobs]  # started in this order, as workers come free
        try:
            _print_lines_until_done(lines, futures)
        except KeyboardInterrupt:  # a notebook's interrupt reaches this process only: stop the workers too
            _stop_workers(pool)
            raise
        for f in futures:
            f.result()  # re-raises a worker's error here
    _print_lines_until_done(lines, [])  # the workers have exited: what they sent last is in the queue now


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the worker processes now; each run resumes from its last checkpoint when the sweep is run again."""
    # Else leaving the pool waits for the runs to finish (many minutes) while their run folders stay locked.
    if hasattr(pool, "terminate_workers"):  # Python 3.14 and later
        pool.terminate_workers()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def default_workers(device: str = "auto") -> int:
    """2 processes on a CPU with 2+ cores (one thread each beats two threads in one), else 1 (one GPU)."""
    return 2 if resolve_device(device).type == "cpu" and (os.cpu_count() or 1) >= 2 else 1


_progress_queue = None  # in a worker process: where its progress lines go (the parent prints them)


def _start_worker(lines) -> None:
    """Each worker computes on one thread (on a small CPU two processes of one thread beat one of two)."""
    global _progress_queue
    torch.set_num_threads(1)
    _progress_queue = lines


def _say(text: str) -> None:
    """Print a progress line, through the parent when in a worker: a worker's own stdout may show nowhere (Colab)."""
    if _progress_queue is None:
        print(text, flush=True)
    else:
        _progress_queue.put(text)


def _print_lines_until_done(lines, futures: Sequence[Future]) -> None:
    """Print the workers' progress lines as they come, until every worker has finished or failed."""
    while True:
        done = all(f.done() for f in futures)  # read before draining, so no line sent before the end is missed
        try:
            while True:
                print(lines.get(timeout=0.5), flush=True)
        except queue.Empty:
            if done:
                return


def _worker(job: tuple) -> None:
    """A worker process: train one unit of a sweep's runs, with progress as lines (several bars would interleave)."""
    name, seeds, epochs, out, base, eval_every, eval_samples, final_samples, unit, progress = job
    configs = with_evaluation(sweep_configs(name, seeds, epochs, base), eval_every, eval_samples)
    _train_share([configs[i] for i in unit], Path(out), final_samples or DEFAULT_N, progress=False, lines=progress)


def progress_lines(group: Sequence[TrainState]) -> Callable[[TrainState], None]:
    """An after-epoch callback printing a line per tenth of a stack's epochs (and its last): epoch, minutes, minutes left."""
    t0, start, printed = time.time(), min(s.epoch for s in group), set()
    labels = [label(s.config) for s in group]
    runs = (f"{labels[0]} (seeds {', '.join(str(s.config.seed) for s in group)})" if len(set(labels)) == 1 else
            ", ".join(f"{name} seed {s.config.seed}" for name, s in zip(labels, group)))  # e.g. a z_dim stack

    def report(state: TrainState) -> None:
        c, e = state.config, state.epoch
        if e in printed or (e % max(1, c.epochs // 10) and e != c.epochs):
            return
        printed.add(e)  # once per epoch for the whole stack, whichever of its runs gets there first
        spent = (time.time() - t0) / 60
        left = f", about {spent * (c.epochs - e) / (e - start):.0f} min left" if start < e < c.epochs else ""
        _say(f"{runs}: epoch {e}/{c.epochs}, {spent:.1f} min{left}")
    return report


def _train_share(configs: Sequence[TrainConfig], out: Path, n_final: int, progress: bool, lines: bool) -> None:
    """Train the unfinished runs among configs, one stack per group, and write each one's results.

    progress: a bar per stack (one process); lines: a line per tenth of each stack's epochs (worker processes).
    """
    todo = [c for c in configs if finished_result(run_dir(out, c), c) is None]  # checks every run before training
    with ExitStack() as locks:
        for c in todo:  # one writer per run folder: a second sweep or a notebook is refused
            locks.enter_context(run_lock(run_dir(out, c)))
            (run_dir(out, c) / RESULT_NAME).unlink(missing_ok=True)  # a stale or damaged result is no longer true
        states = []
        for c in todo:
            states.append(resume_state(run_dir(out, c), c) or new_state(c))
            write_config_json(run_dir(out, c) / "config.json", c)
        groups = [g for stack in group_by_stack(states)
                  for g in ([stack] if stacks_pay(stack[0].config) else [[s] for s in stack])]
        for group in groups:
            t0 = time.time()
            fit_side_by_side(group, [run_dir(out, s.config) for s in group], progress=progress,
                             callback=progress_lines(group) if lines else None)
            seconds = (time.time() - t0) / len(group)
            for s in group:
                write_run_results(s, run_dir(out, s.config), n_final, seconds)


def work_units(configs: Sequence[TrainConfig], out: Path, workers: int) -> list[list[int]]:
    """The unfinished runs as units of work for the workers, costliest first (run indices into configs).

    Runs that would share a stack (the same settings but the seed and z_dim, and the same steps done) form one unit,
    so each stack is trained once (on an H200 a step of 12 stacked runs took twice the time of one run's);
    runs that train alone (stacks_pay) are units of their own. A unit's cost is its steps left, weighted by
    step_cost (a step of the convolutional networks costs about 19 of the report's, Adam's and R1's more).
    When there are fewer units than workers, the costliest stacks are split. The workers take the units in
    this order, each the next one when it is free: the long ones start first and the short ones fill in at
    the end, so a cost estimate that is off leaves a worker idle for less than a split made in advance
    (which left one idle for 7 to 8 of the 55 minutes of `sweep beyond`, 2026-12-06).
    """
    units: dict[tuple, list] = {}  # stack -> [steps left in all its runs, weighted by cost, run indices]
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
        cost = (c.epochs * c.steps_per_epoch - done) * step_cost(c)
        # Seeds and z_dims apart, runs share a stack (stack.StackedModule pads each run's z to the widest).
        settings = {k: v for k, v in c.to_dict().items() if k not in ("seed", "z_dim")}
        key = (json.dumps(settings, sort_keys=True), done, None if stacks_pay(c) else i)
        unit = units.setdefault(key, [0.0, []])
        unit[0] += cost
        unit[1].append(i)
    stacks = sorted(units.values(), key=lambda u: (-u[0], u[1]))
    while 0 < len(stacks) < workers and len(stacks[0][1]) > 1:  # idle workers: split the costliest stack
        cost, runs = stacks.pop(0)
        half = (len(runs) + 1) // 2
        parts = [[cost * half / len(runs), runs[:half]], [cost * (len(runs) - half) / len(runs), runs[half:]]]
        stacks = sorted(stacks + parts, key=lambda u: (-u[0], u[1]))
    return [sorted(runs) for _, runs in stacks]


CURVES = ("lossD", "lossG", "D_x", "D_G_z")  # the per-step values history.npz keeps as block means


def block_means(values, every: int) -> np.ndarray:
    """Means over consecutive blocks of `every` values (float32); a last partial block is dropped."""
    v = np.asarray(values, dtype=np.float64)
    n = len(v) // every * every
    return v[:n].reshape(-1, every).mean(axis=1).astype(np.float32)


def compact_history(history: History, every: int = 10) -> dict[str, "object"]:
    """Means over consecutive blocks of `every` steps (float32), small enough to ship."""
    out = {k: block_means(getattr(history, k), every) for k in CURVES}
    out["every"] = np.array(every)
    return out


def write_run_results(state: TrainState, out_dir: Path, n_final: int, seconds_per_run: float) -> dict:
    """history.npz, generator.pt, metrics (N = n_final) and result.json (written last: it marks 'done')."""
    h, c = state.history, state.config
    arrays = compact_history(h)
    arrays["final_samples"] = h.samples[-1].numpy() if h.samples else np.zeros((0,), np.uint8)
    if state.ema:  # the first average's fixed-noise grid, beside G's own
        arrays["final_samples_ema"] = to_uint8(state.fixed_samples(state.ema[0])).numpy()
    if h.metrics:
        names = [k for k in h.metrics[0] if k not in ("epoch", "step")]
        arrays["metric_epochs"] = np.array([m["epoch"] for m in h.metrics])
        for k in names:
            arrays[f"metric_{k}"] = np.array([m[k] for m in h.metrics], dtype=np.float64)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write(out_dir / "history.npz", lambda f: f.write(buf.getvalue()))
    write_generator_file(out_dir / GENERATOR_NAME, state.G, c)
    if state.ema:
        write_generator_file(out_dir / EMA_GENERATOR_NAME, state.ema[0], c)
    metrics = {} if state.stopped else evaluate_generator(state.G, n=n_final, seed=c.seed, data_root=c.data_root)
    # Every average is measured on the same latent vectors as G; only the first is saved (results/ stays small).
    metrics_ema = {} if state.stopped else {
        f"{decay:g}": evaluate_generator(avg, n=n_final, seed=c.seed, data_root=c.data_root)
        for decay, avg in zip(c.ema, state.ema)}
    result = {"label": label(state.config), "config": state.config.to_dict(), "steps": state.step,
              "epochs": state.epoch, "stopped": state.stopped, "events": [e["kind"] for e in h.events],
              "metrics_n": n_final, "metrics": metrics, **({"metrics_ema": metrics_ema} if c.ema else {}), "seconds": round(seconds_per_run, 1)}
    write_result(out_dir / RESULT_NAME, result)
    return result
