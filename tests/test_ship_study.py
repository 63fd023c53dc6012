"""Shipping a study into results/ (tools/ship_study.py), and reading a study back in a notebook's smoke mode."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from gan_lab.checkpoint import read_result, write_result
from gan_lab.config import SWEEPS, TrainConfig
from gan_lab.notebook import notebook_study
from gan_lab.study import load_study
from gan_lab.sweep import run_sweep

from conftest import load_tool, make_tiny_root


@pytest.fixture(scope="module")
def longer_runs(tmp_path_factory) -> Path:
    """The 'longer' study, 1 seed x 2 epochs, on tiny digits (20 steps an epoch), under the course's run names."""
    tmp = tmp_path_factory.mktemp("longer")
    root = make_tiny_root(tmp / "data", n_train=1280)
    out = tmp / "runs"
    run_sweep("longer", 1, 2, out, base=TrainConfig(data_root=str(root), device="cpu"), eval_every=1,
              eval_samples=200, final_samples=200, progress=False)
    return out


def test_curves_only_keeps_metrics_and_block_means_and_drops_G(longer_runs, tmp_path):
    tool = load_tool("ship_study")
    results = tmp_path / "results"
    results.mkdir()
    tool.ship(longer_runs, "longer", 1, 2, results, curves_only=True, points=3)
    source, shipped = load_study(longer_runs, "longer", 1, 2), load_study(results, "longer", 1, 2)
    assert list(shipped) == list(source) and len(shipped) == len(SWEEPS["longer"])
    for label in source:
        a, b = source[label][0], shipped[label][0]
        assert b.metrics == a.metrics and b.metrics_ema == a.metrics_ema
        assert b.metric_curves.keys() == a.metric_curves.keys()
        assert np.array_equal(b.final_samples, a.final_samples)
        # 40 steps in blocks of 10 -> 4 points; at most 3 points -> blocks of 20 steps -> 2 points.
        assert (a.every, b.every) == (10, 20)
        assert np.allclose(b.curves["lossD"], a.curves["lossD"].reshape(2, 2).mean(axis=1))
        assert not (b.dir / "generator.pt").exists() and not (b.dir / "generator_ema.pt").exists()
        with pytest.raises(FileNotFoundError, match="not G's weights.*RETRAIN"):
            b.generator(ema=True)
    assert "| sgd lr 0.1 z 100 linear decay | 1 |" in (results / "summary_longer.md").read_text()


def test_shipping_refuses_to_overwrite_or_to_pass_the_budget(longer_runs, tmp_path, monkeypatch):
    tool = load_tool("ship_study")
    results = tmp_path / "results"
    results.mkdir()
    tool.ship(longer_runs, "longer", 1, 2, results)  # with G's weights
    names = sorted(p.name for p in results.iterdir() if p.is_dir())
    assert all((results / n / "generator.pt").is_file() for n in names)
    with pytest.raises(SystemExit, match="already holds.*--replace"):
        tool.ship(longer_runs, "longer", 1, 2, results, curves_only=True)
    assert all((results / n / "generator.pt").is_file() for n in names)  # nothing was touched
    monkeypatch.setattr(tool, "BUDGET", tool.tracked_bytes(results) - 1)  # the same runs again, one byte too many
    with pytest.raises(SystemExit, match="over its [0-9]+ MB budget"):
        tool.ship(longer_runs, "longer", 1, 2, results, replace=True)
    assert all((results / n / "generator.pt").is_file() for n in names)
    with pytest.raises(SystemExit, match="does not hold these finished runs"):
        tool.ship(longer_runs, "longer", 2, 2, results, replace=True)


def test_new_only_ships_the_missing_runs_and_keeps_the_others(longer_runs, tmp_path):
    tool = load_tool("ship_study")
    results = tmp_path / "results"
    results.mkdir()
    tool.ship(longer_runs, "longer", 1, 2, results)
    kept, changed = sorted(p for p in results.iterdir() if p.is_dir())
    record = read_result(kept / "result.json")  # stands for a run trained at another time: other metrics
    write_result(kept / "result.json", {**record, "metrics": {**record["metrics"], "FD_mnist": 1.0}})
    shutil.rmtree(changed)  # stands for an entry whose settings changed: its old run was removed
    tool.ship(longer_runs, "longer", 1, 2, results, new_only=True)
    assert read_result(kept / "result.json")["metrics"]["FD_mnist"] == 1.0
    assert (changed / "generator.pt").is_file() and (changed / "result.json").is_file()
    assert len(load_study(results, "longer", 1, 2)) == len(SWEEPS["longer"])
    with pytest.raises(SystemExit, match="already holds every run.*nothing is new"):
        tool.ship(longer_runs, "longer", 1, 2, results, new_only=True)


def test_a_smoke_study_prints_every_configuration_it_trained(tmp_path, monkeypatch, capsys):
    root = make_tiny_root(tmp_path / "data", n_train=640)
    monkeypatch.setenv("GAN_LAB_DATA_DIR", str(root))
    monkeypatch.setenv("GAN_LAB_RESULTS", str(tmp_path / "shipped"))
    (tmp_path / "shipped").mkdir()
    notebook_study("longer", tmp_path / "work", smoke=True)
    table = capsys.readouterr().out
    for config in ("sgd lr 0.1 z 100 |", "sgd lr 0.1 z 100 linear decay |"):
        assert f"| {config} 1 |" in table, table


def test_quality_and_cost_plots_each_group_against_epochs_and_minutes(longer_runs):
    from gan_lab.plotting import plot_quality_and_cost

    study = load_study(longer_runs, "longer", 1, 2)
    fig = plot_quality_and_cost(study, goal=45)
    by_epoch, by_time = fig.axes
    assert by_epoch.get_yscale() == by_time.get_yscale() == "log"
    assert by_time.get_xlabel().startswith("minutes") and by_epoch.get_xlabel() == "epoch"
    for label, runs in study.items():  # G itself and its 0.9999 average, for each configuration
        for who, key in (("G itself", "FD_mnist"), ("average 0.9999", "ema0.9999_FD_mnist")):
            lines = [ln for ln in by_time.lines if ln.get_label() == f"{label}, {who} (1 seeds)"]
            assert len(lines) == 1, [ln.get_label() for ln in by_time.lines]
            x, y = lines[0].get_data()
            assert np.allclose(x, np.array(runs[0].metric_epochs) * runs[0].seconds / runs[0].config.epochs / 60)
            assert np.allclose(y, runs[0].metric_curves[key])
    assert [ln.get_ydata()[0] for ln in by_epoch.lines if ln.get_label() == "goal: 45"] == [45]
    cost = {label: 1.5 + i for i, label in enumerate(study)}  # an epoch's cost, given where minutes would mislead
    by_cost = plot_quality_and_cost(study, epoch_cost=cost, cost_label="cost").axes[1]
    assert by_cost.get_xlabel() == "cost" and "cost" in by_cost.get_title()
    for label, runs in study.items():
        x, _ = next(ln for ln in by_cost.lines if ln.get_label() == f"{label}, G itself (1 seeds)").get_data()
        assert np.allclose(x, np.array(runs[0].metric_epochs) * cost[label])
