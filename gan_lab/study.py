"""Reading studies back: the finished runs of a sweep, their summaries over seeds, and the numbers notebooks print."""
from __future__ import annotations

import json

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from .checkpoint import EMA_GENERATOR_NAME, GENERATOR_NAME, RESULT_NAME, load_generator, read_result
from .config import TrainConfig, sweep_configs
from .files import atomic_write_text

SATURATED_LOSS = 20.0  # -log p > 20 means p < 2e-9: D's sigmoid is pinned at 0 or 1


@dataclass
class RunResult:
    """One finished run of a sweep, as the notebooks use it."""

    label: str
    config: TrainConfig
    metrics: dict
    stopped: Optional[str]
    curves: dict  # lossD, lossG, D_x, D_G_z: means over blocks of `every` steps
    every: int
    final_samples: torch.Tensor  # the fixed-noise grid after the last epoch, uint8 64 x 1 x 28 x 28
    metric_epochs: list
    metric_curves: dict  # metric name -> values at metric_epochs (N = eval_samples)
    dir: Path
    events: tuple = ()  # kinds of the events the run logged: 'saturated', 'diverged'
    metrics_ema: Optional[dict] = None  # decay ('0.999') -> final metrics of that average of G
    final_samples_ema: Optional[torch.Tensor] = None  # the fixed-noise grid of the first average (config.ema[0])
    seconds: float = 0.0  # the run's share of its stack's training time (result.json)

    def generator(self, ema: bool = False) -> torch.nn.Module:
        """The trained G (eval mode, CPU), even a saturated run's huge weights; ema=True: its saved average."""
        path = self.dir / (EMA_GENERATOR_NAME if ema else GENERATOR_NAME)
        if not path.is_file() and (self.dir / RESULT_NAME).is_file():  # a study shipped as curves and metrics only
            raise FileNotFoundError(f"{self.dir} keeps this run's curves, grids and final metrics but not G's weights "
                                    f"({path.name}); train the study again (RETRAIN = True) to draw from G")
        return load_generator(path, refuse_blown_up=False)[0]


def load_results(out: str | Path) -> list[dict]:
    """Every finished run's result.json under a sweep folder, with its folder added as 'dir'."""
    rows = []
    for path in sorted(Path(out).glob(f"*/{RESULT_NAME}")):
        r = read_result(path)
        r["dir"] = str(path.parent)
        rows.append(r)
    return rows


def load_study(out: str | Path, name: str, seeds: int = 3, epochs: int = 100,
               base: Optional[TrainConfig] = None) -> dict[str, list[RunResult]]:
    """The finished runs of a sweep (trained from `base`, as run_sweep was given), grouped by label in its order."""
    configs = sweep_configs(name, seeds, epochs, base)
    found = {Path(r["dir"]).name: r for r in load_results(out)}
    study: dict[str, list[RunResult]] = {}
    for c in configs:
        r = found.get(c.run_name())
        if r is None:
            continue
        with np.load(Path(r["dir"]) / "history.npz") as z:
            curves = {k: z[k] for k in ("lossD", "lossG", "D_x", "D_G_z")}
            metric_curves = {k[len("metric_"):]: z[k] for k in z.files if k.startswith("metric_") and k != "metric_epochs"}
            metric_epochs = z["metric_epochs"].tolist() if "metric_epochs" in z.files else []
            run = RunResult(r["label"], TrainConfig.from_dict({**r["config"], "device": "cpu", "data_root": None}),
                            r["metrics"], r["stopped"], curves, int(z["every"]), torch.from_numpy(z["final_samples"]),
                            metric_epochs, metric_curves, Path(r["dir"]), tuple(r.get("events", ())),
                            r.get("metrics_ema"), torch.from_numpy(z["final_samples_ema"])
                            if "final_samples_ema" in z.files else None, r.get("seconds", 0.0))
        study.setdefault(r["label"], []).append(run)
    return study


def study_rows(study: dict[str, list[RunResult]]) -> list[dict]:
    """summarize() rows for a loaded study (mean and std over seeds of each final metric)."""
    return summarize([{"label": lab, "stopped": r.stopped, "config": r.config.to_dict(), "metrics": r.metrics}
                      for lab, runs in study.items() for r in runs])


def study_curves(study: dict[str, list[RunResult]], key: str) -> dict[str, list]:
    """label -> one curve per seed (block means of `key`), for plotting.plot_bands."""
    return {lab: [r.curves[key] for r in runs] for lab, runs in study.items()}


