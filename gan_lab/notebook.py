"""What every notebook does first: find out where it runs and pick a work folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .config import TrainConfig
from .metrics import DEFAULT_N
from .study import RunResult, format_summary, load_study, study_rows
from .sweep import EVAL_EVERY, EVAL_SAMPLES, run_sweep

# The one place that names the repository (README: "Repository address"). The notebooks' Colab
# badge and install cell use it too; tests/test_notebooks.py checks that they agree.
REPO = "gan-lab/gan_lab"
REPO_URL = f"https://github.com/{REPO}"
CLONE_URL = f"{REPO_URL}.git"
COLAB_CLONE = Path("/content/gan_lab_repo")  # where the notebooks' first cell clones the repository on Colab
ENV_SMOKE = "GAN_LAB_SMOKE"
ENV_RESULTS = "GAN_LAB_RESULTS"


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def smoke_mode() -> bool:
    """True when GAN_LAB_SMOKE=1: run the same code tiny (CI)."""
    return os.environ.get(ENV_SMOKE, "") == "1"


def setup_workspace(name: str = "gan_lab", local_root: str | os.PathLike = "work") -> Path:
    """The work folder for data, checkpoints and results, created if needed.

    On Colab: mount Google Drive and use MyDrive/<name>; if mounting fails, say so and use a local
    folder. Elsewhere: `local_root` (relative to the notebook). MNIST goes to <work>/data unless
    GAN_LAB_DATA_DIR is set already.
    """
    work = Path(local_root)
    if in_colab():
        try:
            from google.colab import drive  # type: ignore[import-not-found]

            drive.mount("/content/drive")
            work = Path("/content/drive/MyDrive") / name
        except Exception as e:  # no Drive (declined, offline): keep going on the VM's disk
            work = Path("/content") / name
            print(f"Google Drive could not be mounted ({e}); using {work}, which is lost when the runtime ends.")
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GAN_LAB_DATA_DIR", str(work / "data"))
    print(f"work folder: {work}")
    return work


def shipped_results() -> Path:
    """The results/ folder that ships with the repository (the full studies behind notebooks 04 and 05).

    Looked up in: $GAN_LAB_RESULTS; the checkout this package runs from; the clone made on Colab.
    """
    here = Path(__file__).resolve().parents[1] / "results"
    candidates = [Path(os.environ[ENV_RESULTS])] if os.environ.get(ENV_RESULTS) else []
    candidates += [here, COLAB_CLONE / "results"]
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"no results folder in {', '.join(map(str, candidates))}; run the notebook's first cell "
                            f"(on Colab it clones {CLONE_URL}), set {ENV_RESULTS}, or set RETRAIN = True")


def notebook_study(name: str, work: str | Path, retrain: bool = False, smoke: bool = False, seeds: int = 3,
                   epochs: int = 100) -> dict[str, list[RunResult]]:
    """The study a notebook shows: the shipped results, or runs trained into the work folder.

    retrain=True trains the whole sweep into <work>/results (resuming if interrupted) and returns it.
    smoke=True (CI) trains a tiny version into <work>/results_smoke to exercise that path, prints its
    table, and still returns the shipped results.
    """
    if retrain or smoke:
        out = Path(work) / ("results_smoke" if smoke else "results")
        run_seeds, run_epochs = (1, 2) if smoke else (seeds, epochs)
        run_sweep(name, run_seeds, run_epochs, out, base=TrainConfig(train_images=640 if smoke else None),
                  eval_every=1 if smoke else EVAL_EVERY, eval_samples=500 if smoke else EVAL_SAMPLES,
                  final_samples=500 if smoke else DEFAULT_N)
        trained = load_study(out, name, run_seeds, run_epochs)
        print(format_summary(study_rows(trained)))
        if retrain:
            return trained
    return load_study(shipped_results(), name, seeds, epochs)
