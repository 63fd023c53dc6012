"""Checks for notebook 03: D's and G's losses, one training step, latent interpolation, nearest neighbours.

    ok = check_d_loss(d_loss)
    d_loss = use_if_correct(ok, d_loss, reference_d_loss, "d_loss")
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import nn

from ..explore import interpolate_z as reference_interpolate_z
from ..explore import nearest_training_images as reference_nearest
from ..models import Discriminator, Generator, build_models
from ..train import train_step
from . import exercise, expect

__all__ = ["check_d_loss", "check_g_loss", "check_train_step", "check_interpolate_z", "check_nearest",
           "reference_d_loss", "reference_g_loss", "reference_train_step", "reference_interpolate_z",
           "reference_nearest"]

TOLERANCE = 1e-5
_BCE = nn.BCELoss()


# ---------------------------------------------------------------- references (what later cells fall back to)

def reference_d_loss(D: Discriminator, x_real: torch.Tensor, x_gen: torch.Tensor) -> torch.Tensor:
    """lossD = BCE(D(x_real), lab_real) + BCE(D(x_gen), lab_fake), with x_gen detached (trains D only)."""
    lab_real = torch.ones(x_real.size(0), 1, device=x_real.device)
    lab_fake = torch.zeros(x_gen.size(0), 1, device=x_gen.device)
    return _BCE(D(x_real), lab_real) + _BCE(D(x_gen.detach()), lab_fake)


def reference_g_loss(D: Discriminator, x_gen: torch.Tensor) -> torch.Tensor:
    """lossG = BCE(D(x_gen), lab_real): the non-saturating loss -log D(G(z))."""
    return _BCE(D(x_gen), torch.ones(x_gen.size(0), 1, device=x_gen.device))


def reference_train_step(G: Generator, D: Discriminator, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
                         x_real: torch.Tensor, noise_gen: Optional[torch.Generator] = None) -> tuple[float, float]:
    """gan_lab.train_step, returning (lossD, lossG) as the exercise asks."""
    r = train_step(G, D, optD, optG, x_real, nn.BCELoss(), noise_gen)
    return r.lossD, r.lossG


# ---------------------------------------------------------------- small test inputs

def _bars(n: int, seed: int) -> torch.Tensor:
    """n 'digits' in [-1, 1]: a dark background with one bright bar, as MNIST images are mostly background."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.full((n, 1, 28, 28), -1.0) + 0.1 * torch.rand(n, 1, 28, 28, generator=gen)
    for i in range(n):
        row = 4 + 2 * (i % 10)
        x[i, 0, row:row + 2, 4:24] = 1.0
    return x


def _loss_setup() -> tuple[Generator, Discriminator, torch.Tensor, torch.Tensor]:
    """A small G, a D that scores real images high (~0.8) and G's images low (~0.3), x_real, and x_gen = G(z).

    D must tell the two batches apart, or swapped labels would give the same loss. x_gen keeps its
    graph back to G, so that a missing detach shows up in G's gradients.
    """
    gen = torch.Generator().manual_seed(3)
    G = Generator(z_dim=8, hidden_dim=16)
    D = Discriminator(hidden_dim=16)
    with torch.no_grad():
        D.fc1.weight.copy_(-0.004 + 0.001 * torch.randn(D.fc1.weight.shape, generator=gen))  # responds to darkness
        D.fc1.bias.zero_()
        D.fc2.weight.fill_(2.5 / 2.8 / 16)
        D.fc2.bias.fill_(-1.0)
    x_real = _bars(8, seed=4)
    x_gen = G(torch.randn(8, 8, generator=gen))
    return G, D, x_real, x_gen


def _scalar_loss(out, name: str) -> torch.Tensor:
    """The learner's loss, checked to be a one-number tensor that still has its graph."""
    expect(isinstance(out, torch.Tensor), f"{name} must return the loss as a tensor (so that .backward() works), "
           f"got {type(out).__name__}; don't call .item() on it")
    expect(out.numel() == 1, f"{name} must return one number (BCELoss averages over the batch), got shape "
           f"{tuple(out.shape)}")
    expect(out.requires_grad, f"{name}'s loss has no gradient: compute it from D's outputs, outside torch.no_grad()")
    return out.reshape(())


