"""What a wider hidden layer costs the report's network on one CPU thread: 128 units against 256, in G, D or both.

    python benchmarks/bench_hidden.py [--blocks 6] [--steps 200] [--runs 3]

The figures behind gan_lab.sweep.HIDDEN_STEP_COST (for G and for D). Each width trains --runs seeds in a stack, as a sweep's worker
trains the report's network, with SGD 0.1. As in bench_conv_stack.py, the two trainers step in one process,
alternating blocks of --steps steps after 20 untimed ones, and each one's time is summed over its blocks.
Prints ms per run-step of each, the ratio, and step_cost's ratio.
"""
from __future__ import annotations

import argparse

import torch

from bench_conv_stack import alternated_seconds, trainer
from gan_lab.config import TrainConfig
from gan_lab.data import load_images
from gan_lab.sweep import step_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a sweep's worker processes
    images = load_images()
    widths = {"hidden 128": (128, 128), "hidden G 256": (256, 128), "hidden D 256": (128, 256), "hidden 256": (256, 256)}
    configs = {name: TrainConfig(optimizer="sgd", hidden_dim=g, d_hidden_dim=d, device="cpu")
               for name, (g, d) in widths.items()}
    seconds = alternated_seconds({name: (trainer(c, args.runs, images), args.steps) for name, c in configs.items()},
                                 args.blocks, warmup=20)
    base = seconds["hidden 128"]
    for name, c in configs.items():
        per_step = 1000 * seconds[name] / (args.blocks * args.steps * args.runs)
        print(f"{name:14s} {per_step:6.3f} ms per run-step, {seconds[name] / base:.2f} of hidden 128 "
              f"(step_cost gives {step_cost(c) / step_cost(configs['hidden 128']):.2f})")


if __name__ == "__main__":
    main()
