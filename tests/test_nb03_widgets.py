"""Notebook 03's panels as a learner uses them: execute the notebook (smoke mode, tiny data), then click.

The notebook runs once per module in a kernel that stays alive; each test then runs code in that
kernel, as a learner would type it or click, and reads back what it prints.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import make_tiny_root

pytestmark = pytest.mark.notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_train.py"
N_TRAIN = 640  # tiny training images: 10 steps per epoch with the notebook's batches of 64
REPO = NOTEBOOK.parents[1]


class Kernel:
    """The kernel that executed the notebook: run more code in it, re-run its cells."""

    def __init__(self, client: NotebookClient, nb: nbformat.NotebookNode):
        self.client, self.nb = client, nb

    def run(self, source: str) -> str:
        """Execute code in the notebook's kernel; what it printed (an error in it fails the test)."""
        self.nb.cells.append(nbformat.v4.new_code_cell(source))  # nbclient writes results back into the notebook
        try:
            cell = self.client.execute_cell(self.nb.cells[-1], len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()
        return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")

    def value(self, expression: str):
        """The JSON value of an expression evaluated in the kernel."""
        return json.loads(self.run(f"import json as _json\nprint(_json.dumps({expression}))").strip().splitlines()[-1])

    def cell_index(self, marker: str) -> int:
        """Index of the first code cell whose source contains marker."""
        return next(i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and marker in c.source)

    def rerun_from(self, index: int) -> None:
        """Execute the notebook's code cells from index on again, as Run > Run All Below does."""
        for i in range(index, len(self.nb.cells)):
            if self.nb.cells[i].cell_type == "code":
                self.client.execute_cell(self.nb.cells[i], i)

    def printed(self, index: int) -> str:
        return "".join(o.get("text", "") for o in self.nb.cells[index].outputs if o.get("output_type") == "stream")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb03")
    data = make_tiny_root(folder / "data", n_train=N_TRAIN, n_test=64)
    saved = dict(os.environ)
    os.environ.update({"GAN_LAB_SMOKE": "1", "GAN_LAB_DATA_DIR": str(data), "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO), saved.get("PYTHONPATH")])),
        # numpy's BLAS threads fight each other on a busy 2-core machine (the bootstrap's 200 small
        # eigen-decompositions then take minutes instead of seconds); one thread is as fast when idle.
        "OPENBLAS_NUM_THREADS": "1"})
    nb = jupytext.read(NOTEBOOK)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
            yield Kernel(client, nb)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def figures(widget: str) -> str:
    """An expression: the number of figures the widget's Output shows now."""
    return f"sum('image/png' in o.get('data', {{}}) for o in {widget}.output.outputs)"


def test_without_a_click_the_cell_after_the_panel_trains_the_panels_settings(kernel):
    took = kernel.cell_index("panel.state")
    assert "trained or loaded in this cell" in kernel.printed(took)
    assert kernel.value("panel.state is None")
    epochs = kernel.value("EPOCHS")
    assert kernel.value("[state.epoch, len(state.history)]") == [epochs, epochs * N_TRAIN // 64]
    assert kernel.value("state.config == panel.config() == config")
    assert kernel.value("(WORK / 'runs' / config.run_name() / 'checkpoint.pt').is_file()")


def test_later_cells_take_the_run_the_panel_trained_not_the_controls_moved_since(kernel):
    kernel.run("panel.z_dim.value = 20\npanel.epochs.value = 2\npanel.train_button.click()")
    assert kernel.value("[panel.state.epoch, panel.state.config.z_dim, panel.progress.value]") == [2, 20, 2]
    assert "Done" in kernel.value("panel.status.value")
    assert kernel.value(figures("panel")) == 2  # loss plot and sample grid

    # The learner moves the controls again but does not train, then runs the cells below the panel.
    kernel.run("panel.optimizer.value = 'adam'\npanel.z_dim.value = 50")
    took = kernel.cell_index("panel.state")
    kernel.rerun_from(took)
    assert "the run the panel trained" in kernel.printed(took)
    assert kernel.value("config is panel.state.config and state is panel.state")
    assert kernel.value("[config.optimizer, config.z_dim, state.epoch]") == ["sgd", 20, 2]
    assert kernel.value("[panel.config().optimizer, panel.config().z_dim]") == ["adam", 50]
    assert kernel.value("explorer.G is panel.state.G and zs.shape[1] == 20")


def test_latent_explorer_redraws_on_every_control(kernel):
    def view():
        return kernel.value("[explorer.renders, explorer.images().sum().item(), " + figures("explorer") + "]")

    renders, total, shown = view()
    assert shown == 1
    for action in ("explorer.reroll_button.click()", "explorer.alpha.value = 1.5", "explorer.direction_button.click()"):
        kernel.run(action)
        now = view()
        assert now[0] == renders + 1 and now[1] != total and now[2] == 1, (action, now)
        renders, total, _ = now
