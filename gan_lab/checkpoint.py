"""Checkpoints and run files, written atomically so that a crash never leaves a half-written file."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Optional

import torch

from .config import RESUMABLE_CHANGES, TrainConfig, resolve_device
from .models import Generator
from .train import History, TrainState, _log, new_state

CHECKPOINT_NAME = "checkpoint.pt"
PREVIOUS_NAME = "checkpoint.prev.pt"  # the one before, kept in case the newest is damaged
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, damaged, or does not fit the requested run."""


def atomic_write(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write a file through write(f) into a temporary file beside it, fsync, then os.replace it in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; give the usual rw-r--r--
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Atomically write a UTF-8 text file."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def state_to_dict(state: TrainState) -> dict:
    """Everything needed to continue the run bit for bit, as tensors and plain types."""
    return {
        "format": FORMAT_VERSION,
        "config": state.config.to_dict(),
        "device_type": state.device.type,
        "G": state.G.state_dict(),
        "D": state.D.state_dict(),
        "optD": state.optD.state_dict(),
        "optG": state.optG.state_dict(),
        "fixed_noise": state.fixed_noise.cpu(),
        "rng": {"data": state.data_gen.get_state(), "noise": state.noise_gen.get_state(),
                "epoch_start": state.epoch_start_rng if state.epoch_start_rng is not None else torch.zeros(0, dtype=torch.uint8)},
        "epoch": state.epoch,
        "step": state.step,
        "step_in_epoch": state.step_in_epoch,
        "history": state.history.to_dict(),
    }


def save_checkpoint(path: str | Path, state: TrainState) -> None:
    """Atomically write a checkpoint; the file it replaces is kept as checkpoint.prev.pt."""
    path = Path(path)
    buf = io.BytesIO()
    torch.save(state_to_dict(state), buf)
    data = buf.getvalue()
    torch.load(io.BytesIO(data), weights_only=True)  # never put a file on disk that we cannot read back
    tmp_path = path.with_name(f".{path.name}.new")
    atomic_write(tmp_path, lambda f: f.write(data))
    if path.exists():
        os.replace(path, path.with_name(PREVIOUS_NAME))
    os.replace(tmp_path, path)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint dict; a missing or damaged file raises CheckpointError naming it."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        d = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise CheckpointError(f"{path} is damaged and cannot be read ({type(e).__name__}: {str(e).splitlines()[0]}). "
                              f"The previous checkpoint, if any, is {path.with_name(PREVIOUS_NAME)}.") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path} is not a gan_lab checkpoint of format {FORMAT_VERSION}")
    return d


def state_from_dict(d: dict, config: Optional[TrainConfig] = None) -> TrainState:
    """Rebuild a TrainState from a checkpoint dict; `config` may extend epochs/max_steps."""
    saved = TrainConfig.from_dict({**d["config"], "device": "auto"})  # the device may change
    config = saved if config is None else _check_same_run(saved, config)
    device = resolve_device(config.device)
    if device.type != d["device_type"]:
        raise CheckpointError(f"this run was trained on {d['device_type']} and cannot continue bit for bit on "
                              f"{device.type}; set device='{d['device_type']}'")
    state = new_state(config)
    state.G.load_state_dict(d["G"])
    state.D.load_state_dict(d["D"])
    state.optD.load_state_dict(d["optD"])
    state.optG.load_state_dict(d["optG"])
    state.fixed_noise = d["fixed_noise"].to(device)
    state.data_gen.set_state(d["rng"]["data"])
    state.noise_gen.set_state(d["rng"]["noise"])
    state.epoch_start_rng = d["rng"]["epoch_start"] if len(d["rng"]["epoch_start"]) else None
    state.epoch, state.step, state.step_in_epoch = d["epoch"], d["step"], d["step_in_epoch"]
    state.history = History.from_dict(d["history"])
    return state


def _check_same_run(saved: TrainConfig, new: TrainConfig) -> TrainConfig:
    """The new configuration, if it only extends the saved run; else a ValueError naming the fields."""
    a, b = saved.to_dict(), new.to_dict()
    diff = [k for k in a if a[k] != b[k] and k not in RESUMABLE_CHANGES]
    if diff:
        changes = "; ".join(f"{k}: {a[k]!r} in the checkpoint, {b[k]!r} now" for k in diff)
        raise ValueError(f"cannot resume: the checkpoint was trained with a different configuration ({changes}). "
                         "Use another output folder, or start over without resume.")
    return new


def resume_state(out_dir: str | Path, config: TrainConfig) -> Optional[TrainState]:
    """The state saved in out_dir, falling back to the previous checkpoint if the newest is damaged."""
    out_dir = Path(out_dir)
    candidates = [p for p in (out_dir / CHECKPOINT_NAME, out_dir / PREVIOUS_NAME) if p.is_file()]
    errors = []
    for path in candidates:
        try:
            d = load_checkpoint(path)
        except CheckpointError as e:
            errors.append(str(e))
            continue
        state = state_from_dict(d, config)
        if errors:  # the newest was damaged: say which one we fell back to
            _log(state, "resume", f"{errors[0]} Resumed from {path.name} (step {state.step}) instead.")
        return state
    if errors:
        raise CheckpointError(" ".join(errors) + " No readable checkpoint is left; start over without resume.")
    return None


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> tuple[Generator, TrainConfig]:
    """The trained G (in eval mode) and its configuration from a checkpoint."""
    d = load_checkpoint(path, map_location=device)
    config = TrainConfig.from_dict({**d["config"], "device": str(torch.device(device))})
    G = Generator(config.z_dim, config.hidden_dim, config.leaky_slope).to(device)
    G.load_state_dict(d["G"])
    return G.eval(), config


def write_history_csv(path: str | Path, history: History) -> None:
    """history.csv: one row per step with step, epoch, lossD, lossG, D_x, D_G_z."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["step", "epoch", "lossD", "lossG", "D_x", "D_G_z"])
    ends = history.epoch_end_steps
    epoch = 0
    for i in range(len(history)):
        while epoch < len(ends) and i >= ends[epoch]:
            epoch += 1
        w.writerow([i + 1, epoch + 1, repr(history.lossD[i]), repr(history.lossG[i]),
                    repr(history.D_x[i]), repr(history.D_G_z[i])])
    atomic_write_text(path, buf.getvalue())


def write_config_json(path: str | Path, config: TrainConfig) -> None:
    """config.json with every hyperparameter of the run."""
    atomic_write_text(path, json.dumps(config.to_dict(), indent=2) + "\n")


def write_run_files(state: TrainState, out_dir: str | Path) -> None:
    """config.json, history.csv, losses.png and samples.png (8 x 8 fixed-noise grid) in out_dir."""
    from .plotting import plot_grid, plot_losses, save_figure

    out_dir = Path(out_dir)
    write_config_json(out_dir / "config.json", state.config)
    write_history_csv(out_dir / "history.csv", state.history)
    if len(state.history):
        save_figure(plot_losses(state.history, title=f"GAN losses ({_describe(state.config)})"), out_dir / "losses.png")
    save_figure(plot_grid(state.fixed_samples(), f"Fixed-noise samples after {state.step} steps"), out_dir / "samples.png")


def _describe(c: TrainConfig) -> str:
    return f"{c.optimizer}, lr_d={c.lr_d:g}, lr_g={c.lr_g:g}, z_dim={c.z_dim}, batch {c.batch_size}"
