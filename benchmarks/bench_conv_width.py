"""What more maps cost a step of notebook 06's convolutional pair on one CPU thread: in G (16 maps of 7x7, 32, 64), in D (32 of 14x14, 48, 64).

    python benchmarks/bench_conv_width.py [--blocks 6] [--steps 32]

The figures behind gan_lab.sweep.CONV_G_STEP_COST and CONV_D_STEP_COST. Each width trains one run alone, as a sweep's worker trains
the pair on a CPU, with sweep beyond's recipe (Adam, lazy R1). As in bench_conv_stack.py, the trainers step in
one process, alternating blocks of --steps steps after 8 untimed ones, and each one's time is summed over its
blocks. Prints ms per step of each, the ratio to the pair as sweep beyond trains it, and step_cost's ratio.
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
    widths = {f"G {maps} maps": conv.replace(g_channels=maps) for maps in (16, 32, 64)}
    widths |= {f"D {maps} maps": conv.replace(d_channels=maps) for maps in (48, 64)}
    widths["G 32 maps, D 64 maps"] = conv.replace(g_channels=32, d_channels=64)
    print_alone(widths, args.blocks, args.steps, warmup=8)


if __name__ == "__main__":
    main()
