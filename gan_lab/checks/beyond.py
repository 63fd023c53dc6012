"""Checks for notebook 06: a moving average of G's weights, and the input of a conditional generator.

As in the other check modules, each check runs the learner's function on small made-up inputs, chosen
so that every typical mistake gives an answer different from the right one, and names that mistake.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from ..models import N_CLASSES, one_hot
from . import Mistake, exercise, expect

TOLERANCE = 1e-6  # absolute, on values of order 1: float32 rounding passes, every mistake is off by far more


# ----------------------------------------------------------------------------------------- references

def reference_ema_update(average: torch.Tensor, weight: torch.Tensor, decay: float) -> torch.Tensor:
    """The new moving average: decay * average + (1 - decay) * weight."""
    return decay * average + (1 - decay) * weight


def reference_condition(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """A conditional G's input: z, then the one-hot code of each label (N x (z_dim + 10))."""
    return torch.cat([z, one_hot(y)], dim=1)


def _tensor(answer: Any, what: str) -> torch.Tensor:
    if not torch.is_tensor(answer):
        raise Mistake(f"return {what} as a torch tensor; got {type(answer).__name__}")
    return answer.detach().float()


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, atol=TOLERANCE, rtol=0))


# ----------------------------------------------------------------------------------------- 06.1: EMA

@exercise("ema_update")
def check_ema_update(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> None:
    """fn(average, weight, decay) must return decay * average + (1 - decay) * weight, leaving weight alone."""
    gen = torch.Generator().manual_seed(6)
    for decay in (0.9, 0.999, 0.5):
        average, weight = torch.randn(4, 3, generator=gen), torch.randn(4, 3, generator=gen)
        kept_avg, kept_w = average.clone(), weight.clone()
        got = _tensor(fn(average, weight, decay), "the new average")
        expect(torch.equal(weight, kept_w), "you changed G's weight; only the average moves (G keeps training "
               "with its own weights)")
        right = reference_ema_update(kept_avg, kept_w, decay)
        if _same(got, right):
            continue
        expect(got.shape == right.shape, f"the average has shape {tuple(right.shape)}, like the weight; yours has "
               f"{tuple(got.shape)}")
        expect(not _same(got, (1 - decay) * kept_avg + decay * kept_w),
               f"you swapped the two factors: with decay {decay} the average keeps {decay} of itself and takes only "
               f"{1 - decay:g} of the new weight, so it changes slowly")
        expect(not _same(got, kept_w), "you returned the weight itself: the average must remember the earlier "
               "weights, keeping `decay` of its old value")
        expect(not _same(got, kept_avg), "the average did not move: add (1 - decay) times the new weight")
        expect(not _same(got, decay * kept_avg + kept_w), "the new weight needs the factor (1 - decay), so that "
               "the two factors add up to 1 and the average stays on the weights' scale")
        expect(False, f"with decay {decay} your average is off by up to {float((got - right).abs().max()):.3g}; "
               "expected decay * average + (1 - decay) * weight")


# ----------------------------------------------------------------------------------------- 06.2: condition

@exercise("condition")
def check_condition(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """fn(z, y) must return z followed by the one-hot code of the labels y: N x (z_dim + 10)."""
    gen = torch.Generator().manual_seed(7)
    z = torch.randn(5, 3, generator=gen)
    y = torch.tensor([0, 9, 3, 3, 7])
    got = _tensor(fn(z.clone(), y.clone()), "G's input")
    right = reference_condition(z, y)
    if _same(got, right):
        return
    n, width = right.shape
    expect(got.dim() == 2, f"return one row per image, a 2-D tensor {n} x {width}; yours has shape {tuple(got.shape)}")
    expect(got.shape != (2 * n, z.size(1)) and got.shape[0] == n,
           f"concatenate along dim=1 (the features), not dim=0 (the images): expected {n} x {width}")
    expect(got.shape[1] != z.size(1) + 1, "you appended the label as one number; a digit is a category, not an "
           f"amount: give it as a one-hot code of {N_CLASSES} values (a 1 at the label, 0 elsewhere)")
    expect(got.shape[1] == width, f"expected {width} values per image (z_dim = {z.size(1)}, then {N_CLASSES} for "
           f"the digit); yours has {got.shape[1]}")
    expect(not _same(got, torch.cat([one_hot(y), z], dim=1)), "put z first and the one-hot code after it, as "
           "CondGenerator does (its first layer's weights expect that order)")
    expect(_same(got[:, :z.size(1)], z), "the first z_dim values of each row must be z itself, unchanged")
    code = got[:, z.size(1):]
    expect(not _same(code, one_hot((y + 1) % N_CLASSES)), "the code is shifted by one: digit d puts its 1 at "
           "position d (digit 0 at position 0)")
    expect(False, f"the one-hot part is wrong: for the labels {y.tolist()} expected the rows "
           f"{one_hot(y).int().tolist()}; yours are {code.tolist()}")
