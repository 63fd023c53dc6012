"""What more maps in the convolutional G cost a step of notebook 06's pair on one CPU thread: 16 maps of 7x7, 32, 64.

    python benchmarks/bench_conv_width.py [--blocks 6] [--steps 32]

The figures behind gan_lab.sweep.CONV_G_STEP_COST. Each width trains one run alone, as a sweep's worker trains
the pair on a CPU, with sweep beyond's recipe (Adam, lazy R1). As in bench_conv_stack.py, the trainers step in
one process, alternating blocks of --steps steps after 8 untimed ones, and each one's time is summed over its
blocks. Prints ms per step of each, the ratio to 16 maps, and step_cost's ratio.
"""
from __future__ import annotations

import argparse

import torch

from bench_conv_stack import alternated_seconds, trainer
from gan_lab.config import sweep_configs
from gan_lab.data import load_images
from gan_lab.sweep import step_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a sweep's worker processes
    images = load_images()
    conv = next(c for c in sweep_configs("beyond", 1, 100) if c.arch == "conv").replace(device="cpu")
    configs = {f"G {maps} maps": conv.replace(g_channels=maps) for maps in (16, 32, 64)}
    seconds = alternated_seconds({name: (trainer(c, 1, images), args.steps) for name, c in configs.items()},
                                 args.blocks, warmup=8)
    base = seconds["G 16 maps"]
    for name, c in configs.items():
        print(f"{name:11s} {1000 * seconds[name] / (args.blocks * args.steps):7.2f} ms per step, "
              f"{seconds[name] / base:.2f} of 16 maps (step_cost gives {step_cost(c) / step_cost(conv):.2f})")


if __name__ == "__main__":
    main()
