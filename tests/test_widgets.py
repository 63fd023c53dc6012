"""Widget panels, driven from pytest as a learner would: change values, click buttons.

They run on the installed ipywidgets (8.x) and, through test_widgets_on_ipywidgets_7, once more in
a subprocess against Colab's ipywidgets 7.7.1 and ipykernel 6 (run.sh installs requirements-colab.txt into
$GAN_LAB_COLAB).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import ipywidgets
import pytest
import torch

from gan_lab import TrainConfig, load_checkpoint
from gan_lab.models import Generator
from gan_lab.toy import ToyConfig
from gan_lab.widgets import LatentExplorer, ToyPanel, TrainingPanel, toy_panel

REPO = Path(__file__).resolve().parents[1]
EXPECTED_MAJOR = os.environ.get("GAN_LAB_EXPECT_IPYWIDGETS")  # set to "7" by test_widgets_on_ipywidgets_7


def pinned_version(requirements: str, package: str = "ipywidgets") -> str:
    """The version a requirements file pins a package to (package==X.Y.Z)."""
    for line in (REPO / requirements).read_text().splitlines():
        if line.split("==")[0].strip() == package:
            return line.split("==")[1].split()[0]
    raise AssertionError(f"{requirements} does not pin {package}")


def test_running_on_the_expected_ipywidgets():
    """The main pass runs on requirements.txt's ipywidgets; the second pass on Colab's (requirements-colab.txt)."""
    pins = "requirements-colab.txt" if EXPECTED_MAJOR == "7" else "requirements.txt"
    assert ipywidgets.__version__ == pinned_version(pins), f"ipywidgets {ipywidgets.__version__}, expected {pins}'s pin"


def figures_in(output) -> int:
    return sum(1 for o in output.outputs if "image/png" in o.get("data", {}))


def test_training_panel_trains_with_the_values_set_in_its_controls(tiny_root, tmp_path):
    panel = TrainingPanel(tmp_path, TrainConfig(data_root=str(tiny_root), device="cpu", epochs=3, batch_size=32))
    panel.optimizer.value = "adam"
    assert panel.lr_d.value == pytest.approx(2e-4)  # switching optimizer sets its usual learning rate
    panel.z_dim.value = 20
    panel.epochs.value = 2
    panel.batch_size.value = 64
    assert panel.device.value == "cpu" and {"auto", "cpu"} <= set(panel.device.options)
    panel.device.value = "auto"
    assert panel.config().device == "auto"  # the control sets the device; the run folder stays the same
    panel.device.value = "cpu"
    panel.train_button.click()
    state = panel.state
    assert state is not None and state.epoch == 2
    assert (state.config.optimizer, state.config.z_dim, state.config.batch_size) == ("adam", 20, 64)
    assert panel.progress.value == panel.progress.max == 2
    assert figures_in(panel.output) == 2  # loss plot and sample grid, redrawn after each epoch
    assert "Done" in panel.status.value and not panel.train_button.disabled
    run_dir = tmp_path / "runs" / state.config.run_name()
    assert load_checkpoint(run_dir / "checkpoint.pt")["epoch"] == 2
    assert (run_dir / "samples.png").is_file()

    panel.epochs.value = 3  # same settings, more epochs: resumes the run instead of starting over
    panel.train_button.click()
    assert panel.state.epoch == 3 and len(panel.state.history) == 3 * 5


def test_training_panel_reports_bad_settings_in_the_panel(tiny_root, tmp_path):
    panel = TrainingPanel(tmp_path, TrainConfig(data_root=str(tiny_root), device="cpu", train_images=100))
    panel.batch_size.value = 128  # more than the 100 images
    panel.train_button.click()
    assert "Invalid setting" in panel.status.value and "batch_size=128" in panel.status.value
    assert panel.state is None


def test_latent_explorer_redraws_on_every_control():
    G = Generator(z_dim=8)
    ex = LatentExplorer(G, seed=0)
    first = ex.images()
    assert ex.renders == 1 and figures_in(ex.output) == 1
    ex.reroll_button.click()
    assert ex.renders == 2 and not torch.equal(ex.images(), first)
    z = ex.z.clone()
    ex.alpha.value = 2.0
    assert ex.renders == 3 and torch.equal(ex.z, z)
    moved = ex.images()
    ex.direction_button.click()
    assert ex.renders == 4 and not torch.equal(ex.images(), moved)
    assert figures_in(ex.output) == 1  # replaced, not appended


def png_outputs(output) -> list[str]:
    return [o["data"]["image/png"] for o in output.outputs if "image/png" in o.get("data", {})]


def test_toy_panel_buttons_slider_and_dropdown():
    panel = toy_panel(steps=30)
    assert isinstance(panel, ToyPanel) and isinstance(panel, ipywidgets.VBox)
    assert panel.state.step == 0, "nothing trains until the button is clicked"
    first = png_outputs(panel.output)
    assert len(first) == 1 and panel.draws == 1 and panel.status.value.startswith("step 0")

    panel.train_button.click()
    assert panel.state.step == 30 and panel.draws == 2
    after = png_outputs(panel.output)
    assert len(after) == 1 and after != first, "the output should now show a new picture, replacing the old one"
    assert panel.status.value.startswith("step 30,") and not panel.train_button.disabled

    panel.steps_slider.value = 50
    assert panel.train_button.description == "Train 50 steps"
    panel.train_button.click()
    assert panel.state.step == 80, "the slider sets how many steps one click trains"

    panel.reset_button.click()
    assert panel.state.step == 0 and len(panel.state.history) == 0

    panel.data_dropdown.value = "one Gaussian (+2)"
    assert panel.state.config.means == (2.0,) and panel.state.step == 0
    assert len(png_outputs(panel.output)) == 1 and panel.draws == 5
    assert repr(panel) == "ToyPanel(toy GAN: run the notebook to use its buttons)"


def test_toy_panel_offers_a_callers_own_data_first():
    panel = toy_panel(ToyConfig(means=(-1.0, 1.0), seed=3), steps=10)
    assert panel.data_dropdown.value == "custom (-1.0, 1.0)" == panel.data_dropdown.options[0]
    assert panel.state.config.seed == 3 and panel.train_button.description == "Train 10 steps"


def test_widgets_on_ipywidgets_7():
    overlay = os.environ.get("GAN_LAB_COLAB")
    if not overlay:
        pytest.skip("GAN_LAB_COLAB is not set (./run.sh test sets it up)")
    if EXPECTED_MAJOR:
        pytest.skip("already running inside the ipywidgets 7 pass")
    assert Path(overlay).is_absolute(), f"GAN_LAB_COLAB={overlay} must be an absolute path"
    assert (Path(overlay) / "ipywidgets").is_dir(), f"no ipywidgets in GAN_LAB_COLAB={overlay}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([overlay, str(REPO)]), "GAN_LAB_EXPECT_IPYWIDGETS": "7"}
    # From another folder on purpose: the overlay must be found whatever the working directory.
    # Without the notebook and parallel plugins, which this module does not use (their imports take seconds).
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-p", "no:xdist",
                        __file__],
                       env=env, capture_output=True, text=True, cwd=Path(__file__).parent)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|error)", r.stdout)}
    ours = [name for name in globals() if name.startswith("test_")]
    # Every test of this module ran there, except this one, which skips inside the ipywidgets 7 pass.
    assert counts.get("passed") == len(ours) - 1 and counts.get("skipped") == 1, r.stdout[-1500:]