def _close(a: float, b: float) -> bool:
    return abs(a - b) < TOLERANCE * max(1.0, abs(b))


def _grad_size(model: nn.Module) -> float:
    """Largest absolute gradient entry over the model's parameters (0 when none was computed)."""
    return max((p.grad.abs().max().item() for p in model.parameters() if p.grad is not None), default=0.0)


def _bce(p: torch.Tensor, label: float) -> float:
    return _BCE(p, torch.full_like(p, label)).item()


# ---------------------------------------------------------------- Exercise 3.1: D's loss

@exercise("d_loss")
def check_d_loss(d_loss: Callable[[Discriminator, torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """lossD's value, which labels go where, and that it moves D's weights but not G's."""
    G, D, x_real, x_gen = _loss_setup()
    loss = _scalar_loss(d_loss(D, x_real, x_gen), "d_loss")
    with torch.no_grad():
        p_real, p_gen = D(x_real), D(x_gen)
    value = loss.item()
    right = _bce(p_real, 1) + _bce(p_gen, 0)
    expect(not _close(value, _bce(p_real, 0) + _bce(p_gen, 1)),
           "your labels are swapped: real images must get lab_real (ones), generated images lab_fake (zeros)")
    expect(not _close(value, _bce(p_real, 1) + _bce(p_gen, 1)),
           "generated images must get lab_fake (zeros), got ones")
    expect(not _close(value, _bce(p_real, 0) + _bce(p_gen, 0)), "real images must get lab_real (ones), got zeros")
    expect(not _close(value, right / 2), "lossD must be lossD_real + lossD_fake (their sum, not their mean)")
    expect(not (_close(value, _bce(p_real, 1)) or _close(value, _bce(p_gen, 0))),
           "lossD must be lossD_real + lossD_fake; yours is only one of the two")
    expect(_close(value, right), f"lossD should be {right:.4f} here, yours is {value:.4f}: lossD must be "
           "lossD_real + lossD_fake, each criterion(D's output, label) with lab_real for x_real, lab_fake for x_gen")
    loss.backward()
    expect(_grad_size(G) == 0, "your D loss changed G's gradients: did you detach x_gen? (D(x_gen.detach()))")
    expect(_grad_size(D) > 0, "lossD gave D no gradient: compute it from D's outputs on x_real and x_gen")


# ---------------------------------------------------------------- Exercise 3.2: G's loss

@exercise("g_loss")
def check_g_loss(g_loss: Callable[[Discriminator, torch.Tensor], torch.Tensor]) -> None:
    """lossG = BCE(D(x_gen), lab_real), and its gradient reaches G."""
    G, D, _, x_gen = _loss_setup()
    loss = _scalar_loss(g_loss(D, x_gen), "g_loss")
    with torch.no_grad():
        p_gen = D(x_gen)
    value = loss.item()
    right = _bce(p_gen, 1)
    expect(not _close(value, _bce(p_gen, 0)), "G's target must be lab_real (ones), got zeros")
    expect(not _close(value, -_bce(p_gen, 0)),
           "that is the saturating loss log(1 - D(G(z))), whose gradient vanishes when D rejects G's images; "
           "use the non-saturating loss criterion(D(x_gen), lab_real) = -log D(G(z))")
    expect(not _close(value, -right), "wrong sign: G minimises -log D(G(z)); yours is log D(G(z))")
    expect(_close(value, right), f"lossG should be {right:.4f} here, yours is {value:.4f}: "
           "lossG = criterion(D(x_gen), lab_real)")
    loss.backward()
    expect(_grad_size(G) > 0, "G got no gradient from your loss: don't detach x_gen in G's loss "
           "(G learns through D's judgement of its images)")


# ---------------------------------------------------------------- Exercise 3.3: one training step

def _variant_step(G, D, optD, optG, x_real, noise_gen, *, fresh_z: bool = True, g_first: bool = False,
                  zero_grad: bool = True) -> None:
    """A training step with one typical mistake switched on (to name the learner's mistake)."""
    n = x_real.size(0)

    def d_step(z):
        if zero_grad:
            optD.zero_grad()
        reference_d_loss(D, x_real, G(z)).backward()
        optD.step()

    def g_step(z):
        if zero_grad:
            optG.zero_grad()
        reference_g_loss(D, G(z)).backward()
        optG.step()

    z = torch.randn(n, G.z_dim, generator=noise_gen)
    first, second = (g_step, d_step) if g_first else (d_step, g_step)
    first(z)
    second(torch.randn(n, G.z_dim, generator=noise_gen) if fresh_z else z)


def _players(seed: int = 5) -> tuple:
    G, D = build_models(z_dim=8, hidden_dim=16, seed=seed)
    optD = torch.optim.SGD(D.parameters(), lr=0.1)
    optG = torch.optim.SGD(G.parameters(), lr=0.1)
    return G, D, optD, optG


def _weights(*models: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for m in models for p in m.parameters()])


def _run(step, steps: int = 2, **kw) -> tuple[tuple[torch.Tensor, torch.Tensor], list]:
    """(G's weights, D's weights) after `steps` steps from the same start, batches and noise; and each step's output."""
    G, D, optD, optG = _players()
    noise_gen = torch.Generator().manual_seed(6)
    outs = [step(G, D, optD, optG, _bars(8, seed=10 + i), noise_gen, **kw) for i in range(steps)]
    return (_weights(G), _weights(D)), outs


@exercise("train_step")
def check_train_step(my_train_step: Callable[..., tuple[float, float]]) -> None:
    """Two steps from the same start and noise must give gan_lab.train_step's weights and losses."""
    G0, D0, _, _ = _players()
    (g_mine, d_mine), outs = _run(my_train_step)
    (g_ref, d_ref), ref_outs = _run(reference_train_step)
    same = lambda a, b: torch.allclose(a, b, atol=1e-6)  # noqa: E731
    expect(not same(g_mine, _weights(G0)), "G's weights did not change: call lossG.backward() and then optG.step()")
    expect(not same(d_mine, _weights(D0)), "D's weights did not change: call lossD.backward() and then optD.step()")
    if not (same(g_mine, g_ref) and same(d_mine, d_ref)):
        for kw, message in (({"fresh_z": False}, "G's step must draw a fresh z (a new torch.randn(..., "
                             "generator=noise_gen)); yours reuses the z of D's step"),
                            ({"g_first": True}, "train D first, then G (the report's order); yours trains G first"),
                            ({"zero_grad": False}, "call optD.zero_grad() and optG.zero_grad() before each backward: "
                             "otherwise gradients add up from step to step")):
            (g_var, d_var), _ = _run(_variant_step, **kw)
            expect(not (same(g_mine, g_var) and same(d_mine, d_var)), message)
        expect(False, "after two steps your weights differ from gan_lab.train_step's: draw z with "
               "torch.randn(batch_size, G.z_dim, generator=noise_gen), D step (zero_grad, d_loss, backward, step), "
               "then G step (zero_grad, fresh z, g_loss, backward, step)")
    for out, ref in zip(outs, ref_outs):
        expect(isinstance(out, (tuple, list)) and len(out) == 2,
               f"train_step must return (lossD, lossG), got {type(out).__name__}")
        lossD, lossG = (float(v) for v in out)
        expect(_close(lossD, ref[0]) and _close(lossG, ref[1]), f"the losses you return ({lossD:.4f}, {lossG:.4f}) "
               f"are not this step's lossD and lossG ({ref[0]:.4f}, {ref[1]:.4f})")


# ---------------------------------------------------------------- Exercise 3.4: latent interpolation

@exercise("interpolate_z")
def check_interpolate_z(interpolate_z: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> None:
    """steps points, evenly spaced on the straight line from z0 to z1, both ends included."""
    gen = torch.Generator().manual_seed(7)
    for z_dim, steps in ((5, 7), (3, 2)):
        z0, z1 = torch.randn(2, z_dim, generator=gen)
        out = interpolate_z(z0, z1, steps)
        expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (steps, z_dim),
               f"interpolate_z must return one latent vector per row: shape (steps, z_dim) = ({steps}, {z_dim}), got "
               f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
        out = out.detach().float()
        start_ok, end_ok = torch.allclose(out[0], z0, atol=1e-5), torch.allclose(out[-1], z1, atol=1e-5)
        expect(not (torch.allclose(out[0], z1, atol=1e-5) and torch.allclose(out[-1], z0, atol=1e-5)),
               "interpolation must start at z0 and end at z1; yours runs from z1 to z0")
        expect(start_ok, "interpolation must start at z0 (t = 0)")
        expect(end_ok, "interpolation must start at z0 and end at z1: your last row is not z1 (t must reach 1; "
               "torch.linspace(0, 1, steps) includes both ends)")
        expect(torch.allclose(out, reference_interpolate_z(z0, z1, steps), atol=1e-5),
               "the points must lie evenly spaced on the straight line z = (1 - t) z0 + t z1, "
               "t = 0, 1/(steps - 1), ..., 1")


# ---------------------------------------------------------------- Exercise 3.5: nearest neighbours

@exercise("nearest")
def check_nearest(nearest: Callable[[torch.Tensor, torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]) -> None:
    """Indices and Euclidean pixel distances of each sample's k nearest training images, nearest first."""
    gen = torch.Generator().manual_seed(8)
    train_images = torch.rand(40, 1, 28, 28, generator=gen) * 2 - 1
    samples = torch.rand(5, 1, 28, 28, generator=gen) * 2 - 1
    train_images[17] = (samples[0] + 0.05 * torch.randn(1, 28, 28, generator=gen)).clamp(-1, 1)  # a near copy
    k = 3
    out = nearest(samples, train_images, k)
    expect(isinstance(out, (tuple, list)) and len(out) == 2,
           f"nearest must return (indices, distances), got {type(out).__name__}")
    idx, dist = (torch.as_tensor(v) for v in out)
    expect(not (dist.dtype in (torch.int64, torch.int32) and idx.is_floating_point()),
           "return (indices, distances) in that order; yours are swapped")
    expect(tuple(idx.shape) == tuple(dist.shape) == (5, k), f"indices and distances must have shape (number of "
           f"samples, k) = (5, {k}), got {tuple(idx.shape)} and {tuple(dist.shape)}")
    ref_idx, ref_dist = reference_nearest(samples, train_images, k)
    idx, dist = idx.long(), dist.detach().double()
    all_d = torch.cdist(samples.reshape(5, -1).double(), train_images.reshape(40, -1).double())
    farthest = all_d.topk(k, dim=1, largest=True).indices
    expect(not torch.equal(idx, farthest), "those are the farthest training images: take the k smallest distances "
           "(topk(k, largest=False))")
    expect(torch.equal(idx.sort(1).values, ref_idx.sort(1).values), "these are not the k nearest training images in "
           "pixel space: flatten each image to its 784 pixels (x.reshape(len(x), -1)) and compare with torch.cdist")
    expect(torch.equal(idx, ref_idx), "sort each row from the nearest training image to the farthest")
    expect(not torch.allclose(dist, ref_dist.double() ** 2, rtol=1e-4),
           "your distances look squared: the Euclidean distance is the square root of the summed squared differences")
    expect(torch.allclose(dist, ref_dist.double(), rtol=1e-4), f"the distances should be the Euclidean pixel distances "
           f"(row 0: {[round(v, 3) for v in ref_dist[0].tolist()]}), yours are {[round(v, 3) for v in dist[0].tolist()]}")
