"""Checks for notebook 01: the optimal discriminator, the Jensen-Shannon divergence, G's two losses.

    ok = check_optimal_discriminator(optimal_discriminator)
    optimal_discriminator = use_if_correct(ok, optimal_discriminator, reference_optimal_discriminator, "...")

Each check runs the learner's function on a few hand-picked inputs, compares the result with the
usual wrong formulas first (to name the mistake), then with the right one.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from . import Mistake, exercise, expect

__all__ = ["check_optimal_discriminator", "check_js_divergence", "check_generator_losses",
           "reference_optimal_discriminator", "reference_js_divergence", "reference_saturating_loss",
           "reference_non_saturating_loss"]

TOLERANCE = 1e-6


# ---------------------------------------------------------------- references (what later cells fall back to)

def reference_optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) at every grid point."""
    return p_data / (p_data + p_g)


def reference_js_divergence(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JSD(p || q) in nats, for two densities given by their values on a grid of spacing dx."""
    m = (p + q) / 2
    return float(0.5 * np.sum(p * np.log(p / m)) * dx + 0.5 * np.sum(q * np.log(q / m)) * dx)


def reference_saturating_loss(D_G_z: torch.Tensor) -> torch.Tensor:
    """G's saturating loss log(1 - D(G(z))), one value per sample."""
    return torch.log(1 - D_G_z)


def reference_non_saturating_loss(D_G_z: torch.Tensor) -> torch.Tensor:
    """G's non-saturating loss -log D(G(z)), one value per sample."""
    return -torch.log(D_G_z)


# ---------------------------------------------------------------- helpers

def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to rounding, with inf and nan in the same places."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


def _as_array(out, what: str) -> np.ndarray:
    """The learner's result as a float array (NumPy, list or tensor all work)."""
    expect(out is not None, f"{what} returned None: did you forget `return`?")
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu().numpy()
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise Mistake(f"{what} must return numbers (a NumPy array), got {type(out).__name__}") from e


def _fmt(a: np.ndarray) -> str:
    """Numbers as a learner reads them: [0.75, 0.5, 0, 1]."""
    return "[" + ", ".join(f"{v:.3g}" for v in np.asarray(a, dtype=np.float64).reshape(-1)) + "]"


# ---------------------------------------------------------------- Exercise 1.1: the optimal discriminator

# Two densities at six points: equal, one twice the other, each one zero where the other is not.
P_DATA = np.array([0.30, 0.20, 0.05, 0.00, 0.10, 0.25])
P_G = np.array([0.10, 0.20, 0.15, 0.40, 0.00, 0.05])


@exercise("optimal_discriminator")
def check_optimal_discriminator(optimal_discriminator: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """D* = p_data / (p_data + p_g), elementwise, in [0, 1], inputs left as they were."""
    p_data, p_g = P_DATA.copy(), P_G.copy()
    with np.errstate(divide="ignore", invalid="ignore"):  # a wrong formula may divide by zero: name it instead
        out = _as_array(optimal_discriminator(p_data, p_g), "optimal_discriminator")
        swapped = P_G / (P_DATA + P_G)
        ratio = P_DATA / P_G
        brackets = P_DATA / P_DATA + P_G
    expect(np.array_equal(p_data, P_DATA) and np.array_equal(p_g, P_G),
           "your function changed p_data or p_g in place: compute a new array instead")
    expect(out.shape == P_DATA.shape, f"return one value of D* per x, shape {P_DATA.shape}; got shape {out.shape}")
    expect(not _same(out, swapped), "you computed p_g / (p_data + p_g), the probability that x is *generated*: "
           "D* is the probability that x is real, so p_data goes on top")
    expect(not _same(out, ratio), "you divided by p_g alone: p_data / p_g is not a probability (it is infinite "
           "where p_g = 0); divide by p_data + p_g")
    expect(not _same(out, brackets), "check your brackets: p_data / p_data + p_g divides first; "
           "write p_data / (p_data + p_g)")
    expect(not np.allclose(out, 0.5), "D* = 1/2 only where p_data = p_g; here the two densities differ")
    expect(np.all(np.isfinite(out)), f"your D* has inf or nan values: {_fmt(out)}; here p_data + p_g > 0 everywhere")
    expect(np.all((out >= 0) & (out <= 1)), f"D* is a probability, but yours leaves [0, 1]: {_fmt(out)}")
    right = reference_optimal_discriminator(P_DATA, P_G)
    expect(_same(out, right), f"D* should be {_fmt(right)} here, yours is {_fmt(out)}: "
           "D*(x) = p_data(x) / (p_data(x) + p_g(x))")


# ---------------------------------------------------------------- Exercise 1.2: the Jensen-Shannon divergence

def _gauss(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


JS_DX = 0.01
JS_X = np.arange(-6, 6 + JS_DX / 2, JS_DX)
JS_P = _gauss(JS_X, -1.0, 1.0)  # two overlapping bumps of different widths, so KL(p||q) != KL(q||p)
JS_Q = _gauss(JS_X, 1.0, 0.7)


def _kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    return float(np.sum(p * np.log(p / q)) * dx)


@exercise("js_divergence")
def check_js_divergence(js_divergence: Callable[[np.ndarray, np.ndarray, float], float]) -> None:
    """JSD in nats, with both halves, the mixture, the 1/2s and dx; 0 for equal densities."""
    p, q, dx = JS_P.copy(), JS_Q.copy(), JS_DX
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _as_array(js_divergence(p, q, dx), "js_divergence")
    expect(np.array_equal(p, JS_P) and np.array_equal(q, JS_Q),
           "your function changed p or q in place: compute new arrays instead")
    expect(out.size == 1, f"return one number (a sum over the grid times dx), got an array of shape {out.shape}")
    value = float(out)
    m = (JS_P + JS_Q) / 2
    right = reference_js_divergence(JS_P, JS_Q, dx)
    half_p, half_q = 0.5 * _kl(JS_P, m, dx), 0.5 * _kl(JS_Q, m, dx)
    expect(not any(_close(value, v) for v in (_kl(JS_P, JS_Q, dx), _kl(JS_Q, JS_P, dx),
                                               _kl(JS_P, JS_Q, dx) + _kl(JS_Q, JS_P, dx))),
           "that is a KL divergence between p and q; the JSD compares each of them with the mixture m = (p + q) / 2")
    expect(not _close(value, 2 * right), "that is KL(p||m) + KL(q||m), twice the JSD: each KL gets a factor 1/2")
    expect(not (_close(value, half_p) or _close(value, half_q) or _close(value, 2 * half_p)
                or _close(value, 2 * half_q)),
           "the JSD has two terms, 1/2 KL(p||m) + 1/2 KL(q||m); yours has only one of them")
    expect(not _close(value, right / np.log(2)), "use the natural logarithm np.log, not np.log2: "
           "the identity V(D*, G) = -log 4 + 2 JSD holds in nats")
    expect(not _close(value, right / dx), "multiply the sum by dx: an integral over x is a sum over the grid times dx")
    reversed_kl = 0.5 * _kl(m, JS_P, dx) + 0.5 * _kl(m, JS_Q, dx)
    expect(not _close(value, reversed_kl), "KL(p||m) averages log(p / m) over p: sum p * log(p / m) * dx, "
           "not m * log(m / p)")
    expect(0 <= value <= np.log(2) + TOLERANCE,
           f"the JSD (in nats) lies between 0 and log 2 = 0.693; yours is {value:.4g}")
    expect(_close(value, right), f"JSD should be {right:.6f} here, yours is {value:.6f}: "
           "JSD = 1/2 KL(p||m) + 1/2 KL(q||m) with m = (p + q) / 2 and KL(p||m) = sum p * log(p / m) * dx")
    with np.errstate(divide="ignore", invalid="ignore"):
        same = float(_as_array(js_divergence(JS_P.copy(), JS_P.copy(), dx), "js_divergence").reshape(-1)[0])
    expect(abs(same) < TOLERANCE, f"JSD(p || p) must be 0 (identical densities), yours gives {same:.4g}")


# ---------------------------------------------------------------- Exercise 1.3: G's two losses

# D(G(z)) from "D rejects the sample" to "D is fooled", made from logits so the gradient can be checked.
LOGITS = torch.logit(torch.tensor([0.01, 0.2, 0.5, 0.8, 0.99], dtype=torch.float64))


def _loss_values(loss_fn: Callable[[torch.Tensor], torch.Tensor], name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The learner's per-sample loss at D(G(z)) = sigmoid(LOGITS), and D's outputs themselves."""
    a = LOGITS.clone().requires_grad_()
    d = torch.sigmoid(a)
    out = loss_fn(d)
    expect(isinstance(out, torch.Tensor), f"{name} must return a tensor (use torch.log, not math.log or np.log), "
           f"so that autograd can compute G's gradient; got {type(out).__name__}")
    expect(out.shape == d.shape, f"{name} must return one loss per sample, the same shape as D_G_z {tuple(d.shape)}; "
           f"got shape {tuple(out.shape)} (don't take the mean here)")
    expect(out.requires_grad, f"{name}'s loss has no gradient: don't detach D_G_z or convert it to NumPy")
    out.sum().backward()
    return out.detach(), a.grad


@exercise("generator_losses")
def check_generator_losses(saturating_loss: Callable[[torch.Tensor], torch.Tensor],
                           non_saturating_loss: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """log(1 - D) and -log D, elementwise, with autograd gradients -D and -(1 - D) with respect to D's logit."""
    d = torch.sigmoid(LOGITS)
    log_d, log_1md = torch.log(d), torch.log(1 - d)

    def same(x: torch.Tensor, y: torch.Tensor) -> bool:
        return bool(torch.allclose(x.to(y.dtype), y, rtol=1e-5, atol=1e-6))

    sat, sat_grad = _loss_values(saturating_loss, "saturating_loss")
    expect(not same(sat, -log_1md), "saturating_loss: that is -log(1 - D(G(z))) = BCE(D(G(z)), 0), D's loss on a "
           "generated sample; G minimises what D maximises, so its loss is log(1 - D(G(z))), without the minus sign")
    expect(not same(sat, -log_d), "saturating_loss: that is the non-saturating loss -log D(G(z)); "
           "the saturating one is log(1 - D(G(z)))")
    expect(not same(sat, log_d), "saturating_loss: log of the wrong thing: the loss is log(1 - D(G(z))), "
           "not log D(G(z))")
    expect(same(sat, log_1md), f"saturating_loss should give {_fmt(log_1md.numpy())} at D(G(z)) = "
           f"{_fmt(d.numpy())}; yours gives {_fmt(sat.numpy())}")

    non_sat, non_sat_grad = _loss_values(non_saturating_loss, "non_saturating_loss")
    expect(not same(non_sat, log_d), "non_saturating_loss: missing minus sign: G maximises log D(G(z)), "
           "so it minimises -log D(G(z))")
    expect(not same(non_sat, -log_1md), "non_saturating_loss: log of the wrong thing: the loss is -log D(G(z)), "
           "not -log(1 - D(G(z)))")
    expect(not same(non_sat, log_1md), "non_saturating_loss: that is the saturating loss log(1 - D(G(z))); "
           "the non-saturating one is -log D(G(z))")
    expect(same(non_sat, -log_d), f"non_saturating_loss should give {_fmt((-log_d).numpy())} at D(G(z)) = "
           f"{_fmt(d.numpy())}; yours gives {_fmt(non_sat.numpy())}")

    # Right values with a broken graph (e.g. a constant built from .item()) would leave no gradient.
    expect(sat_grad is not None and same(sat_grad, -d), "saturating_loss: its gradient with respect to D's logit "
           "should be -D(G(z)); compute the loss from D_G_z with torch operations")
    expect(non_sat_grad is not None and same(non_sat_grad, -(1 - d)), "non_saturating_loss: its gradient with "
           "respect to D's logit should be -(1 - D(G(z))); compute the loss from D_G_z with torch operations")
