"""Checkpoints and run files, written atomically so that a crash never leaves a half-written file."""
from __future__ import annotations

import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Optional

import torch

from .config import RESUMABLE_CHANGES, TrainConfig, resolve_device
from .files import DamagedFileError, atomic_write, atomic_write_text, digest, json_digest
from .models import Generator, build_models
from .runfiles import load_logs, save_logs
from .state import STATE_FORMAT, TrainState, check_weights, new_state

CHECKPOINT_NAME = "checkpoint.pt"
PREVIOUS_NAME = "checkpoint.prev.pt"  # the one before, kept in case the newest is damaged
GENERATOR_NAME = "generator.pt"  # a sweep run's trained G, kept after its checkpoints
EMA_GENERATOR_NAME = "generator_ema.pt"  # the average of G's weights with the run's first decay (config.ema[0])
RESULT_NAME = "result.json"  # a sweep run's results, written last: it marks the run as done
FORMAT_VERSION = STATE_FORMAT
READABLE_FORMATS = (1, STATE_FORMAT)  # format 1 is read and upgraded on the next save
WRITE_BUDGET = 1_500_000  # bytes per epoch written to a run folder, about: on Colab it is on Drive, where writes are slow


class CheckpointError(DamagedFileError):
    """A checkpoint file is missing, damaged, or does not fit the requested run."""


def save_checkpoint(path: str | Path, state: TrainState) -> None:
    """Append the new history rows and samples to the run folder's files, then atomically write the checkpoint.

    The checkpoint holds weights, optimizer states, random generators and counters (about 0.9 MB for the
    report's network with SGD); the file it replaces is kept as checkpoint.prev.pt.
    """
    path = Path(path)
    state.saved = save_logs(path.parent, state.history, state.saved)
    d = state.state_dict()
    d["sha256"] = digest(d)  # of the content: a flipped bit anywhere in it shows on load
    buf = io.BytesIO()
    torch.save(d, buf)
    data = buf.getvalue()
    _verify(torch.load(io.BytesIO(data), weights_only=True), path)  # never write a file we cannot read back
    tmp_path = path.with_name(f".{path.name}.new")
    atomic_write(tmp_path, lambda f: f.write(data))
    if path.exists():
        os.replace(path, path.with_name(PREVIOUS_NAME))
    os.replace(tmp_path, path)


def checkpoint_every(state: TrainState) -> int:
    """Epochs between checkpoints: 1 while the weights and optimizer states fit WRITE_BUDGET, else a few.

    Adam's two moments per weight triple the report's network's checkpoint, to about 2.6 MB, so it is
    written every second epoch: a crash then loses at most two epochs. The end of a run is always
    checkpointed (train.py).
    """
    tensors = [*state.G.state_dict().values(), *state.D.state_dict().values()]
    for opt in (state.optD, state.optG):
        tensors += [v for per_weight in opt.state_dict()["state"].values() for v in per_weight.values()
                    if torch.is_tensor(v)]
    size = sum(t.numel() * t.element_size() for t in tensors)
    return max(1, math.ceil(size / WRITE_BUDGET))


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint dict; a missing, unreadable or altered file raises CheckpointError naming it."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    d = _read_torch(path, map_location)
    if not isinstance(d, dict) or d.get("format") not in READABLE_FORMATS:
        raise CheckpointError(f"{path} is not a gan_lab checkpoint of format {' or '.join(map(str, READABLE_FORMATS))}")
    return _verify(d, path)


