"""Notebook 01 as a learner runs it: every cell in a real kernel (smoke mode), then its toy panel's controls.

The notebook is executed from its .py with nbclient, in a fresh folder. One extra cell, appended here
and not part of the notebook, then drives the panel in the same kernel (click Train, move the slider,
pick other data, Reset) and prints what the panel shows after each action; the tests read that
printout and the Output widget's final state. tests/e2e drives the same panel from a browser.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "01_gan_theory.py"
PREFIX = "PANEL "

DRIVER = '''
import json as _json


def _report(event):
    print("PANEL " + _json.dumps({
        "event": event, "step": panel.state.step, "draws": panel.draws, "status": panel.status.value,
        "button": panel.train_button.description, "disabled": panel.train_button.disabled,
        "means": list(panel.state.config.means), "history": len(panel.state.history),
        "panel_steps": PANEL_STEPS, "output_model": panel.output.model_id}))


_report("after run-all")
panel.train_button.click()
_report("train")
panel.steps_slider.value = 50
_report("slider")
panel.train_button.click()
_report("train again")
panel.data_dropdown.value = "three Gaussians (-3, 0, +3)"
_report("three Gaussians")
panel.train_button.click()
_report("train three")
panel.reset_button.click()
_report("reset")
'''


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> tuple[nbformat.NotebookNode, dict[str, dict]]:
    """Notebook 01 executed in smoke mode with the driver cell at the end, and the driver's reports by event."""
    folder = tmp_path_factory.mktemp("nb01")
    nb = jupytext.read(SOURCE)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell(DRIVER))
    env = {"GAN_LAB_SMOKE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "GAN_LAB_DATA_DIR": os.environ.get("GAN_LAB_DATA_DIR") or str(ROOT / "notebooks" / "work" / "data")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    reports = [json.loads(line[len(PREFIX):]) for line in printed.splitlines() if line.startswith(PREFIX)]
    return nb, {r["event"]: r for r in reports}


def stream_text(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.get("output_type") == "stream")


def test_every_cell_ran_without_error(executed):
    nb, reports = executed
    errors = [f"{o['ename']}: {o['evalue']}" for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors, errors
    assert len(reports) == 7, f"the driver cell did not finish: {sorted(reports)}"


def test_the_solutions_pass_every_exercise_check(executed):
    nb, _ = executed
    exercises = sum(1 for c in nb.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source)
    passed = re.findall(r"^✓ \w+: correct\.$", stream_text(nb), flags=re.M)
    assert exercises >= 2 and len(passed) == exercises, (exercises, passed)
    assert "✗" not in stream_text(nb) and "The cells below use gan_lab's" not in stream_text(nb)


def test_nothing_trains_until_the_button_is_clicked(executed):
    first = executed[1]["after run-all"]
    assert first["step"] == 0 and first["history"] == 0
    assert first["draws"] == 1 and first["status"].startswith("step 0")
    assert first["button"] == f"Train {first['panel_steps']} steps"


def test_train_button_trains_the_chosen_steps_and_redraws(executed):
    before, after = executed[1]["after run-all"], executed[1]["train"]
    steps = before["panel_steps"]
    assert after["step"] == steps and after["history"] == steps
    assert after["draws"] == before["draws"] + 1
    assert after["status"].startswith(f"step {steps},") and "lossD" in after["status"]
    assert not after["disabled"], "the button must be usable again after training"


def test_slider_sets_how_many_steps_a_click_trains(executed):
    reports = executed[1]
    assert reports["slider"]["button"] == "Train 50 steps"
    assert reports["slider"]["step"] == reports["train"]["step"], "moving the slider trains nothing"
    assert reports["train again"]["step"] == reports["train"]["step"] + 50
    assert reports["train again"]["status"].startswith(f"step {reports['train again']['step']},")


def test_data_dropdown_and_reset_start_a_new_run(executed):
    reports = executed[1]
    three = reports["three Gaussians"]
    assert three["means"] == [-3.0, 0.0, 3.0] and three["step"] == 0 and three["status"].startswith("step 0")
    assert reports["train three"]["step"] == 50 and reports["train three"]["means"] == [-3.0, 0.0, 3.0]
    reset = reports["reset"]
    assert reset["step"] == 0 and reset["history"] == 0 and reset["means"] == [-3.0, 0.0, 3.0]
    assert reset["draws"] == reports["train three"]["draws"] + 1


def test_output_widget_shows_one_picture_after_many_redraws(executed):
    nb, reports = executed
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    output = state[reports["reset"]["output_model"]]
    assert output["model_name"] == "OutputModel"
    pictures = [o for o in output["state"]["outputs"] if "image/png" in o.get("data", {})]
    assert reports["reset"]["draws"] >= 6 and len(pictures) == 1, "each redraw must replace the picture"


def test_no_test_plumbing_in_the_notebook():
    text = SOURCE.read_text(encoding="utf-8")
    assert "NBVAL_IGNORE_OUTPUT" not in text, "use the nbval-ignore-output cell tag"
    assert not re.search(r"^\s*if SMOKE", text, flags=re.M), "clicks and asserts for CI belong in tests"
    assert text.count('tags=["parameters"]') == 1
