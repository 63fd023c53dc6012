"""One stack of R seeds (SGD 0.1, the report's network): this trainer against the one before the redesign, in one process.

    python benchmarks/bench_stack_ab.py [--runs 3] [--blocks 20] [--steps 50] [--old PATH]

Machine speed here drifts by up to 20% between runs of a script, more than the difference to measure,
so both trainers step in one process, alternating blocks of --steps steps (which goes first alternates
too), and each one's time is summed over its blocks. --old is the gan_lab folder of a checkout of commit
3bfc0ae (the hand-written stack: gan_lab.sweep.Stack and stacked_step), e.g. made with
`git worktree add /tmp/old 3bfc0ae`, then --old /tmp/old/gan_lab. Without it only this trainer is timed.
Prints run-steps/s of each and their ratio.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import torch

from gan_lab import TrainConfig, load_images
from gan_lab.stack import Stack
from gan_lab.state import new_state
from gan_lab.train import train_step


def new_trainer(runs: int, images: torch.Tensor):
    """A step function of this package's stack: run after run, each run's 64 rows."""
    stack = Stack([new_state(TrainConfig(optimizer="sgd", seed=s)) for s in range(runs)])

    def step(i: int) -> None:
        rows = torch.arange(i * 64 * runs, (i + 1) * 64 * runs) % len(images)
        train_step(stack.G, stack.D, stack.optD, stack.optG, images[rows], stack.criterion, stack.noise_gen,
                   real_label=stack.real_label)
    return step


def old_trainer(runs: int, images: torch.Tensor, old: Path):
    """The same for the hand-written stack of commit 3bfc0ae, imported under another name."""
    link = Path(tempfile.mkdtemp()) / "gan_lab_old"
    link.symlink_to(old.resolve(), target_is_directory=True)
    sys.path.insert(0, str(link.parent))
    pkg, sweep, train = (importlib.import_module(m) for m in ("gan_lab_old", "gan_lab_old.sweep", "gan_lab_old.train"))
    stack = sweep.Stack([train.new_state(pkg.TrainConfig(optimizer="sgd", seed=s)) for s in range(runs)])
    flat = images.view(len(images), -1)

    def step(i: int) -> None:
        rows = (torch.arange(i * 64 * runs, (i + 1) * 64 * runs) % len(images)).view(runs, 64)
        sweep.stacked_step(stack, flat[rows])
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="seeds in the stack (default 3)")
    ap.add_argument("--blocks", type=int, default=20, help="blocks per trainer (default 20)")
    ap.add_argument("--steps", type=int, default=50, help="steps per block (default 50)")
    ap.add_argument("--old", type=Path, default=None, help="gan_lab folder of a checkout of 3bfc0ae")
    a = ap.parse_args()
    images = load_images("mnist", train=True)
    trainers = {"now": new_trainer(a.runs, images)}
    if a.old is not None:
        trainers["before"] = old_trainer(a.runs, images, a.old)
    seconds = dict.fromkeys(trainers, 0.0)
    for step in trainers.values():  # warm-up
        for i in range(5):
            step(i)
    for b in range(a.blocks):
        for name in (list(trainers) if b % 2 == 0 else list(reversed(trainers))):
            t0 = time.perf_counter()
            for i in range(b * a.steps, (b + 1) * a.steps):
                trainers[name](i)
            seconds[name] += time.perf_counter() - t0
    rates = {name: a.runs * a.blocks * a.steps / t for name, t in seconds.items()}
    print(f"{a.runs} runs in one stack, {a.blocks} blocks of {a.steps} steps: "
          + ", ".join(f"{name} {r:.1f} run-steps/s" for name, r in rates.items())
          + (f"; now / before {rates['now'] / rates['before']:.3f}" if "before" in rates else ""))


if __name__ == "__main__":
    main()
