"""Checks for notebooks 04 and 05: statistics over seeds, digit coverage, a collapsed run, the bilinear game.

Each check runs the learner's function on small made-up inputs, chosen so that every typical mistake
gives an answer different from the right one, and names the mistake it recognises. The reference
functions below are what `use_if_correct` falls back to.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

from ..metrics import COVERED_SHARE
from . import Mistake, exercise, expect

TOLERANCE = 1e-5  # relative: answers computed in float32 pass; every mistake checked is off by far more


# ----------------------------------------------------------------------------------------- references

def reference_mean_and_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (divided by n - 1) of one metric over seeds, as the tables give them."""
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def reference_digits_covered(class_counts: Sequence[int]) -> int:
    """Digits that hold at least COVERED_SHARE (2%) of the samples: the metric digits_covered."""
    total = sum(class_counts)
    return sum(count / total >= COVERED_SHARE for count in class_counts)


def top_two_share(counts: Sequence[int]) -> float:
    """Share of the samples on the run's two most frequent digits (near 1 for a collapsed generator)."""
    return sum(sorted(counts)[-2:]) / sum(counts)


def reference_collapsed_run(histograms: Mapping[str, Sequence[int]]) -> str:
    """The label of the run whose samples concentrate most on one or two digits."""
    return max(histograms, key=lambda label: top_two_share(histograms[label]))


def reference_gda_step(x: float, y: float, lr: float) -> tuple[float, float]:
    """One simultaneous gradient step on min_x max_y x*y: x descends along y, y ascends along x."""
    return x - lr * y, y + lr * x


# ----------------------------------------------------------------------------------------- helpers

def _close(a: float, b: float) -> bool:
    """Equal up to float rounding (the learner may compute in float32)."""
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12)


def _numbers(answer: Any, what: str) -> tuple[float, float]:
    """The learner's answer as two floats; a Mistake says what was expected when it is not a pair of numbers."""
    try:
        first, second = answer
        return float(first), float(second)
    except (TypeError, ValueError):
        raise Mistake(f"return two numbers, {what}; got {answer!r:.60}") from None


# ----------------------------------------------------------------------------------------- 05: statistics over seeds

SEED_VALUES = [[70.1, 73.9, 71.8], [0.64, 0.58, 0.63, 0.69]]  # made up: three seeds of FD_mnist, four of recall


@exercise("mean_and_std")
def check_mean_std(fn: Callable[[list[float]], tuple[float, float]]) -> None:
    """fn(values) must return (mean, sample std with n - 1) of the seeds' values."""
    for values in SEED_VALUES:
        n = len(values)
        mean, std = reference_mean_and_std(values)
        pop_std = std * math.sqrt((n - 1) / n)
        got_mean, got_std = _numbers(fn(list(values)), "(mean, std)")
        expect(not (_close(got_mean, std) and _close(got_std, mean)), "you returned (std, mean): return (mean, std)")
        expect(_close(got_mean, mean), f"for the values {values} your mean is {got_mean:.4g}, expected {mean:.4g}: "
                                       "the sum of the values divided by how many there are")
        expect(not _close(got_std, pop_std), f"you divided by n; with {n} seeds use n − 1 (the sample standard "
                                             "deviation), as the tables do")
        expect(not (_close(got_std, std ** 2) or _close(got_std, pop_std ** 2)),
               "you returned the variance; the standard deviation is its square root")
        expect(_close(got_std, std), f"for the values {values} your standard deviation is {got_std:.4g}, expected "
                                     f"{std:.4g}: the square root of the sum of squared deviations from the mean, "
                                     "divided by n − 1")


# ----------------------------------------------------------------------------------------- 05: digits covered

# (counts of digits 0..9, what the case tests); all made up.
COVERAGE_CASES = [
    ([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], "every digit well represented"),
    ([400, 3, 0, 380, 1, 420, 0, 396, 400, 0], "stray samples"),  # 3 and 1 of 2,000 are under 2%
    ([5, 5, 5, 1, 1, 1, 1, 1, 0, 0], "few samples"),  # 1 of 20 is 5%: covered
    ([960, 40, 1000, 0, 0, 0, 0, 0, 0, 0], "exactly 2%"),  # 40 of 2,000 is exactly 2%: covered
]


@exercise("digits_covered")
def check_digits_covered(fn: Callable[[list[int]], int]) -> None:
    """fn(class_counts) must count the digits holding at least 2% of the samples."""
    for counts, _ in COVERAGE_CASES:
        right = reference_digits_covered(counts)
        got = fn(list(counts))
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Mistake(f"return one number, how many digits are covered; got {got!r:.60}") from None
        if got == right:
            continue
        total = sum(counts)
        expect(got != sum(c > 0 for c in counts), "you counted every digit with at least one sample; a digit is "
               "covered only when it holds at least 2% of the samples (a few stray samples are not coverage)")
        expect(got != sum(c >= 2 for c in counts), "you compared the counts with 2; the threshold is a share: "
               "count / total ≥ 0.02 (2% of all the samples)")
        expect(got != sum(c / total >= 2 for c in counts),
               "2% is the share 0.02 (or compare 100 · count / total with 2)")
        expect(got != sum(c / total > COVERED_SHARE for c in counts),
               "a digit holding exactly 2% of the samples counts as covered: use ≥, not >")
        expect(False, f"for the counts {counts} you returned {got:g}, expected {right}")


