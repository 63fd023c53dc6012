"""tools/conv_trials.py: single-seed trials of the convolutional pair recorded from their checkpoints."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_lab import TrainConfig, fit
from gan_lab.checkpoint import load_checkpoint, state_from_dict
from gan_lab.metrics import evaluate_generator
from gan_lab.sweep import step_cost

from conftest import load_tool, make_tiny_root

ROOT = Path(__file__).resolve().parents[1]
N = 100  # samples for the final metrics: enough for k-NN recall on the tiny test set


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory) -> Path:
    """A convolutional run of 2 epochs on tiny digits, with an average of G and metrics after each epoch."""
    tmp = tmp_path_factory.mktemp("trial")
    root = make_tiny_root(tmp / "data", n_train=320)
    config = TrainConfig(data_root=str(root), device="cpu", batch_size=32, epochs=2, arch="conv", optimizer="adam",
                         logits=True, r1=10.0, r1_every=4, ema=(0.9,), eval_every=1, eval_samples=N)
    fit(config, tmp / "run", progress=False)
    return tmp / "run"


def test_a_trial_keeps_its_curve_cost_and_the_metrics_of_G_and_its_average(conv_run):
    tool = load_tool("conv_trials")
    record = tool.trial_record(tool.load_trial(conv_run), N)
    state = state_from_dict(load_checkpoint(conv_run / "checkpoint.pt"), folder=conv_run)
    assert record["label"] == "adam lr 0.0002 b1 0.5 z 100 conv logits R1 10 every 4"
    assert (record["epochs"], record["steps"]) == (2, 20)
    assert record["cost_in_fc_epochs"] == round(2 * step_cost(state.config), 1)
    assert record["curve"]["epoch"] == [1, 2]
    assert record["curve"]["FD_mnist"] == [round(m["FD_mnist"], 2) for m in state.history.metrics]
    on_g = evaluate_generator(state.G, n=N, seed=0, data_root=state.config.data_root)
    on_average = evaluate_generator(state.ema[0], n=N, seed=0, data_root=state.config.data_root)
    assert record["G"]["FD_mnist"] == round(on_g["FD_mnist"], 4)
    assert record["average 0.9"]["FD_mnist"] == round(on_average["FD_mnist"], 4)
    assert record["G"]["FD_mnist"] != record["average 0.9"]["FD_mnist"]  # each measured on its own weights


def test_refuses_a_folder_without_checkpoint_or_a_run_that_is_not_convolutional(tmp_path, conv_run):
    tool = load_tool("conv_trials")
    with pytest.raises(FileNotFoundError, match="no checkpoint.pt.*python -m gan_lab train"):
        tool.load_trial(tmp_path)
    root = make_tiny_root(tmp_path / "data", n_train=64)
    fit(TrainConfig(data_root=str(root), device="cpu", batch_size=32, epochs=1, ema=(0.9,)), tmp_path / "fc",
        progress=False)
    with pytest.raises(ValueError, match="a convolutional run with an average of G is needed .arch='fc'"):
        tool.load_trial(tmp_path / "fc")


def test_the_command_writes_one_record_per_folder(conv_run, tmp_path):
    out = tmp_path / "trials.json"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "conv_trials.py"), str(conv_run), str(conv_run),
                           "-n", str(N), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    trials = json.loads(out.read_text())["trials"]
    assert [t["epochs"] for t in trials] == [2, 2] and trials[0] == trials[1]
    assert "2 epochs" in done.stdout


def test_the_command_keeps_earlier_trials_unless_told(conv_run, tmp_path):
    out = tmp_path / "trials.json"
    command = [sys.executable, str(ROOT / "tools" / "conv_trials.py"), str(conv_run), "-n", str(N), "--out", str(out)]
    assert subprocess.run(command, capture_output=True, text=True, cwd=ROOT).returncode == 0
    first = out.read_bytes()
    refused = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode != 0 and "already holds trials: --add" in refused.stderr
    assert out.read_bytes() == first  # nothing measured, nothing lost
    added = subprocess.run(command + ["--add"], capture_output=True, text=True, cwd=ROOT)
    assert added.returncode == 0, added.stderr
    trials = json.loads(out.read_text())["trials"]
    assert len(trials) == 2 and trials[0] == json.loads(first)["trials"][0] and added.stdout.count("2 epochs") == 1
    assert subprocess.run(command + ["--overwrite"], capture_output=True, text=True, cwd=ROOT).returncode == 0
    assert len(json.loads(out.read_text())["trials"]) == 1


def test_grids_keep_the_first_images_of_gs_last_fixed_noise_grid_under_the_name_the_record_gives(conv_run, tmp_path):
    out, grids_file = tmp_path / "trials.json", tmp_path / "trials_grids.npz"
    command = [sys.executable, str(ROOT / "tools" / "conv_trials.py"), str(conv_run), "-n", str(N), "--out", str(out)]
    done = subprocess.run(command + ["--grids"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    trial, = json.loads(out.read_text())["trials"]
    samples = state_from_dict(load_checkpoint(conv_run / "checkpoint.pt"), folder=conv_run).history.samples
    with np.load(grids_file) as grids:
        assert list(grids) == [trial["grid"]] and trial["grid"].endswith("_e2")
        kept = grids[trial["grid"]]
    assert kept.shape == (32, 1, 28, 28) and np.array_equal(kept, samples[-1][:32].numpy())
    assert not np.array_equal(kept, samples[0][:32].numpy())  # the last epoch's grid, not the first's
    # --add without --grids keeps the grids already there; --overwrite drops them with the trials.
    assert subprocess.run(command + ["--add"], capture_output=True, text=True, cwd=ROOT).returncode == 0
    assert "grid" not in json.loads(out.read_text())["trials"][1]
    with np.load(grids_file) as grids:
        assert list(grids) == [trial["grid"]]
    assert subprocess.run(command + ["--overwrite"], capture_output=True, text=True, cwd=ROOT).returncode == 0
    with np.load(grids_file) as grids:
        assert list(grids) == []
