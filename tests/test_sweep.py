import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from gan_lab import TrainConfig, fit, load_checkpoint
from gan_lab.runfiles import read_history
from gan_lab.stack import StackedModule, fit_side_by_side, group_by_stack
from gan_lab.state import make_optimizers, new_state
from gan_lab.study import format_summary, load_results, summarize
from gan_lab.sweep import RESULT_NAME, SWEEPS, balance, sweep_configs
from gan_lab.train import Single, train_runs

from conftest import make_tiny_root

REPO = Path(__file__).resolve().parents[1]
# Float rounding of batched vs single matrix products, after 30 steps. Adam divides by sqrt(v), which
# is tiny early on, so it magnifies rounding differences more than SGD does.
TOL = {"sgd": 1e-5, "adam": 1e-4}


# The equivalence tests run on the CPU; GAN_LAB_TEST_DEVICE=cuda runs them on a GPU where there is one.
DEVICE = os.environ.get("GAN_LAB_TEST_DEVICE", "cpu")
# cuDNN computes float32 convolutions in TF32 by default on recent GPUs (about 1e-3 relative error): these
# tests compare float32 runs to 1e-5, so on a GPU the convolutions keep full float32.
torch.backends.cudnn.allow_tf32 = False


def cfgs(root, optimizer, variants, device=DEVICE, **common):
    return [TrainConfig(**{"data_root": str(root), "optimizer": optimizer, "batch_size": 32, "epochs": 3,
                           "device": device, **common, **v}) for v in variants]


class ConvG(nn.Module):
    """A small DCGAN-style generator: z -> 32 x 7 x 7 -> 16 x 14 x 14 -> 1 x 28 x 28."""

    def __init__(self, z_dim: int = 16):
        super().__init__()
        self.z_dim = z_dim
        self.fc = nn.Linear(z_dim, 32 * 7 * 7)
        self.up1 = nn.ConvTranspose2d(32, 16, 4, 2, 1)
        self.up2 = nn.ConvTranspose2d(16, 1, 4, 2, 1)

    def forward(self, z):
        h = nn.functional.leaky_relu(self.fc(z), 0.2).view(-1, 32, 7, 7)
        return torch.tanh(self.up2(nn.functional.leaky_relu(self.up1(h), 0.2)))


