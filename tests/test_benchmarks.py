"""The benchmark scripts run end to end on real MNIST and print every figure the README quotes.

They are run tiny here: their numbers are measured by hand on a quiet machine, never asserted.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_script(name: str, *args: str, data_root: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GAN_LAB_DATA_DIR": str(data_root)}
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), *args], env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_bench_sweep_prints_every_path_and_the_ceiling(real_root):
    out = run_script("bench_sweep.py", "--runs", "2", "--steps", "20", data_root=real_root)
    for path in ("(a)", "(b)", "(c1)", "(c2)"):
        line = next(x for x in out.splitlines() if x.startswith(path))
        assert float(re.search(r"([\d.]+) run-steps/s", line).group(1)) > 0
    assert re.search(r"one stack: [\d.]+ run-steps/s; zdim sweep, 12 runs, one stack \(z padded\): [\d.]+ run-steps/s", out), out
    ceilings = re.findall(r"ceiling of \((b|c1)\)\s*: (\d+) MFLOP per run-step at (\d+) GFLOP/s", out)
    assert [(p, int(m)) for p, m, _ in ceilings] == [("b", 133), ("c1", 133)] and all(int(g) > 0 for *_, g in ceilings)


def test_bench_train_prints_both_paths_and_their_ratio(real_root):
    out = run_script("bench_train.py", "--steps", "30", data_root=real_root)
    rates = [float(x) for x in re.findall(r"^\((?:a|b)\) [^:]+:\s+([\d.]+) steps/s$", out, re.M)]
    ratio = re.search(r"^ratio \(b\)/\(a\): ([\d.]+)x$", out, re.M)
    assert len(rates) == 2 and all(r > 0 for r in rates) and ratio, out
    # The rates are printed to 0.1 steps/s, so on a slow machine their quotient carries that rounding too.
    rounding = rates[1] / rates[0] * (0.05 / rates[0] + 0.05 / rates[1])
    assert abs(float(ratio.group(1)) - rates[1] / rates[0]) < 0.01 + rounding


def test_bench_writes_prints_bytes_per_epoch_for_both_formats(real_root):
    out = run_script("bench_writes.py", "--epochs", "3", data_root=real_root)
    rows = re.findall(r"^(sgd|adam) +format (1|2)[^:]+epoch 1: +([\d.]+) MB +epoch 3: +([\d.]+) MB +whole run: +([\d.]+) MB$",
                      out, re.M)
    assert [(o, f) for o, f, *_ in rows] == [("sgd", "1"), ("sgd", "2"), ("adam", "1"), ("adam", "2")], out
    size = {(o, f): (float(first), float(last)) for o, f, first, last, _ in rows}
    for opt in ("sgd", "adam"):
        assert size[(opt, "1")][1] > size[(opt, "1")][0]  # the whole-history checkpoint grows every epoch
        assert size[(opt, "2")][1] < size[(opt, "1")][1]  # the lean one plus appends does not


def test_bench_stack_ab_times_this_stack_against_the_hand_written_one(real_root, tmp_path):
    """The A/B script on the commit before the redesign, unpacked from git history (skipped where it is missing)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "3bfc0ae", "gan_lab"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip("commit 3bfc0ae is not in this checkout's history")
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    out = run_script("bench_stack_ab.py", "--runs", "2", "--blocks", "2", "--steps", "2", "--old",
                     str(tmp_path / "gan_lab"), data_root=real_root)
    m = re.search(r"now ([\d.]+) run-steps/s, before ([\d.]+) run-steps/s; now / before ([\d.]+)$", out.strip())
    assert m and float(m.group(1)) > 0 and float(m.group(2)) > 0, out
    assert abs(float(m.group(3)) - float(m.group(1)) / float(m.group(2))) < 0.01, out


def test_bench_conv_stack_prints_the_three_trainers_and_the_ratios(real_root):
    out = run_script("bench_conv_stack.py", "--blocks", "2", "--steps", "2", data_root=real_root)
    ms = dict(re.findall(r"^(conv, stack of 3|conv, alone|report's network \(sgd\), stack of 3) +([\d.]+) ms per run and step$",
                         out, re.M))
    assert set(ms) == {"conv, stack of 3", "conv, alone", "report's network (sgd), stack of 3"} and all(
        float(v) > 0 for v in ms.values()), out
    ratios = re.search(r"^conv in a stack of 3 / alone: ([\d.]+); conv alone / report's network: ([\d.]+) "
                       r"\(sweep.step_cost gives ([\d.]+)\)$", out, re.M)
    assert ratios, out
    stack_ratio = float(ms["conv, stack of 3"]) / float(ms["conv, alone"])
    assert abs(float(ratios.group(1)) - stack_ratio) < 0.01 + stack_ratio * 0.01  # printed from the same times


def test_bench_r1_prints_each_setting_against_r1_off(real_root):
    out = run_script("bench_r1.py", "--blocks", "2", "--steps", "16", data_root=real_root)
    rows = re.findall(r"^(R1 off|R1 on every step|R1 on every 4th step|R1 on every 16th step) +([\d.]+) ms per step, "
                      r"([\d.]+) of R1 off \(step_cost gives ([\d.]+)\)$", out, re.M)
    assert [r[0] for r in rows] == ["R1 off", "R1 on every step", "R1 on every 4th step", "R1 on every 16th step"], out
    assert all(float(ms) > 0 for _, ms, _, _ in rows) and rows[0][2:] == ("1.00", "1.00")
    assert [r[3] for r in rows[1:]] == ["1.50", "1.12", "1.03"]  # 1 + 0.5 / k
    ms = [float(r[1]) for r in rows]
    for (_, _, ratio, _), value in zip(rows, ms):  # each ratio printed from the same times as the ms
        assert abs(float(ratio) - value / ms[0]) < 0.01 + 0.02 * value / ms[0]


def test_bench_metrics_prints_both_feature_paths_equal_and_the_evaluation_times(real_root):
    out = run_script("bench_metrics.py", "--blocks", "1", data_root=real_root)
    ms = dict(re.findall(r"^  (before \(ReLU, max_pool2d\)|now \(max_pool_2x2, ReLU\)) +([\d.]+) ms$", out, re.M))
    assert len(ms) == 2 and all(float(v) > 0 for v in ms.values()), out
    assert "  equal bit for bit: True" in out.splitlines(), out
    seconds = re.findall(r"^evaluate_generator, (2,000|10,000) samples: ([\d.]+) s \(median of 1\)$", out, re.M)
    assert [n for n, _ in seconds] == ["2,000", "10,000"] and all(float(s) > 0 for _, s in seconds), out
