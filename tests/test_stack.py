"""The side-by-side trainer (gan_lab.stack): a run trained in a stack is the same run trained alone."""
import os

import pytest
import torch
from torch import nn

from gan_lab import TrainConfig, fit
from gan_lab.stack import StackedModule, fit_side_by_side, group_by_stack
from gan_lab.state import make_optimizers, new_state
from gan_lab.train import Single, train_runs

# Float rounding of batched vs single matrix products, after 30 steps. Adam divides by sqrt(v), which
# is tiny early on, so it magnifies rounding differences more than SGD does.
TOL = {"sgd": 1e-5, "adam": 1e-4}


# The equivalence tests run on the CPU; GAN_LAB_TEST_DEVICE=cuda runs them on a GPU where there is one.
DEVICE = os.environ.get("GAN_LAB_TEST_DEVICE", "cpu")
# cuDNN computes float32 convolutions in TF32 by default on recent GPUs (about 1e-3 relative error): these
# tests compare float32 runs to 1e-5, so on a GPU the convolutions keep full float32.
torch.backends.cudnn.allow_tf32 = False


def cfgs(root, optimizer, variants, device=DEVICE, **common):
    return [TrainConfig(**{"data_root": str(root), "optimizer": optimizer, "batch_size": 32, "epochs": 3,
                           "device": device, **common, **v}) for v in variants]


class ConvG(nn.Module):
    """A small DCGAN-style generator: z -> 32 x 7 x 7 -> 16 x 14 x 14 -> 1 x 28 x 28."""

    def __init__(self, z_dim: int = 16):
        super().__init__()
        self.z_dim = z_dim
        self.fc = nn.Linear(z_dim, 32 * 7 * 7)
        self.up1 = nn.ConvTranspose2d(32, 16, 4, 2, 1)
        self.up2 = nn.ConvTranspose2d(16, 1, 4, 2, 1)

    def forward(self, z):
        h = nn.functional.leaky_relu(self.fc(z), 0.2).view(-1, 32, 7, 7)
        return torch.tanh(self.up2(nn.functional.leaky_relu(self.up1(h), 0.2)))


class ConvD(nn.Module):
    """Its discriminator: 1 x 28 x 28 -> 16 x 14 x 14 -> 32 x 7 x 7 -> a probability."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 4, 2, 1)
        self.conv2 = nn.Conv2d(16, 32, 4, 2, 1)
        self.fc = nn.Linear(32 * 7 * 7, 1)

    def forward(self, x):
        h = nn.functional.leaky_relu(self.conv2(nn.functional.leaky_relu(self.conv1(x), 0.2)), 0.2)
        return torch.sigmoid(self.fc(h.flatten(1)))


def conv_state(config):
    """A TrainState with the convolutional networks in place of the report's (seeded by the run's seed)."""
    s = new_state(config)
    torch.manual_seed(config.seed)
    s.G, s.D = ConvG().to(s.device), ConvD().to(s.device)
    s.optD, s.optG = make_optimizers(config, s.G, s.D)
    s.fixed_noise = torch.randn(64, 16, generator=torch.Generator().manual_seed(config.seed)).to(s.device)
    return s


def report_state(config):
    return new_state(config)


@pytest.mark.parametrize("optimizer,network,common", [
    ("sgd", report_state, {}),
    ("adam", report_state, {"betas": (0.9, 0.999)}),
    ("sgd", report_state, {"logits": True, "lr_d": 0.03}),  # D's loss on logits
    ("sgd", conv_state, {"lr_d": 0.005, "lr_g": 0.005}),  # at 0.1 this small conv GAN is chaotic: 1e-7 grows to 0.1
    ("adam", conv_state, {}),
    # Notebook 06's networks as the package builds them, with averages of G and one-sided label smoothing.
    # (SGD: Adam turns rounding in near-zero gradients of this wider conv G into steps of lr, 2e-4, in a few weights.)
    ("sgd", report_state, {"arch": "conv", "lr_d": 0.01, "lr_g": 0.01, "ema": (0.9, 0.99)}),
    ("sgd", report_state, {"arch": "cond", "ema": (0.9,), "label_smoothing": 0.1}),
    ("adam", report_state, {"lr_decay": "linear"}),  # every epoch's rates set in the stack's optimizers too
    # The R1 penalty differentiates D's output with respect to the images twice over: through the shortcut and vmap.
    ("sgd", report_state, {"logits": True, "r1": 10.0, "lr_d": 0.03}),
    ("sgd", report_state, {"arch": "conv", "lr_d": 0.01, "lr_g": 0.01, "logits": True, "r1": 10.0}),
    ("sgd", report_state, {"logits": True, "r1": 10.0, "r1_every": 4, "lr_d": 0.03}),  # lazy R1
])
def test_a_run_in_a_stack_matches_the_same_run_alone(tiny_root, optimizer, network, common):
    check_stack_matches_alone(cfgs(tiny_root, optimizer, [{"seed": 0}, {"seed": 3}, {"seed": 7}], **common),
                              optimizer, network)


@pytest.mark.parametrize("optimizer,common", [
    ("sgd", {}),
    ("adam", {"arch": "cond", "ema": (0.9,)}),  # Adam's moments and the averages are padded and cut back too
])
def test_generators_of_different_z_dim_share_a_stack_and_match_alone(tiny_root, optimizer, common):
    """z_dim 20, 100 and 200 in one stack: the narrower runs' z and z weights padded with zeros, results unchanged."""
    configs = cfgs(tiny_root, optimizer, [{"seed": 0, "z_dim": 20}, {"seed": 3, "z_dim": 200},
                                          {"seed": 7, "z_dim": 100}], **common)
    assert len(group_by_stack([new_state(c) for c in configs])) == 1
    check_stack_matches_alone(configs, optimizer, report_state)


