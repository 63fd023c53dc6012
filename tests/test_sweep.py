"""Sweeps (gan_lab.sweep): the course's studies, workers, resuming a killed sweep, summaries."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab import cli, load_checkpoint
from gan_lab.config import TrainConfig
from gan_lab.runfiles import read_history
from gan_lab.study import format_summary, load_results, summarize
from gan_lab.sweep import RESULT_NAME, SWEEPS, run_sweep, step_cost, sweep_configs, with_evaluation, work_units

from conftest import make_tiny_root

REPO = Path(__file__).resolve().parents[1]


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
    assert set(SWEEPS) == {"optimizer", "zdim", "lr", "logits", "beyond", "longer", "wider", "wider_one", "wider_conv"}
    longer = sweep_configs("longer", 2, 300)  # the same run at a constant and at a decaying rate
    assert [(c.lr_decay, c.epochs, c.seed) for c in longer] == [("none", 300, 0), ("none", 300, 1),
                                                                 ("linear", 300, 0), ("linear", 300, 1)]
    assert longer[0].replace(lr_decay="linear") == longer[2]
    assert sweep_configs("wider", 1, 300) == [longer[0].replace(hidden_dim=256)]  # one change: 256 hidden units
    wider_g, wider_d = sweep_configs("wider_one", 1, 300)  # those 256 units in one network at a time
    assert wider_g == longer[0].replace(hidden_dim=256, d_hidden_dim=128)
    assert wider_d == longer[0].replace(d_hidden_dim=256)
    assert [(c.lr_d, c.logits) for c in sweep_configs("logits", 1, 40)] == [(0.3, True)]
    conv = next(c for c in sweep_configs("beyond", 1, 100) if c.arch == "conv")
    assert sweep_configs("wider_conv", 1, 100) == [conv.replace(g_channels=32)]  # one change: G's maps, 16 epochs
    # Notebook 06: each entry one change against SGD 0.1; the costlier entries are capped at fewer epochs.
    beyond = sweep_configs("beyond", 1, 100)
    assert [(c.arch, c.optimizer, c.epochs) for c in beyond] == [("fc", "sgd", 100), ("cond", "sgd", 30),
                                                                 ("conv", "adam", 16), ("fc", "sgd", 100),
                                                                 ("fc", "sgd", 100)]
    assert all(c.ema[0] == 0.999 for c in beyond[:3])
    conv = beyond[2]  # its recipe: logits, lazy R1 and a decaying rate
    assert (conv.logits, conv.r1, conv.r1_every, conv.lr_decay, conv.lr_d) == (True, 10.0, 4, "linear", 1e-3)
    assert [(c.logits, c.label_smoothing, c.ema) for c in beyond[3:]] == [(True, 0.0, ()), (False, 0.1, ())]
    assert [c.epochs for c in sweep_configs("beyond", 1, 2)] == [2] * 5  # smoke runs stay short


def test_an_entry_may_be_measured_more_often_than_the_sweep_but_never_when_off():
    beyond = sweep_configs("beyond", 1, 100)  # the conv entry asks for every 2 epochs of its 10
    assert [c.eval_every for c in with_evaluation(beyond, 10, 2000)] == [10, 10, 2, 10, 10]
    assert [c.eval_every for c in with_evaluation(beyond, 1, 500)] == [1] * 5  # smoke: every epoch
    assert [c.eval_every for c in with_evaluation(beyond, 0, 500)] == [0] * 5  # --eval-every 0: never
    assert [c.eval_every for c in with_evaluation(sweep_configs("beyond", 1, 5), 10, 500)] == [5, 5, 2, 5, 5]
    assert {c.eval_samples for c in with_evaluation(beyond, 10, 2000)} == {2000}


def test_work_units_are_whole_stacks_costliest_first_and_split_only_when_workers_would_idle(tmp_path, monkeypatch):
    from gan_lab import sweep
    monkeypatch.setattr(sweep, "resolve_device", lambda device: torch.device("cuda"))  # where every stack pays
    configs = sweep_configs("beyond", 3, 100)  # five stacks of three seeds
    stack_of = {i: (c.arch, c.logits, c.label_smoothing) for i, c in enumerate(configs)}
    for workers in (2, 5):
        units = work_units(configs, tmp_path, workers)
        assert sorted(i for unit in units for i in unit) == list(range(15))
        for unit in units:  # a unit is one stack: its three seeds, and nothing else
            assert {stack_of[i] for i in unit} == {stack_of[unit[0]]} and len(unit) == 3
        # Costliest first: the convolutional stack (3 x 15,008 steps at 19 x 1.1 x 1.12 each), the conditional last.
        assert [configs[u[0]].arch for u in units] == ["conv", "fc", "fc", "fc", "cond"]
    one_stack = sweep_configs("logits", 3, 100)
    assert work_units(one_stack, tmp_path, 1) == [[0, 1, 2]]
    assert work_units(one_stack, tmp_path, 2) == [[0, 1], [2]]  # a lone stack is split for the second worker
    zdim = sweep_configs("zdim", 3, 100)  # 4 z_dims x 3 seeds: one stack, z padded to the widest
    assert work_units(zdim, tmp_path, 1) == [list(range(12))]
    assert sorted(map(len, work_units(zdim, tmp_path, 2))) == [6, 6]


def test_a_finished_run_is_no_more_work(tmp_path):
    from gan_lab.sweep import EVAL_SAMPLES
    base = _tiny_base(tmp_path).replace(train_images=64)
    configs = with_evaluation(sweep_configs("logits", 3, 2, base), 0, EVAL_SAMPLES)  # one stack of three seeds
    run_sweep("logits", 3, 2, tmp_path, base=base, eval_every=0, final_samples=100, only=[0], progress=False)
    assert work_units(configs, tmp_path, 1) == [[1, 2]]  # seed 0 is done: the other two, still one stack
    assert work_units(configs, tmp_path, 2) == [[1], [2]]


def test_on_a_cpu_the_convolutional_runs_train_alone_and_are_shared_out(tmp_path, monkeypatch):
    """Stacking the convolutional pair saves nothing on a CPU: its seeds train one by one, spread over the workers."""
    from gan_lab import sweep
    configs = sweep_configs("beyond", 3, 100)
    conv = [i for i, c in enumerate(configs) if c.arch == "conv"]
    units = work_units(configs, tmp_path, 2)
    assert sorted(i for unit in units for i in unit) == list(range(15))
    assert units[:3] == [[i] for i in conv]  # each conv run a unit of its own, first in the queue: the costliest
    for unit in units[3:]:  # the report's network's stacks stay whole
        assert set(unit) == {j for j in range(15) if configs[j].replace(seed=0) == configs[unit[0]].replace(seed=0)}
    sizes = []  # and a worker holding several conv runs trains them one at a time
    real_fit = sweep.fit_side_by_side
    monkeypatch.setattr(sweep, "fit_side_by_side", lambda group, *a, **k: sizes.append(len(group)) or real_fit(group, *a, **k))
    base = _tiny_base(tmp_path).replace(train_images=64)
    sweep.run_sweep("beyond", 3, 1, tmp_path / "sweep", base=base, eval_every=0, final_samples=100, only=conv,
                    progress=False)
    assert sizes == [1, 1, 1]
    sizes.clear()
    sweep.run_sweep("beyond", 3, 1, tmp_path / "sweep_fc", base=base, eval_every=0, final_samples=100, only=[0, 1, 2],
                    progress=False)
    assert sizes == [3]  # the report's network still trains its seeds in one stack


def test_a_step_costs_more_with_adam_and_more_with_r1():
    conv = sweep_configs("beyond", 1, 100)[2].replace(r1=0.0, r1_every=1)  # the convolutional pair with Adam
    assert step_cost(conv) == pytest.approx(19 * 1.1)
    assert step_cost(conv.replace(logits=True, r1=10.0)) == pytest.approx(19 * 1.1 * 1.5)
    assert step_cost(TrainConfig(logits=True, r1=1.0)) == pytest.approx(1.5) and step_cost(TrainConfig()) == 1.0
    assert step_cost(TrainConfig(logits=True, r1=1.0, r1_every=4)) == pytest.approx(1.125)  # lazy: 1 step in 4


def test_a_step_costs_more_with_more_hidden_units_except_in_the_convolutional_pair():
    assert step_cost(TrainConfig(hidden_dim=256)) == pytest.approx(1.65)  # benchmarks/bench_hidden.py
    assert step_cost(TrainConfig(hidden_dim=256, arch="cond")) == pytest.approx(1.1 * 1.65)
    conv = sweep_configs("beyond", 1, 100)[2]
    assert step_cost(conv.replace(hidden_dim=256)) == step_cost(conv)  # hidden_dim is unused there
    wider, = sweep_configs("wider", 1, 300)
    assert wider.hidden_dim == 256 and step_cost(wider) > step_cost(sweep_configs("longer", 1, 300)[0])
    wider_g, wider_d = sweep_configs("wider_one", 1, 300)  # D is run more often in a step than G
    assert 1 < step_cost(wider_g) < step_cost(wider_d) < step_cost(wider)
    assert step_cost(wider_g) + step_cost(wider_d) - 1 == pytest.approx(step_cost(wider))  # each pays its own share
    assert step_cost(TrainConfig(hidden_dim=64, d_hidden_dim=256)) == pytest.approx(1 - 0.27 / 2 + 0.38)


def test_the_convolutional_gs_maps_cost_with_their_square():
    conv = sweep_configs("beyond", 1, 100)[2]
    wider, = sweep_configs("wider_conv", 1, 100)
    assert step_cost(wider) == pytest.approx(1.3 * step_cost(conv))  # benchmarks/bench_conv_width.py: 1.29
    assert step_cost(conv.replace(g_channels=64)) == pytest.approx(2.5 * step_cost(conv))  # measured 2.54


def test_the_convolutional_ds_maps_cost_in_proportion():
    conv = sweep_configs("beyond", 1, 100)[2]
    assert step_cost(conv.replace(d_channels=64)) == pytest.approx(2.2 * step_cost(conv))  # measured 2.23
    assert step_cost(conv.replace(d_channels=48)) == pytest.approx(1.6 * step_cost(conv))  # measured 1.63
    both = conv.replace(g_channels=32, d_channels=64)
    assert step_cost(both) == pytest.approx(2.5 * step_cost(conv))  # each pays its own share; measured 2.66


def _sweep_args(root, out, workers=2):
    return ["sweep", "zdim", "--seeds", "1", "--epochs", "3", "--out", str(out), "--data-root", str(root),
            "--train-images", "640", "--eval-every", "0", "--final-samples", "200", "--device", "cpu",
            "--workers", str(workers), "--no-progress"]


def _sweep_cmd(root, out):
    return [sys.executable, "-m", "gan_lab", *_sweep_args(root, out)]


def test_killed_sweep_resumes_without_redoing_finished_runs(tmp_path):
    root = make_tiny_root(tmp_path / "data", n_train=640)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reference = tmp_path / "reference"
    # The uninterrupted sweep, in this process (no process start-ups to pay; one worker trains it all).
    assert cli.main(_sweep_args(root, reference, workers=1)) == 0
    assert len(list(reference.glob(f"*/{RESULT_NAME}"))) == 4

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


def test_worker_processes_report_progress_as_lines_unless_told_not_to(tmp_path):
    root = make_tiny_root(tmp_path / "data", n_train=640)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "gan_lab", *_sweep_args(root, tmp_path / "sweep")]
    r = subprocess.run([a for a in args if a != "--no-progress"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    for epoch in (1, 2, 3):  # each stack (here of runs of different z_dim) says where it is after each epoch
        lines = [line for line in r.stdout.splitlines() if f": epoch {epoch}/3, " in line]
        for z in (20, 50, 100, 200):
            assert sum(f"sgd lr 0.1 z {z} seed 0" in line for line in lines) == 1, r.stdout
    assert "min left" in r.stdout
    quiet = subprocess.run(args + ["--epochs", "4"], env=env, capture_output=True, text=True)  # resumes to epoch 4
    assert quiet.returncode == 0 and "epoch 4/4" not in quiet.stdout, quiet.stdout


def _tiny_base(tmp_path) -> TrainConfig:
    return TrainConfig(data_root=str(make_tiny_root(tmp_path / "data", n_train=640)), train_images=640, device="cpu")


def test_worker_progress_lines_are_printed_by_the_calling_process(tmp_path, capsys):
    """A notebook shows only what its own process prints (on Colab a worker's stdout is shown nowhere)."""
    from gan_lab.sweep import run_sweep
    run_sweep("zdim", 1, 2, tmp_path / "sweep", base=_tiny_base(tmp_path), eval_every=0, final_samples=200, workers=2)
    out = capsys.readouterr().out  # sys.stdout of this process only, not what child processes write to the terminal
    for z in (20, 50, 100, 200):
        assert any(f"z {z} seed 0" in line and ": epoch 2/2, " in line for line in out.splitlines()), out


def test_an_interrupted_sweep_stops_its_workers_and_resumes(tmp_path, monkeypatch, capsys):
    """Interrupting the kernel reaches the parent only: the workers must stop too, not train on for minutes."""
    from gan_lab import sweep
    out, base = tmp_path / "sweep", _tiny_base(tmp_path)

    def interrupt_after_first_line(lines, futures):
        print(lines.get(timeout=120))  # the workers are training
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "_print_lines_until_done", interrupt_after_first_line)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep("zdim", 1, 30, out, base=base, eval_every=0, final_samples=200, workers=2)
    configs = with_evaluation(sweep_configs("zdim", 1, 30, base), 0, sweep.EVAL_SAMPLES)
    finished = [c for c in configs if (sweep.run_dir(out, c) / RESULT_NAME).exists()]
    assert len(finished) < 4 and all(sweep.run_dir(out, c).is_dir() for c in configs)  # stopped, not waited for
    monkeypatch.undo()
    results = sweep.run_sweep("zdim", 1, 30, out, base=base, eval_every=0, final_samples=200, workers=2)
    assert [r["epochs"] for r in results] == [30] * 4  # the run folders were unlocked and resume


def test_grids_side_by_side_are_as_tall_as_their_rows_need():
    import torch

    from gan_lab.plotting import plot_grids

    images = torch.zeros(64, 1, 28, 28)
    full, half = plot_grids({"a": images, "b": images}), plot_grids({"a": images[:32], "b": images[:32]})
    assert tuple(full.get_size_inches()) == pytest.approx((6.8, 3.8))  # 8 rows of 8, as the notebooks' grids were
    assert tuple(half.get_size_inches()) == pytest.approx((6.8, 0.4 + 3.4 / 2))  # 4 rows: no empty half
    assert len(half.axes) == 2 and half.axes[0].get_title() == "a"
