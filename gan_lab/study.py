"""Numbers the study notebooks print from the shipped runs, so that their prose never types a measurement."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .sweep import DECIMALS, RunResult, mean_std, saturated_labels, study_rows

SATURATED_LOSS = 20.0  # -log p > 20 means p < 2e-9: D's sigmoid is pinned at 0 or 1


def end_of_training(runs: Sequence[RunResult], steps: int = 1000) -> dict[str, tuple[float, float]]:
    """Mean over the last `steps` steps of lossD, lossG, D_x and D_G_z: (mean, std) over the seeds."""
    out = {}
    for key in ("lossD", "lossG", "D_x", "D_G_z"):
        per_seed = [float(np.mean(r.curves[key][-max(1, steps // r.every):])) for r in runs]
        out[key] = (float(np.mean(per_seed)), float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else 0.0)
    return out


def early_mean(runs: Sequence[RunResult], key: str, steps: int) -> float:
    """Mean of `key` over the first `steps` steps, averaged over the seeds."""
    return float(np.mean([np.mean(r.curves[key][:max(1, steps // r.every)]) for r in runs]))


def first_saturated_step(run: RunResult) -> int | None:
    """The first step (to the stored block of `every` steps) at which a loss exceeded 20, or None."""
    hit = np.nonzero(np.maximum(run.curves["lossD"], run.curves["lossG"]) > SATURATED_LOSS)[0]
    return int(hit[0]) * run.every + 1 if len(hit) else None


def describe(study: dict[str, list[RunResult]], metrics: Sequence[str] = ("FD_mnist", "digits_covered", "recall"),
             seeds: bool = False) -> str:
    """One line per configuration: its final metrics as mean ± std over seeds (and, if asked, each seed's value)."""
    lines = []
    for row in study_rows(study):
        parts = []
        for m in metrics:
            if m not in row:
                continue
            d = DECIMALS.get(m, 3)
            each = f" (seeds: {', '.join(f'{v:.{d}f}' for v in row[m]['values'])})" if seeds else ""
            parts.append(f"{m} {mean_std(row[m], m)}{each}")
        stopped = f", {row['stopped']} of {row['seeds']} seeds stopped" if row["stopped"] else ""
        lines.append(f"{row['label']}: " + ", ".join(parts) + stopped)
    return "\n".join(lines)


def _num(x: float) -> str:
    """Two decimals, or powers of ten for losses that ran away."""
    return f"{x:.2f}" if abs(x) < 1e4 else f"{x:.2e}"


def describe_end(study: dict[str, list[RunResult]], steps: int = 1000) -> str:
    """One line per configuration: losses and D's outputs over the last `steps` steps, mean ± std over seeds.

    A configuration with a saturated seed gets one line per seed: seeds stuck at 0 and at 100 have no
    meaningful mean.
    """
    lines = []
    per_seed = saturated_labels(study)
    for label, runs in study.items():
        groups = [(f"{label}, seed {r.config.seed}", [r]) for r in runs] if label in per_seed else [(label, runs)]
        for name, group in groups:
            end = end_of_training(group, steps)
            cells = [f"{k} {_num(m)}" + (f" ± {_num(s)}" if len(group) > 1 else "") for k, (m, s) in end.items()]
            lines.append(f"{name}: " + ", ".join(cells))
    return "\n".join(lines)
