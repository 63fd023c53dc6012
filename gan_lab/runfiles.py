"""The append-only files of a run folder: the per-step history (history.csv) and the per-epoch samples (samples.u8).

Both only ever grow, so saving after an epoch writes that epoch's rows and grid, not the whole run
again (a checkpoint that held them grew to about 9 MB by epoch 100). Each save appends one chunk and
records its end and sha256 in the checkpoint written after it; loading checks every chunk and cuts off
anything appended after the checkpoint (a crash between the two writes), so the files always agree
with the checkpoint they are read with.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

import torch

from .files import DamagedFileError, StorageError, atomic_write, _explain
from .state import COLUMNS, N_FIXED, History
from .models import IMAGE_SHAPE

HISTORY_NAME = "history.csv"
SAMPLES_NAME = "samples.u8"  # per epoch: the fixed-noise grid as N_FIXED x 1 x 28 x 28 bytes, one after another
HEADER = "step,epoch,lossD,lossG,D_x,D_G_z\n"
GRID_BYTES = N_FIXED * IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2]


def history_rows(history: History, start: int) -> str:
    """CSV rows of steps start+1.. (repr: every float reads back exactly)."""
    ends, epoch, lines = history.epoch_end_steps, 0, []
    for i in range(start, len(history)):
        while epoch < len(ends) and i >= ends[epoch]:
            epoch += 1
        lines.append(f"{i + 1},{epoch + 1}," + ",".join(repr(getattr(history, k)[i]) for k in COLUMNS) + "\n")
    return "".join(lines)


def append_chunk(path: Path, data: bytes, chunks: list) -> list:
    """Append data to path (created if needed), fsync, and return chunks plus [end, sha256] of this one."""
    end = chunks[-1][0] if chunks else 0
    try:
        with open(path, "ab") as f:
            if f.tell() != end:  # leftovers of a crash after the last checkpoint: drop them first
                f.truncate(end)
                f.seek(end)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise StorageError(_explain(e, path)) from None
    return chunks + [[end + len(data), hashlib.sha256(data).hexdigest()]]


def save_logs(folder: Path, history: History, saved: dict) -> dict:
    """Append the rows and grids not yet in folder's files; return the new record of both files' chunks."""
    saved = saved if saved.get("folder") == str(folder) else {}  # another folder: write everything there
    chunks = {name: saved.get(name, []) for name in (HISTORY_NAME, SAMPLES_NAME)}
    if not chunks[HISTORY_NAME]:  # a new file starts with its header
        atomic_write(folder / HISTORY_NAME, lambda f: f.write(HEADER.encode()))
        chunks[HISTORY_NAME] = [[len(HEADER), hashlib.sha256(HEADER.encode()).hexdigest()]]
        (folder / SAMPLES_NAME).unlink(missing_ok=True)
    rows, grids = saved.get("rows", 0), saved.get("grids", 0)
    if len(history) > rows:
        chunks[HISTORY_NAME] = append_chunk(folder / HISTORY_NAME, history_rows(history, rows).encode(),
                                            chunks[HISTORY_NAME])
    if len(history.samples) > grids:
        data = b"".join(s.contiguous().numpy().tobytes() for s in history.samples[grids:])
        chunks[SAMPLES_NAME] = append_chunk(folder / SAMPLES_NAME, data, chunks[SAMPLES_NAME])
    return {"folder": str(folder), "rows": len(history), "grids": len(history.samples), **chunks}


def _checked_bytes(path: Path, chunks: list) -> bytes:
    """The file's bytes up to the last recorded chunk, each chunk checked; damage raises DamagedFileError."""
    end = chunks[-1][0] if chunks else 0
    try:
        with open(path, "rb") as f:
            data = f.read(end)
    except OSError as e:
        raise DamagedFileError(f"{path} cannot be read ({e.strerror or e})") from None
    start = 0
    for stop, sha in chunks:
        if len(data) < stop or hashlib.sha256(data[start:stop]).hexdigest() != sha:
            raise DamagedFileError(f"{path} is damaged: bytes {start} to {stop} do not match the checksum the "
                                   "checkpoint recorded")
        start = stop
    return data


def load_logs(folder: Path, saved: dict, history: History) -> None:
    """Fill history's per-step columns and samples from folder's files, as far as the checkpoint's record goes."""
    text = _checked_bytes(folder / HISTORY_NAME, saved.get(HISTORY_NAME, [])).decode()
    rows = _parse_rows(text, history)
    if rows != saved.get("rows", 0):
        raise DamagedFileError(f"{folder / HISTORY_NAME} holds {rows} rows; its checkpoint expects {saved.get('rows')}")
    data = _checked_bytes(folder / SAMPLES_NAME, saved.get(SAMPLES_NAME, [])) if saved.get("grids") else b""
    grids = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(-1, N_FIXED, *IMAGE_SHAPE) if data else []
    history.samples = list(grids)


def read_history(folder: str | Path) -> Optional[History]:
    """A run folder's per-step history as written so far (no checkpoint check), or None without history.csv."""
    path = Path(folder) / HISTORY_NAME
    if not path.is_file():
        return None
    h = History()
    _parse_rows(path.read_text(), h)
    return h


def _parse_rows(text: str, history: History) -> int:
    """Fill history's per-step columns from history.csv's text (header first); return the number of rows."""
    lines = text.splitlines()[1:]
    cols = list(zip(*(line.split(",")[2:] for line in lines))) if lines else [()] * len(COLUMNS)
    for k, values in zip(COLUMNS, cols):
        setattr(history, k, [float(v) for v in values])
    return len(lines)
