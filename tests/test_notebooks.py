"""Static checks of the notebook series (nbval executes them; these check what nbval cannot)."""
import json
from pathlib import Path

import jupytext
import pytest

from gan_lab.notebook import CLONE_URL, COLAB_CLONE, REPO

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ["01_gan_theory", "02_build_models", "03_train", "04_optimizer_comparison", "05_zdim_study",
            "06_beyond_the_report"]
PRESENT = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def cells(nb):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def test_every_notebook_of_the_series_exists():
    missing = [n for n in EXPECTED if n not in PRESENT]
    assert not missing, f"missing notebooks: {missing}"


@pytest.mark.parametrize("name", PRESENT)
def test_pair_is_in_sync(name):
    py, ipynb = NOTEBOOKS / f"{name}.py", NOTEBOOKS / f"{name}.ipynb"
    assert py.is_file(), f"{ipynb.name} has no paired {py.name} (run jupytext --sync)"
    assert cells(jupytext.read(py)) == cells(jupytext.read(ipynb)), (
        f"{py.name} and {ipynb.name} differ: edit the .py, then run tools/run_notebook.py or jupytext --sync")


@pytest.mark.parametrize("name", PRESENT)
def test_badge_install_and_parameters(name):
    nb = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert f"colab.research.google.com/github/{REPO}/blob/main/notebooks/{name}.ipynb" in first.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = code[0].source
    assert CLONE_URL in setup and str(COLAB_CLONE) in setup and "--no-deps" in setup and "setup_workspace()" in setup
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", ())]
    assert len(tagged) == 1 and "smoke_mode()" in tagged[0].source


@pytest.mark.parametrize("name", PRESENT)
def test_committed_with_outputs_and_clean_metadata(name):
    raw = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    assert "widgets" not in raw["metadata"], "widget state must be stripped"
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert any(c["outputs"] for c in code), "commit the notebook executed (full run), with outputs"
    for c in code:
        assert not (c["outputs"] and c["execution_count"] is None), "outputs on a cell with no execution count"
        assert set(c["metadata"]) <= {"tags"}, f"stray cell metadata {set(c['metadata'])}"
    assert raw["metadata"].get("gan_lab", {}).get("smoke") is False, "commit outputs of a full run, not smoke mode"
    assert (NOTEBOOKS / f"{name}.ipynb").stat().st_size < 3_000_000, "outputs should not be megabytes"


def test_shipped_results_stay_under_40_mb():
    size = sum(f.stat().st_size for f in (NOTEBOOKS.parent / "results").rglob("*") if f.is_file())
    assert size < 40_000_000, f"results/ holds {size / 1e6:.2f} MB: the notebooks' shipped runs must stay under 40 MB"


@pytest.mark.parametrize("name", PRESENT)
def test_committed_progress_bars_show_how_training_ended(name):
    """GitHub shows a progress bar's text form; a committed full run must not show it stuck at 0%."""
    raw = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    bars = ["".join(o["data"].get("text/plain", "")) for c in raw["cells"] for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {}) and "|" in "".join(o["data"].get("text/plain", ""))]
    stuck = [b for b in bars if "100%" not in b]
    assert not stuck, f"progress bars committed unfinished: {stuck} (execute with tools/run_notebook.py)"


def test_run_notebook_writes_the_final_progress_bar(tmp_path):
    """tools/run_notebook.py executes a real kernel and keeps each tqdm bar's final text, without widget state."""
    import subprocess
    import sys

    script = tmp_path / "bar.py"
    script.write_text("# %%\nfrom tqdm.auto import tqdm\n\nfor i in tqdm(range(50), desc='epoch 2/2'):\n    pass\n")
    tool = NOTEBOOKS.parent / "tools" / "run_notebook.py"
    subprocess.run([sys.executable, str(tool), str(script)], check=True, capture_output=True, timeout=120)
    raw = json.loads(script.with_suffix(".ipynb").read_text())
    (out,) = raw["cells"][0]["outputs"]
    text = "".join(out["data"]["text/plain"])
    assert text.startswith("epoch 2/2: 100%|██████████| 50/50 [") and "widgets" not in raw["metadata"]
