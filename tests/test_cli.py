import argparse
import csv
import json
import os
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool

import pytest
import torch

from gan_lab import cli, load_checkpoint, load_generator
from gan_lab.cli import main
from gan_lab.config import TrainConfig

COMMANDS = ["train", "sample", "train-classifier", "calibrate", "evaluate", "sweep"]


def test_train_writes_every_file_and_resume_continues(tiny_root, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--data-root", str(tiny_root), "--epochs", "2", "--batch-size", "32", "--max-steps", "15",
            "--device", "cpu", "--no-progress", "--out", str(out)]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} >= {"config.json", "history.csv", "losses.png", "samples.png", "checkpoint.pt"}
    config = json.loads((out / "config.json").read_text())
    assert config["max_steps"] == 15 and config["optimizer"] == "sgd" and config["lr_d"] == 0.1
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert len(rows) == 15 and rows[-1]["epoch"] == "2" and rows[9]["epoch"] == "1"
    assert (out / "losses.png").read_bytes()[:4] == b"\x89PNG"
    assert "15 steps" in capsys.readouterr().out

    args[args.index("--max-steps") + 1] = "20"
    assert main(args + ["--resume"]) == 0
    resumed = list(csv.DictReader((out / "history.csv").open()))
    assert len(resumed) == 20 and resumed[:15] == rows  # the first 15 steps are kept as they were
    assert load_checkpoint(out / "checkpoint.prev.pt")["step"] == 15  # it continued from step 15, not from 0
    # ... and the 5 new steps are the ones an uninterrupted 20-step run takes.
    straight = tmp_path / "straight"
    args[args.index("--out") + 1] = str(straight)
    assert main(args) == 0
    assert list(csv.DictReader((straight / "history.csv").open())) == resumed


def test_sample_writes_a_float_tensor_in_range(tiny_root, tmp_path):
    out = tmp_path / "run"
    main(["train", "--data-root", str(tiny_root), "--epochs", "1", "--batch-size", "32", "--device", "cpu",
          "--no-progress", "--out", str(out), "--z-dim", "12"])
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "-n", "300", "--seed", "2",
                 "--out", str(tmp_path / "s.pt")]) == 0
    x = torch.load(tmp_path / "s.pt")
    assert x.shape == (300, 1, 28, 28) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1


def test_lr_decay_reaches_the_run(tiny_root, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data-root", str(tiny_root), "--epochs", "2", "--batch-size", "32", "--device", "cpu",
                 "--no-progress", "--out", str(out), "--lr-decay", "linear"]) == 0
    assert json.loads((out / "config.json").read_text())["lr_decay"] == "linear"
    assert load_checkpoint(out / "checkpoint.pt")["optG"]["param_groups"][0]["lr"] == pytest.approx(0.05)  # epoch 2 of 2


def test_r1_reaches_the_run(tiny_root, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data-root", str(tiny_root), "--epochs", "1", "--batch-size", "32", "--device", "cpu",
                 "--no-progress", "--out", str(out), "--logits", "--r1", "10", "--r1-every", "4"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["r1"], config["r1_every"]) == (10.0, 4)


def test_d_hidden_dim_reaches_the_run_and_its_networks(tiny_root, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data-root", str(tiny_root), "--epochs", "1", "--batch-size", "32", "--device", "cpu",
                 "--no-progress", "--out", str(out), "--hidden-dim", "48", "--d-hidden-dim", "24"]) == 0
    assert json.loads((out / "config.json").read_text())["d_hidden_dim"] == 24
    checkpoint = load_checkpoint(out / "checkpoint.pt")
    assert checkpoint["G"]["fc1.weight"].shape == (48, 100) and checkpoint["D"]["fc1.weight"].shape == (24, 784)


def test_g_channels_reach_the_run_and_its_generator(tiny_root, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data-root", str(tiny_root), "--max-steps", "2", "--batch-size", "32", "--device", "cpu",
                 "--no-progress", "--out", str(out), "--arch", "conv", "--g-channels", "8"]) == 0
    assert json.loads((out / "config.json").read_text())["g_channels"] == 8
    G, _ = load_generator(out / "checkpoint.pt")
    assert (G.up1.in_channels, G.up1.out_channels) == (8, 16)


