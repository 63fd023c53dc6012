"""Sweep speed: run-steps per second for three ways of training several runs on one machine.

    python benchmarks/bench_sweep.py [--runs 6] [--steps 600] [--device cuda]

One run-step is one D step plus one G step of one run (batch 64). The runs are those of the
report's study (SGD z_dim 20/50/100/200 and SGD vs Adam at z_dim 100), cut to --steps each:
(a) one after another, the textbook loop (torchvision transforms + DataLoader + train_step);
(b) one after another, the package's single-run path (gan_lab.fit, data as one tensor);
(c) the side-by-side trainer (gan_lab.stack), stacks of runs in one process with torch's threads,
    and in two processes of one thread each (what `sweep --workers 2` does; CPU only). Runs share a
    stack when they have the same architecture (z_dim may differ: z is zero-padded) and optimizer settings.
With --device cuda the same three paths run on the GPU.
Prints run-steps/s of each, the ratios to (b), and the time the report's full study would take; then
12 seeds of one configuration in one stack (the shape of a sweep's stacks) and the zdim sweep's 12 runs
(one stack, z padded to 200); then the arithmetic ceiling: how fast (b) and (c) would be if a run-step cost only its large matrix products
at the speed that torch.bmm reaches on them alone.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time

import torch

from bench_train import textbook_run  # benchmarks/ is on sys.path when a script here runs
from gan_lab import TrainConfig, fit, load_dataset, load_images
from gan_lab.stack import fit_side_by_side, group_by_stack
from gan_lab.state import new_state

FULL_STUDY = 6 * 100 * 938  # 2 optimizers + 4 z_dims, 100 epochs of 938 steps: 562,800 run-steps
STUDY = [TrainConfig(optimizer="sgd", z_dim=z) for z in (20, 50, 100, 200)] + [TrainConfig(optimizer="adam")]
STUDY.insert(2, TrainConfig(optimizer="sgd", z_dim=100, seed=1))  # 6 runs: the z_dim 100 SGD run appears twice
ZDIM_STUDY = [TrainConfig(optimizer="sgd", z_dim=z, seed=s) for z in (20, 50, 100, 200) for s in range(3)]
SEEDS_12 = [TrainConfig(optimizer="sgd", seed=s) for s in range(12)]  # one configuration, 12 seeds: one stack


def textbook(configs: list[TrainConfig], steps: int, device: str) -> float:
    t0 = time.perf_counter()
    dataset = load_dataset("mnist")
    for c in configs:
        textbook_run(c, steps, dataset, device)
    return len(configs) * steps / (time.perf_counter() - t0)


def single(configs: list[TrainConfig], steps: int, device: str) -> float:
    t0 = time.perf_counter()
    for c in configs:
        fit(c.replace(device=device, max_steps=steps), progress=False)
    return len(configs) * steps / (time.perf_counter() - t0)


def side_by_side(configs: list[TrainConfig], steps: int, images: torch.Tensor) -> float:
    """Whole epochs of a train_images subset sized so that the epochs add up to about `steps` steps."""
    epochs = math.ceil(steps / 937)
    per_epoch = math.ceil(steps / epochs)
    n = per_epoch * 64
    t0 = time.perf_counter()
    states = [new_state(c.replace(device=str(images.device), epochs=epochs, train_images=n)) for c in configs]
    for group in group_by_stack(states):
        fit_side_by_side(group, progress=False, images=images[:n])
    return len(configs) * epochs * per_epoch / (time.perf_counter() - t0)


def gemm_ceiling(runs: int = 6, repeats: int = 300) -> float:
    """GFLOP/s of the model's large products alone: R x (64 x 784) @ (784 x 128), batched over runs, as bmm."""
    x, w = torch.randn(runs, 64, 784), torch.randn(runs, 784, 128)
    for _ in range(20):
        torch.bmm(x, w)
    t0 = time.perf_counter()
    for _ in range(repeats):
        torch.bmm(x, w)
    return 2 * runs * 64 * 784 * 128 * repeats / (time.perf_counter() - t0) / 1e9


