import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab import TrainConfig, fit, load_checkpoint
from gan_lab.sweep import (RESULT_NAME, SWEEPS, Stack, fit_side_by_side, format_summary, load_results, summarize,
                           sweep_configs)
from gan_lab.train import new_state

from conftest import make_tiny_root

REPO = Path(__file__).resolve().parents[1]
# Float rounding of batched vs single matrix products, after 30 steps. Adam divides by sqrt(v), which
# is tiny early on, so it magnifies rounding differences more than SGD does.
TOL = {"sgd": 1e-5, "adam": 1e-4}


# The equivalence tests run on the CPU; GAN_LAB_TEST_DEVICE=cuda runs them on a GPU where there is one.
DEVICE = os.environ.get("GAN_LAB_TEST_DEVICE", "cpu")


def cfgs(root, optimizer, variants, device=DEVICE):
    return [TrainConfig(**{"data_root": str(root), "optimizer": optimizer, "batch_size": 32, "epochs": 3,
                           "device": device, **v}) for v in variants]


@pytest.mark.parametrize("optimizer,variants", [
    ("sgd", [{"z_dim": 20}, {"z_dim": 100, "seed": 3}, {"z_dim": 50, "lr_d": 0.03, "lr_g": 0.3}]),
    ("adam", [{"z_dim": 7}, {"betas": (0.9, 0.999), "seed": 1}, {"z_dim": 100, "lr_d": 1e-3, "lr_g": 1e-3}]),
    ("sgd", [{"logits": True}, {"logits": True, "z_dim": 50, "lr_d": 0.03, "seed": 2}]),  # D's loss on logits
])
def test_a_run_in_a_stack_matches_the_same_run_alone(tiny_root, optimizer, variants):
    configs = cfgs(tiny_root, optimizer, variants)
    alone = [fit(c, progress=False) for c in configs]
    together = fit_side_by_side([new_state(c) for c in configs], progress=False)
    for a, b in zip(alone, together):
        assert b.step == a.step == 30 and b.epoch == 3
        for col in ("lossD", "lossG", "D_x", "D_G_z"):
            diff = (torch.tensor(getattr(a.history, col)) - torch.tensor(getattr(b.history, col))).abs().max()
            assert diff < TOL[optimizer], f"{col} differs by {diff}"
        for p, q in zip(list(a.G.parameters()) + list(a.D.parameters()), list(b.G.parameters()) + list(b.D.parameters())):
            assert p.shape == q.shape and (p - q).abs().max() < TOL[optimizer]
        if optimizer == "adam":  # the moments are written back in torch.optim.Adam's own format
            sa, sb = a.optG.state_dict()["state"], b.optG.state_dict()["state"]
            assert float(sa[0]["step"]) == float(sb[0]["step"]) == 30
            assert (sa[0]["exp_avg_sq"] - sb[0]["exp_avg_sq"]).abs().max() < TOL[optimizer]


def test_z_dim_padding_keeps_missing_columns_at_zero(tiny_root):
    configs = cfgs(tiny_root, "adam", [{"z_dim": 5}, {"z_dim": 30}])
    states = [new_state(c) for c in configs]
    stack = Stack(states)
    assert stack.G[0].shape == (2, 128, 30)
    x = torch.rand(2, 16, 784) * 2 - 1
    from gan_lab.sweep import stacked_step

    for _ in range(5):
        stacked_step(stack, x)
    assert torch.count_nonzero(stack.G[0][0, :, 5:]) == 0  # never moved off zero
    assert torch.count_nonzero(stack.adam_G["exp_avg"][0][0, :, 5:]) == 0
    assert torch.count_nonzero(stack.G[0][1]) > 0
    # The padded stack initialises each run exactly as its own size would be.
    fresh = new_state(configs[0])
    assert torch.equal(Stack([fresh]).G[0][0], fresh.G.fc1.weight)


