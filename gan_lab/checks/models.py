"""Checks for notebook 02's exercises: the data transform, D, sample_z and G (the report's architecture).

Each check builds the learner's object on a few small inputs and stops at the first mistake, in the
order a learner is likely to meet them: it crashes, then wrong shape, then wrong range, then the
layers differ from the report's (784 -> 128 -> 1 and z_dim -> 128 -> 784, LeakyReLU(0.2)).
The checks draw their own random inputs and leave the notebook's random state as it was.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision import transforms

from ..models import IMAGE_DIM
from . import Mistake, exercise, expect

N = 6  # images per test batch: small, and not a size that appears in the architecture
HIDDEN = 128
SLOPE = 0.2
D_LAYERS = ("fc1", "act", "fc2", "sigmoid")
G_LAYERS = ("fc1", "act", "fc2", "tanh")
D_PARAMETERS = IMAGE_DIM * HIDDEN + HIDDEN + HIDDEN * 1 + 1  # 100,609
G_PARAMETERS = 100 * HIDDEN + HIDDEN + HIDDEN * IMAGE_DIM + IMAGE_DIM  # 114,064 for z_dim = 100


def reference_sample_z(n: int, z_dim: int) -> torch.Tensor:
    """n latent vectors from N(0, I), shape (n, z_dim): what Exercise 2.3 asks for."""
    return torch.randn(n, z_dim)


def shape_text(t: torch.Tensor) -> str:
    """A batch's shape with the batch size written N, e.g. (N, 784), as the exercises speak of it."""
    dims = ["N" if i == 0 and d == N else str(d) for i, d in enumerate(t.shape)]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def fake_images(n: int = N) -> torch.Tensor:
    """n random images in [-1, 1], shape (n, 1, 28, 28), like a batch of normalised MNIST."""
    return torch.rand(n, 1, 28, 28) * 2 - 1


def extreme(t: torch.Tensor, lo: float, hi: float) -> float:
    """The value of t furthest outside [lo, hi], to quote in a message."""
    return float(t.min()) if lo - float(t.min()) > float(t.max()) - hi else float(t.max())


def runs(net: nn.Module, x: torch.Tensor) -> bool:
    """Whether net(x) runs without raising."""
    try:
        net(x)
    except Exception:
        return False
    return True


def expect_layers(net: nn.Module, who: str, names: tuple[str, ...]) -> None:
    """The cells after the exercise walk through the layers by these names."""
    missing = [n for n in names if not isinstance(getattr(net, n, None), nn.Module)]
    expect(not missing, f"{who} needs its layers as attributes named {', '.join(names)} (as in the table), "
                        f"so that the cells below can walk through them; missing: {', '.join(missing)}")


def expect_linear(layer: nn.Module, who: str, n_in: int, n_out: int, role: str) -> None:
    """layer is nn.Linear(n_in, n_out); role says what its sizes mean, for the message."""
    expect(isinstance(layer, nn.Linear), f"{who} must be an nn.Linear, not {type(layer).__name__}")
    expect((layer.in_features, layer.out_features) == (n_in, n_out),
           f"{who} must map {n_in} -> {n_out} ({role}); yours maps {layer.in_features} -> {layer.out_features}")


def expect_leaky_relu(act: nn.Module, who: str) -> None:
    """act is LeakyReLU with the report's slope 0.2."""
    expect(not isinstance(act, nn.ReLU), f"{who}'s activation must be LeakyReLU(0.2), not ReLU: ReLU passes no "
                                         "gradient for negative inputs, and G learns only through gradients")
    expect(isinstance(act, nn.LeakyReLU), f"{who}'s activation `act` must be nn.LeakyReLU(0.2), not {type(act).__name__}")
    expect(act.negative_slope == SLOPE, f"{who}'s LeakyReLU slope must be 0.2 as in the report, not "
                                        f"{act.negative_slope:g} (nn.LeakyReLU() alone uses 0.01: write nn.LeakyReLU(0.2))")


def expect_parameters(net: nn.Module, who: str, formula: str, expected: int) -> None:
    """The parameter count of the report's architecture (catches extra layers and bias=False)."""
    n = sum(p.numel() for p in net.parameters())
    expect(n == expected, f"{who} must have {formula} = {expected:,} parameters; yours has {n:,}")