def two_processes(runs: int, steps: int, n_configs: int) -> float:
    """(c2): the runs split between two processes of one thread each, as `sweep --workers 2` does."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, __file__, "--runs", str(runs), "--steps", str(steps),
                               "--shard", f"{k}/2"], env={**os.environ, "OMP_NUM_THREADS": "1"}) for k in range(2)]
    # Timed from process start: imports and data loading count, as they do for `sweep --workers 2`.
    assert all(p.wait() == 0 for p in procs)
    return n_configs * steps / (time.perf_counter() - t0)


# Ten products of that size per run-step: D on real and generated images and their weight gradients
# (4), G twice (2), and in the G step D forward, D's input gradient and G's two gradients (4); plus
# small ones (z x 128, 128 x 1), about 4 MFLOP at z_dim 100. D is frozen in the G step (train_step's
# frozen(D)), so neither path computes D's weight gradient there.
LARGE = 2 * 64 * 784 * 128
FLOP_SIDE_BY_SIDE = 10 * LARGE + 4.2e6
FLOP_SINGLE = FLOP_SIDE_BY_SIDE


def print_stacks(steps: int, images: torch.Tensor) -> None:
    """The shape of a sweep's stacks: 12 seeds of one configuration, and the zdim sweep's 12 runs."""
    same = side_by_side(SEEDS_12, steps, images)
    zdim = side_by_side(ZDIM_STUDY, steps, images)
    print(f"12 seeds of one configuration, one stack: {same:.1f} run-steps/s; "
          f"zdim sweep, 12 runs, one stack (z padded): {zdim:.1f} run-steps/s (one process)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=6, help="runs per measurement (default 6: the report's study)")
    ap.add_argument("--steps", type=int, default=600, help="steps per run (default 600)")
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda: the same code on the GPU")
    ap.add_argument("--stacks-only", action="store_true", help="only the two 12-run measurements (quick on a GPU)")
    ap.add_argument("--shard", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    configs = (STUDY * math.ceil(a.runs / len(STUDY)))[:a.runs]
    images = load_images("mnist", device=a.device)
    if a.shard:  # a worker of (c2): its share of the runs on one thread
        k, n = (int(x) for x in a.shard.split("/"))
        torch.set_num_threads(1)
        side_by_side(configs[k::n], a.steps, images)
        return
    gpu = f", {torch.cuda.get_device_name()}" if a.device.startswith("cuda") else ""
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, {torch.get_num_threads()} threads{gpu}; "
          f"{len(configs)} runs x {a.steps} steps of batch 64 on {a.device}")
    if a.stacks_only:
        side_by_side(SEEDS_12[:2], 100, images)  # warm-up: the other paths would otherwise have run first
        return print_stacks(a.steps, images)
    rates = {}
    rates["(a) textbook loop, one run after another"] = textbook(configs, a.steps, a.device)
    rates["(b) package single-run path, one after another"] = single(configs, a.steps, a.device)
    rates[f"(c1) side by side, one process, {torch.get_num_threads()} threads"] = side_by_side(configs, a.steps, images)
    if a.device == "cpu":
        rates["(c2) side by side, two processes of one thread"] = two_processes(a.runs, a.steps, len(configs))
    base = rates["(b) package single-run path, one after another"]
    for name, r in rates.items():
        print(f"{name:52s} {r:7.1f} run-steps/s  ({r / base:4.2f}x (b))  full study: {FULL_STUDY / r / 60:5.1f} min")
    print_stacks(a.steps, images)
    if a.device != "cpu":
        return
    # The ceiling: if every run-step were only its large products at the speed bmm reaches alone.
    gflops = gemm_ceiling()
    for name, flop, r in (("(b)", FLOP_SINGLE, base), ("(c1)", FLOP_SIDE_BY_SIDE, list(rates.values())[2])):
        ceiling = gflops * 1e9 / flop
        print(f"ceiling of {name:4s}: {flop / 1e6:.0f} MFLOP per run-step at {gflops:.0f} GFLOP/s (bmm alone) = "
              f"{ceiling:.0f} run-steps/s ({ceiling / base:.2f}x (b)); measured {r:.0f} = {r / ceiling:.0%} of it")


if __name__ == "__main__":
    main()
