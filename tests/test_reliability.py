"""Misuse that must never give a silently wrong result or lose a run: sweeps, checkpoints, inputs, disks."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab import CheckpointError, TrainConfig, fit, load_checkpoint, train_step
from gan_lab.checkpoint import CHECKPOINT_NAME, PREVIOUS_NAME, resume_state, save_checkpoint
from gan_lab.cli import main
from gan_lab.models import build_models
from gan_lab.state import make_optimizers

from conftest import make_tiny_root

REPO = Path(__file__).resolve().parents[1]


def cfg(root, **kw):
    return TrainConfig(**{"data_root": str(root), "batch_size": 32, "epochs": 2, "device": "cpu", **kw})


def train_args(root, out, *extra):
    return ["train", "--data-root", str(root), "--batch-size", "32", "--epochs", "1", "--device", "cpu",
            "--no-progress", "--out", str(out), *extra]


def flip_bytes(path: Path, n: int = 40) -> None:
    """XOR n bytes in the middle of a file, as a bad disk or a bad copy does."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(mid, mid + n):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


# 1. a sweep with another --epochs ------------------------------------------------------------------

def test_a_sweep_with_more_epochs_continues_its_runs_and_one_with_fewer_is_refused(tiny_root, tmp_path):
    from gan_lab.sweep import RESULT_NAME, run_sweep

    base = TrainConfig(data_root=str(tiny_root), train_images=320, device="cpu")  # 5 steps per epoch
    out = tmp_path / "sweep"
    kw = dict(eval_every=0, final_samples=100, progress=False)
    (first,) = run_sweep("logits", 1, 2, out, base, **kw)
    assert (first["epochs"], first["steps"]) == (2, 10)
    (longer,) = run_sweep("logits", 1, 3, out, base, **kw)  # continued from epoch 2, not counted as done
    assert (longer["epochs"], longer["steps"], longer["config"]["epochs"]) == (3, 15, 3)
    assert load_checkpoint(next(out.glob(f"*/{PREVIOUS_NAME}")))["step"] == 10
    with pytest.raises(ValueError, match=r"3 epochs.*asks for 1"):
        run_sweep("logits", 1, 1, out, base, **kw)
    # A finished run without its checkpoint (as the shipped results are) cannot be continued: refused.
    run = next(out.glob(f"*/{RESULT_NAME}")).parent
    (run / CHECKPOINT_NAME).unlink()
    (run / PREVIOUS_NAME).unlink()
    with pytest.raises(ValueError, match="no checkpoint"):
        run_sweep("logits", 1, 4, out, base, **kw)
    assert json.loads((run / RESULT_NAME).read_text())["epochs"] == 3  # left as it was


def test_shipped_results_of_another_length_still_load():
    from gan_lab.notebook import shipped_results
    from gan_lab.study import load_study

    study = load_study(shipped_results(), "logits")  # trained for 40 epochs, loaded with the default epochs=100
    assert study and all(r.config.epochs == 40 for runs in study.values() for r in runs)
    assert next(iter(study.values()))[0].generator().fc1.weight.isfinite().all()


# 2. checksums ------------------------------------------------------------------------------------

def test_a_bit_flipped_checkpoint_is_damage_and_resume_falls_back(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root), tmp_path, progress=False)
    flip_bytes(tmp_path / CHECKPOINT_NAME)
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / CHECKPOINT_NAME)
    s = fit(cfg(tiny_root, epochs=3), tmp_path, resume=True, progress=False)
    assert "Resumed from checkpoint.prev.pt (step 10)" in capsys.readouterr().err and s.step == 30
    assert main(["sample", "--checkpoint", str(tmp_path / CHECKPOINT_NAME), "-n", "5", "--device", "cpu",
                 "--out", str(tmp_path / "s.pt")]) == 0  # the rewritten checkpoint is whole again
    flip_bytes(tmp_path / CHECKPOINT_NAME)
    assert main(["sample", "--checkpoint", str(tmp_path / CHECKPOINT_NAME), "-n", "5", "--device", "cpu",
                 "--out", str(tmp_path / "s.pt")]) == 2
    assert "damaged" in capsys.readouterr().err


