"""What the R1 penalty costs notebook 06's convolutional pair on one CPU thread: off, on every step, every 4th, every 16th.

    python benchmarks/bench_r1.py [--blocks 6] [--steps 32]

The figures behind gan_lab.sweep.R1_STEP_COST (a step with R1 counts 1.5 without it; lazy R1 on every k-th
step 1 + 0.5/k). As in bench_conv_stack.py, the trainers step in one process, alternating blocks of --steps
steps (a multiple of 16, so each block holds whole cycles of lazy R1) after 16 untimed ones, and each one's time
is summed over its blocks. Prints ms per step of each and its ratio to the step without R1, beside step_cost's.
"""
from __future__ import annotations

import argparse

from bench_conv_stack import conv_recipe, print_alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    if args.steps % 16:
        parser.error(f"--steps {args.steps} is not allowed: a multiple of 16, so that every block holds whole R1 cycles")
    conv = conv_recipe()
    # 16 untimed steps each first: they build the convolutions' kernels and R1's graph.
    print_alone({"R1 off": conv.replace(r1=0.0, r1_every=1), "R1 on every step": conv.replace(r1_every=1),
                 "R1 on every 4th step": conv.replace(r1_every=4), "R1 on every 16th step": conv.replace(r1_every=16)},
                args.blocks, args.steps, warmup=16)


if __name__ == "__main__":
    main()
