"""Record single-seed trials of the convolutional pair (runs trained alone, with checkpoints) in one small JSON file.

    python tools/conv_trials.py /path/to/run1 /path/to/run2 ... --out results/conv_trials.json [--add | --overwrite]
        [--grids]

Notebook 06 reads the file to show what more steps, R1 applied more often, or Adam's settings buy. Each folder needs a
checkpoint.pt (a `python -m gan_lab train` run, or a run folder of a sweep, which keeps its checkpoint). For
each run it keeps the settings, the cost of its steps in epochs of the report's network (gan_lab.sweep.step_cost),
the FD_mnist curve measured during training, and the final metrics of G and of its first average on -n samples
(seed: the run's seed). Runs' weights are not kept: results/ has little room left. With --grids it also keeps the
first GRID_KEPT images of G's fixed-noise grid after the last epoch, in conv_trials_grids.npz beside --out, under the
name the trial's record gives as "grid".
"""
from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np

from gan_lab.checkpoint import CHECKPOINT_NAME, load_checkpoint, state_from_dict
from gan_lab.config import label
from gan_lab.files import atomic_write
from gan_lab.metrics import DEFAULT_N, evaluate_generator
from gan_lab.state import TrainState
from gan_lab.sweep import step_cost

KEPT = ("FD_mnist", "precision", "recall")
GRID_KEPT = 32  # images of G's final fixed-noise grid kept with --grids: about 7 KB a trial, compressed


def load_trial(folder: Path) -> TrainState:
    """The state of a trial's run folder, with its samples; refused unless a convolutional run with an average."""
    if not (folder / CHECKPOINT_NAME).is_file():
        raise FileNotFoundError(f"{folder} has no {CHECKPOINT_NAME}: give run folders written by `python -m gan_lab "
                                f"train` or `sweep`")
    state = state_from_dict(load_checkpoint(folder / CHECKPOINT_NAME), folder=folder)
    c = state.config
    if c.arch != "conv" or not c.ema:
        raise ValueError(f"{folder}: a convolutional run with an average of G is needed (arch={c.arch!r}, ema={c.ema})")
    return state


def final_grid(state: TrainState) -> tuple[str, np.ndarray]:
    """The first GRID_KEPT images of G's fixed-noise grid after the run's last epoch (uint8 N x 1 x 28 x 28), and
    their name: the run's folder name, the same for any length, and its epochs."""
    return f"{state.config.run_name()}_e{state.epoch}", state.history.samples[-1][:GRID_KEPT].numpy()


def trial_record(state: TrainState, n: int) -> dict:
    """One trial: settings, cost, curve and final metrics of G and its first average."""
    c = state.config

    def final(G) -> dict:
        metrics = evaluate_generator(G, n=n, seed=c.seed, data_root=c.data_root)
        return {k: round(metrics[k], 4) for k in KEPT}

    return {"label": label(c), "config": c.to_dict(), "steps": state.step, "epochs": state.epoch,
            "cost_in_fc_epochs": round(state.epoch * step_cost(c), 1),
            "curve": {"epoch": [m["epoch"] for m in state.history.metrics],
                      "FD_mnist": [round(m["FD_mnist"], 2) for m in state.history.metrics]},
            "metrics_n": n, "G": final(state.G), f"average {c.ema[0]:g}": final(state.ema[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("-n", type=int, default=DEFAULT_N, help=f"samples for the final metrics (default {DEFAULT_N})")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--add", action="store_true", help="keep the trials already in --out and add these after them")
    kept.add_argument("--overwrite", action="store_true", help="replace the trials already in --out")
    parser.add_argument("--grids", action="store_true", help=f"keep the first {GRID_KEPT} images of each new trial's "
                        "final fixed-noise grid of G, in conv_trials_grids.npz beside --out")
    args = parser.parse_args()
    grids_path = args.out.with_name(args.out.stem + "_grids.npz")
    earlier = []
    if args.out.exists() and not args.overwrite:
        if not args.add:
            parser.error(f"{args.out} already holds trials: --add to keep them and add these, --overwrite to replace them")
        earlier = json.loads(args.out.read_text())["trials"]
    states = [load_trial(folder) for folder in args.folders]
    new = [trial_record(state, args.n) for state in states]  # all measured before anything is written
    grids = {}
    if grids_path.exists() and not args.overwrite:
        with np.load(grids_path) as kept_grids:
            grids = dict(kept_grids)
    if args.grids:
        for state, record in zip(states, new):
            record["grid"], grids[record["grid"]] = final_grid(state)
    trials = earlier + new
    record = {"what": "single-seed trials of notebook 06's convolutional pair, each run trained alone; "
                      "cost_in_fc_epochs: its steps' cost in epochs of the report's network (gan_lab.sweep.step_cost); "
                      "curve: FD_mnist on the run's eval_samples during training; G and the average: final metrics "
                      "on metrics_n samples", "trials": trials}
    if grids or grids_path.exists():  # written first: a record never names a grid that is not there
        packed = io.BytesIO()
        np.savez_compressed(packed, **grids)
        atomic_write(grids_path, lambda f: f.write(packed.getvalue()))
    atomic_write(args.out, lambda f: f.write((json.dumps(record, indent=1) + "\n").encode()))
    for t in new:
        print(f"{t['label']:70s} {t['epochs']:3d} epochs  cost {t['cost_in_fc_epochs']:6.1f}  "
              f"G FD_mnist {t['G']['FD_mnist']:6.2f}")


if __name__ == "__main__":
    main()