def _read_torch(path: Path, map_location: str | torch.device = "cpu"):
    """torch.load with tensors and plain types only; any failure is reported as damage, in one sentence."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        text = str(e)
        if "weights_only" in text or "Weights only" in text:  # never pass on torch's advice to unpickle code
            why = "it holds objects other than tensors and plain values, which gan_lab never writes"
        elif path.stat().st_size == 0:
            why = "the file is empty"
        else:
            first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
            why = f"{type(e).__name__}: {first}" if first else type(e).__name__
        raise CheckpointError(f"{path} is damaged and cannot be read ({why}). "
                              f"The previous checkpoint, if any, is {path.with_name(PREVIOUS_NAME)}.") from None


def _verify(d: dict, path: Path) -> dict:
    """d without its checksum, or a CheckpointError when the content differs from it (files without one pass)."""
    if not isinstance(d, dict) or "sha256" not in d:
        return d
    stored = d.pop("sha256")
    if stored != digest(d):
        raise CheckpointError(f"{path} is damaged: its content does not match its checksum (altered on disk or "
                              f"in a copy). The previous checkpoint, if any, is {path.with_name(PREVIOUS_NAME)}.")
    return d


def state_from_dict(d: dict, config: Optional[TrainConfig] = None, folder: Optional[Path] = None) -> TrainState:
    """Rebuild a TrainState from a checkpoint dict and its run folder's files; `config` may extend the run.

    A run may move between CPU and GPU: it continues there, but only on the same device bit for bit.
    """
    saved = TrainConfig.from_dict({**d["config"], "device": "auto"})  # the device may change
    config = saved if config is None else _check_same_run(saved, config)
    device = resolve_device(config.device)
    state = new_state(config)
    _check_same_networks(state, d, saved.run_name())
    try:
        state.load_state_dict(d, same_device=device.type == d["device_type"])
        if d["format"] != 1 and folder is not None:
            load_logs(folder, d["logs"], state.history)
            state.saved = {**d["logs"], "folder": str(folder)}
    except (KeyError, TypeError, RuntimeError, IndexError, ValueError) as e:  # readable, but not what we write
        if isinstance(e, DamagedFileError):
            raise CheckpointError(str(e)) from None
        raise CheckpointError(f"a checkpoint of {saved.run_name()} is damaged: {type(e).__name__} "
                              f"{str(e).splitlines()[0] if str(e) else ''}".rstrip()) from None
    if device.type != d["device_type"]:
        state.log("device", f"this run was trained on {d['device_type']} and continues on {device.type}, with "
                  "its weights and optimizer state moved there; only runs that stay on one device repeat bit for bit")
    return state


def _check_same_networks(state: TrainState, d: dict, name: str) -> None:
    """A CheckpointError if the saved G or D has other layers than this version builds (an intact older file)."""
    for key, model in (("G", state.G), ("D", state.D)):
        saved = d.get(key)
        if not isinstance(saved, dict):
            continue  # a damaged file: load_state_dict names it
        ours = {n: tuple(t.shape) for n, t in model.state_dict().items()}
        theirs = {n: tuple(t.shape) for n, t in saved.items() if isinstance(t, torch.Tensor)}
        if ours != theirs:
            detail = ", ".join(f"{n} {theirs.get(n, 'missing')} (now {ours.get(n, 'none')})"
                               for n in sorted(set(ours) | set(theirs)) if ours.get(n) != theirs.get(n))
            raise CheckpointError(f"a checkpoint of {name} holds a {key} with other layers than this version of "
                                  f"gan_lab builds ({detail}): it was saved by an earlier version and cannot be "
                                  "resumed. Train it again in a new folder, or replace it with --overwrite.")


def _check_same_run(saved: TrainConfig, new: TrainConfig) -> TrainConfig:
    """The new configuration, if it only extends the saved run; else a ValueError naming the fields."""
    a, b = saved.to_dict(), new.to_dict()
    diff = [k for k in a if a[k] != b[k] and k not in RESUMABLE_CHANGES]
    if a["lr_decay"] != "none" and a["epochs"] != b["epochs"]:  # the rates of every epoch depend on the length
        diff.append("epochs")
    if diff:
        changes = "; ".join(f"{k}: {a[k]!r} in the checkpoint, {b[k]!r} now" for k in diff)
        raise ValueError(f"cannot resume: the checkpoint was trained with a different configuration ({changes}). "
                         "Use another output folder, or start over without resume.")
    return new


def prepare_run_dir(out_dir: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to train over a run without resume or overwrite; with overwrite, remove its checkpoints."""
    if resume and overwrite:
        raise ValueError("resume and overwrite exclude each other: continue the run, or replace it")
    found = [out_dir / n for n in (CHECKPOINT_NAME, PREVIOUS_NAME) if (out_dir / n).is_file()]
    if not found or resume:
        return
    if not overwrite:
        raise ValueError(f"{out_dir} already holds a run ({found[0].name}). Continue it with --resume "
                         "(fit(..., resume=True)), train into a new --out folder, or replace it with --overwrite "
                         "(fit(..., overwrite=True))")
    for path in found:
        path.unlink()


def resume_state(out_dir: str | Path, config: TrainConfig) -> Optional[TrainState]:
    """The state saved in out_dir, falling back to the previous checkpoint if the newest is damaged."""
    out_dir = Path(out_dir)
    candidates = [p for p in (out_dir / CHECKPOINT_NAME, out_dir / PREVIOUS_NAME) if p.is_file()]
    errors = []
    for path in candidates:
        try:
            state = state_from_dict(load_checkpoint(path), config, out_dir)
        except CheckpointError as e:
            errors.append(str(e))
            continue
        if errors:  # the newest was damaged: say which one we fell back to
            state.log("resume", f"{errors[0]} Resumed from {path.name} (step {state.step}) instead.")
        return state
    if errors:
        raise CheckpointError(" ".join(errors) + " No readable checkpoint is left; start over without resume.")
    return None


