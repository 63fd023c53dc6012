"""Notebook 06's convolutional pair on one CPU thread: a stack of 3 seeds against one run alone, and the report's network.

    python benchmarks/bench_conv_stack.py [--blocks 6] [--steps 32]

The figures behind gan_lab.sweep.stacks_pay (on a CPU the conv runs train alone) and STEP_COST["conv"].
Machine speed here drifts by up to 20% between runs of a script, so the three trainers step in one process,
alternating blocks of --steps steps (the report's network 6 times as many, its steps being short), and each
one's time is summed over its blocks. Prints ms per run and step of each, and the ratios.
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import torch

from gan_lab import TrainConfig
from gan_lab.config import sweep_configs
from gan_lab.data import load_images
from gan_lab.stack import Stack
from gan_lab.state import lazy_r1, new_state
from gan_lab.sweep import step_cost
from gan_lab.train import Single, train_step


def trainer(config: TrainConfig, runs: int, images: torch.Tensor):
    """A step function for `runs` seeds of config, in a stack (runs > 1) or alone, with lazy R1 as the loop applies it."""
    states = [new_state(config.replace(seed=s)) for s in range(runs)]
    m = Stack(states) if runs > 1 else Single(states)
    count = [0]

    def step() -> None:
        i = count[0]
        rows = torch.arange(i * 64 * runs, (i + 1) * 64 * runs) % len(images)
        train_step(m.G, m.D, m.optD, m.optG, images[rows], m.criterion, m.noise_gen, real_label=m.real_label,
                   r1=lazy_r1(config.r1, config.r1_every, i) if config.r1 else 0.0)
        count[0] += 1
    return step


def alternated_seconds(timed: dict[str, tuple[Callable[[], None], int]], blocks: int, warmup: int = 0) -> dict[str, float]:
    """Seconds each step function took over `blocks` blocks of its own number of steps, which goes first alternating.

    warmup: steps of each, untimed, before the first block.
    """
    for step, _ in timed.values():
        for _ in range(warmup):
            step()
    seconds = dict.fromkeys(timed, 0.0)
    for block in range(blocks):
        for name in (list(timed) if block % 2 == 0 else list(reversed(timed))):
            step, steps = timed[name]
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            seconds[name] += time.perf_counter() - t0
    return seconds


def conv_recipe() -> TrainConfig:
    """Sweep beyond's convolutional pair as a sweep's worker trains it on a CPU."""
    return next(c for c in sweep_configs("beyond", 1, 100) if c.arch == "conv").replace(device="cpu")


def print_alone(configs: dict[str, TrainConfig], blocks: int, steps: int, warmup: int) -> None:
    """Time one run of each configuration alone on one thread, in alternated blocks; print ms per step and ratios to the first."""
    torch.set_num_threads(1)  # as a sweep's worker processes
    images = load_images()
    seconds = alternated_seconds({name: (trainer(c, 1, images), steps) for name, c in configs.items()}, blocks, warmup)
    base_name, base = next(iter(configs.items()))
    for name, c in configs.items():
        print(f"{name:24s} {1000 * seconds[name] / (blocks * steps):7.2f} ms per step, {seconds[name] / seconds[base_name]:.2f} "
              f"of {base_name} (step_cost gives {step_cost(c) / step_cost(base):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a sweep's worker processes
    images = load_images()
    conv = conv_recipe()
    fc = TrainConfig(optimizer="sgd", device="cpu")
    timed = {"conv, stack of 3": (trainer(conv, 3, images), 3, args.steps),
             "conv, alone": (trainer(conv, 1, images), 1, args.steps),
             "report's network (sgd), stack of 3": (trainer(fc, 3, images), 3, 6 * args.steps)}
    seconds = alternated_seconds({name: (step, steps) for name, (step, _, steps) in timed.items()}, args.blocks)
    ms = {name: 1000 * seconds[name] / (args.blocks * steps * runs) for name, (_, runs, steps) in timed.items()}
    for name, value in ms.items():
        print(f"{name:36s} {value:7.2f} ms per run and step")
    fc_ms = ms["report's network (sgd), stack of 3"]
    print(f"conv in a stack of 3 / alone: {ms['conv, stack of 3'] / ms['conv, alone']:.2f}; conv alone / report's "
          f"network: {ms['conv, alone'] / fc_ms:.1f} (sweep.step_cost gives {step_cost(conv):.1f})")


if __name__ == "__main__":
    main()