def check_stack_matches_alone(configs, optimizer, network):
    """Each run trained in one stack ends where it ends alone: history, weights, samples, averages, Adam's moments."""
    alone = [train_runs([network(c)], Single, progress=False)[0] for c in configs]
    together = fit_side_by_side([network(c) for c in configs], progress=False)
    # GroupNorm in the package's conv G divides by each image's spread, which magnifies float rounding (the
    # stack sums in another order): measured 2e-5 in lossD and 3e-4 in samples after 30 steps, from weights
    # that agree to 7e-6. A mixing of runs would differ by far more (0.1 and up).
    tol = TOL[optimizer] * (10 if any(c.arch == "conv" for c in configs) else 1)
    for a, b in zip(alone, together):
        assert b.step == a.step == 30 and b.epoch == 3 and not a.stopped and not b.stopped
        for col in ("lossD", "lossG", "D_x", "D_G_z"):
            diff = (torch.tensor(getattr(a.history, col)) - torch.tensor(getattr(b.history, col))).abs().max()
            assert diff < tol, f"{col} differs by {diff}"
        for p, q in zip(list(a.G.parameters()) + list(a.D.parameters()), list(b.G.parameters()) + list(b.D.parameters())):
            assert p.shape == q.shape and (p - q).abs().max() < tol
        assert (a.fixed_samples() - b.fixed_samples()).abs().max() < 10 * tol
        assert len(a.ema) == len(b.ema) == len(a.config.ema)
        for avg_a, avg_b in zip(a.ema, b.ema):  # each run's averages of G are written back too
            for p, q in zip(avg_a.parameters(), avg_b.parameters()):
                assert (p - q).abs().max() < tol
        if optimizer == "adam":  # the moments are written back in torch.optim.Adam's own format
            sa, sb = a.optG.state_dict()["state"], b.optG.state_dict()["state"]
            assert float(sa[0]["step"]) == float(sb[0]["step"]) == 30
            assert (sa[0]["exp_avg_sq"] - sb[0]["exp_avg_sq"]).abs().max() < tol
    assert len({float(r.history.lossD[-1]) for r in together}) == 3  # three seeds, three different runs


def test_the_stack_runs_the_real_modules_forward(tiny_root):
    """StackedModule gives each run exactly its own network's output, for the report's and a conv network."""
    for build, x in ((lambda c: new_state(c).D, torch.rand(3 * 5, 1, 28, 28) * 2 - 1),
                     (lambda c: conv_state(c).G, torch.randn(3 * 5, 16))):
        nets = [build(c) for c in cfgs(tiny_root, "sgd", [{"seed": s} for s in range(3)])]
        x = x.to(DEVICE)
        out = StackedModule(nets)(x)
        for r, net in enumerate(nets):
            assert torch.allclose(out[5 * r:5 * (r + 1)], net(x[5 * r:5 * (r + 1)]), atol=1e-6)