def test_sweeps_are_the_studies_of_the_course():
    assert [(c.optimizer, c.lr_d, c.betas) for c in sweep_configs("optimizer", 1, 100)] == [
        ("sgd", 0.3, None), ("adam", 2e-4, (0.9, 0.999)), ("sgd", 0.1, None), ("adam", 2e-4, (0.5, 0.999))]
    assert [c.z_dim for c in sweep_configs("zdim", 1, 100)] == [20, 50, 100, 200]
    lr = sweep_configs("lr", 2, 100)
    assert len(lr) == 16 and {(c.optimizer, c.lr_d, c.betas) for c in lr} >= {
        ("sgd", 0.3, None), ("sgd", 0.01, None), ("adam", 1e-3, (0.9, 0.999)), ("adam", 2e-4, (0.5, 0.999))}
    assert [c.seed for c in sweep_configs("zdim", 3, 5)][:3] == [0, 1, 2]
    with pytest.raises(ValueError, match="sweep='beta'.*one of"):
        sweep_configs("beta", 1, 1)
    assert set(SWEEPS) == {"optimizer", "zdim", "lr", "logits"}
    assert [(c.lr_d, c.logits) for c in sweep_configs("logits", 1, 40)] == [(0.3, True)]


def _sweep_cmd(root, out, *extra):
    return [sys.executable, "-m", "gan_lab", "sweep", "zdim", "--seeds", "2", "--epochs", "4", "--out", str(out),
            "--data-root", str(root), "--train-images", "1600", "--eval-every", "2", "--eval-samples", "200",
            "--final-samples", "200", "--device", "cpu", "--workers", "2", "--no-progress", *extra]


