"""The checks of notebooks 04 and 05: right answers pass, stubs are 'not done', typical mistakes are named."""
import math
import statistics

import numpy as np
import pytest
import torch

from gan_lab.checks import studies
from gan_lab.checks.studies import (check_collapsed_run, check_digits_covered, check_gda_step, check_mean_std,
                                    reference_collapsed_run, reference_digits_covered, reference_gda_step,
                                    reference_mean_and_std)
from gan_lab.metrics import class_stats
from gan_lab.study import summarize


def stub(*args):
    raise NotImplementedError()


def assert_wrong(result, fragment):
    assert result.status == "wrong", result.message
    assert fragment in result.message, result.message


# ----------------------------------------------------------------------------------------- references

def test_reference_mean_and_std_matches_the_study_tables():
    values = [70.1, 73.9, 71.8]
    rows = summarize([{"label": "a", "stopped": None, "metrics": {"FD_mnist": v},
                       "config": {"optimizer": "sgd", "lr_d": 0.1, "betas": None, "z_dim": 20, "seed": s}}
                      for s, v in enumerate(values)])
    mean, std = reference_mean_and_std(values)
    assert math.isclose(mean, rows[0]["FD_mnist"]["mean"]) and math.isclose(std, rows[0]["FD_mnist"]["std"])
    assert math.isclose(std, statistics.stdev(values))


def test_count_digits_covered_matches_the_metric():
    """The reference counts what metrics.class_stats reports as digits_covered, on one-hot predictions."""
    for counts, _ in studies.COVERAGE_CASES:
        labels = torch.repeat_interleave(torch.arange(10), torch.tensor(counts))
        probs = torch.nn.functional.one_hot(labels, 10).double()
        metric = class_stats(probs, np.full(10, 0.1))["digits_covered"]
        assert reference_digits_covered(counts) == metric, counts


def test_collapsed_run_reference_answers_every_case():
    answers = [reference_collapsed_run(histograms) for histograms, _ in studies.COLLAPSE_CASES]
    assert answers == [right for _, right in studies.COLLAPSE_CASES]


# ----------------------------------------------------------------------------------------- check_mean_std

def test_mean_std_right_answers_pass(capsys):
    assert check_mean_std(lambda v: (float(np.mean(v)), float(np.std(v, ddof=1))))
    assert check_mean_std(lambda v: (statistics.mean(v), statistics.stdev(v)))
    assert check_mean_std(lambda v: torch.std_mean(torch.tensor(v, dtype=torch.float32), correction=1)[::-1])
    assert capsys.readouterr().out.count("✓ mean_and_std: correct.") == 3


def test_mean_std_stub_is_not_done():
    assert check_mean_std(stub).status == "not done"


@pytest.mark.parametrize("wrong, fragment", [
    (lambda v: (np.mean(v), np.std(v)), "you divided by n; with 3 seeds use n − 1"),
    (lambda v: (statistics.mean(v), statistics.pstdev(v)), "you divided by n"),
    (lambda v: (np.mean(v), np.var(v, ddof=1)), "you returned the variance"),
    (lambda v: (np.mean(v), np.var(v)), "you returned the variance"),
    (lambda v: (np.std(v, ddof=1), np.mean(v)), "you returned (std, mean)"),
    (lambda v: (np.median(v), np.std(v, ddof=1)), "your mean is"),
    (lambda v: (np.mean(v), np.std(v, ddof=1) / math.sqrt(len(v))), "your standard deviation is"),
    (lambda v: f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}", "return two numbers, (mean, std)"),
])
def test_mean_std_mistakes_are_named(wrong, fragment):
    assert_wrong(check_mean_std(wrong), fragment)


# ----------------------------------------------------------------------------------------- check_digits_covered

def test_digits_covered_right_answers_pass():
    assert check_digits_covered(lambda c: sum(n / sum(c) >= 0.02 for n in c))
    assert check_digits_covered(lambda c: int((np.array(c) / np.sum(c) >= 0.02).sum()))
    assert check_digits_covered(lambda c: torch.count_nonzero(100 * torch.tensor(c) / sum(c) >= 2))


