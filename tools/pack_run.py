"""Pack a finished run folder into results/ for notebook 03's switch (gan_lab.notebook.install_shipped_run).

    python tools/pack_run.py runs/nb03 [--out results/03_train_run.tar.xz]

The archive holds one folder named after the run (TrainConfig.run_name) with the run-folder files that
resuming needs: config.json, checkpoint.pt, history.csv and samples.u8. It is checked before and written
atomically; the same folder packs to the same bytes (sorted names, zeroed times and owners).
"""
from __future__ import annotations

import argparse
import io
import json
import tarfile
from pathlib import Path

from gan_lab.checkpoint import resume_state
from gan_lab.config import TrainConfig
from gan_lab.files import atomic_write
from gan_lab.notebook import RUN_FILES, SHIPPED_RUN

ROOT = Path(__file__).resolve().parents[1]


def pack(folder: Path, out: Path) -> None:
    """Check the run in folder (complete and readable), then write it as one folder in an xz tarball."""
    config = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()))
    state = resume_state(folder, config)
    if state is None or state.epoch < config.epochs or state.stopped:
        raise SystemExit(f"{folder} holds no finished run (epoch {state.epoch if state else 0} of {config.epochs})")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz", preset=9) as tar:
        for name in RUN_FILES:
            data = (folder / name).read_bytes()
            info = tarfile.TarInfo(f"{config.run_name()}/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    atomic_write(out, lambda f: f.write(buf.getvalue()))
    print(f"packed {folder} ({state.step} steps, {state.epoch} epochs) into {out}: {len(buf.getvalue()) / 1e6:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a finished run folder, e.g. runs/nb03")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / SHIPPED_RUN, help="the archive to write")
    a = ap.parse_args()
    pack(a.folder, a.out)


if __name__ == "__main__":
    main()