def pick(study: dict[str, list[RunResult]], *labels: str) -> dict[str, list[RunResult]]:
    """A sub-study with these labels, in this order (a KeyError names a missing one)."""
    missing = [lab for lab in labels if lab not in study]
    if missing:
        raise KeyError(f"no finished runs for {missing}; have {list(study)}")
    return {lab: study[lab] for lab in labels}


def saturated_labels(study: dict[str, list[RunResult]]) -> list[str]:
    """Configurations in which some seed saturated or diverged: their seeds are drawn one by one."""
    return [lab for lab, runs in study.items() if any({"saturated", "diverged"} & set(r.events) for r in runs)]


def summarize(results: Sequence[dict]) -> list[dict]:
    """Per configuration (label): number of seeds and mean and std over seeds of every metric."""
    def order(r: dict) -> tuple:
        c = r["config"]
        return (c["optimizer"], -c["lr_d"], -(c["betas"] or [0])[0], c["z_dim"], c["seed"])

    by_label: dict[str, list[dict]] = {}
    for r in sorted(results, key=order):
        by_label.setdefault(r["label"], []).append(r)
    rows = []
    for lab, runs in by_label.items():
        row = {"label": lab, "seeds": len(runs), "stopped": sum(bool(r["stopped"]) for r in runs)}
        names = sorted({k for r in runs for k in r["metrics"]})
        for k in names:
            v = np.array([r["metrics"][k] for r in runs if k in r["metrics"]], dtype=np.float64)
            row[k] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                      "values": v.tolist()}
        rows.append(row)
    return rows


def average_rows(runs: Sequence[RunResult]) -> list[dict]:
    """summarize() rows for G itself and for each moving average of its weights (same runs, same latent vectors)."""
    entries = [{"label": "G itself", "stopped": r.stopped, "config": r.config.to_dict(), "metrics": r.metrics}
               for r in runs]
    for decay in runs[0].config.ema:
        entries += [{"label": f"average, decay {decay:g}", "stopped": r.stopped, "config": r.config.to_dict(),
                     "metrics": (r.metrics_ema or {}).get(f"{decay:g}", {})} for r in runs]
    return summarize(entries)


# Decimals per metric in tables: the same for the mean and the spread, so "71.2 ± 1.2" and "363.3 ± 110.4" read alike.
DECIMALS = {"FD_mnist": 1, "IS_mnist": 2, "digits_covered": 1, "class_KL": 3, "mean_confidence": 3, "precision": 3,
            "recall": 3}


def mean_std(v: dict, metric: str) -> str:
    """'mean ± std' of a summarize() cell, both with the metric's fixed number of decimals."""
    d = DECIMALS.get(metric, 3)
    return f"{v['mean']:.{d}f} ± {v['std']:.{d}f}"


def format_summary(rows: Sequence[dict], metrics: Sequence[str] = ("FD_mnist", "IS_mnist", "digits_covered",
                                                                     "class_KL", "precision", "recall")) -> str:
    """A Markdown table: one row per configuration, 'mean ± std' over its seeds per metric."""
    head = "| configuration | seeds | " + " | ".join(metrics) + " |"
    lines = [head, "|" + " --- |" * (len(metrics) + 2)]
    for r in rows:
        cells = []
        for m in metrics:
            v = r.get(m)
            cells.append(mean_std(v, m) if v else "n/a")
        seeds = f"{r['seeds']} ({r['stopped']} stopped, no metrics)" if r["stopped"] else f"{r['seeds']}"
        lines.append(f"| {r['label']} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_results(out: str | Path, configs: Sequence[TrainConfig]) -> list[dict]:
    """The finished runs of these configurations (several sweeps may share one folder and its runs)."""
    wanted = {c.run_name() for c in configs}
    return [r for r in load_results(out) if Path(r["dir"]).name in wanted]


def write_summary(out: str | Path, name: str, configs: Sequence[TrainConfig]) -> list[dict]:
    """summary_<name>.json and summary_<name>.md: mean and std over seeds per configuration."""
    rows = summarize(sweep_results(out, configs))
    atomic_write_text(Path(out) / f"summary_{name}.json", json.dumps(rows, indent=2) + "\n")
    atomic_write_text(Path(out) / f"summary_{name}.md", format_summary(rows) + "\n")
    return rows


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
