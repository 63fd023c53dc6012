"""What more maps in the convolutional G cost a step of notebook 06's pair on one CPU thread: 16 maps of 7x7, 32, 64.

    python benchmarks/bench_conv_width.py [--blocks 6] [--steps 32]

The figures behind gan_lab.sweep.CONV_G_STEP_COST. Each width trains one run alone, as a sweep's worker trains
the pair on a CPU, with sweep beyond's recipe (Adam, lazy R1). As in bench_conv_stack.py, the trainers step in
one process, alternating blocks of --steps steps after 8 untimed ones, and each one's time is summed over its
blocks. Prints ms per step of each, the ratio to 16 maps, and step_cost's ratio.
"""
from __future__ import annotations

import argparse

from bench_conv_stack import conv_recipe, print_alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    conv = conv_recipe()
    print_alone({f"G {maps} maps": conv.replace(g_channels=maps) for maps in (16, 32, 64)}, args.blocks, args.steps,
                warmup=8)


if __name__ == "__main__":
    main()