def test_generator_and_result_files_carry_checksums_and_old_files_still_load(tmp_path):
    from gan_lab.checkpoint import read_generator_file, read_result, write_generator_file, write_result
    from gan_lab.notebook import shipped_results

    G, _ = build_models(z_dim=8, seed=0)
    config = TrainConfig(z_dim=8)
    write_generator_file(tmp_path / "generator.pt", G, config)
    assert torch.equal(read_generator_file(tmp_path / "generator.pt")["G"]["fc1.weight"], G.fc1.weight)
    flip_bytes(tmp_path / "generator.pt")
    with pytest.raises(CheckpointError, match="generator.pt is damaged"):
        read_generator_file(tmp_path / "generator.pt")

    write_result(tmp_path / "result.json", {"steps": 30, "metrics": {"FD_mnist": 71.25}})
    assert read_result(tmp_path / "result.json")["steps"] == 30
    text = (tmp_path / "result.json").read_text()
    (tmp_path / "result.json").write_text(text.replace("71.25", "17.25"))
    with pytest.raises(CheckpointError, match="result.json is damaged"):
        read_result(tmp_path / "result.json")

    # Shipped results written before checksums existed are still read; later ones carry theirs.
    shipped = sorted(shipped_results().glob("*/result.json"))
    old = [p for p in shipped if "sha256" not in json.loads(p.read_text())]
    assert old and len(old) < len(shipped)
    assert read_result(old[0])["label"] and read_generator_file(old[0].with_name("generator.pt"))["G"]


# 3. wrongly scaled real images -------------------------------------------------------------------

@pytest.mark.parametrize("scale,shown", [
    (lambda x: (x + 1) / 2, "[0, 1]"),
    (lambda x: (x + 1) * 127.5, "0..255"),
    (lambda x: x.masked_fill(x > 0.9, float("nan")), "NaN"),
])
def test_wrongly_scaled_real_images_are_refused_with_the_cause(scale, shown):
    G, D = build_models(z_dim=8, seed=0)
    optD, optG = make_optimizers(TrainConfig(), G, D)
    x = torch.rand(16, 1, 28, 28) * 2 - 1
    with pytest.raises(ValueError) as info:
        train_step(G, D, optD, optG, scale(x))
    msg = str(info.value)
    assert shown in msg and "[-1, 1]" in msg and "blown up" not in msg


def test_fit_checks_the_real_images_once_per_run(tiny_root, monkeypatch):
    import gan_lab.train as train

    calls = []
    real_check = train.check_real_images
    monkeypatch.setattr(train, "check_real_images", lambda x: calls.append(1) or real_check(x))
    fit(cfg(tiny_root), progress=False)
    assert len(calls) == 1  # 20 steps, one check
    pixels = train.load_images
    monkeypatch.setattr(train, "load_images", lambda *a, **k: (pixels(*a, **k) + 1) * 127.5)
    with pytest.raises(ValueError, match=r"0\.\.255"):
        fit(cfg(tiny_root), progress=False)


# 4. blown-up weights -----------------------------------------------------------------------------

def test_a_huge_learning_rate_does_not_end_with_exit_0(tiny_root, tmp_path, capsys):
    assert main(train_args(tiny_root, tmp_path / "run", "--lr-g", "1e30")) != 0
    err = capsys.readouterr().err
    assert "weights" in err and "lr_g=1e+30" in err


def test_sample_refuses_a_checkpoint_with_nan_weights(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root, epochs=1), tmp_path, progress=False)
    state = resume_state(tmp_path, cfg(tiny_root, epochs=1))
    with torch.no_grad():
        state.G.fc2.weight[0, 0] = float("nan")
    save_checkpoint(tmp_path / CHECKPOINT_NAME, state)
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(tmp_path / CHECKPOINT_NAME), "-n", "5", "--device", "cpu",
                 "--out", str(tmp_path / "s.pt")]) == 2
    out, err = capsys.readouterr()
    assert "values in [-1, 1]" not in out and err.startswith("error:") and "NaN" in err
    assert not (tmp_path / "s.pt").exists()


# 6. training again into a folder that holds a run ------------------------------------------------

def test_training_again_without_resume_is_refused_unless_overwrite(tiny_root, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(tiny_root, out)) == 0
    before = (out / CHECKPOINT_NAME).read_bytes()
    capsys.readouterr()
    assert main(train_args(tiny_root, out, "--seed", "3")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "--resume" in err and "--out" in err and "--overwrite" in err
    assert (out / CHECKPOINT_NAME).read_bytes() == before
    with pytest.raises(ValueError, match="resume=True"):
        fit(cfg(tiny_root, epochs=1), out, progress=False)
    assert main(train_args(tiny_root, out, "--seed", "3", "--overwrite")) == 0
    assert load_checkpoint(out / CHECKPOINT_NAME)["config"]["seed"] == 3
    assert not (out / PREVIOUS_NAME).exists()  # nothing of the replaced run is left to resume from


# 7. two writers ----------------------------------------------------------------------------------

def test_a_second_writer_of_a_run_folder_is_refused(tmp_path, capsys):
    root = make_tiny_root(tmp_path / "data", n_train=3000)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "gan_lab", *train_args(root, out, "--epochs", "20", "--batch-size", "8")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (out / CHECKPOINT_NAME).exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the first writer ended too early"
        t0 = time.time()
        # --max-steps keeps a second writer that is not refused short (it may change on resume).
        assert main(train_args(root, out, "--epochs", "20", "--batch-size", "8", "--max-steps", "50", "--resume")) == 2
        assert time.time() - t0 < 30  # refused at once, not after waiting
        err = capsys.readouterr().err
        assert err.startswith("error:") and str(out) in err and "in use" in err
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


# 8. an empty or unreadable checkpoint ------------------------------------------------------------

def test_a_zero_byte_checkpoint_falls_back_to_the_previous_one(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root), tmp_path, progress=False)
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"")
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / CHECKPOINT_NAME)
    s = fit(cfg(tiny_root, epochs=3), tmp_path, resume=True, progress=False)
    assert "Resumed from checkpoint.prev.pt (step 10)" in capsys.readouterr().err and s.step == 30


