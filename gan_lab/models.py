"""The networks: the report's fully connected GAN, and notebook 06's convolutional and conditional ones."""
from __future__ import annotations

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)
IMAGE_DIM = 28 * 28
N_CLASSES = 10  # digits 0..9: the labels a conditional GAN is given


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

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden layer's activations h (N x hidden_dim) for images x."""
        return self.act(self.fc1(x.reshape(x.size(0), -1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability (or, with logits=True, its logit), shape N x 1, that each image in x is real."""
        return self.sigmoid(self.fc2(self.features(x)))


class Generator(nn.Module):
    """G(z): Linear(z_dim, 128) -> LeakyReLU(0.2) -> Linear(128, 784) -> Tanh -> N x 1 x 28 x 28."""

    z_weight = "fc1.weight"  # the weight that multiplies z (its first z_dim columns): gan_lab.stack pads it

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


# ------------------------------------------------------------------ notebook 06: convolutional and conditional

CONV_CHANNELS = 16  # G: 16 maps of 7x7, then 32 of 14x14
CONV_D_CHANNELS = 2 * CONV_CHANNELS  # D: 32 maps of 14x14, then 64 of 7x7
CONV_GROUPS = 4  # GroupNorm in the convolutional G: each image's maps normalised in 4 groups


class ConvGenerator(nn.Module):
    """DCGAN-style G: Linear(z, 16x7x7) -> ConvTranspose to 32x14x14 -> ConvTranspose to 1x28x28 -> Tanh.

    Each transposed convolution (kernel 4, stride 2) doubles the image's size with one small filter
    shared by every position. GroupNorm (4 groups) after each hidden layer rescales each image's maps to
    mean 0 and spread 1, then by a learned scale and shift. It plays BatchNorm's part in DCGAN, but per image,
    with no running statistics, so runs still stack side by side (gan_lab.stack). hidden_dim is unused;
    channels sets its maps of 7x7 (twice as many of 14x14), a multiple of CONV_GROUPS.
    """

    z_weight = "fc.weight"  # the weight that multiplies z

    def __init__(self, z_dim: int = 100, hidden_dim: int = 128, leaky_slope: float = 0.2,
                 channels: int = CONV_CHANNELS):
        super().__init__()
        c = self.channels = channels
        self.z_dim = z_dim
        self.fc = nn.Linear(z_dim, c * 7 * 7)
        self.norm1 = nn.GroupNorm(CONV_GROUPS, c)
        self.up1 = nn.ConvTranspose2d(c, 2 * c, 4, stride=2, padding=1)
        self.norm2 = nn.GroupNorm(CONV_GROUPS, 2 * c)
        self.up2 = nn.ConvTranspose2d(2 * c, 1, 4, stride=2, padding=1)
        self.act = nn.LeakyReLU(leaky_slope)
        self.register_load_state_dict_pre_hook(_refuse_conv_generator_without_norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.act(self.norm1(self.fc(z).view(z.size(0), self.channels, 7, 7)))
        return torch.tanh(self.up2(self.act(self.norm2(self.up1(h)))))


def _refuse_conv_generator_without_norm(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """A clear message for a convolutional G saved before it had GroupNorm (before 2026-12-05)."""
    if prefix + "fc.weight" in state_dict and prefix + "norm1.weight" not in state_dict:
        raise ValueError("this convolutional generator was saved by an older gan_lab, whose ConvGenerator had no "
                         "GroupNorm layers; it cannot be loaded into today's. Train it again (arch='conv').")


class ConvDiscriminator(nn.Module):
    """DCGAN-style D: Conv to 32x14x14 -> Conv to 64x7x7 (kernel 4, stride 2, LeakyReLU) -> Linear -> 1.

    hidden_dim is unused; channels sets its maps of 14x14 (twice as many of 7x7).
    """

    def __init__(self, input_dim: int = IMAGE_DIM, hidden_dim: int = 128, leaky_slope: float = 0.2,
                 logits: bool = False, channels: int = CONV_D_CHANNELS):
        super().__init__()
        c = channels
        self.logits = logits
        self.down1 = nn.Conv2d(1, c, 4, stride=2, padding=1)
        self.down2 = nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)
        self.fc = nn.Linear(2 * c * 7 * 7, 1)
        self.act = nn.LeakyReLU(leaky_slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.down2(self.act(self.down1(x.view(x.size(0), *IMAGE_SHAPE)))))
        out = self.fc(h.flatten(1))
        return out if self.logits else torch.sigmoid(out)


def balanced_labels(n: int) -> torch.Tensor:
    """0, 1, ..., 9, 0, 1, ...: n labels with every digit equally often (as near as n allows)."""
    return torch.arange(n) % N_CLASSES


def one_hot(y: torch.Tensor) -> torch.Tensor:
    """Digit labels (N,) as N x 10 rows of 0s with a 1 at the label."""
    # A comparison, not nn.functional.one_hot: it also runs under vmap, for runs stacked side by side.
    return (y.long().unsqueeze(1) == torch.arange(N_CLASSES, device=y.device)).float()


class CondGenerator(Generator):
    """The report's G, given the digit too: its input is z next to the label's one-hot code (z_dim + 10 values)."""

    def __init__(self, z_dim: int = 100, hidden_dim: int = 128, leaky_slope: float = 0.2):
        super().__init__(z_dim + N_CLASSES, hidden_dim, leaky_slope)
        self.z_dim = z_dim  # the noise; the label is added in forward

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images of the digits y (default: 0..9 in turn) from latent vectors z."""
        y = balanced_labels(z.size(0)).to(z.device) if y is None else y
        return super().forward(torch.cat([z, one_hot(y)], dim=1))


class CondDiscriminator(Discriminator):
    """The report's D, asked about the digit too, by projection (Miyato & Koyama 2018).

    D(x, y) = fc2(h) + embed_y . h, with h = LeakyReLU(fc1(x)): the usual "is x real?" score plus the
    agreement of the image's 128 features with a learned vector for the digit y. Appending the one-hot label
    to the 784 pixels instead (Mirza & Osindero 2014) gives D ten inputs among 794; in a short trial its G
    followed the label far less often than with projection.
    """

    def __init__(self, input_dim: int = IMAGE_DIM, hidden_dim: int = 128, leaky_slope: float = 0.2,
                 logits: bool = False):
        super().__init__(input_dim, hidden_dim, leaky_slope, logits)
        self.embed = nn.Linear(N_CLASSES, hidden_dim, bias=False)  # row y of its weight^T: the digit's vector

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Is x a real image of the digit y? (y is required: the answer depends on it.)"""
        if y is None:
            raise ValueError("a conditional discriminator needs the labels: D(x, y)")
        h = self.features(x)
        out = self.fc2(h) + (self.embed(one_hot(y)) * h).sum(1, keepdim=True)
        return self.sigmoid(out)


def build_models(z_dim: int = 100, hidden_dim: int = 128, leaky_slope: float = 0.2, seed: int | None = None,
                 device: torch.device | str = "cpu", logits: bool = False,
                 arch: str = "fc", d_hidden_dim: int | None = None,
                 g_channels: int | None = None, d_channels: int | None = None) -> tuple[nn.Module, nn.Module]:
    """G and D of an architecture (ARCHS) with PyTorch's default initialisation, drawn from `seed` when given.

    Both have hidden_dim hidden units unless d_hidden_dim gives D its own number; g_channels and d_channels
    set the convolutional G's and D's maps (None: CONV_CHANNELS and CONV_D_CHANNELS). D is drawn first, so
    runs that differ only in z_dim start from the same discriminator.
    """
    classes = {"fc": (Generator, Discriminator), "conv": (ConvGenerator, ConvDiscriminator),
               "cond": (CondGenerator, CondDiscriminator)}
    if arch not in classes:
        raise ValueError(f"arch={arch!r} is not allowed: one of {', '.join(classes)}")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    G_class, D_class = classes[arch]
    maps = {"g_channels": g_channels, "d_channels": d_channels}
    for name, value in maps.items():
        if value is not None and arch != "conv":
            raise ValueError(f"{name}={value!r} is not allowed for arch={arch!r}: None (only arch='conv' has maps)")
    G_maps, D_maps = ({} if value is None else {"channels": value} for value in maps.values())
    G = G_class(z_dim, hidden_dim, leaky_slope, **G_maps)
    D = D_class(IMAGE_DIM, hidden_dim if d_hidden_dim is None else d_hidden_dim, leaky_slope, logits, **D_maps)
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
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)  # as the layers' reset_parameters
                bound = 1.0 / fan_in ** 0.5  # what kaiming_uniform_(a=sqrt(5)) gives
                m.weight.uniform_(-bound, bound, generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=gen)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def generate(G: nn.Module, n: int, seed: int = 0, batch_size: int = 1000, digit: int | None = None) -> torch.Tensor:
    """n images from G for latent vectors drawn with `seed`, as a CPU float tensor N x 1 x 28 x 28.

    A conditional G draws the digits 0..9 in turn, or only `digit` when given.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} is not allowed: a positive integer number of samples")
    conditional = isinstance(G, CondGenerator)
    if digit is not None and (not conditional or digit not in range(N_CLASSES)):
        raise ValueError(f"digit={digit!r} is not allowed: a digit 0..9, for a conditional generator only")
    device = next(G.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, G.z_dim, generator=gen)  # drawn on the CPU: the same images on any device
    y = torch.full((n,), digit) if digit is not None else balanced_labels(n)
    was_training = G.training
    G.eval()
    out = []
    for i in range(0, n, batch_size):
        extra = (y[i:i + batch_size].to(device),) if conditional else ()
        out.append(G(z[i:i + batch_size].to(device), *extra).cpu())
    G.train(was_training)
    return torch.cat(out)
