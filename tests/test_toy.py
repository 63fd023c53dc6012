"""The 1-D toy GAN of notebook 01: it learns and it is reproducible (its panel is tested in test_widgets.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from gan_lab import toy
from gan_lab.files import figure_png
from gan_lab.train import train_step


def w1_to_data(state: toy.ToyState, n: int = 4000) -> float:
    """1-D Wasserstein distance between G's numbers and real numbers (mean gap of the sorted samples)."""
    gen = torch.Generator().manual_seed(123)
    real = toy.sample_real(n, state.config, gen).squeeze(1).sort().values
    with torch.no_grad():
        fake = state.G(torch.randn(n, state.G.z_dim, generator=gen)).squeeze(1).sort().values
    return (real - fake).abs().mean().item()


def d_gap_on_data(state: toy.ToyState) -> float:
    """Mean |D(x) - 1/2| where the real density is at least a quarter of its peak."""
    c = toy.toy_curves(state)
    on_data = c.p_data > 0.25 * c.p_data.max()
    return float(np.abs(c.D[on_data] - 0.5).mean())


@pytest.fixture(scope="module")
def trained() -> tuple[toy.ToyState, float]:
    """A default run (two bumps) after 1500 steps, and its distance to the data before training."""
    state = toy.new_toy(seed=0)
    before = w1_to_data(state)
    toy.train_toy(state, 1500)
    return state, before


def test_generator_moves_to_the_data(trained):
    state, before = trained
    assert before > 1.5, "an untrained G should be far from the two bumps"
    assert w1_to_data(state) < 0.6, "after 1500 steps G's numbers should be close to the real ones"
    c = toy.toy_curves(state)
    mass_left = (c.p_g * np.diff(c.bin_edges))[c.bin_edges[:-1] < 0].sum()
    assert 0.25 < mass_left < 0.75, f"G should cover both bumps, but puts {mass_left:.2f} of its mass left of 0"


def test_d_moves_to_one_half_on_the_data(trained):
    state, _ = trained
    assert d_gap_on_data(state) < 0.12, "near equilibrium D(x) should be close to 1/2 where the data are"
    assert abs(np.mean(state.history.D_x[-100:]) - 0.5) < 0.1
    assert abs(np.mean(state.history.lossD[-100:]) - 2 * np.log(2)) < 0.1
    winner = toy.new_toy(seed=0)
    toy.train_toy(winner, 300, train_g=False)  # D alone: it learns to reject G's numbers
    assert d_gap_on_data(winner) > 0.4, "a D trained alone should be sure, far from 1/2, on the data"


def test_one_gaussian_mean_is_learned():
    state = toy.new_toy(means=(2.0,), seed=0)
    start = toy.toy_curves(state).g_mean
    toy.train_toy(state, 1000)
    c = toy.toy_curves(state)
    assert abs(start - 2.0) > 1.5
    assert abs(c.g_mean - 2.0) < 0.25, f"G's mean {c.g_mean:.2f} should approach the data mean 2"
    assert 0.3 < c.g_std < 0.8, f"G's spread {c.g_std:.2f} should approach the data's 0.5"


def _weights(state: toy.ToyState) -> list[torch.Tensor]:
    return [p.detach().clone() for p in [*state.G.parameters(), *state.D.parameters()]]


def test_same_seed_same_run_and_global_rng_irrelevant():
    torch.manual_seed(1)
    a = toy.train_toy(toy.new_toy(seed=7), 60)
    torch.manual_seed(2)
    b = toy.train_toy(toy.new_toy(seed=7), 60)
    assert a.history.lossD == b.history.lossD and a.history.lossG == b.history.lossG
    assert all(torch.equal(x, y) for x, y in zip(_weights(a), _weights(b)))
    c = toy.train_toy(toy.new_toy(seed=8), 60)
    assert a.history.lossD != c.history.lossD, "another seed should give another run"
    assert np.array_equal(toy.toy_curves(a).p_g, toy.toy_curves(b).p_g)


def test_snapshots_are_reproducible_and_ordered():
    s1, run = toy.toy_snapshots((0, 10, 30))
    s2, _ = toy.toy_snapshots((0, 10, 30))
    assert [c.step for c in s1] == [0, 10, 30] and run.step == 30
    assert all(np.array_equal(x.D, y.D) and np.array_equal(x.p_g, y.p_g) for x, y in zip(s1, s2))
    with pytest.raises(ValueError):
        toy.toy_snapshots((0, 30, 10))