# ----------------------------------------------------------------------------------------- 04: a collapsed run

# Made-up class histograms of three or four runs, each case with the label of its collapsed run. The
# runs' totals differ, so that raw counts and shares disagree.
COLLAPSE_CASES = [
    ({"seed 0": [100, 110, 95, 105, 98, 92, 101, 99, 104, 96],
      "seed 1": [10, 1850, 5, 30, 20, 15, 25, 10, 20, 15],
      "seed 2": [300, 200, 900, 250, 150, 350, 200, 300, 150, 200]}, "seed 1"),
    ({"lr 0.3": [0, 480, 0, 0, 0, 0, 0, 510, 10, 0],
      "lr 0.1": [60, 62, 58, 61, 59, 60, 63, 57, 60, 60],
      "lr 0.03": [1500, 6000, 1200, 2500, 1000, 1800, 1300, 2200, 1100, 1400]}, "lr 0.3"),
    ({"z 20": [500, 3900, 450, 520, 480, 510, 470, 1100, 530, 540],
      "z 50": [12, 15, 9, 11, 10, 14, 8, 13, 9, 10],
      "z 100": [1, 2, 0, 900, 1, 0, 2, 1, 0, 3],
      "z 200": [150, 250, 180, 400, 160, 170, 190, 200, 140, 160]}, "z 100"),
]


def _evenness(counts: Sequence[int]) -> float:
    """Entropy of the class shares: highest for the most even run."""
    total = sum(counts)
    return -sum(c / total * math.log(c / total) for c in counts if c)


@exercise("collapsed_run")
def check_collapsed_run(fn: Callable[[dict[str, list[int]]], str]) -> None:
    """fn(histograms) must return the label of the run whose samples sit on one or two digits."""
    for histograms, right in COLLAPSE_CASES:
        got = fn({label: list(counts) for label, counts in histograms.items()})
        expect(isinstance(got, str) and got in histograms,
               f"return the label of a run (one of {list(histograms)}), not {got!r:.60}")
        if got == right:
            continue
        most_even = max(histograms, key=lambda label: _evenness(histograms[label]))
        expect(got != most_even, "you picked the most even run; a collapsed generator puts almost all its samples "
               "on one or two digits, so its histogram is the least even")
        by_count = {max(histograms, key=lambda label: sum(histograms[label])),
                    min(histograms, key=lambda label: sum(histograms[label])),
                    max(histograms, key=lambda label: max(histograms[label]))}
        expect(got not in by_count, "you compared raw counts, but the runs drew different numbers of samples; "
               "compare shares (count / the run's total) of the most frequent digits")
        expect(False, f"{got!r} spreads its samples over many digits; look for the run whose samples concentrate "
               "on one or two digits")


# ----------------------------------------------------------------------------------------- 04: the bilinear game

GDA_CASES = [(1.0, 0.5, 0.1), (-0.4, 2.0, 0.25)]  # (x, y, lr): each mistake below gives another answer


@exercise("gda_step")
def check_gda_step(fn: Callable[[float, float, float], tuple[float, float]]) -> None:
    """fn(x, y, lr) must make one simultaneous step: x - lr*y (x minimises x*y), y + lr*x (y maximises it)."""
    for x, y, lr in GDA_CASES:
        right = reference_gda_step(x, y, lr)
        got = _numbers(fn(x, y, lr), "(x_new, y_new)")
        if _close(got[0], right[0]) and _close(got[1], right[1]):
            continue
        x_new = x - lr * y

        def same(a: tuple[float, float]) -> bool:
            """Whether the learner's answer is this pair."""
            return _close(got[0], a[0]) and _close(got[1], a[1])

        expect(not same((x_new, y - lr * x)), "y is the maximising player: it climbs the gradient, y + lr·x "
               "(you moved y downhill, as if both players minimised x·y)")
        expect(not same((x + lr * y, y - lr * x)), "the signs are swapped: x minimises x·y (x − lr·y) and y "
               "maximises it (y + lr·x)")
        expect(not same((x_new, y + lr * x_new)), "your y step used the new x; in a simultaneous step both "
               "players move from the old values (x, y)")
        expect(not same((x - lr * x, y + lr * y)), "∂(x·y)/∂x = y and ∂(x·y)/∂y = x: x's step uses y and y's "
               "step uses x (you swapped the gradients)")
        expect(False, f"for x={x:g}, y={y:g}, lr={lr:g} you returned ({got[0]:.4g}, {got[1]:.4g}), expected "
               f"({right[0]:.4g}, {right[1]:.4g})")
