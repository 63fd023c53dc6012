"""The run folder: a lean checkpoint beside append-only history.csv and samples.u8."""
import json

import pytest
import torch

from gan_lab import CheckpointError, TrainConfig, fit, load_checkpoint
from gan_lab.checkpoint import CHECKPOINT_NAME, PREVIOUS_NAME, resume_state
from gan_lab.files import digest
from gan_lab.runfiles import GRID_BYTES, HISTORY_NAME, SAMPLES_NAME, read_history


def cfg(root, **kw):
    return TrainConfig(**{"data_root": str(root), "batch_size": 32, "epochs": 3, "device": "cpu", **kw})


def test_each_epoch_appends_its_rows_and_grid_and_the_checkpoint_stays_lean(tiny_root, tmp_path):
    s = fit(cfg(tiny_root), tmp_path, progress=False)
    assert json.loads((tmp_path / "config.json").read_text()) == cfg(tiny_root).to_dict()  # fit writes it itself
    lines = (tmp_path / HISTORY_NAME).read_text().splitlines()
    assert lines[0] == "step,epoch,lossD,lossG,D_x,D_G_z" and len(lines) == 1 + 30
    assert lines[11].startswith("11,2,")  # step 11 is the first of epoch 2
    assert (tmp_path / SAMPLES_NAME).stat().st_size == 3 * GRID_BYTES
    h = read_history(tmp_path)
    assert h.lossD == s.history.lossD and h.D_G_z == s.history.D_G_z  # exact: repr round-trips
    d = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert "lossD" not in d["history"] and "samples" not in d["history"]
    resumed = resume_state(tmp_path, cfg(tiny_root))
    assert resumed.history.lossG == s.history.lossG
    assert all(torch.equal(a, b) for a, b in zip(resumed.history.samples, s.history.samples))


def test_rows_appended_after_the_last_checkpoint_are_cut_off_on_resume(tiny_root, tmp_path):
    """A crash between appending an epoch's rows and writing its checkpoint leaves rows the checkpoint does not
    know; resuming drops them and repeats the epoch, so the run ends exactly as an uninterrupted one."""
    full = fit(cfg(tiny_root), tmp_path / "full", progress=False)
    fit(cfg(tiny_root, epochs=2), tmp_path / "cut", progress=False)
    with open(tmp_path / "cut" / HISTORY_NAME, "a") as f:
        f.write("21,3,0.5,0.5,0.5,0.5\n22,3,0.5")  # half an epoch, the last row torn
    with open(tmp_path / "cut" / SAMPLES_NAME, "ab") as f:
        f.write(b"\x00" * 100)
    s = fit(cfg(tiny_root), tmp_path / "cut", resume=True, progress=False)
    assert s.history.lossD == full.history.lossD
    for name in (HISTORY_NAME, SAMPLES_NAME):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()


def test_a_damaged_history_file_is_a_clear_error_and_nothing_is_overwritten(tiny_root, tmp_path):
    fit(cfg(tiny_root, epochs=2), tmp_path, progress=False)
    path = tmp_path / HISTORY_NAME
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # one flipped bit in epoch 1's rows
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"history.csv is damaged: bytes \d+ to \d+"):
        fit(cfg(tiny_root, epochs=3), tmp_path, resume=True, progress=False)
    assert path.read_bytes() == bytes(data)  # left as found, for the learner to look at


def test_a_checkpoint_of_format_1_is_read_and_upgraded(tiny_root, tmp_path):
    """Runs saved before the append-only files (the whole history inside checkpoint.pt) still resume."""
    full = fit(cfg(tiny_root), tmp_path / "full", progress=False)
    _format_1_folder(tiny_root, tmp_path / "old")
    s = fit(cfg(tiny_root), tmp_path / "old", resume=True, progress=False)
    assert s.history.lossD == full.history.lossD
    assert load_checkpoint(tmp_path / "old" / CHECKPOINT_NAME)["format"] == 2
    assert load_checkpoint(tmp_path / "old" / PREVIOUS_NAME)["format"] == 1  # the old one kept beside it
    assert (tmp_path / "old" / HISTORY_NAME).read_bytes() == (tmp_path / "full" / HISTORY_NAME).read_bytes()