def test_killed_sweep_resumes_without_redoing_finished_runs(tmp_path):
    root = make_tiny_root(tmp_path / "data", n_train=1600)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reference = tmp_path / "reference"
    subprocess.run(_sweep_cmd(root, reference), env=env, check=True, capture_output=True)

    out = tmp_path / "sweep"
    proc = subprocess.Popen(_sweep_cmd(root, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if any(load_checkpoint(p)["epoch"] >= 2 for p in out.glob("*/checkpoint.pt")):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers die mid-run
    proc.wait()
    finished_before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"*/{RESULT_NAME}")}
    assert len(finished_before) < 8, "the sweep finished before it could be killed"

    r = subprocess.run(_sweep_cmd(root, out), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    results = load_results(out)
    assert len(results) == 8 and all(x["epochs"] == 4 and x["steps"] == 4 * 25 for x in results)
    for name, mtime in finished_before.items():  # finished runs were not trained again
        assert (out / name / RESULT_NAME).stat().st_mtime_ns == mtime
    for run in sorted(p.parent.name for p in reference.glob(f"*/{RESULT_NAME}")):
        a, b = load_checkpoint(reference / run / "checkpoint.pt"), load_checkpoint(out / run / "checkpoint.pt")
        for col in ("lossD", "lossG"):
            # Each run resumes exactly from its checkpoint, but after a resume the runs may be grouped into other
            # stacks (other batched products), so float rounding can differ by ~1e-7: the guarantee is 1e-6.
            diff = (a["history"][col] - b["history"][col]).abs().max()
            assert diff < 1e-6, f"{run}: {col} differs by {diff} after resume"
    rows = json.loads((out / "summary_zdim.json").read_text())
    assert [row["label"] for row in rows] == [f"sgd lr 0.1 z {z}" for z in (20, 50, 100, 200)]
    assert all(row["seeds"] == 2 and "FD_mnist" in row for row in rows)
    assert "| sgd lr 0.1 z 20 | 2 |" in (out / "summary_zdim.md").read_text()


def test_summary_means_and_stds():
    runs = [{"label": "a", "stopped": None, "config": {"optimizer": "sgd", "lr_d": 0.1, "betas": None, "z_dim": 1, "seed": s},
             "metrics": {"FD_mnist": v}} for s, v in enumerate((10.0, 14.0))]
    (row,) = summarize(runs)
    assert row["seeds"] == 2 and row["FD_mnist"]["mean"] == 12.0
    assert abs(row["FD_mnist"]["std"] - 2 ** 1.5) < 1e-12
    assert "| 12.0 ± 2.8 |" in format_summary([row], metrics=("FD_mnist",))
    small = {**row, "recall": {"mean": 0.00237, "std": 0.0023, "values": []}}
    assert "| 0.002 ± 0.002 |" in format_summary([small], metrics=("recall",))  # same decimals, no exponent


def test_saturated_and_diverging_runs_in_a_stack(tiny_root):
    """Saturation (BCE at its clamp) stays finite, as with nn.BCELoss; a blown-up run leaves the stack alone."""
    # On the CPU: lr 1e19 turns a loss into NaN at step 2 there; on an H100 the same run stayed finite.
    configs = cfgs(tiny_root, "sgd", [{"lr_d": 10.0, "lr_g": 0.01, "epochs": 20}, {"lr_d": 1e19, "lr_g": 1e19, "epochs": 10},
                                      {"epochs": 10}], device="cpu")
    alone = fit(configs[0], progress=False)
    saturated, diverged, healthy = fit_side_by_side([new_state(c) for c in configs], progress=False)
    assert saturated.stopped is None and saturated.step == 200 and saturated.history.lossG[-1] > 20
    assert [e["kind"] for e in saturated.history.events] == [e["kind"] for e in alone.history.events] == ["saturated"]
    assert diverged.stopped and "step 2" in diverged.stopped and len(diverged.history) == 1
    assert healthy.stopped is None and healthy.epoch == 10
    assert abs(healthy.history.lossG[5] - fit(configs[2], progress=False).history.lossG[5]) < 1e-5


def test_runs_resumed_from_different_epochs_share_a_stack(tiny_root):
    """An Adam run at epoch 2 and a fresh one train together; each keeps its own step count."""
    old, fresh = cfgs(tiny_root, "adam", [{"epochs": 3}, {"epochs": 1, "seed": 5}])
    alone = fit(old, progress=False)
    started = fit(old.replace(epochs=2), progress=False)  # 20 steps of Adam so far
    started.config = old  # as resume_state does when the schedule grows
    a, b = fit_side_by_side([started, new_state(fresh)], progress=False)
    assert float(a.optG.state_dict()["state"][0]["step"]) == 30 and float(b.optG.state_dict()["state"][0]["step"]) == 10
    assert abs(a.history.lossG[-1] - alone.history.lossG[-1]) < TOL["adam"]


def test_lr_plot_shows_the_shipped_lr_study():
    """One line per optimizer family; each point is the mean over seeds of that configuration's final metric."""
    from gan_lab.notebook import shipped_results
    from gan_lab.sweep import load_study, plot_lr_study, study_rows

    study = load_study(shipped_results(), "lr")
    assert {"sgd lr 0.1 z 100", "adam lr 0.0002 b1 0.5 z 100"} <= set(study)
    rows = {row["label"]: row for row in study_rows(study)}
    fig = plot_lr_study(study)
    fd_axis, recall_axis = fig.axes
    assert fd_axis.get_xscale() == "log" and fd_axis.get_yscale() == "log" and recall_axis.get_yscale() == "linear"
    assert fd_axis.get_xlabel() and fd_axis.get_ylabel() == "FD_mnist" and fig.get_suptitle()
    lines = {bars.get_label(): bars.lines[0] for bars in fd_axis.containers}  # errorbar: (data line, caps, bars)
    assert set(lines) == {"SGD", "Adam, beta1 0.9", "Adam, beta1 0.5"}
    sgd = lines["SGD"]
    lrs = sorted(r.config.lr_d for runs in study.values() for r in runs[:1] if r.config.optimizer == "sgd")
    assert list(sgd.get_xdata()) == lrs
    expected = [rows[f"sgd lr {lr:g} z 100"]["FD_mnist"]["mean"] for lr in lrs]
    assert list(sgd.get_ydata()) == pytest.approx(expected)
