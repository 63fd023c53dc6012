import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab import CheckpointError, TrainConfig, fit, load_checkpoint
from gan_lab.checkpoint import CHECKPOINT_NAME, PREVIOUS_NAME
from gan_lab.files import atomic_write_text
from gan_lab.runfiles import HISTORY_NAME, SAMPLES_NAME

from conftest import make_tiny_root

REPO = Path(__file__).resolve().parents[1]


def cfg(root, **kw):
    return TrainConfig(**{"data_root": str(root), "batch_size": 32, "epochs": 3, "device": "cpu", **kw})


def same_run(dir_a, dir_b):
    """Bit-for-bit equality of two run folders: the checkpoints' weights and optimizer states, the history and samples."""
    a, b = load_checkpoint(dir_a / CHECKPOINT_NAME), load_checkpoint(dir_b / CHECKPOINT_NAME)
    for k in ("G", "D"):
        for name in a[k]:
            assert torch.equal(a[k][name], b[k][name]), f"{k}.{name} differs"
    for k in ("optD", "optG"):
        for i, s in a[k]["state"].items():
            for name, v in s.items():
                assert torch.equal(v, b[k]["state"][i][name]), f"{k} state {name} differs"
    for name in (HISTORY_NAME, SAMPLES_NAME):
        assert (dir_a / name).read_bytes() == (dir_b / name).read_bytes(), f"{name} differs"
    assert a["step"] == b["step"] and a["epoch"] == b["epoch"]  # (the files may be written in other chunks)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resume_mid_epoch_equals_uninterrupted(tiny_root, tmp_path, optimizer):
    full = tmp_path / "full"
    fit(cfg(tiny_root, optimizer=optimizer), full, progress=False)
    part = tmp_path / "part"
    s = fit(cfg(tiny_root, optimizer=optimizer, max_steps=14), part, progress=False)
    assert (s.epoch, s.step_in_epoch) == (1, 4)
    s = fit(cfg(tiny_root, optimizer=optimizer), part, resume=True, progress=False)
    assert s.step == 30
    same_run(full, part)


def test_resume_of_a_finished_run_does_nothing(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root), tmp_path, progress=False)
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()
    s = fit(cfg(tiny_root), tmp_path, resume=True, progress=False)
    assert s.step == 30 and "nothing to train" in capsys.readouterr().err
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before


def test_resume_refuses_a_different_configuration(tiny_root, tmp_path):
    fit(cfg(tiny_root, max_steps=5), tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"optimizer: 'sgd' in the checkpoint, 'adam' now"):
        fit(cfg(tiny_root, optimizer="adam"), tmp_path, resume=True, progress=False)


def test_damaged_checkpoint_is_reported_and_previous_one_is_used(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root, epochs=2), tmp_path, progress=False)
    path, prev = tmp_path / CHECKPOINT_NAME, tmp_path / PREVIOUS_NAME
    assert load_checkpoint(prev)["epoch"] == 1
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a torn write
    with pytest.raises(CheckpointError, match=f"{CHECKPOINT_NAME} is damaged"):
        load_checkpoint(path)
    s = fit(cfg(tiny_root, epochs=2), tmp_path, resume=True, progress=False)
    assert "Resumed from checkpoint.prev.pt (step 10)" in capsys.readouterr().err
    assert s.step == 20
    assert load_checkpoint(path)["step"] == 20  # rewritten whole


def test_no_readable_checkpoint_left(tiny_root, tmp_path):
    fit(cfg(tiny_root, epochs=1), tmp_path, progress=False)
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="No readable checkpoint is left"):
        fit(cfg(tiny_root, epochs=1), tmp_path, resume=True, progress=False)


def test_a_checkpoint_of_older_networks_is_named_as_such_not_as_damaged(tiny_root, tmp_path):
    """An intact checkpoint whose conditional D has the earlier layout (label appended to the pixels)."""
    from gan_lab.files import digest

    c = cfg(tiny_root, epochs=1, arch="cond")
    fit(c, tmp_path, progress=False)
    path = tmp_path / CHECKPOINT_NAME
    d = load_checkpoint(path)
    del d["D"]["embed.weight"]
    d["D"]["fc1.weight"] = torch.zeros(128, 794)
    d["sha256"] = digest(d)
    torch.save(d, path)
    (tmp_path / PREVIOUS_NAME).unlink(missing_ok=True)
    with pytest.raises(CheckpointError, match=r"holds a D with other layers than this version of gan_lab builds "
                                              r"\(embed.weight missing \(now \(128, 10\)\), fc1.weight \(128, 794\) "
                                              r"\(now \(128, 784\)\)\): it was saved by an earlier version"):
        fit(c.replace(epochs=2), tmp_path, resume=True, progress=False)


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    atomic_write_text(tmp_path / "a.json", "{}")
    with pytest.raises(ZeroDivisionError):
        from gan_lab.files import atomic_write

        atomic_write(tmp_path / "a.json", lambda f: 1 / 0)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").read_text() == "{}"  # the good file was not replaced


def _train_cmd(root: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gan_lab", "train", "--data-root", str(root), "--batch-size", "8", "--epochs", "2",
            "--device", "cpu", "--no-progress", "--out", str(out), *extra]


def test_sigkill_then_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    # Two epochs of 250 steps: killed after the first checkpoint, resumed into the second.
    root = make_tiny_root(tmp_path / "data", n_train=2000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    full, killed = tmp_path / "full", tmp_path / "killed"
    subprocess.run(_train_cmd(root, full), check=True, env=env, capture_output=True)

    proc = subprocess.Popen(_train_cmd(root, killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600  # generous: a loaded machine can take minutes to reach the first checkpoint
    while not (killed / CHECKPOINT_NAME).exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert (killed / CHECKPOINT_NAME).exists(), "the run wrote no checkpoint before it was killed"
    assert proc.wait() == -signal.SIGKILL
    at_kill = load_checkpoint(killed / CHECKPOINT_NAME)
    assert at_kill["epoch"] < 2  # really killed mid-run

    done = subprocess.run(_train_cmd(root, killed, "--resume"), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    same_run(full, killed)
    assert (full / "history.csv").read_text() == (killed / "history.csv").read_text()