def test_a_checkpoint_with_foreign_objects_never_suggests_weights_only_false(tmp_path):
    import argparse

    torch.save({"format": 1, "x": argparse.Namespace(a=1)}, tmp_path / CHECKPOINT_NAME)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert "weights_only" not in str(info.value) and "damaged" in str(info.value)


# 9. --out problems, before any training ----------------------------------------------------------

def _no_training(monkeypatch):
    import gan_lab.train as train

    def refuse(*a, **k):
        raise AssertionError("training started before --out was checked")

    monkeypatch.setattr(train, "make_batches", refuse)


@pytest.mark.parametrize("case", ["file", "under_file", "empty", "read_only"])
def test_an_unusable_train_out_is_refused_before_training(tiny_root, tmp_path, monkeypatch, capsys, case):
    _no_training(monkeypatch)
    (tmp_path / "f").write_text("x")
    out = {"file": tmp_path / "f", "under_file": tmp_path / "f" / "run", "empty": "",
           "read_only": Path("/sys/gan_lab_out/run")}[case]
    if case == "read_only" and os.access("/sys", os.W_OK) and not Path("/sys/kernel").is_dir():
        pytest.skip("/sys is writable here")
    assert main(train_args(tiny_root, out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "--out" in err and "Traceback" not in err and err.count("\n") == 1


def test_sample_out_naming_a_folder_is_refused(tiny_root, tmp_path, capsys):
    fit(cfg(tiny_root, epochs=1), tmp_path / "run", progress=False)
    for out in (tmp_path, ""):
        assert main(["sample", "--checkpoint", str(tmp_path / "run" / CHECKPOINT_NAME), "-n", "5",
                     "--device", "cpu", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and "--out" in err


# 10. a full disk ---------------------------------------------------------------------------------

def test_a_full_disk_is_one_error_line_and_the_good_checkpoint_survives(tiny_root, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert main(train_args(tiny_root, out)) == 0
    capsys.readouterr()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    assert main(train_args(tiny_root, out, "--epochs", "2", "--resume")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "disk is full" in err and str(out) in err and err.count("\n") == 1
    monkeypatch.undo()
    assert load_checkpoint(out / CHECKPOINT_NAME)["step"] == 10
    assert not [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".new"))]


# inconsistent input handling -----------------------------------------------------------------------

@pytest.mark.parametrize("argv,shown", [
    (["train", "--z-dim", "1000000000000"], "from 1 to 4096"),
    (["train", "--hidden-dim", "1000000000000"], "from 1 to 8192"),
    (["train", "--seed", str(10**29)], "seed="),
    (["train", "--device", "cpu:1"], "device='cpu:1'"),
    (["sample", "--checkpoint", "x.pt", "-n", "1000000000000"], "-n=1000000000000"),
    (["sample", "--checkpoint", "x.pt", "--seed", "-1"], "--seed=-1"),
    (["evaluate", "--checkpoint", "x.pt", "-n", "4"], "Fréchet"),
    (["sweep", "zdim", "--workers", "0"], "--workers=0"),
    (["sweep", "zdim", "--final-samples", "0"], "--final-samples=0"),
    (["sweep", "zdim", "--final-samples", "-5"], "--final-samples=-5"),
])
def test_out_of_range_options_name_the_option_and_the_bound(tmp_path, capsys, argv, shown):
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and shown in err and "Traceback" not in err


def test_a_config_cannot_change_after_validation_and_data_root_is_a_path(tmp_path):
    import dataclasses

    c = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.leaky_slope = 5
    with pytest.raises(ValueError, match="leaky_slope=5"):
        c.replace(leaky_slope=5)
    with pytest.raises(ValueError, match="data_root=123"):
        TrainConfig(data_root=123)
    assert TrainConfig(data_root=tmp_path).data_root == str(tmp_path)
