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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a sweep's worker processes
    images = load_images()
    conv = next(c for c in sweep_configs("beyond", 1, 100) if c.arch == "conv").replace(device="cpu")
    fc = TrainConfig(optimizer="sgd", device="cpu")
    timed = {"conv, stack of 3": (trainer(conv, 3, images), 3, args.steps),
             "conv, alone": (trainer(conv, 1, images), 1, args.steps),
             "report's network (sgd), stack of 3": (trainer(fc, 3, images), 3, 6 * args.steps)}
    seconds = dict.fromkeys(timed, 0.0)
    for block in range(args.blocks):
        names = list(timed) if block % 2 == 0 else list(reversed(timed))  # which goes first alternates
        for name in names:
            step, _, steps = timed[name]
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            seconds[name] += time.perf_counter() - t0
    ms = {name: 1000 * seconds[name] / (args.blocks * steps * runs) for name, (_, runs, steps) in timed.items()}
    for name, value in ms.items():
        print(f"{name:36s} {value:7.2f} ms per run and step")
    fc_ms = ms["report's network (sgd), stack of 3"]
    print(f"conv in a stack of 3 / alone: {ms['conv, stack of 3'] / ms['conv, alone']:.2f}; conv alone / report's "
          f"network: {ms['conv, alone'] / fc_ms:.1f} (sweep.step_cost gives {step_cost(conv):.1f})")


if __name__ == "__main__":
    main()
