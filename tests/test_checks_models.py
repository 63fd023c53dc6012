"""Notebook 02's exercise checks: the solution passes, a stub is 'not done', typical mistakes get their message."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torchvision import transforms

import gan_lab
from gan_lab.checks.models import (check_discriminator, check_generator, check_sample_z, check_transform,
                                   reference_sample_z)


def assert_wrong(result, fragment: str) -> None:
    """The check failed, and its message contains the part that names this mistake."""
    assert result.status == "wrong", result.message
    assert fragment in result.message, result.message


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---- Exercise 2.1: the transform ----------------------------------------------------------------

def test_transform_solution_passes_and_stub_is_not_done():
    assert check_transform(gan_lab.mnist_transform).status == "correct"
    assert check_transform(stub).status == "not done"


@pytest.mark.parametrize("steps, fragment", [
    ([transforms.ToTensor()], "pixels lie in [0, 1]: add transforms.Normalize((0.5,), (0.5,))"),
    ([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))], "gives MNIST mean 0 and std 1"),
    ([transforms.Normalize((0.5,), (0.5,)), transforms.ToTensor()], "put transforms.ToTensor() first"),
    ([transforms.PILToTensor()], "pixels must be floats, not torch.uint8"),
    ([transforms.ToTensor(), transforms.Normalize((0.5,), (1.0,))], "yours become -0.50 and 0.50"),
    ([], "must return a tensor, not Image"),
])
def test_transform_mistakes(steps, fragment):
    assert_wrong(check_transform(lambda: transforms.Compose(steps)), fragment)


# ---- Exercise 2.2: the discriminator ------------------------------------------------------------

def make_D(hidden: int = 128, act: nn.Module | None = None, out: int = 1, last: nn.Module | None = None,
           flatten: bool = True, use_act: bool = True, bias: bool = True, squeeze: bool = False, detach: bool = False):
    """A Discriminator class with one typical mistake switched on."""

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, hidden, bias=bias)
            self.act = act if act is not None else nn.LeakyReLU(0.2)
            self.fc2 = nn.Linear(hidden, out)
            self.sigmoid = last if last is not None else nn.Sigmoid()

        def forward(self, x):
            if flatten:
                x = x.view(x.size(0), -1)
            if detach:
                x = x.detach()
            h = self.fc1(x)
            y = self.sigmoid(self.fc2(self.act(h) if use_act else h))
            return y.squeeze(1) if squeeze else y

    return Discriminator


def test_discriminator_solution_passes():
    assert check_discriminator(make_D()).status == "correct"
    assert check_discriminator(gan_lab.Discriminator).status == "correct"


def test_discriminator_stub_in_init_or_forward_is_not_done():
    class StubInit(nn.Module):
        def __init__(self):
            super().__init__()
            raise NotImplementedError()

    class StubForward(make_D()):
        def forward(self, x):
            raise NotImplementedError()

    assert check_discriminator(StubInit).status == "not done"
    assert check_discriminator(StubForward).status == "not done"


@pytest.mark.parametrize("mistake, fragment", [
    (dict(flatten=False), "D should flatten its input: it fails on images shaped (N, 1, 28, 28)"),
    (dict(out=784), "shape (N, 1); got (N, 784)"),
    (dict(squeeze=True), "got (N,): keep the last dimension"),
    (dict(last=nn.Identity()), "must be a probability in (0, 1): add the Sigmoid; your outputs reach"),
    (dict(last=nn.Tanh()), "as a Tanh's do"),
    (dict(hidden=256), "D's fc1 must map 784 -> 128 (the 784 pixels to the report's 128 hidden units); "
                       "yours maps 784 -> 256"),
    (dict(act=nn.LeakyReLU()), "slope must be 0.2 as in the report, not 0.01"),
    (dict(act=nn.ReLU()), "must be LeakyReLU(0.2), not ReLU"),
    (dict(use_act=False), "must apply fc1, act, fc2, sigmoid in this order"),
    (dict(bias=False), "= 100,609 parameters; yours has 100,481"),
    (dict(detach=True), "must stay connected to its input"),
])
def test_discriminator_mistakes(mistake, fragment):
    assert_wrong(check_discriminator(make_D(**mistake)), fragment)


def test_discriminator_without_the_named_layers_is_told_the_names():
    class Sequential(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1), nn.Sigmoid())

        def forward(self, x):
            return self.net(x)

    assert_wrong(check_discriminator(Sequential), "named fc1, act, fc2, sigmoid (as in the table)")


# ---- Exercise 2.3: sample_z ---------------------------------------------------------------------

def test_sample_z_solution_passes_and_stub_is_not_done():
    assert check_sample_z(reference_sample_z).status == "correct"
    assert check_sample_z(stub).status == "not done"


def seeded_randn(n, z_dim):
    torch.manual_seed(0)
    return torch.randn(n, z_dim)


@pytest.mark.parametrize("sample_z, fragment", [
    (lambda n, z_dim: torch.rand(n, z_dim), "lie in [0, 1), as torch.rand gives: use torch.randn"),
    (lambda n, z_dim: torch.randn(z_dim, n), "got (100, 5): n comes first"),
    (lambda n, z_dim: np.random.randn(n, z_dim), "must return a torch tensor, not ndarray"),
    (lambda n, z_dim: torch.from_numpy(np.random.randn(n, z_dim)), "z must be float32 like G's weights, not torch.float64"),
    (lambda n, z_dim: 0.1 * torch.randn(n, z_dim), "std 0.10, not 0 and 1"),
    (lambda n, z_dim: torch.randn(n, 100), "use the arguments n and z_dim"),
    (lambda n, z_dim: torch.randn(1, z_dim).repeat(n, 1), "all rows of z are the same"),
    (seeded_randn, "returns the same z at every call"),
])
def test_sample_z_mistakes(sample_z, fragment):
    assert_wrong(check_sample_z(sample_z), fragment)


# ---- Exercise 2.4: the generator ----------------------------------------------------------------

def make_G(hidden: int = 128, act: nn.Module | None = None, last: nn.Module | None = None, reshape: bool = True,
           fixed_z_dim: int | None = None):
    """A Generator class with one typical mistake switched on."""

    class Generator(nn.Module):
        def __init__(self, z_dim: int = 100):
            super().__init__()
            self.z_dim = z_dim
            self.fc1 = nn.Linear(fixed_z_dim or z_dim, hidden)
            self.act = act if act is not None else nn.LeakyReLU(0.2)
            self.fc2 = nn.Linear(hidden, 784)
            self.tanh = last if last is not None else nn.Tanh()

        def forward(self, z):
            x = self.tanh(self.fc2(self.act(self.fc1(z))))
            return x.view(z.size(0), 1, 28, 28) if reshape else x

    return Generator


def test_generator_solution_passes():
    assert check_generator(make_G()).status == "correct"
    assert check_generator(gan_lab.Generator).status == "correct"


def test_generator_stub_is_not_done():
    class StubInit(nn.Module):
        def __init__(self, z_dim: int = 100):
            super().__init__()
            self.z_dim = z_dim
            raise NotImplementedError()

    assert check_generator(StubInit).status == "not done"


@pytest.mark.parametrize("mistake, fragment", [
    (dict(reshape=False), "G must return images shaped (N, 1, 28, 28), got (N, 784): end forward with .view("),
    (dict(last=nn.Identity()), "G's last activation must be Tanh so images lie in [-1, 1] like the data; "
                               "your outputs reach"),
    (dict(last=nn.Sigmoid()), "never go below 0, as with a Sigmoid"),
    (dict(fixed_z_dim=100), "G must use its z_dim: Generator(z_dim=16) fails"),
    (dict(act=nn.LeakyReLU()), "G's LeakyReLU slope must be 0.2 as in the report, not 0.01"),
    (dict(hidden=256), "G's fc1 must map 100 -> 128"),
])
def test_generator_mistakes(mistake, fragment):
    assert_wrong(check_generator(make_G(**mistake)), fragment)


# ---- all checks ---------------------------------------------------------------------------------

def test_checks_leave_the_notebooks_random_state_alone():
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    check_discriminator(gan_lab.Discriminator)
    check_sample_z(reference_sample_z)
    check_generator(gan_lab.Generator)
    assert torch.equal(torch.rand(3), expected)


def test_a_crash_in_the_learners_code_is_reported_not_raised():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)

        def forward(self, x):
            return self.fc1(x.view(x.size(0), -1)) @ torch.ones(3, 1)  # a shape error on any input

    assert_wrong(check_discriminator(Broken), "your code raised RuntimeError")
