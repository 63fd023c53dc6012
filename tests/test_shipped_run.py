"""Notebook 03's switch: the run shipped in results/ instead of training (gan_lab.notebook)."""
import importlib.util
import io
import itertools
import json
import os
import tarfile
from pathlib import Path

import pytest

import gan_lab.notebook as notebook
from gan_lab import CheckpointError, TrainConfig, fit
from gan_lab.checkpoint import CHECKPOINT_NAME, resume_state
from gan_lab.notebook import SHIPPED_RUN, install_shipped_run, training_seconds

ROOT = Path(__file__).resolve().parents[1]


def load_pack():
    spec = importlib.util.spec_from_file_location("pack_run", ROOT / "tools" / "pack_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pack


@pytest.fixture
def shipped(tiny_root, tmp_path, monkeypatch):
    """A results/ folder holding a tiny finished run, packed as the real one is; returns its config."""
    config = TrainConfig(data_root=str(tiny_root), batch_size=32, epochs=2, device="cpu")
    fit(config, tmp_path / "trained", progress=False)
    (tmp_path / "results").mkdir()
    load_pack()(tmp_path / "trained", tmp_path / "results" / SHIPPED_RUN)
    monkeypatch.setenv("GAN_LAB_RESULTS", str(tmp_path / "results"))
    return config


def test_the_shipped_run_is_unpacked_into_the_work_folder_and_resumes_as_a_finished_run(shipped, tmp_path):
    config = install_shipped_run(tmp_path / "work")
    assert config == shipped
    folder = tmp_path / "work" / "runs" / config.run_name()
    state = fit(config, folder, resume=True, progress=False)  # what notebook 03 does next: nothing to train
    trained = resume_state(tmp_path / "trained", shipped)
    assert state.step == trained.step == 20 and state.history.lossD == trained.history.lossD
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(notebook.RUN_FILES)
    assert not (tmp_path / "work" / "runs" / f".{config.run_name()}.unpacking").exists()


def test_a_run_already_in_the_work_folder_is_kept(shipped, tmp_path, capsys):
    folder = tmp_path / "work" / "runs" / shipped.run_name()
    fit(shipped.replace(epochs=1), folder, progress=False)  # the learner's own run, stopped after 1 of 2 epochs
    before = (folder / CHECKPOINT_NAME).read_bytes()
    capsys.readouterr()
    install_shipped_run(tmp_path / "work")
    assert (folder / CHECKPOINT_NAME).read_bytes() == before
    assert "it has 1 of 2 epochs, so it is trained on from there" in capsys.readouterr().out


def test_a_folder_with_files_but_no_checkpoint_is_left_alone_with_a_clear_error(shipped, tmp_path):
    folder = tmp_path / "work" / "runs" / shipped.run_name()
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="holds files but no checkpoint"):
        install_shipped_run(tmp_path / "work")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_damaged_archive_is_refused_and_nothing_is_installed(shipped, tmp_path):
    archive = tmp_path / "results" / SHIPPED_RUN
    with tarfile.open(archive, "r:xz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    name = next(n for n in files if n.endswith(CHECKPOINT_NAME))
    damaged = bytearray(files[name])
    damaged[len(damaged) // 2] ^= 0x01
    files[name] = bytes(damaged)
    with tarfile.open(archive, "w:xz") as tar:
        for n, data in files.items():
            info = tarfile.TarInfo(n)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CheckpointError):
        install_shipped_run(tmp_path / "work")
    assert list((tmp_path / "work" / "runs").iterdir()) == []  # nothing installed, nothing half-unpacked left


def test_training_seconds_scales_the_timed_steps_to_the_whole_run(monkeypatch):
    """Two short runs are timed (20 and 320 steps) and subtracted; the difference is scaled to every step."""
    calls = []
    monkeypatch.setattr(notebook, "fit", lambda config, progress: calls.append(config.max_steps))
    clock = itertools.count()
    seconds = iter([0.0, 5.0, 10.0, 25.0])  # 5 s for 20 steps, 15 s for 320: 300 steps took 10 s more
    monkeypatch.setattr(notebook.time, "perf_counter", lambda: next(seconds) if next(clock) < 4 else 0.0)
    config = TrainConfig(epochs=7, train_images=6_400, batch_size=64)  # 100 steps per epoch
    assert training_seconds(config) == pytest.approx(10 / 300 * 7 * 100)
    assert calls == [20, 320]


@pytest.mark.notebook
def test_notebook_03_runs_on_the_shipped_run_without_training(tmp_path, monkeypatch):
    """TRAIN = False: notebook 03 unpacks results/'s run, shows it in the panel and reads it to the end (smoke mode)."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(ROOT / "notebooks" / "03_train.py")
    (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", ())]
    assert 'TRAIN = "auto"' in params.source
    params.source = params.source.replace('TRAIN = "auto"', "TRAIN = False")
    monkeypatch.setenv("GAN_LAB_SMOKE", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("GAN_LAB_RESULTS", str(ROOT / "results"))
    monkeypatch.setenv("GAN_LAB_DATA_DIR", os.environ.get("GAN_LAB_DATA_DIR") or str(ROOT / "notebooks" / "work" / "data"))
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream")
    (folder,) = (tmp_path / "work" / "runs").iterdir()
    shipped = resume_state(folder, TrainConfig.from_dict(json.loads((folder / "config.json").read_text())))
    assert f"unpacked the shipped run into {Path('work') / 'runs' / folder.name}" in printed
    # The full run's length, which smoke mode (3 epochs of 2,560 images) could never have trained.
    assert shipped.epoch == shipped.config.epochs == 100 and f"{shipped.step} steps over 100 epochs" in printed


def test_choose_run_trains_loads_or_decides_by_the_estimate(shipped, tmp_path, monkeypatch, capsys):
    mine = shipped.replace(seed=5)
    with pytest.raises(ValueError, match=r"TRAIN = 'yes': use True \(train here\), False \(use the shipped run\) or \"auto\""):
        notebook.choose_run("yes", mine, tmp_path / "work")
    monkeypatch.setattr(notebook, "training_seconds", lambda config: pytest.fail("True must not time anything"))
    assert notebook.choose_run(True, mine, tmp_path / "work") == mine
    assert notebook.choose_run(False, mine, tmp_path / "work") == shipped
    monkeypatch.setattr(notebook, "training_seconds", lambda config: notebook.AUTO_TRAIN_LIMIT - 1)
    assert notebook.choose_run("auto", mine, tmp_path / "work") == mine
    assert "under 5, so train with the panel" in capsys.readouterr().out
    monkeypatch.setattr(notebook, "training_seconds", lambda config: notebook.AUTO_TRAIN_LIMIT + 1)
    assert notebook.choose_run("auto", mine, tmp_path / "work") == shipped
    assert "over 5, so the shipped run is used" in capsys.readouterr().out


@pytest.mark.parametrize("damage", ["truncated", "empty", "other files"])
def test_an_archive_that_is_not_a_whole_packed_run_is_a_clear_error(shipped, tmp_path, damage):
    archive = tmp_path / "results" / SHIPPED_RUN
    data = archive.read_bytes()
    if damage == "truncated":  # e.g. a download cut short
        archive.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        archive.write_bytes(b"")
    else:
        with tarfile.open(archive, "w:xz") as tar:
            info = tarfile.TarInfo("run/notes.txt")
            tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CheckpointError, match=f"{SHIPPED_RUN} is damaged or not a packed run folder"):
        install_shipped_run(tmp_path / "work")
    assert not (tmp_path / "work" / "runs").exists() or not any((tmp_path / "work" / "runs").iterdir())