def test_digits_covered_stub_is_not_done():
    assert check_digits_covered(stub).status == "not done"


@pytest.mark.parametrize("wrong, fragment", [
    (lambda c: sum(n > 0 for n in c), "you counted every digit with at least one sample"),
    (lambda c: np.count_nonzero(c), "you counted every digit with at least one sample"),
    (lambda c: sum(n >= 2 for n in c), "you compared the counts with 2; the threshold is a share"),
    (lambda c: sum(n / sum(c) >= 2 for n in c), "2% is the share 0.02"),
    (lambda c: sum(n / sum(c) > 0.02 for n in c), "use ≥, not >"),
    (lambda c: [d for d, n in enumerate(c) if n / sum(c) >= 0.02], "return one number"),
])
def test_digits_covered_mistakes_are_named(wrong, fragment):
    assert_wrong(check_digits_covered(wrong), fragment)


# ----------------------------------------------------------------------------------------- check_collapsed_run

def entropy(counts):
    total = sum(counts)
    return -sum(n / total * math.log(n / total) for n in counts if n)


def test_collapsed_run_right_answers_pass():
    assert check_collapsed_run(reference_collapsed_run)
    assert check_collapsed_run(lambda h: min(h, key=lambda k: entropy(h[k])))  # the least even run
    assert check_collapsed_run(lambda h: max(h, key=lambda k: max(h[k]) / sum(h[k])))  # largest top-digit share


def test_collapsed_run_stub_is_not_done():
    assert check_collapsed_run(stub).status == "not done"


@pytest.mark.parametrize("wrong, fragment", [
    (lambda h: max(h, key=lambda k: entropy(h[k])), "you picked the most even run"),
    (lambda h: max(h, key=lambda k: sum(h[k])), "you compared raw counts"),
    (lambda h: max(h, key=lambda k: max(h[k])), "you compared raw counts"),
    (lambda h: "z 200" if "z 200" in h else reference_collapsed_run(h), "spreads its samples over many digits"),
    (lambda h: h[reference_collapsed_run(h)], "return the label of a run"),
    (lambda h: list(h).index(reference_collapsed_run(h)), "return the label of a run"),
])
def test_collapsed_run_mistakes_are_named(wrong, fragment):
    assert_wrong(check_collapsed_run(wrong), fragment)


# ----------------------------------------------------------------------------------------- check_gda_step

def test_gda_step_right_answers_pass():
    assert check_gda_step(reference_gda_step)
    assert check_gda_step(lambda x, y, lr: [x - lr * y, y + lr * x])

    def with_tensors(x, y, lr):  # autograd gradients of f = x*y, both taken before either player moves
        xt, yt = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
        gx, gy = torch.autograd.grad(xt * yt, (xt, yt))
        return xt.detach() - lr * gx, yt.detach() + lr * gy

    assert check_gda_step(with_tensors)


def test_gda_step_stub_is_not_done():
    assert check_gda_step(stub).status == "not done"


def sequential(x, y, lr):
    x = x - lr * y
    y = y + lr * x  # uses the new x
    return x, y


@pytest.mark.parametrize("wrong, fragment", [
    (lambda x, y, lr: (x - lr * y, y - lr * x), "y is the maximising player"),
    (sequential, "your y step used the new x"),
    (lambda x, y, lr: (x - lr * x, y + lr * y), "you swapped the gradients"),
    (lambda x, y, lr: (x + lr * y, y - lr * x), "the signs are swapped"),
    (lambda x, y, lr: (x - y, y + x), "you returned ("),
    (lambda x, y, lr: x - lr * y, "return two numbers, (x_new, y_new)"),
])
def test_gda_step_mistakes_are_named(wrong, fragment):
    assert_wrong(check_gda_step(wrong), fragment)


def test_a_crashing_answer_is_wrong_not_an_error():
    assert_wrong(check_gda_step(lambda x, y, lr: x.item()), "your code raised AttributeError")