def test_a_run_moves_to_another_device_with_one_line(tiny_root, tmp_path, capsys):
    """A checkpoint written on a GPU resumes on the CPU (here the checkpoint says 'cuda', its noise generator's
    state is the GPU's kind) with its weights and optimizer state, and says so in one line."""
    fit(cfg(tiny_root, optimizer="adam", epochs=2), tmp_path, progress=False)
    d = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    d["device_type"] = "cuda"
    d["rng"]["noise"] = torch.zeros(16, dtype=torch.uint8)  # a CUDA generator's state: useless on the CPU
    d["sha256"] = digest(d)
    torch.save(d, tmp_path / CHECKPOINT_NAME)
    capsys.readouterr()
    s = fit(cfg(tiny_root, optimizer="adam"), tmp_path, resume=True, progress=False)
    err = [line for line in capsys.readouterr().err.splitlines() if "continues on cpu" in line]
    assert len(err) == 1 and "trained on cuda" in err[0] and "Traceback" not in err[0]
    assert s.step == 30 and s.stopped is None and float(s.optG.state_dict()["state"][0]["step"]) == 30
    assert [e["kind"] for e in s.history.events] == ["device"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (benchmarks/run_cuda.sh runs it there)")
def test_a_run_moves_from_the_cpu_to_the_gpu_and_back(tiny_root, tmp_path):
    """The real move, where a GPU is lent: weights and Adam's moments go along, one 'device' event each way."""
    fit(cfg(tiny_root, optimizer="adam", epochs=2), tmp_path, progress=False)
    s = fit(cfg(tiny_root, optimizer="adam", epochs=4, device="cuda"), tmp_path, resume=True, progress=False)
    assert s.device.type == "cuda" and s.step == 40 and s.stopped is None
    assert all(v.is_cuda for st in s.optG.state.values() for v in st.values() if torch.is_tensor(v) and v.dim())
    s = fit(cfg(tiny_root, optimizer="adam", epochs=6), tmp_path, resume=True, progress=False)
    assert s.device.type == "cpu" and s.step == 60 and s.stopped is None
    assert [e["kind"] for e in s.history.events] == ["device", "device"]


def _format_1_folder(root, folder):
    """A run folder as gan_lab wrote it before the append-only files: the whole history in checkpoint.pt."""
    old = fit(cfg(root, epochs=2), progress=False)
    d = {k: v for k, v in old.state_dict().items() if k != "logs"}
    d.update(format=1, history=old.history.to_dict())
    d["sha256"] = digest(d)
    folder.mkdir(parents=True)
    torch.save(d, folder / CHECKPOINT_NAME)
    return old


def test_the_migration_script_upgrades_old_runs_and_leaves_the_shipped_results_as_they_are(tiny_root, tmp_path, capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from migrate_runs import main
    from gan_lab.notebook import shipped_results

    old = _format_1_folder(tiny_root, tmp_path / "runs" / "a")
    assert main([str(tmp_path / "runs")]) == 0
    assert "1 checkpoint(s) upgraded" in capsys.readouterr().out
    assert load_checkpoint(tmp_path / "runs" / "a" / CHECKPOINT_NAME)["format"] == 2
    assert read_history(tmp_path / "runs" / "a").lossG == old.history.lossG
    assert main([str(shipped_results())]) == 0
    out = capsys.readouterr().out
    finished = len(list(shipped_results().glob("*/result.json")))
    assert "0 checkpoint(s) upgraded" in out and f"{finished} sweep result(s) read back with their metrics unchanged" in out


def test_adam_is_checkpointed_every_second_epoch_and_always_at_the_end(tiny_root, tmp_path):
    """Adam's moments make its checkpoint about 2.6 MB, over the 1.5 MB per epoch written to Drive: it is
    written every second epoch instead (and after the last); SGD's, about 0.9 MB, after every epoch."""
    def saved_epochs(optimizer, epochs):
        folder, seen = tmp_path / optimizer, []
        record = lambda s: seen.append(load_checkpoint(folder / CHECKPOINT_NAME)["epoch"]  # noqa: E731
                                       if (folder / CHECKPOINT_NAME).exists() else None)
        fit(cfg(tiny_root, optimizer=optimizer, epochs=epochs), folder, callback=record, progress=False)
        return seen

    assert saved_epochs("sgd", 3) == [1, 2, 3]
    assert saved_epochs("adam", 5) == [None, 2, 2, 4, 5]