class BatchCentred(nn.Module):
    """A network whose output depends on the whole batch: its Linear layer's output minus the batch's mean."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.act = nn.Tanh()

    def forward(self, x):
        h = self.fc(x)
        return self.act(h - h.mean(0))


def test_linear_networks_skip_vmap_only_where_that_gives_each_run_its_own_output(tiny_root):
    """Networks whose weights are all nn.Linear run without vmap, unless the check at the first call disagrees."""
    c = cfgs(tiny_root, "sgd", [{"seed": s} for s in range(3)])
    cases = [("linear", [new_state(x).D for x in c], torch.rand(3 * 5, 1, 28, 28) * 2 - 1),
             ("linear", [new_state(x).G for x in c], torch.randn(3 * 5, 100)),
             ("vmap", [conv_state(x).G for x in c], torch.randn(3 * 5, 16)),  # convolutions: not Linear only
             ("vmap", [BatchCentred() for _ in range(3)], torch.randn(3 * 5, 4))]  # rows are not independent
    for path, nets, x in cases:
        x = x.to(DEVICE)
        stacked = StackedModule([n.to(DEVICE) for n in nets])
        out = stacked(x)
        assert stacked.path == path
        for r, net in enumerate(nets):
            assert torch.allclose(out[5 * r:5 * (r + 1)], net(x[5 * r:5 * (r + 1)]), atol=1e-6)


def test_runs_that_cannot_share_a_stack_are_grouped_apart(tiny_root):
    """Another architecture, other learning rates or another point in training: other stacks."""
    base = cfgs(tiny_root, "adam", [{"seed": 0}, {"seed": 1}, {"hidden_dim": 64}, {"lr_d": 1e-3}])
    states = [new_state(c) for c in base]
    later = fit(base[0].replace(seed=5, epochs=1), progress=False)  # 10 steps of Adam so far
    later.config = later.config.replace(epochs=3)  # as resume_state does when the schedule grows
    groups = group_by_stack(states + [later])
    assert [len(g) for g in groups] == [2, 1, 1, 1]
    with pytest.raises(ValueError, match="cannot share a stack"):
        fit_side_by_side(states[:3], progress=False)
    alone = fit(base[0].replace(seed=5), progress=False)
    (resumed,) = fit_side_by_side([later], progress=False)
    assert float(resumed.optG.state_dict()["state"][0]["step"]) == 30
    assert abs(resumed.history.lossG[-1] - alone.history.lossG[-1]) < TOL["adam"]


def test_saturated_and_diverging_runs_in_a_stack(tiny_root):
    """Saturation (BCE at its clamp) stays finite, as alone; a blown-up run leaves the stack, the others go on."""
    saturating = cfgs(tiny_root, "sgd", [{"seed": 0}, {"seed": 1}], device="cpu", lr_d=10.0, lr_g=0.01, epochs=15)
    together = fit_side_by_side([new_state(c) for c in saturating], progress=False)
    for c, s in zip(saturating, together):
        alone = fit(c, progress=False)
        assert s.stopped is None and s.step == 150 and s.history.lossG[-1] > 20
        assert [e["kind"] for e in s.history.events] == [e["kind"] for e in alone.history.events] == ["saturated"]

    configs = cfgs(tiny_root, "sgd", [{"seed": 0}, {"seed": 1}, {"seed": 2}], device="cpu")
    states = [new_state(c) for c in configs]
    with torch.no_grad():
        states[1].D.fc2.weight[0, 0] = float("nan")  # run 1's weights have blown up
    healthy, diverged, other = fit_side_by_side(states, progress=False)
    assert diverged.stopped and "step 1 " in diverged.stopped and len(diverged.history) == 0
    assert [e["kind"] for e in diverged.history.events] == ["diverged"]
    for s, c in ((healthy, configs[0]), (other, configs[2])):
        alone = fit(c, progress=False)
        assert s.stopped is None and s.epoch == 3
        assert max(abs(x - y) for x, y in zip(s.history.lossG, alone.history.lossG)) < TOL["sgd"]
