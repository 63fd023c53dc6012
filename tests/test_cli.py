import argparse
import csv
import json
import subprocess
import sys

import pytest
import torch

from gan_lab import load_checkpoint
from gan_lab.cli import main


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


@pytest.mark.parametrize("bad,shown", [
    (["--z-dim", "0"], "z_dim=0"),
    (["--lr-d", "-1"], "lr_d=-1.0"),
    (["--optimizer", "sgd", "--beta1", "0.5"], "--beta1/--beta2 apply to --optimizer adam only"),
    (["--device", "cuda:7"], "device='cuda:7'"),
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
    from gan_lab.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [a for a in sub.choices[command]._actions if a.option_strings and "-h" not in a.option_strings]


@pytest.mark.parametrize("command", ["train", "sample"])
def test_help_explains_every_option(command):
    out = subprocess.run([sys.executable, "-m", "gan_lab", command, "--help"], capture_output=True, text=True).stdout
    text = " ".join(out.split())  # argparse wraps long help texts over several lines
    options = command_options(command)
    assert options, f"{command} has no options?"
    for action in options:
        name = max(action.option_strings, key=len)
        assert action.help and len(action.help.split()) >= 3, f"{name} has no real description"
        assert name in out and " ".join(action.help.split()[:3]) in text, f"--help does not show {name}'s description"
        if action.default not in (None, False, argparse.SUPPRESS):  # a default other than off is documented
            assert "default" in action.help, f"{name}'s description does not give its default ({action.default})"