class ConvD(nn.Module):
    """Its discriminator: 1 x 28 x 28 -> 16 x 14 x 14 -> 32 x 7 x 7 -> a probability."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 4, 2, 1)
        self.conv2 = nn.Conv2d(16, 32, 4, 2, 1)
        self.fc = nn.Linear(32 * 7 * 7, 1)

    def forward(self, x):
        h = nn.functional.leaky_relu(self.conv2(nn.functional.leaky_relu(self.conv1(x), 0.2)), 0.2)
        return torch.sigmoid(self.fc(h.flatten(1)))


def conv_state(config):
    """A TrainState with the convolutional networks in place of the report's (seeded by the run's seed)."""
    s = new_state(config)
    torch.manual_seed(config.seed)
    s.G, s.D = ConvG().to(s.device), ConvD().to(s.device)
    s.optD, s.optG = make_optimizers(config, s.G, s.D)
    s.fixed_noise = torch.randn(64, 16, generator=torch.Generator().manual_seed(config.seed)).to(s.device)
    return s


def report_state(config):
    return new_state(config)


@pytest.mark.parametrize("optimizer,network,common", [
    ("sgd", report_state, {}),
    ("adam", report_state, {"betas": (0.9, 0.999)}),
    ("sgd", report_state, {"logits": True, "lr_d": 0.03}),  # D's loss on logits
    ("sgd", conv_state, {"lr_d": 0.005, "lr_g": 0.005}),  # at 0.1 this small conv GAN is chaotic: 1e-7 grows to 0.1
    ("adam", conv_state, {}),
    # Notebook 06's networks as the package builds them, with averages of G and one-sided label smoothing.
    # (SGD: Adam turns rounding in near-zero gradients of this wider conv G into steps of lr, 2e-4, in a few weights.)
    ("sgd", report_state, {"arch": "conv", "lr_d": 0.01, "lr_g": 0.01, "ema": (0.9, 0.99)}),
    ("sgd", report_state, {"arch": "cond", "ema": (0.9,), "label_smoothing": 0.1}),
])
def test_a_run_in_a_stack_matches_the_same_run_alone(tiny_root, optimizer, network, common):
    configs = cfgs(tiny_root, optimizer, [{"seed": 0}, {"seed": 3}, {"seed": 7}], **common)
    alone = [train_runs([network(c)], Single, progress=False)[0] for c in configs]
    together = fit_side_by_side([network(c) for c in configs], progress=False)
    for a, b in zip(alone, together):
        assert b.step == a.step == 30 and b.epoch == 3 and not a.stopped and not b.stopped
        for col in ("lossD", "lossG", "D_x", "D_G_z"):
            diff = (torch.tensor(getattr(a.history, col)) - torch.tensor(getattr(b.history, col))).abs().max()
            assert diff < TOL[optimizer], f"{col} differs by {diff}"
        for p, q in zip(list(a.G.parameters()) + list(a.D.parameters()), list(b.G.parameters()) + list(b.D.parameters())):
            assert p.shape == q.shape and (p - q).abs().max() < TOL[optimizer]
        assert (a.fixed_samples() - b.fixed_samples()).abs().max() < 10 * TOL[optimizer]
        assert len(a.ema) == len(b.ema) == len(a.config.ema)
        for avg_a, avg_b in zip(a.ema, b.ema):  # each run's averages of G are written back too
            for p, q in zip(avg_a.parameters(), avg_b.parameters()):
                assert (p - q).abs().max() < TOL[optimizer]
        if optimizer == "adam":  # the moments are written back in torch.optim.Adam's own format
            sa, sb = a.optG.state_dict()["state"], b.optG.state_dict()["state"]
            assert float(sa[0]["step"]) == float(sb[0]["step"]) == 30
            assert (sa[0]["exp_avg_sq"] - sb[0]["exp_avg_sq"]).abs().max() < TOL[optimizer]
    assert len({float(r.history.lossD[-1]) for r in together}) == 3  # three seeds, three different runs


def test_the_stack_runs_the_real_modules_forward(tiny_root):
    """StackedModule gives each run exactly its own network's output, for the report's and a conv network."""
    for build, x in ((lambda c: new_state(c).D, torch.rand(3 * 5, 1, 28, 28) * 2 - 1),
                     (lambda c: conv_state(c).G, torch.randn(3 * 5, 16))):
        nets = [build(c) for c in cfgs(tiny_root, "sgd", [{"seed": s} for s in range(3)])]
        x = x.to(DEVICE)
        out = StackedModule(nets)(x)
        for r, net in enumerate(nets):
            assert torch.allclose(out[5 * r:5 * (r + 1)], net(x[5 * r:5 * (r + 1)]), atol=1e-6)


def test_runs_that_cannot_share_a_stack_are_grouped_apart(tiny_root):
    """Other z_dim (another architecture), other learning rates or another point in training: other stacks."""
    base = cfgs(tiny_root, "adam", [{"seed": 0}, {"seed": 1}, {"z_dim": 20}, {"lr_d": 1e-3}])
    states = [new_state(c) for c in base]
    later = fit(base[0].replace(seed=5, epochs=1), progress=False)  # 10 steps of Adam so far
    later.config = later.config.replace(epochs=3)  # as resume_state does when the schedule grows
    groups = group_by_stack(states + [later])
    assert [len(g) for g in groups] == [2, 1, 1, 1]
    with pytest.raises(ValueError, match="cannot share a stack"):
        fit_side_by_side(states[:3], progress=False)
    alone = fit(base[0].replace(seed=5), progress=False)
    (resumed,) = fit_side_by_side([later], progress=False)
    assert float(resumed.optG.state_dict()["state"][0]["step"]) == 30
    assert abs(resumed.history.lossG[-1] - alone.history.lossG[-1]) < TOL["adam"]


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
    assert set(SWEEPS) == {"optimizer", "zdim", "lr", "logits", "beyond"}
    assert [(c.lr_d, c.logits) for c in sweep_configs("logits", 1, 40)] == [(0.3, True)]
    # Notebook 06: each entry one change against SGD 0.1; the costlier entries are capped at fewer epochs.
    beyond = sweep_configs("beyond", 1, 100)
    assert [(c.arch, c.optimizer, c.epochs) for c in beyond] == [("fc", "sgd", 100), ("cond", "sgd", 30),
                                                                 ("conv", "adam", 3), ("fc", "sgd", 100),
                                                                 ("fc", "sgd", 100)]
    assert all(c.ema[0] == 0.999 for c in beyond[:3])
    assert [(c.logits, c.label_smoothing, c.ema) for c in beyond[3:]] == [(True, 0.0, ()), (False, 0.1, ())]
    assert [c.epochs for c in sweep_configs("beyond", 1, 2)] == [2] * 5  # smoke runs stay short


def test_workers_get_whole_stacks_and_split_one_only_when_idle(tmp_path):
    configs = sweep_configs("beyond", 3, 100)  # five stacks of three seeds
    stack_of = {i: (c.arch, c.logits, c.label_smoothing) for i, c in enumerate(configs)}
    for workers in (2, 5):
        shares = balance(configs, tmp_path, workers)
        assert sorted(i for share in shares for i in share) == list(range(15))
        for share in shares:  # every stack's three seeds sit in one worker
            for i in share:
                assert {j for j in share if stack_of[j] == stack_of[i]} == {j for j in stack_of if stack_of[j] == stack_of[i]}
    assert sorted(map(len, balance(configs, tmp_path, 5))) == [3] * 5
    # Two workers: 3 x 93,800 SGD steps of the three report-network stacks dominate; both workers get work.
    loads = [len(share) for share in balance(configs, tmp_path, 2)]
    assert min(loads) >= 6
    one_stack = sweep_configs("logits", 3, 100)
    assert sorted(map(len, balance(one_stack, tmp_path, 2))) == [1, 2]  # a lone stack is split for the second worker


def _sweep_cmd(root, out, *extra):
    return [sys.executable, "-m", "gan_lab", "sweep", "zdim", "--seeds", "1", "--epochs", "3", "--out", str(out),
            "--data-root", str(root), "--train-images", "640", "--eval-every", "0", "--final-samples", "200",
            "--device", "cpu", "--workers", "2", "--no-progress", *extra]


def test_killed_sweep_resumes_without_redoing_finished_runs(tmp_path):
    root = make_tiny_root(tmp_path / "data", n_train=640)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reference = tmp_path / "reference"
    subprocess.run(_sweep_cmd(root, reference), env=env, check=True, capture_output=True)

    out = tmp_path / "sweep"
    proc = subprocess.Popen(_sweep_cmd(root, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if any(load_checkpoint(p)["epoch"] >= 1 for p in out.glob("*/checkpoint.pt")):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers die mid-run
    proc.wait()
    finished_before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"*/{RESULT_NAME}")}
    assert len(finished_before) < 4, "the sweep finished before it could be killed"

    r = subprocess.run(_sweep_cmd(root, out), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    results = load_results(out)
    assert len(results) == 4 and all(x["epochs"] == 3 and x["steps"] == 3 * 10 for x in results)
    for name, mtime in finished_before.items():  # finished runs were not trained again
        assert (out / name / RESULT_NAME).stat().st_mtime_ns == mtime
    for run in sorted(p.parent.name for p in reference.glob(f"*/{RESULT_NAME}")):
        a, b = read_history(reference / run), read_history(out / run)
        for col in ("lossD", "lossG"):
            # Each run resumes exactly from its checkpoint, but after a resume the runs may be grouped into other
            # stacks (other batched products), so float rounding can differ by ~1e-7: the guarantee is 1e-6.
            diff = (torch.tensor(getattr(a, col)) - torch.tensor(getattr(b, col))).abs().max()
            assert diff < 1e-6, f"{run}: {col} differs by {diff} after resume"
    rows = json.loads((out / "summary_zdim.json").read_text())
    assert [row["label"] for row in rows] == [f"sgd lr 0.1 z {z}" for z in (20, 50, 100, 200)]
    assert all(row["seeds"] == 1 and "FD_mnist" in row for row in rows)
    assert "| sgd lr 0.1 z 20 | 1 |" in (out / "summary_zdim.md").read_text()


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
    """Saturation (BCE at its clamp) stays finite, as alone; a blown-up run leaves the stack, the others go on."""
    saturating = cfgs(tiny_root, "sgd", [{"seed": 0}, {"seed": 1}], device="cpu", lr_d=10.0, lr_g=0.01, epochs=15)
    together = fit_side_by_side([new_state(c) for c in saturating], progress=False)
    for c, s in zip(saturating, together):
        alone = fit(c, progress=False)
        assert s.stopped is None and s.step == 150 and s.history.lossG[-1] > 20
        assert [e["kind"] for e in s.history.events] == [e["kind"] for e in alone.history.events] == ["saturated"]

    configs = cfgs(tiny_root, "sgd", [{"seed": 0}, {"seed": 1}, {"seed": 2}], device="cpu")
    states = [new_state(c) for c in configs]
    with torch.no_grad():
        states[1].D.fc2.weight[0, 0] = float("nan")  # run 1's weights have blown up
    healthy, diverged, other = fit_side_by_side(states, progress=False)
    assert diverged.stopped and "step 1 " in diverged.stopped and len(diverged.history) == 0
    assert [e["kind"] for e in diverged.history.events] == ["diverged"]
    for s, c in ((healthy, configs[0]), (other, configs[2])):
        alone = fit(c, progress=False)
        assert s.stopped is None and s.epoch == 3
        assert max(abs(x - y) for x, y in zip(s.history.lossG, alone.history.lossG)) < TOL["sgd"]


def test_lr_plot_shows_the_shipped_lr_study():
    """One line per optimizer family; each point is the mean over seeds of that configuration's final metric."""
    from gan_lab.notebook import shipped_results
    from gan_lab.plotting import plot_lr_study
    from gan_lab.study import load_study, study_rows

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