def test_d_channels_reach_the_run_and_its_checkpoint(tiny_root, tmp_path):
    out = tmp_path / "run"
    args = ["train", "--data-root", str(tiny_root), "--max-steps", "2", "--batch-size", "32", "--device", "cpu",
            "--no-progress", "--out", str(out), "--arch", "conv", "--d-channels", "8"]
    assert main(args) == 0
    assert json.loads((out / "config.json").read_text())["d_channels"] == 8
    assert load_checkpoint(out / "checkpoint.pt")["D"]["down2.weight"].shape[:2] == (16, 8)
    assert main([*args[:4], "4", *args[5:], "--resume"]) == 0  # the run resumes with D at its own width
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 4


@pytest.mark.parametrize("bad,shown", [
    (["--z-dim", "0"], "z_dim=0"),
    (["--arch", "conv", "--d-hidden-dim", "64"], "d_hidden_dim=64 is not allowed"),
    (["--g-channels", "32"], "g_channels=32 is not allowed: None for arch='fc'"),
    (["--d-channels", "64"], "d_channels=64 is not allowed: None for arch='fc'"),
    (["--lr-d", "-1"], "lr_d=-1.0"),
    (["--optimizer", "sgd", "--beta1", "0.5"], "--beta1/--beta2 apply to --optimizer adam only"),
    (["--device", "cuda:7"], "device='cuda:7'"),
    (["--r1", "10"], "r1=10.0 is not allowed: a penalty on D's logits only: set logits=True too"),
    (["--r1-every", "16"], "r1_every=16 is not allowed: 1 without a penalty: set r1 > 0 too"),
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, capsys, bad, shown):
    if "cuda:7" in bad and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 GPUs")
    assert main(["train", "--out", str(tmp_path), *bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and shown in err and "Traceback" not in err


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--data-root", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    # Offline here: the download fails and the message says how to fix it.
    err = capsys.readouterr().err
    assert "GAN_LAB_DATA_DIR" in err and "train-images-idx3-ubyte" in err


def command_options(command: str) -> list:
    """The argparse actions of one command (its options), from the CLI's own parser."""
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [a for a in sub.choices[command]._actions if a.option_strings and "-h" not in a.option_strings]


def command_help(command: str) -> str:
    """What `python -m gan_lab COMMAND --help` prints (from the parser, without a new process)."""
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command].format_help()


def test_every_command_is_on_the_command_line():
    out = subprocess.run([sys.executable, "-m", "gan_lab", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and all(command in out.stdout for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_explains_every_option(command):
    out = command_help(command)
    text = " ".join(out.split())  # argparse wraps long help texts over several lines
    options = command_options(command)
    assert options, f"{command} has no options?"
    for action in options:
        name = max(action.option_strings, key=len)
        shown = action.help.replace("%%", "%")  # argparse's escape for a literal %
        assert action.help and len(action.help.split()) >= 3, f"{name} has no real description"
        assert name in out and " ".join(shown.split()[:3]) in text, f"--help does not show {name}'s description"
        if action.default not in (None, False, argparse.SUPPRESS):  # a default other than off is documented
            assert "default" in action.help, f"{name}'s description does not give its default ({action.default})"


# ---------------------------------------------------------------- sweep (training replaced by a recorder)

@pytest.fixture
def sweep_calls(monkeypatch):
    """run_sweep, write_summary and format_summary replaced: the calls cmd_sweep makes, in order."""
    calls = []
    monkeypatch.setattr(cli, "run_sweep", lambda *args, **kw: calls.append(("run_sweep", args, kw)))

    def write_summary(out, name, configs):
        calls.append(("write_summary", (out, name, configs), {}))
        return [{"label": f"row {i}"} for i in range(len(configs) // 2)]  # one row per configuration (2 seeds)

    monkeypatch.setattr(cli, "write_summary", write_summary)
    monkeypatch.setattr(cli, "format_summary", lambda rows: f"TABLE of {len(rows)} rows")
    return calls


@pytest.mark.parametrize("cores,workers", [(1, 1), (4, 2)])
def test_sweep_runs_in_the_default_workers_and_prints_the_summary(tmp_path, monkeypatch, capsys, sweep_calls,
                                                                   cores, workers):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    out = tmp_path / "sweep"
    assert main(["sweep", "zdim", "--seeds", "2", "--epochs", "3", "--out", str(out), "--device", "cpu",
                 "--final-samples", "200", "--train-images", "640"]) == 0
    (_, args, kw), (_, (s_out, s_name, configs), _) = sweep_calls
    base = TrainConfig(device="cpu", train_images=640)
    assert args == ("zdim", 2, 3, str(out), base, 10, 2000, 200)
    assert kw == {"workers": workers, "progress": True}
    assert (s_out, s_name, len(configs)) == (str(out), "zdim", 8)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "TABLE of 4 rows"
    assert lines[1].startswith(f"sweep zdim: 4 configurations in {out} (") and lines[1].endswith(" s)")


def test_sweep_passes_workers_and_no_progress(tmp_path, sweep_calls):
    assert main(["sweep", "lr", "--seeds", "1", "--epochs", "2", "--out", str(tmp_path), "--device", "cpu",
                 "--workers", "3", "--no-progress", "--eval-every", "0", "--eval-samples", "500"]) == 0
    (_, args, kw) = sweep_calls[0]
    assert args[5:7] == (0, 500) and kw == {"workers": 3, "progress": False}


@pytest.mark.parametrize("bad,shown", [
    (["--workers", "65"], "--workers=65 is not allowed"),
    (["--final-samples", "99"], "--final-samples=99"),
    (["--seeds", "0"], "seeds"),
    (["--device", "cuda:7"], "device='cuda:7'"),
])
def test_sweep_checks_its_input_before_any_work(tmp_path, capsys, sweep_calls, bad, shown):
    if "cuda:7" in bad and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 GPUs")
    assert main(["sweep", "zdim", "--out", str(tmp_path / "o"), *bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and shown in err and "Traceback" not in err
    assert sweep_calls == []


def test_sweep_refuses_an_out_that_is_a_file_and_has_no_runs_option(tmp_path, capsys, sweep_calls):
    (tmp_path / "f").write_text("")
    assert main(["sweep", "zdim", "--out", str(tmp_path / "f")]) == 2
    assert capsys.readouterr().err.startswith("error: ") and sweep_calls == []
    with pytest.raises(SystemExit) as e:  # the worker-share option of the old subprocess workers is gone
        main(["sweep", "zdim", "--out", str(tmp_path / "o"), "--runs", "0,1"])
    assert e.value.code == 2 and sweep_calls == []


def test_a_dead_sweep_worker_is_one_error_line_and_exit_1(tmp_path, monkeypatch, capsys):
    def dies(*args, **kw):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(cli, "run_sweep", dies)
    assert main(["sweep", "zdim", "--seeds", "1", "--epochs", "1", "--out", str(tmp_path), "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: a sweep worker failed") and "rerun the same command to resume" in err


@pytest.mark.parametrize("argv,patched,advice", [
    (["train", "--out", "run"], "fit", "interrupted; rerun it with --resume to continue from the last checkpoint"),
    (["sweep", "zdim", "--out", "runs"], "run_sweep", "interrupted; rerun the same command to continue from the last checkpoints"),
    (["sample", "--checkpoint", "run/checkpoint.pt", "--out", "s.pt"], "load_generator", "interrupted"),
])
def test_an_interrupt_says_how_to_continue_in_the_commands_own_terms(argv, patched, advice, monkeypatch, capsys, tmp_path):
    """`sweep` has no --resume option (rerunning resumes it), and only training keeps checkpoints."""
    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, patched, interrupted)
    assert main([*argv, "--device", "cpu"]) == 130
    assert capsys.readouterr().err.strip() == advice
