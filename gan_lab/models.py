"""The reference fully connected GAN: one hidden layer in each network."""
from __future__ import annotations

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)
IMAGE_DIM = 28 * 28


class Discriminator(nn.Module):
    """D(x): flatten 1x28x28 -> Linear(784, 128) -> LeakyReLU(0.2) -> Linear(128, 1) -> Sigmoid.

    logits=True leaves out the final Sigmoid: D then returns the logit a, with D(x) = sigmoid(a), for a
    loss that takes logits (nn.BCEWithLogitsLoss), which never rounds D(x) to exactly 0 or 1.
    """

    def __init__(self, input_dim: int = IMAGE_DIM, hidden_dim: int = 128, leaky_slope: float = 0.2,
                 logits: bool = False):
        super().__init__()
        self.logits = logits
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.act = nn.LeakyReLU(leaky_slope)
        self.fc2 = nn.Linear(hidden_dim, 1)
        self.sigmoid = nn.Identity() if logits else nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability (or, with logits=True, its logit), shape N x 1, that each image in x is real."""
        x = x.view(x.size(0), -1)
        return self.sigmoid(self.fc2(self.act(self.fc1(x))))


class Generator(nn.Module):
    """G(z): Linear(z_dim, 128) -> LeakyReLU(0.2) -> Linear(128, 784) -> Tanh -> N x 1 x 28 x 28."""

    def __init__(self, z_dim: int = 100, hidden_dim: int = 128, leaky_slope: float = 0.2):
        super().__init__()
        self.z_dim = z_dim
        self.fc1 = nn.Linear(z_dim, hidden_dim)
        self.act = nn.LeakyReLU(leaky_slope)
        self.fc2 = nn.Linear(hidden_dim, IMAGE_DIM)
        self.tanh = nn.Tanh()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape N x 1 x 28 x 28, from latent vectors z (N x z_dim)."""
        x = self.tanh(self.fc2(self.act(self.fc1(z))))
        return x.view(z.size(0), *IMAGE_SHAPE)


def build_models(z_dim: int = 100, hidden_dim: int = 128, leaky_slope: float = 0.2, seed: int | None = None,
                 device: torch.device | str = "cpu", logits: bool = False) -> tuple[Generator, Discriminator]:
    """G and D with PyTorch's default initialisation, drawn from `seed` when given.

    D is drawn first, so runs that differ only in z_dim start from the same discriminator.
    """
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    G = Generator(z_dim, hidden_dim, leaky_slope)
    D = Discriminator(IMAGE_DIM, hidden_dim, leaky_slope, logits)
    if gen is not None:
        _reinit(D, gen)
        _reinit(G, gen)
    return G.to(device), D.to(device)


def _reinit(model: nn.Module, gen: torch.Generator) -> None:
    """Redraw nn.Linear's default init (Kaiming-uniform a=sqrt(5), bias U(+-1/sqrt(fan_in))) from gen.

    Drawing from our own generator, not the global RNG, makes a model's weights depend on the
    seed alone, not on whatever ran before in the notebook.
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / m.in_features ** 0.5  # what kaiming_uniform_(a=sqrt(5)) gives
                m.weight.uniform_(-bound, bound, generator=gen)
                m.bias.uniform_(-bound, bound, generator=gen)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def generate(G: Generator, n: int, seed: int = 0, batch_size: int = 1000) -> torch.Tensor:
    """n images from G for latent vectors drawn with `seed`, as a CPU float tensor N x 1 x 28 x 28."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} is not allowed: a positive integer number of samples")
    device = next(G.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, G.z_dim, generator=gen)  # drawn on the CPU: the same images on any device
    was_training = G.training
    G.eval()
    out = torch.cat([G(z[i:i + batch_size].to(device)).cpu() for i in range(0, n, batch_size)])
    G.train(was_training)
    return out
