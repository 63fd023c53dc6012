"""Execute a notebook from its paired .py and write the .ipynb with outputs, clean for committing.

    python tools/run_notebook.py notebooks/03_train.py [--smoke] [--timeout 3600]

The .py (jupytext percent format) is the source of truth. The notebook is executed in notebooks/,
widget state and all cell metadata except tags are dropped, and cell ids are numbered so that
re-running gives small diffs.
"""
from __future__ import annotations

import argparse
import html
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient


def progress_text(nb: nbformat.NotebookNode) -> dict[str, str]:
    """model_id -> final text of each tqdm progress bar (an HBox of HTML, FloatProgress, HTML), from widget state."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    texts = {}
    for model_id, model in state.items():
        children = [state.get(str(c).removeprefix("IPY_MODEL_"), {}) for c in model.get("state", {}).get("children", [])]
        names = [c.get("model_name") for c in children]
        if model.get("model_name") == "HBoxModel" and names == ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
            left, bar, right = (c["state"] for c in children)
            done = int(10 * bar.get("value", 0) / bar["max"]) if bar.get("max") else 0
            # tqdm pads its HTML with figure spaces (U+2007)
            prefix, suffix = (html.unescape(w.get("value", "")).replace("\u2007", " ").strip() for w in (left, right))
            texts[model_id] = f"{prefix}|{'█' * done}{' ' * (10 - done)}| {suffix}"
    return texts


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop widget state, Colab ids and other volatile metadata; number the cell ids.

    A progress bar's text form (what GitHub and nbviewer show) is the bar as it was first drawn (0%);
    it is replaced by the bar's final text, so that a committed notebook shows how training ended.
    """
    bars = progress_text(nb)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view.get("model_id") in bars:
                out["data"]["text/plain"] = bars[view["model_id"]]
    nb.metadata.pop("widgets", None)
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items()
                                      if k in ("kernelspec", "language_info", "gan_lab")})
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "tags"})
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("widgets", None)
    return nb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("script", type=Path, help="notebooks/NN_name.py")
    ap.add_argument("--smoke", action="store_true", help="run with GAN_LAB_SMOKE=1 (tiny settings)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    a = ap.parse_args()
    script = a.script.with_suffix(".py")
    nb = jupytext.read(script)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if a.smoke:
        os.environ["GAN_LAB_SMOKE"] = "1"
    else:
        os.environ.pop("GAN_LAB_SMOKE", None)
    t0 = time.time()
    NotebookClient(nb, timeout=a.timeout, kernel_name="python3", resources={"metadata": {"path": str(script.parent)}}).execute()
    # Recorded so that tests can tell a committed full run from a smoke run.
    nb.metadata["gan_lab"] = {"smoke": bool(a.smoke), "seconds": round(time.time() - t0)}
    out = script.with_suffix(".ipynb")
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(clean(nb), tmp)
    os.replace(tmp, out)
    print(f"executed {script} in {time.time() - t0:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