@exercise("Exercise 2.1 (transform)")
def check_transform(make_transform: Callable[[], Callable]) -> None:
    """make_transform() turns a PIL MNIST image (0..255) into a float tensor 1x28x28 with 0 -> -1, 255 -> 1."""
    pixels = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    pixels[0, :2] = (0, 255)  # one black and one white pixel
    image = Image.fromarray(pixels)  # 8-bit grey, like an MNIST image
    transform = make_transform()
    try:
        x = transform(image)
    except TypeError as e:  # Normalize (or another tensor operation) applied to the PIL image
        raise Mistake(f"the transform failed on a PIL image ({e}): put transforms.ToTensor() first, "
                      "because Normalize works on tensors") from e
    expect(torch.is_tensor(x),
           f"the transform must return a tensor, not {type(x).__name__}: start with transforms.ToTensor()")
    expect(x.is_floating_point(), f"pixels must be floats, not {x.dtype}: use transforms.ToTensor(), which also "
                                  "divides by 255 (PILToTensor does not)")
    expect(tuple(x.shape) == (1, 28, 28), f"one image must become a tensor of shape (1, 28, 28), got {tuple(x.shape)}")
    black, white = float(x[0, 0, 0]), float(x[0, 0, 1])
    expect(not (abs(black) < 1e-6 and abs(white - 1) < 1e-6),
           "pixels lie in [0, 1]: add transforms.Normalize((0.5,), (0.5,)) after ToTensor() so that they lie in "
           "[-1, 1], the range of G's Tanh")
    expect(not abs(black + 0.1307 / 0.3081) < 1e-3,
           f"pixels lie in [{black:.2f}, {white:.2f}]: Normalize((0.1307,), (0.3081,)) gives MNIST mean 0 and std 1, "
           "but G's Tanh only reaches [-1, 1]: use Normalize((0.5,), (0.5,))")
    expect(abs(black + 1) < 1e-6 and abs(white - 1) < 1e-6,
           f"black must become -1 and white 1, like G's Tanh range; yours become {black:.2f} and {white:.2f}")
    expected = 2 * transforms.functional.to_tensor(image) - 1
    expect(torch.allclose(x, expected, atol=1e-6), "black and white are right but other pixels are not: "
                                                   "the transform must compute 2 * (pixel / 255) - 1 for every pixel")


@exercise("Exercise 2.2 (Discriminator)")
def check_discriminator(Discriminator: Callable[[], nn.Module]) -> None:
    """Discriminator() is the report's D: flatten, 784 -> 128 -> LeakyReLU(0.2) -> 1 -> Sigmoid."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        D = Discriminator()
        expect(isinstance(D, nn.Module), "Discriminator must be a subclass of nn.Module: class Discriminator(nn.Module)")
        x = fake_images()
        with torch.no_grad():
            check_d_outputs(D, x)
        x.requires_grad_(True)
        D(x).sum().backward()
        expect(x.grad is not None and bool(x.grad.abs().sum() > 0),
               "D's output must stay connected to its input, because G learns through D's gradient: "
               "no .detach(), .item() or torch.no_grad() in forward")


def check_d_outputs(D: nn.Module, x: torch.Tensor) -> None:
    """D's output on the batch x: shape, range, then its layers against the report's."""
    try:
        out = D(x)
    except NotImplementedError:
        raise
    except Exception as error:
        expect(not runs(D, x.view(N, -1)), "D should flatten its input: it fails on images shaped (N, 1, 28, 28) but "
                                           "works on (N, 784). Start forward with x = x.view(x.size(0), -1)")
        raise error  # it fails on flat input too: the learner sees their own error
    expect(torch.is_tensor(out), f"D must return a tensor, not {type(out).__name__}")
    expect(tuple(out.shape) != (N,), "D must output one probability per image, shape (N, 1); got (N,): keep the "
                                     "last dimension, BCELoss compares D's output with lab_real of shape (N, 1)")
    expect(tuple(out.shape) == (N, 1), f"D must output one probability per image, shape (N, 1); got {shape_text(out)}")
    big = D(40 * x)  # scaled inputs give large logits: only a Sigmoid keeps them inside (0, 1)
    both = torch.cat([out, big])
    expect(not (both.min() >= -1 and both.max() <= 1 and both.min() < 0),
           f"D's output must be a probability in (0, 1), but yours reach {float(both.min()):.2f}, as a Tanh's do: "
           "end D with the Sigmoid")
    expect(((out > 0) & (out < 1)).all() and ((big >= 0) & (big <= 1)).all(),
           f"D's output must be a probability in (0, 1): add the Sigmoid; your outputs reach {extreme(both, 0, 1):.2f}")
    expect_layers(D, "D", D_LAYERS)
    expect_linear(D.fc1, "D's fc1", IMAGE_DIM, HIDDEN, "the 784 pixels to the report's 128 hidden units")
    expect_leaky_relu(D.act, "D")
    expect_linear(D.fc2, "D's fc2", HIDDEN, 1, "128 hidden units to one number per image")
    expect(isinstance(D.sigmoid, nn.Sigmoid),
           f"D's last layer `sigmoid` must be nn.Sigmoid(), not {type(D.sigmoid).__name__}")
    layers = D.sigmoid(D.fc2(D.act(D.fc1(x.view(N, -1)))))
    expect(torch.allclose(out, layers, atol=1e-6), "D's forward must apply fc1, act, fc2, sigmoid in this order; "
                                                   "its output differs from sigmoid(fc2(act(fc1(x))))")
    expect_parameters(D, "D", "784·128 + 128 + 128·1 + 1", D_PARAMETERS)


@exercise("Exercise 2.3 (sample_z)")
def check_sample_z(sample_z: Callable[[int, int], torch.Tensor]) -> None:
    """sample_z(n, z_dim) draws fresh, independent N(0, I) vectors, shape (n, z_dim), float32."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        z = sample_z(5, 100)
        expect(torch.is_tensor(z), f"sample_z must return a torch tensor, not {type(z).__name__}: use torch.randn")
        expect(tuple(z.shape) != (100, 5), "sample_z(5, 100) must have shape (5, 100), one row per image; "
                                           "got (100, 5): n comes first")
        expect(tuple(z.shape) == (5, 100),
               f"sample_z(5, 100) must have shape (5, 100), one row per image; got {tuple(z.shape)}")
        expect(z.dtype == torch.float32, f"z must be float32 like G's weights, not {z.dtype}")
        expect(tuple(sample_z(3, 20).shape) == (3, 20), "sample_z(3, 20) must have shape (3, 20): use the arguments n and "
                                                        "z_dim, not fixed numbers")
        many = sample_z(2000, 100)
        expect(not torch.equal(many[0], many[1]), "all rows of z are the same: draw n different vectors, "
                                                  "one per image (torch.randn(n, z_dim))")
        lo, hi = float(many.min()), float(many.max())
        expect(not (lo >= 0 and hi < 1), "z must come from the standard normal N(0, I), but all your values lie in [0, 1), "
                                         "as torch.rand gives: use torch.randn")
        mean, std = float(many.mean()), float(many.std())
        expect(abs(mean) < 0.02 and abs(std - 1) < 0.02,
               f"z must come from the standard normal N(0, I): your values have mean {mean:.2f} and std {std:.2f}, "
               "not 0 and 1")
        expect(not torch.equal(sample_z(5, 100), sample_z(5, 100)),
               "sample_z returns the same z at every call: do not set a seed inside it, "
               "each training step needs fresh noise")