def test_toy_step_is_train_step():
    """toy_step with the default loss does exactly what gan_lab.train.train_step does."""
    a, b = toy.new_toy(seed=3), toy.new_toy(seed=3)
    for _ in range(5):
        ra = toy.toy_step(a)
        x_real = toy.sample_real(b.config.batch_size, b.config, b.data_gen)
        rb = train_step(b.G, b.D, b.optD, b.optG, x_real, nn.BCELoss(), b.noise_gen)
        assert [float(v) for v in (ra.lossD, ra.lossG, ra.D_x, ra.D_G_z)] == \
            pytest.approx([float(v) for v in (rb.lossD, rb.lossG, rb.D_x, rb.D_G_z)], abs=1e-6)
    assert all(torch.allclose(x, y, atol=1e-6) for x, y in zip(_weights(a), _weights(b)))


def written_out_step(state: toy.ToyState, train_g: bool) -> tuple[float, ...]:
    """The toy step as notebook 01 first showed it, written out: the reference toy_step must match."""
    G, D, cfg = state.G, state.D, state.config
    bce = nn.BCELoss()
    x_real = toy.sample_real(cfg.batch_size, cfg, state.data_gen)
    ones, zeros = torch.ones(len(x_real), 1), torch.zeros(len(x_real), 1)
    state.optD.zero_grad()
    D_x = D(x_real)
    D_G_z = D(G(torch.randn(len(x_real), G.z_dim, generator=state.noise_gen)).detach())
    lossD = bce(D_x, ones) + bce(D_G_z, zeros)
    lossD.backward()
    state.optD.step()
    state.optG.zero_grad()
    D_out = D(G(torch.randn(len(x_real), G.z_dim, generator=state.noise_gen)))
    lossG = bce(D_out, ones) if cfg.g_loss == "non_saturating" else -bce(D_out, zeros)
    if train_g:
        lossG.backward()
        state.optG.step()
    return lossD.item(), lossG.item(), D_x.mean().item(), D_G_z.mean().item()


@pytest.mark.parametrize("g_loss,train_g", [("non_saturating", True), ("saturating", True), ("saturating", False)])
def test_toy_step_matches_the_written_out_step(g_loss, train_g):
    a, b = toy.new_toy(seed=5, g_loss=g_loss), toy.new_toy(seed=5, g_loss=g_loss)
    for _ in range(5):
        r = toy.toy_step(a, train_g)
        assert [float(v) for v in (r.lossD, r.lossG, r.D_x, r.D_G_z)] == pytest.approx(written_out_step(b, train_g),
                                                                                       abs=1e-6)
    assert all(torch.allclose(x, y, atol=1e-6) for x, y in zip(_weights(a), _weights(b)))
    assert a.step == 5 and len(a.history) == 5 and all(isinstance(v, float) for v in a.history.lossG)


def test_d_only_steps_leave_g_alone_and_saturating_loss():
    state = toy.new_toy()
    g_before = [p.detach().clone() for p in state.G.parameters()]
    d_before = [p.detach().clone() for p in state.D.parameters()]
    toy.train_toy(state, 5, train_g=False)
    assert all(torch.equal(x, y) for x, y in zip(g_before, state.G.parameters()))
    assert not all(torch.equal(x, y) for x, y in zip(d_before, state.D.parameters()))
    sat = toy.train_toy(toy.new_toy(g_loss="saturating"), 20)
    assert all(v < 0 for v in sat.history.lossG), "log(1 - D(G(z))) is negative"
    with pytest.raises(ValueError):
        toy.new_toy(g_loss="minimax")
    with pytest.raises(ValueError):
        toy.train_toy(state, -1)


def test_curves_and_plots():
    state = toy.new_toy()
    c = toy.toy_curves(state)
    width = np.diff(c.bin_edges)
    assert c.x.shape == c.p_data.shape == c.D.shape and c.p_g.shape == width.shape
    assert abs((c.p_data * (c.x[1] - c.x[0])).sum() - 1) < 0.01, "p_data is a density"
    assert abs((c.p_g * width).sum() - 1) < 0.01, "an untrained G's numbers all fall on the plotted range"
    assert ((c.D > 0) & (c.D < 1)).all()
    fig = toy.plot_toy(c)
    assert isinstance(fig, Figure) and fig.axes[0].get_title() and fig.axes[0].get_xlabel() == "x"
    assert isinstance(toy.plot_toy_snapshots([c, c, c]), Figure)
    assert figure_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.allclose(toy.real_density([-2.0, 2.0]), 0.5 / (0.5 * np.sqrt(2 * np.pi)))
