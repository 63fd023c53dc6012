"""Bring every run folder under a path to the current run-folder format, and check that nothing else changes.

    python tools/migrate_runs.py results            # the shipped studies
    python tools/migrate_runs.py ~/gan_lab/runs     # a learner's own runs (e.g. on Google Drive)

A checkpoint of format 1 held the whole per-step history and every epoch's samples; it becomes a lean
checkpoint beside history.csv and samples.u8 (the old one is kept as checkpoint.prev.pt). A sweep run's
result files (result.json, generator.pt, history.npz) have not changed format: they are read back and
checked, and the script prints how many runs it upgraded and that every result's metrics are unchanged.
Exit code 1 if a file is damaged.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gan_lab.checkpoint import (CHECKPOINT_NAME, GENERATOR_NAME, RESULT_NAME, CheckpointError, load_checkpoint,
                                load_generator, read_result, resume_state, save_checkpoint)
from gan_lab.config import TrainConfig
from gan_lab.files import DamagedFileError


def upgrade_checkpoint(folder: Path) -> bool:
    """Rewrite folder's checkpoint in the current format if it is older; True if it was upgraded."""
    d = load_checkpoint(folder / CHECKPOINT_NAME)
    if d["format"] != 1:
        return False
    config = TrainConfig.from_dict({**d["config"], "device": "cpu"})
    state = resume_state(folder, config)
    save_checkpoint(folder / CHECKPOINT_NAME, state)
    return True


def check_result(folder: Path) -> dict:
    """The run's result record, after reading its generator back (its metrics are what the notebooks print)."""
    record = read_result(folder / RESULT_NAME)
    if (folder / GENERATOR_NAME).is_file() or (folder / CHECKPOINT_NAME).is_file():  # curves-only runs have none
        load_generator(folder / GENERATOR_NAME, refuse_blown_up=False)
    return record["metrics"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", help="a folder holding run folders (searched recursively)")
    a = ap.parse_args(argv)
    root = Path(a.root)
    folders = sorted({p.parent for name in (CHECKPOINT_NAME, RESULT_NAME) for p in root.rglob(name)})
    upgraded, results, damaged = 0, 0, []
    for folder in folders:
        try:
            before = check_result(folder) if (folder / RESULT_NAME).is_file() else None
            if (folder / CHECKPOINT_NAME).is_file():
                upgraded += upgrade_checkpoint(folder)
            if before is not None:
                results += 1
                if check_result(folder) != before:
                    damaged.append(f"{folder}: its metrics changed")
        except (CheckpointError, DamagedFileError, ValueError) as e:
            damaged.append(f"{folder}: {e}")
    print(f"{len(folders)} run folders under {root}: {upgraded} checkpoint(s) upgraded to the current format, "
          f"{results} sweep result(s) read back with their metrics unchanged")
    for line in damaged:
        print(f"error: {line}", file=sys.stderr)
    return 1 if damaged else 0


if __name__ == "__main__":
    sys.exit(main())
