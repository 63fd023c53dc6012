"""What every notebook does first: find out where it runs and pick a work folder."""
from __future__ import annotations

import json
import lzma
import os
import shutil
import sys
import tarfile
import time
from pathlib import Path

from .checkpoint import CHECKPOINT_NAME, CheckpointError, load_checkpoint, resume_state
from .config import SWEEPS, TrainConfig
from .files import LOCK_NAME
from .metrics import DEFAULT_N, evaluate_generator
from .runfiles import HISTORY_NAME, SAMPLES_NAME
from .study import RunResult, format_summary, load_study, study_rows
from .sweep import EVAL_EVERY, EVAL_SAMPLES, default_workers, run_sweep
from .train import fit, total_steps

# The one place that names the repository (README: "Repository address"). The notebooks' Colab
# badge and install cell use it too; tests/test_notebooks.py checks that they agree.
REPO = "gan-lab/gan_lab"
REPO_URL = f"https://github.com/{REPO}"
CLONE_URL = f"{REPO_URL}.git"
COLAB_CLONE = Path("/content/gan_lab_repo")  # where the notebooks' first cell clones the repository on Colab
ENV_SMOKE = "GAN_LAB_SMOKE"
ENV_RESULTS = "GAN_LAB_RESULTS"
AUTO_TRAIN_LIMIT = 5 * 60  # seconds: with TRAIN = "auto", notebook 03 trains only runs estimated to take less
SHIPPED_RUN = "03_train_run.tar.xz"  # in results/: notebook 03's run folder (SGD 0.1, seed 0, 100 epochs), packed
RUN_FILES = ("config.json", CHECKPOINT_NAME, HISTORY_NAME, SAMPLES_NAME)  # what a packed run folder holds


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
        base = TrainConfig(train_images=640 if smoke else None)
        run_sweep(name, run_seeds, run_epochs, out, base=base, eval_every=1 if smoke else EVAL_EVERY,
                  eval_samples=500 if smoke else EVAL_SAMPLES, final_samples=500 if smoke else DEFAULT_N,
                  workers=default_workers(base.device))  # as `python -m gan_lab sweep` does, and its timings assume
        trained = load_study(out, name, run_seeds, run_epochs, base)
        if len(trained) < len(SWEEPS[name]):  # every configuration must read back, or the table would hide it
            raise RuntimeError(f"only {sorted(trained)} of the '{name}' study read back from {out}")
        print(format_summary(study_rows(trained)))
        if retrain:
            return trained
    return load_study(shipped_results(), name, seeds, epochs)


def training_seconds(config: TrainConfig, steps: int = 300) -> float:
    """An estimate of how long training `config` takes here, from timing `steps` real steps (a few seconds).

    Two short runs are timed and subtracted, so loading the data and building the models do not count;
    quality measurements during training (eval_every) are timed once and added.
    """
    quick = config.replace(epochs=-(-(20 + steps) // config.steps_per_epoch), eval_every=0)
    times = []
    for n in (20, 20 + steps):
        start = time.perf_counter()
        state = fit(quick.replace(max_steps=n), progress=False)
        times.append(time.perf_counter() - start)
    total = max(times[1] - times[0], 0.0) / steps * total_steps(config, config.steps_per_epoch)
    if config.eval_every:
        start = time.perf_counter()
        evaluate_generator(state.G, n=config.eval_samples, seed=config.seed, data_root=config.data_root)
        total += (time.perf_counter() - start) * (config.epochs // config.eval_every)
    return total


def install_shipped_run(work: str | Path) -> TrainConfig:
    """Unpack the run shipped for notebook 03 into <work>/runs/<its name> and return its configuration.

    A run already in that folder (your own, or one unpacked before) is kept as it is and used instead.
    The unpacked files are checked (every checkpoint and log chunk has a checksum) before they are used.
    """
    archive = shipped_results() / SHIPPED_RUN
    if not archive.is_file():
        raise FileNotFoundError(f"the shipped run {archive} is missing; train instead (TRAIN = True)")
    name, files = _read_packed_run(archive)
    config = TrainConfig.from_dict(json.loads(files["config.json"]))
    runs = Path(work) / "runs"
    target = runs / name
    if (target / CHECKPOINT_NAME).exists():
        done = load_checkpoint(target / CHECKPOINT_NAME)["epoch"]
        print(f"using the run already in {target}, which is kept as it is" + (
            "" if done >= config.epochs else f": it has {done} of {config.epochs} epochs, so it is trained on from "
            "there (delete that folder to use the shipped run instead)"))
        return config
    if target.exists() and any(p.name != LOCK_NAME for p in target.iterdir()):
        raise FileExistsError(f"{target} holds files but no checkpoint (a run stopped before its first one?); "
                              "it is left as it is: delete the folder to use the shipped run, or train (TRAIN = True)")
    unpacking = runs / f".{name}.unpacking"
    shutil.rmtree(unpacking, ignore_errors=True)
    unpacking.mkdir(parents=True)
    for file, data in files.items():
        (unpacking / file).write_bytes(data)
    try:
        resume_state(unpacking, config)  # raises CheckpointError if anything was damaged on the way
    except CheckpointError:
        shutil.rmtree(unpacking)
        raise
    if target.exists():  # empty (checked above)
        shutil.rmtree(target)
    os.replace(unpacking, target)
    print(f"unpacked the shipped run into {target}")
    return config


def _read_packed_run(archive: Path) -> tuple[str, dict[str, bytes]]:
    """The run folder's name and files in an archive written by tools/pack_run.py; anything else is refused."""
    problem = f"{archive} is damaged or not a packed run folder (train instead: TRAIN = True)"
    try:
        with tarfile.open(archive, "r:xz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            name = Path(members[0].name).parts[0] if members else ""
            if sorted(m.name for m in members) != sorted(f"{name}/{f}" for f in RUN_FILES):
                raise CheckpointError(f"{problem}: expected {', '.join(RUN_FILES)} in one folder")
            return name, {Path(m.name).name: tar.extractfile(m).read() for m in members}
    except (tarfile.TarError, EOFError, lzma.LZMAError) as e:
        raise CheckpointError(f"{problem}: {e}") from None


def choose_run(train: bool | str, config: TrainConfig, work: str | Path) -> TrainConfig:
    """The run notebook 03 shows: `config`, trained (train=True), or the shipped run (False); "auto" decides.

    "auto" times a few steps (training_seconds) and trains only if the whole run would take under
    AUTO_TRAIN_LIMIT here; it prints the estimate and the choice.
    """
    if train not in (True, False, "auto"):
        raise ValueError(f'TRAIN = {train!r}: use True (train here), False (use the shipped run) or "auto"')
    if train == "auto":
        estimate = training_seconds(config)
        train = estimate < AUTO_TRAIN_LIMIT
        print(f"training {config.epochs} epochs here would take about {estimate / 60:.1f} minutes (estimated from "
              f"timed steps): " + (f"under {AUTO_TRAIN_LIMIT // 60}, so train with the panel" if train else
                                   f"over {AUTO_TRAIN_LIMIT // 60}, so the shipped run is used (TRAIN = True trains anyway)"))
    return config if train else install_shipped_run(work)