def load_generator(path: str | Path, device: str | torch.device = "cpu",
                   refuse_blown_up: bool = True) -> tuple[torch.nn.Module, TrainConfig]:
    """The trained G (in eval mode) and its configuration, from a checkpoint.pt or a sweep run's generator.pt.

    Weights beyond state.WEIGHT_LIMIT raise CheckpointError unless refuse_blown_up=False (to study such a run).
    """
    is_generator_file = Path(path).name in (GENERATOR_NAME, EMA_GENERATOR_NAME)
    d = read_generator_file(path) if is_generator_file else load_checkpoint(path, map_location=device)
    config = TrainConfig.from_dict({**d["config"], "device": str(torch.device(device))})
    G, _ = build_models(config.z_dim, config.hidden_dim, config.leaky_slope, device=device, arch=config.arch,
                        g_channels=config.g_channels)
    G.load_state_dict(d["G"])
    problem = check_weights(G) if refuse_blown_up else None
    if problem:
        raise CheckpointError(f"{path} holds a generator whose weights have blown up ({problem}): the run diverged "
                              f"before step {d.get('step', 'its last')}. Use {Path(path).with_name(PREVIOUS_NAME)} or "
                              "train again with lower learning rates.")
    return G.eval(), config


def write_generator_file(path: str | Path, G: torch.nn.Module, config: TrainConfig) -> None:
    """generator.pt of a sweep run: G's weights and configuration, with a checksum of both."""
    d = {"config": config.to_dict(), "G": {k: v.detach().cpu() for k, v in G.state_dict().items()}}
    d["sha256"] = digest(d)
    buf = io.BytesIO()
    torch.save(d, buf)
    atomic_write(path, lambda f: f.write(buf.getvalue()))


def read_generator_file(path: str | Path) -> dict:
    """{"config", "G"} from generator.pt; damage (unreadable, or a wrong checksum) raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no generator file at {path}")
    d = _read_torch(path)
    if not isinstance(d, dict) or "G" not in d:
        raise CheckpointError(f"{path} is damaged: it holds no generator weights")
    try:
        return _verify(d, path)
    except CheckpointError:
        raise CheckpointError(f"{path} is damaged: its content does not match its checksum. Rerun the sweep "
                              "from the run's checkpoint, or train the run again.") from None


def write_result(path: str | Path, record: dict) -> None:
    """result.json with a checksum of its content (field 'sha256')."""
    record = {**record, "sha256": json_digest(record)}
    atomic_write_text(path, json.dumps(record, indent=2) + "\n")


def read_result(path: str | Path) -> dict:
    """A result.json; unreadable or altered content raises CheckpointError (files without a checksum pass)."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path} is damaged and cannot be read ({type(e).__name__})") from None
    if not isinstance(record, dict) or ("sha256" in record and record["sha256"] != json_digest(record)):
        raise CheckpointError(f"{path} is damaged: its content does not match its checksum. Delete it and rerun "
                              "the sweep: the run is continued from its checkpoint.")
    record.pop("sha256", None)
    return record


def finished_result(run_dir: Path, config: TrainConfig) -> Optional[dict]:
    """The run's result if it is finished at exactly this length; None if it still has to train.

    A run finished at another length is continued from its checkpoint (more epochs) or refused with a
    ValueError (fewer epochs, or no checkpoint to continue from); it is never counted as done.
    """
    path = Path(run_dir) / RESULT_NAME
    if not path.is_file():
        return None
    try:
        r = read_result(path)
    except CheckpointError as e:
        _warn(f"{e} Training the run again from its checkpoint.")
        return None
    had = r.get("config", {})
    if (had.get("epochs"), had.get("max_steps")) == (config.epochs, config.max_steps):
        return r
    length = f"{r.get('epochs')} epochs ({r.get('steps')} steps)"
    if r.get("epochs", 0) > config.epochs or (config.max_steps and r.get("steps", 0) > config.max_steps):
        raise ValueError(f"{run_dir} holds a run trained for {length}; this sweep asks for {config.epochs} epochs"
                         f"{f' / {config.max_steps} steps' if config.max_steps else ''}. Use another --out, or ask "
                         "for at least as many epochs.")
    if not any((Path(run_dir) / n).is_file() for n in (CHECKPOINT_NAME, PREVIOUS_NAME)):
        raise ValueError(f"{run_dir} holds a run trained for {length} but no checkpoint to continue it to "
                         f"{config.epochs} epochs. Use another --out.")
    return None


def _warn(message: str) -> None:
    print(f"[gan_lab] {message}", file=sys.stderr)


def write_config_json(path: str | Path, config: TrainConfig) -> None:
    """config.json with every hyperparameter of the run."""
    atomic_write_text(path, json.dumps(config.to_dict(), indent=2) + "\n")
