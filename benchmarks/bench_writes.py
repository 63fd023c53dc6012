"""Bytes written to the run folder per epoch: the whole-history checkpoint (format 1) against the run folder's
lean checkpoint and append-only files (format 2), for the report's network on full MNIST (938 steps per epoch).

    python benchmarks/bench_writes.py [--epochs 100]

On Colab the run folder is on Google Drive, where every byte written after an epoch is slow and a disconnect
mid-write more likely. The histories are made of float32 values as training records them and the samples are
random bytes; only their sizes matter here. Format 2 checkpoints when training does (checkpoint.checkpoint_every:
every epoch with SGD, every second epoch with Adam, whose checkpoint is larger), so its bytes per epoch are
averaged over the last checkpoint's epochs. Prints bytes per epoch at epoch 1 and at the last epoch, and for
the whole run, per optimizer.
"""
from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import torch

from gan_lab import TrainConfig
from gan_lab.checkpoint import CHECKPOINT_NAME, checkpoint_every, save_checkpoint
from gan_lab.runfiles import HISTORY_NAME, SAMPLES_NAME
from gan_lab.state import N_FIXED, new_state
from gan_lab.train import train_step

STEPS_PER_EPOCH = 938


def _grow(state, epoch: int, gen: torch.Generator) -> None:
    """Add one epoch of recorded steps and one fixed-noise grid to the state's history."""
    for _ in range(STEPS_PER_EPOCH):
        state.history.add_row([float(v) for v in torch.rand(4, generator=gen)])  # float32 values, as recorded
    state.step += STEPS_PER_EPOCH
    state.epoch = epoch
    state.history.epoch_end_steps.append(state.step)
    state.history.samples.append(torch.randint(0, 256, (N_FIXED, 1, 28, 28), dtype=torch.uint8, generator=gen))


def _format1_size(state) -> int:
    """Bytes of the whole-history checkpoint that format 1 rewrote after every epoch."""
    d = {k: v for k, v in state.state_dict().items() if k != "logs"}
    d.update(format=1, history=state.history.to_dict())
    buf = io.BytesIO()
    torch.save(d, buf)
    return len(buf.getvalue())


def _folder_bytes(folder: Path) -> int:
    return sum((folder / n).stat().st_size for n in (HISTORY_NAME, SAMPLES_NAME) if (folder / n).exists())


def measure(optimizer: str, epochs: int) -> dict:
    """Per-epoch bytes written by both formats at epoch 1 and at the last epoch, and over the whole run."""
    state = new_state(TrainConfig(optimizer=optimizer, device="cpu"))
    x = torch.rand(64, 1, 28, 28) * 2 - 1
    train_step(state.G, state.D, state.optD, state.optG, x)  # so that Adam holds its moments
    gen = torch.Generator().manual_seed(0)
    old, new = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for epoch in range(1, epochs + 1):
            _grow(state, epoch, gen)
            old.append(_format1_size(state))
            every = checkpoint_every(state)
            if epoch < epochs and epoch % every:
                continue  # as in training: this epoch is written with the next checkpoint
            since = epoch - (epoch - 1) // every * every  # epochs that this checkpoint and its appends cover
            before = _folder_bytes(folder)
            save_checkpoint(folder / CHECKPOINT_NAME, state)
            written = _folder_bytes(folder) - before + (folder / CHECKPOINT_NAME).stat().st_size
            new.extend([written / since] * since)
    return {"old": old, "new": new}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=100, help="epochs of the run (default 100)")
    a = ap.parse_args()
    mb = 1e6
    print(f"bytes written to the run folder per epoch, report's network, {STEPS_PER_EPOCH} steps per epoch (MB = 1e6 bytes)")
    for optimizer in ("sgd", "adam"):
        m = measure(optimizer, a.epochs)
        for name, key in (("format 1, whole-history checkpoint", "old"), ("format 2, lean checkpoint + appends", "new")):
            v = m[key]
            print(f"{optimizer:4s} {name:38s} epoch 1: {v[0] / mb:6.2f} MB  epoch {a.epochs}: {v[-1] / mb:6.2f} MB  "
                  f"whole run: {sum(v) / mb:8.1f} MB")


if __name__ == "__main__":
    main()