@exercise("Exercise 2.4 (Generator)")
def check_generator(Generator: Callable[..., nn.Module]) -> None:
    """Generator(z_dim) is the report's G: z_dim -> 128 -> LeakyReLU(0.2) -> 784 -> Tanh -> N x 1 x 28 x 28."""
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(0)
        G = Generator()
        expect(isinstance(G, nn.Module), "Generator must be a subclass of nn.Module: class Generator(nn.Module)")
        z = torch.randn(N, 100)
        out = G(z)
        expect(torch.is_tensor(out), f"G must return a tensor, not {type(out).__name__}")
        hint = ": end forward with .view(z.size(0), 1, 28, 28)" if out.numel() == N * IMAGE_DIM else ""
        expect(tuple(out.shape) == (N, 1, 28, 28),
               f"G must return images shaped (N, 1, 28, 28), got {shape_text(out)}{hint}")
        big = G(50 * z)  # large inputs drive the last activation to its limits
        both = torch.cat([out, big])
        expect(both.min() >= -1 and both.max() <= 1, "G's last activation must be Tanh so images lie in [-1, 1] like the "
                                                     f"data; your outputs reach {extreme(both, -1, 1):.1f}")
        expect(float(big.min()) < 0, "G's images never go below 0, as with a Sigmoid: use Tanh so that they span "
                                     "[-1, 1] like the data, whose black background is -1")
        try:
            small = Generator(z_dim=16)
            small(torch.randn(N, 16))
        except NotImplementedError:
            raise
        except Exception as e:
            expect(False, f"G must use its z_dim: Generator(z_dim=16) fails on z shaped (N, 16) ({type(e).__name__}); "
                          "build fc1 as nn.Linear(z_dim, 128)")
        expect(getattr(small, "z_dim", None) == 16, "G must keep its z_dim as self.z_dim (gan_lab.generate reads it)")
        expect_layers(G, "G", G_LAYERS)
        expect_linear(G.fc1, "G's fc1", 100, HIDDEN, "z_dim = 100 noise numbers to the report's 128 hidden units")
        expect_leaky_relu(G.act, "G")
        expect_linear(G.fc2, "G's fc2", HIDDEN, IMAGE_DIM, "128 hidden units to one number per pixel")
        expect(isinstance(G.tanh, nn.Tanh), f"G's last layer `tanh` must be nn.Tanh(), not {type(G.tanh).__name__}")
        layers = G.tanh(G.fc2(G.act(G.fc1(z)))).view(N, 1, 28, 28)
        expect(torch.allclose(out, layers, atol=1e-6), "G's forward must apply fc1, act, fc2, tanh in this order and then "
                                                       ".view(z.size(0), 1, 28, 28); its output differs")
        expect_parameters(G, "G (z_dim = 100)", "100·128 + 128 + 128·784 + 784", G_PARAMETERS)
