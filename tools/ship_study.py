"""Copy a finished study's runs into results/, checked, and within the 40 MB that results/ may hold.

    python tools/ship_study.py runs/longer longer --seeds 3 --epochs 300 --curves-only

Each run of the named sweep is copied to results/<run name>/ with config.json, history.npz and result.json.
--curves-only leaves out G's weights (generator.pt, generator_ema.pt) and coarsens the loss curves to at
most --points points (block means over more steps): a long study's notebook section needs its curves, its
final metrics and its fixed-noise grids, which history.npz and result.json hold, not its networks. A run
already in results/ is never replaced unless --replace is given; --new-only ships only the runs that results/
does not hold yet and keeps the others (a study whose one entry changed). The metrics read back from the copy must
equal the source's, and the copy is refused, before anything is written, if it would take results/ past
its budget. summary_<name>.md and .json are written beside them.
"""
from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import numpy as np

from gan_lab.checkpoint import EMA_GENERATOR_NAME, GENERATOR_NAME, RESULT_NAME, finished_result
from gan_lab.config import sweep_configs
from gan_lab.files import atomic_write
from gan_lab.study import load_study, write_summary
from gan_lab.sweep import CURVES, block_means

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 40_000_000  # bytes: results/ ships inside the repository that Colab clones


def coarsen(history: bytes, points: int) -> bytes:
    """history.npz with each loss curve averaged over blocks so that at most `points` remain (a whole factor)."""
    with np.load(io.BytesIO(history)) as z:
        arrays = {k: z[k] for k in z.files}
    factor = max(1, -(-len(arrays["lossD"]) // points))
    arrays.update({k: block_means(arrays[k], factor) for k in CURVES})
    arrays["every"] = np.array(int(arrays["every"]) * factor)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def shipped_files(run: Path, curves_only: bool, points: int) -> dict[str, bytes]:
    """The files of one finished run as they will be shipped."""
    names = ["config.json", RESULT_NAME, "history.npz"]
    if not curves_only:
        names += [n for n in (GENERATOR_NAME, EMA_GENERATOR_NAME) if (run / n).is_file()]
    files = {n: (run / n).read_bytes() for n in names}
    if curves_only:
        files["history.npz"] = coarsen(files["history.npz"], points)
    return files


def tracked_bytes(results: Path) -> int:
    """Bytes of every file under results/."""
    return sum(p.stat().st_size for p in results.rglob("*") if p.is_file())


def ship(source: Path, name: str, seeds: int, epochs: int, results: Path, curves_only: bool = False,
         points: int = 3000, replace: bool = False, new_only: bool = False) -> int:
    """Copy the study's runs from source to results; returns the bytes added. Raises SystemExit on a problem."""
    study = sweep_configs(name, seeds, epochs)
    configs = [c for c in study if not (results / c.run_name()).exists()] if new_only else study
    if not configs:
        raise SystemExit(f"{results} already holds every run of '{name}'; nothing is new")
    missing = [c.run_name() for c in configs if finished_result(source / c.run_name(), c) is None]
    if missing:
        raise SystemExit(f"{source} does not hold these finished runs of '{name}': {', '.join(missing)}")
    clash = [c.run_name() for c in configs if (results / c.run_name()).exists()]
    if clash and not replace:
        raise SystemExit(f"{results} already holds {', '.join(clash)}; pass --replace to overwrite them")
    planned = {c.run_name(): shipped_files(source / c.run_name(), curves_only, points) for c in configs}
    added = sum(len(b) for files in planned.values() for b in files.values())
    replaced = sum(tracked_bytes(results / n) for n in clash)
    total = tracked_bytes(results) - replaced + added
    if total > BUDGET:
        raise SystemExit(f"shipping {added / 1e6:.2f} MB would make {results} {total / 1e6:.2f} MB, over its "
                         f"{BUDGET / 1e6:.0f} MB budget; try --curves-only or fewer --points")
    for run_name, files in planned.items():
        folder = results / run_name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for file_name, data in files.items():
            atomic_write(folder / file_name, lambda f, data=data: f.write(data))
    before, after = load_study(source, name, seeds, epochs), load_study(results, name, seeds, epochs)
    copied = {c.run_name() for c in configs}
    for label, runs in before.items():
        for a, b in zip(runs, after.get(label, [])):
            if b.dir.name in copied and (a.metrics, a.metrics_ema) != (b.metrics, b.metrics_ema):
                raise SystemExit(f"{b.dir}: its metrics differ from {a.dir}'s after copying")
    if sum(map(len, after.values())) != len(study):
        raise SystemExit(f"only {sum(map(len, after.values()))} of {len(study)} runs read back from {results}")
    write_summary(results, name, study)  # summary_<name>.md / .json, as the sweep writes them
    print(f"shipped {len(configs)} runs of '{name}' into {results}: +{added / 1e6:.2f} MB, "
          f"{total / 1e6:.2f} MB of {BUDGET / 1e6:.0f} MB")
    return added


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="the sweep's --out folder, e.g. runs/longer")
    ap.add_argument("name", help="the sweep's name, e.g. longer")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--results", type=Path, default=ROOT / "results", help="where to ship (default: results/)")
    ap.add_argument("--curves-only", action="store_true", help="leave out G's weights and coarsen the loss curves")
    ap.add_argument("--points", type=int, default=3000, help="with --curves-only: the most points a loss curve keeps")
    ap.add_argument("--replace", action="store_true", help="overwrite runs already in results/")
    ap.add_argument("--new-only", action="store_true", help="ship only the runs results/ does not hold; keep the others")
    a = ap.parse_args(argv)
    if a.points < 1:
        ap.error(f"--points {a.points} is not allowed: a positive number of points")
    if a.replace and a.new_only:
        ap.error("--replace and --new-only contradict each other: choose one")
    ship(a.source, a.name, a.seeds, a.epochs, a.results, a.curves_only, a.points, a.replace, a.new_only)


if __name__ == "__main__":
    main()
