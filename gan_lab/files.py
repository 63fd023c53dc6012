"""Writing files safely: atomic replacement, checksums, clear errors for unusable paths, one writer per run."""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

LOCK_NAME = ".gan_lab.lock"


class DamagedFileError(RuntimeError):
    """A file gan_lab wrote (checkpoint, run result, classifier weights) is missing, unreadable or altered."""


class StorageError(RuntimeError):
    """A file cannot be written: the disk is full, the place is read-only, or the path is not usable."""


class RunInUseError(RuntimeError):
    """Another process is writing the same run folder."""


def _explain(e: OSError, path: Path) -> str:
    """One sentence for an OSError while writing `path`."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f"{shutil.disk_usage(_existing_parent(path)).free / 2**20:.0f} MiB free"
        except OSError:
            free = "free space unknown"
        return (f"the disk is full: cannot write {path} ({free} there). Files written before are unchanged; "
                "free some space and rerun (with --resume to continue a run)")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "read-only file system" if e.errno == errno.EROFS else "permission denied"
        return f"cannot write {path}: {why}; choose a folder you can write to"
    return f"cannot write {path}: {e.strerror or e}"


def _existing_parent(path: Path) -> Path:
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def atomic_write(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write a file through write(f) into a temporary file beside it, fsync, then os.replace it in.

    An OSError (full disk, read-only place) leaves the old file as it was and becomes a StorageError.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise StorageError(_explain(e, path)) from None
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; give the usual rw-r--r--
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(_explain(e, path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Atomically write a UTF-8 text file."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def check_out_dir(path: Any, option: str = "--out") -> Path:
    """The output folder, created if needed; a StorageError if it is '', a file, under a file or not writable."""
    if path is None or str(path).strip() == "":
        raise StorageError(f"{option} is empty; name an output folder, e.g. {option} runs/first")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise StorageError(f"{option} {path} is a file, not a folder; choose another {option}")
    blocker = next((p for p in path.absolute().parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise StorageError(f"{option} {path} lies under {blocker}, which is a file; choose another {option}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise StorageError(f"{option} {path}: " + _explain(e, path)) from None
    return path


def check_out_file(path: Any, option: str = "--out") -> Path:
    """An output file path: not '', not a folder, in a folder that exists (or can be made) and is writable."""
    if path is None or str(path).strip() == "":
        raise StorageError(f"{option} is empty; name an output file, e.g. {option} samples.pt")
    path = Path(path)
    if path.is_dir() or str(path).endswith(os.sep):
        raise StorageError(f"{option} {path} is a folder; name a file in it, e.g. {option} {path / 'samples.pt'}")
    check_out_dir(path.parent if str(path.parent) else ".", option=f"the folder of {option}")
    return path


def figure_png(fig: Any, dpi: int = 80) -> bytes:
    """A matplotlib figure as PNG bytes (for files and notebook widgets alike)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------- checksums

def digest(obj: Any) -> str:
    """A sha256 over the content of nested dicts, lists, tensors and plain values (not their file layout)."""
    h = hashlib.sha256()
    _feed(h, obj)
    return h.hexdigest()


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    if isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=repr):
            h.update(repr(k).encode())
            _feed(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[" if isinstance(obj, list) else b"(")
        for v in obj:
            _feed(h, v)
        h.update(b"]")
    elif isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    else:
        h.update(repr(obj).encode())


def json_digest(record: dict) -> str:
    """sha256 of a JSON record without its own 'sha256' field (keys sorted)."""
    body = {k: v for k, v in record.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


# ----------------------------------------------------------------------------------------- one writer per folder

_HELD: dict[tuple, list] = {}  # (folder, thread) -> [open lock file, depth]: a thread may nest its own locks


@contextmanager
def run_lock(folder: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on a run folder; another process holding it makes this raise RunInUseError."""
    import fcntl

    folder = Path(folder).absolute()
    key = (folder, threading.get_ident())  # another thread (a second notebook panel) is refused like a process
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    folder.mkdir(parents=True, exist_ok=True)
    f = open(folder / LOCK_NAME, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.seek(0)
        holder = f.read().strip()
        f.close()
        raise RunInUseError(f"{folder} is in use by another process{f' (pid {holder})' if holder else ''}: "
                            "two writers would damage the run. Wait until it has finished, or use another "
                            "output folder") from None
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    _HELD[key] = [f, 1]
    try:
        yield
    finally:
        _HELD[key][1] -= 1
        if _HELD[key][1] == 0:
            del _HELD[key]
            f.close()  # closing releases the lock; the file stays (removing it would race a waiting locker)
