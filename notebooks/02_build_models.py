# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gan-lab/gan_lab/blob/main/notebooks/02_build_models.ipynb)
#
# # 02 · Data and models: the MNIST discriminator and generator
#
# This notebook prepares everything the training loop of notebook 03 needs:
#
# 1. the data pipeline, which turns MNIST images into tensors in $[-1,1]$;
# 2. the discriminator $D$ and the generator $G$, layer by layer, with the shape of the tensor after each
#    layer and the number of parameters;
# 3. what the untrained networks do;
# 4. what one training step touches, including the `.detach()` that keeps the $D$ step from sending
#    gradients into $G$.
#
# Both networks are fully connected with one hidden layer of 128 units, as in the report. You write the
# data transform, both networks and the noise sampler yourself; a check after each exercise runs your code
# on small inputs and says what is wrong, in the terms of this notebook.
#
# **Learning objectives.** After this notebook you can
#
# - explain why the images are scaled to $[-1,1]$ and why $G$ ends with a Tanh and $D$ with a Sigmoid;
# - write $D$ and $G$ as PyTorch modules from a table of layers, and predict the shape after every layer;
# - count the parameters of a fully connected network by hand;
# - draw latent vectors $z\sim\mathcal{N}(0,I)$ for a batch;
# - say which network's weights a $D$ step and a $G$ step change, and why the $D$ step detaches $x_{gen}$.
#
# **Time:** about 45 minutes: 20 for reading and 25 for the four exercises (an estimate). Running every cell
# takes about 25 seconds, measured on a 2-core CPU.

# %%
# Setup. On Colab: fetch gan_lab (code and shipped results), install it without touching Colab's
# torch, numpy or ipywidgets, and mount Google Drive. Elsewhere it only picks a local work folder.
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run(["git", "clone", "-q", "--depth", "1", "https://github.com/gan-lab/gan_lab.git",
                    "/content/gan_lab_repo"], check=False)  # fails harmlessly if already cloned
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "/content/gan_lab_repo"], check=True)
from gan_lab.notebook import setup_workspace, smoke_mode

WORK = setup_workspace()

# %% tags=["parameters"]
SMOKE = smoke_mode()  # GAN_LAB_SMOKE=1 in CI: same code, tiny settings
N_HIST = 2_000 if SMOKE else 20_000  # images behind the pixel histograms
BATCH_SIZE = 64
Z_DIM = 100
SEED = 0

# %%
# %matplotlib inline
import inspect

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import gan_lab
from gan_lab.checks import use_if_correct
from gan_lab.checks.models import check_discriminator, check_generator, check_sample_z, check_transform, reference_sample_z

# %% [markdown]
# ## 1. The data pipeline
#
# An MNIST image is $28\times28$ pixels with integer values 0 (black) to 255 (white). Two transforms turn it
# into the tensor the networks see:
#
# - `transforms.ToTensor()` makes a float tensor of shape $1\times28\times28$ (channel, height, width) and
#   divides by 255, so pixels lie in $[0,1]$;
# - `transforms.Normalize((0.5,), (0.5,))` computes $(x-0.5)/0.5=2x-1$, so pixels lie in $[-1,1]$.
#
# `transforms.Compose([...])` chains transforms: it applies them in the order of the list.

# %% [markdown]
# **Exercise 2.1: the data transform.** Complete `make_transform()` so that it returns a
# `transforms.Compose` of the two transforms above, in that order. The check feeds your transform an image
# whose pixels it knows, including a black and a white one. This exercise practises the data range that
# $G$'s output must match; the cells below load MNIST with your transform.

# %%
def make_transform() -> transforms.Compose:
    """MNIST image (PIL, pixels 0..255) -> float tensor 1x28x28 with pixels in [-1, 1]."""
    ### BEGIN SOLUTION
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ### END SOLUTION


# %%
ok = check_transform(make_transform)
make_transform = use_if_correct(ok, make_transform, gan_lab.mnist_transform, "mnist_transform")

# %% [markdown]
# Below we load MNIST once with `ToTensor()` only and once with your transform, and compare the first image.
# (`gan_lab.load_dataset`, used in the later notebooks, is the same dataset with `gan_lab.mnist_transform()`,
# which is this transform.)

# %%
root = gan_lab.ensure_dataset("mnist")  # checks the files; downloads them when missing and online
plain = datasets.MNIST(str(root), train=True, transform=transforms.ToTensor())
normed = datasets.MNIST(str(root), train=True, transform=make_transform())
print(normed.transform)
x_plain, label = plain[0]
x_normed, _ = normed[0]
for name, t in (("ToTensor", x_plain), ("ToTensor + Normalize", x_normed)):
    print(f"{name:21s}: {t.dtype}, shape {tuple(t.shape)}, min {t.min().item():+.1f}, max {t.max().item():+.1f}")
print(f"label of the first image: {label}; {len(normed)} training images")
assert torch.allclose(x_normed, 2 * x_plain - 1), "Normalize((0.5,), (0.5,)) should compute 2x - 1"

# %% tags=["nbval-ignore-output"]
loader_plain = DataLoader(plain, batch_size=N_HIST)  # no shuffling: the first N_HIST images
loader_normed = DataLoader(normed, batch_size=N_HIST)
pix_plain = next(iter(loader_plain))[0].flatten().numpy()
pix_normed = next(iter(loader_normed))[0].flatten().numpy()
print(f"of {len(pix_normed):,} pixels: {np.mean(pix_normed == -1):.0%} exactly black (-1), "
      f"{np.mean(pix_normed > 0.9):.0%} near white (above 0.9)")

fig = Figure(figsize=(10, 3.4), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
for ax, pix, title in ((ax1, pix_plain, "After ToTensor: pixels in [0, 1]"),
                       (ax2, pix_normed, "After Normalize: pixels in [-1, 1]")):
    ax.hist(pix, bins=np.linspace(-1.025, 1.025, 42), weights=np.full(len(pix), 1 / len(pix)), color="tab:blue")
    ax.set_yscale("log")
    ax.set_xlim(-1.1, 1.1)
    ax.set_title(title)
    ax.set_xlabel("pixel value")
    ax.set_ylabel("fraction of pixels (log scale)")
for edge in (-1, 1):
    ax2.axvline(edge, color="tab:orange", linestyle="--", label="limits of Tanh, G's last layer" if edge < 0 else None)
ax2.legend(loc="upper center", fontsize=8)
fig.suptitle(f"Pixel values of {N_HIST:,} MNIST training images")
fig

# %% [markdown]
# Look at the two tall bars at the ends: most pixels are black background (0, then $-1$; the line above the
# figure gives the fraction), and many stroke pixels are near white. Normalize only shifts and stretches the
# histogram onto $[-1,1]$.
#
# **Why $[-1,1]$.** $G$'s last layer is a Tanh, whose outputs lie in $(-1,1)$. Real and generated images
# must share one range, or $D$ could tell them apart by their range alone. Scaling the data to $[-1,1]$
# makes the whole output range of Tanh usable and puts the background at $-1$, which Tanh approaches when its
# input is very negative. This pairing (Tanh output, data in $[-1,1]$) is the usual choice for GANs since
# DCGAN (Radford et al., 2015). To show an image, `gan_lab.plot_grid` maps $[-1,1]$ back to black…white.

# %% [markdown]
# **Think 2.1.** Suppose you kept the data in $[0,1]$ (no Normalize) but left the Tanh at the end of $G$.
# What could $D$ use to spot generated images, and what extra work would $G$ have?
# <details><summary>Answer</summary>
#
# Real pixels would never be negative, while Tanh outputs range over $(-1,1)$. Any negative pixel would give
# a generated image away, so $D$ can learn that rule first. $G$ would have to learn to keep every pixel at
# or above 0; for the black background that means pre-activations held near 0, where Tanh is steepest, so
# small weight changes move the background a lot. Training probably still works, but half of Tanh's range
# is wasted. Either scale the data to $[-1,1]$ (as here) or end $G$ with a Sigmoid, whose range is $(0,1)$.
#
# </details>

# %%
real_loader = gan_lab.make_dataloader(normed, BATCH_SIZE, generator=torch.Generator().manual_seed(SEED))
real_batch, real_labels = next(iter(real_loader))
print(f"one batch: images {tuple(real_batch.shape)}, labels {tuple(real_labels.shape)}")
print("labels of the first 16:", real_labels[:16].tolist())
print(f"one epoch: {len(real_loader)} batches; the last one holds "
      f"{len(normed) - (len(real_loader) - 1) * BATCH_SIZE} images")
gan_lab.plot_grid(real_batch, title=f"One shuffled batch of {BATCH_SIZE} real images, in [-1, 1]")

# %% [markdown]
# Look at the range of shapes within a single digit class: this variety is what $G$ must learn to produce.

# %% [markdown]
# ## 2. The discriminator
#
# $D$ takes an image and outputs the probability that it is real:
#
# | layer | what it does | output shape for a batch of $N$ |
# |---|---|---|
# | `x.view(N, -1)` | flatten $1\times28\times28$ to 784 numbers | $N\times784$ |
# | `fc1 = Linear(784, 128)` | $h=W_1x+b_1$ | $N\times128$ |
# | `act = LeakyReLU(0.2)` | $h$ if $h>0$, else $0.2h$ | $N\times128$ |
# | `fc2 = Linear(128, 1)` | one number per image, the logit $a$ | $N\times1$ |
# | `sigmoid = Sigmoid()` | $D(x)=1/(1+e^{-a})\in(0,1)$ | $N\times1$ |
#
# LeakyReLU keeps a small slope (0.2) for negative inputs, so units that are "off" still pass some gradient;
# a GAN's generator learns only through $D$'s gradients, so it is the usual choice in both networks.

# %% [markdown]
# **Exercise 2.2: the discriminator.** In `__init__`, create the four layers of the table as attributes
# named `fc1`, `act`, `fc2` and `sigmoid` (the cells below walk through them by these names). In `forward`,
# flatten `x` with `x.view(x.size(0), -1)` and apply the layers in order. This exercise practises turning
# the report's architecture into a PyTorch module; the check runs your class on a few random images and
# compares it with the table.

# %%
class Discriminator(nn.Module):
    """D(x): flatten 1x28x28 -> Linear(784, 128) -> LeakyReLU(0.2) -> Linear(128, 1) -> Sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        self.fc1 = nn.Linear(784, 128)
        self.act = nn.LeakyReLU(0.2)
        self.fc2 = nn.Linear(128, 1)
        self.sigmoid = nn.Sigmoid()
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability, shape N x 1, that each image in x (N x 1 x 28 x 28) is real."""
        ### BEGIN SOLUTION
        x = x.view(x.size(0), -1)
        return self.sigmoid(self.fc2(self.act(self.fc1(x))))
        ### END SOLUTION


# %%
ok = check_discriminator(Discriminator)
Discriminator = use_if_correct(ok, Discriminator, gan_lab.Discriminator, "Discriminator")

# %% [markdown]
# PyTorch draws each `Linear` layer's initial weights at random; seeding first gives the same $D$ at every
# run.

# %%
torch.manual_seed(SEED)
D = Discriminator()
print(D)

# %% [markdown]
# Run the real batch through $D$ one layer at a time and print each shape (`through_layers` is used
# again for $G$ below):

# %%
def through_layers(model: nn.Module, names: tuple[str, ...], h: torch.Tensor) -> torch.Tensor:
    """Apply the model's layers `names` one by one to h, printing each output shape."""
    for name in names:
        layer = getattr(model, name)
        h = layer(h)
        print(f"{name + ' = ' + type(layer).__name__:22s} {tuple(h.shape)}")
    return h


h = real_batch
print(f"{'input':22s} {tuple(h.shape)}")
h = h.view(h.size(0), -1)
print(f"{'flatten':22s} {tuple(h.shape)}")
h = through_layers(D, ("fc1", "act", "fc2", "sigmoid"), h)
assert torch.equal(h, D(real_batch)), "the layers one by one should give the same result as D(x)"

# %% [markdown]
# **Think 2.2.** Why does `forward` flatten with `x.view(x.size(0), -1)` rather than `x.view(64, 784)`?
# <details><summary>Answer</summary>
#
# Not every batch holds 64 images. The loader keeps the last, partial batch of each epoch (the cell that
# showed the real batch prints its size), the check above uses another batch size, and notebook 03 lets you
# choose the batch size. `x.size(0)` reads the batch size from the input, and `-1`
# lets PyTorch work out the 784. `x.view(64, 784)` raises an error on any batch that does not hold exactly
# 64 images.
#
# </details>

# %% [markdown]
# **Parameters.** A `Linear(n_in, n_out)` has an $n_{out}\times n_{in}$ weight matrix and $n_{out}$ biases. So $D$ has
# $784\cdot128+128+128\cdot1+1=100{,}609$ parameters; activations have none.

# %%
def parameter_table(model: nn.Module) -> int:
    """Print each weight and bias tensor's shape and size, then the total; return the total."""
    for name, p in model.named_parameters():
        print(f"{name:12s} {str(tuple(p.shape)):12s} {p.numel():>7,}")
    total = gan_lab.count_parameters(model)
    print(f"{'total':25s} {total:>7,}")
    return total


n_D = parameter_table(D)
assert n_D == 784 * 128 + 128 + 128 * 1 + 1 == 100_609, f"D should have 100,609 parameters, not {n_D:,}"

# %% [markdown]
# **Think 2.3.** $D$ ends with a Sigmoid and is trained with `nn.BCELoss`. PyTorch also offers
# `nn.BCEWithLogitsLoss`, which takes the logit $a$ (the output of `fc2`) instead of $D(x)=\sigma(a)$. Why
# might you prefer it?
# <details><summary>Answer</summary>
#
# In 32-bit floats, $\sigma(a)$ rounds to exactly 1 once $a$ exceeds about 17, and $\log(1-\sigma(a))$ is then
# $\log 0$. `BCELoss` clamps each log term at $-100$, so the loss sticks at 100, and no gradient passes back
# through a Sigmoid whose output is exactly 1. `BCEWithLogitsLoss` computes the log terms from $a$ directly:
# its gradient with respect to $a$ is $\sigma(a)-y$, which does not vanish when $D$ is confidently wrong.
# The report uses Sigmoid with `BCELoss`, and so does this series; $D$'s outputs then read directly as
# probabilities.
#
# </details>

# %% [markdown]
# ## 3. The generator
#
# $G$ takes a latent vector $z$ of `z_dim` = 100 numbers drawn from a standard normal distribution and
# outputs an image:
#
# | layer | what it does | output shape for a batch of $N$ |
# |---|---|---|
# | input $z$ | noise, $z\sim\mathcal{N}(0,I)$ | $N\times100$ |
# | `fc1 = Linear(100, 128)` | | $N\times128$ |
# | `act = LeakyReLU(0.2)` | | $N\times128$ |
# | `fc2 = Linear(128, 784)` | one number per pixel | $N\times784$ |
# | `tanh = Tanh()` | squash to $(-1,1)$ | $N\times784$ |
# | `.view(N, 1, 28, 28)` | back to image shape | $N\times1\times28\times28$ |

# %% [markdown]
# **Exercise 2.3: the noise.** Write `sample_z(n, z_dim)`, which returns `n` latent vectors drawn from the
# standard normal distribution $\mathcal{N}(0,I)$, as a tensor of shape `(n, z_dim)`. Each call must give
# fresh noise. This exercise practises $G$'s input side: notebook 03 draws a new batch of $z$ at every
# training step.

# %%
def sample_z(n: int, z_dim: int) -> torch.Tensor:
    """n latent vectors from N(0, I), shape (n, z_dim)."""
    ### BEGIN SOLUTION
    return torch.randn(n, z_dim)
    ### END SOLUTION


# %%
ok = check_sample_z(sample_z)
sample_z = use_if_correct(ok, sample_z, reference_sample_z, "sample_z")

# %% [markdown]
# **Think 2.4.** Would $G$ still learn if `sample_z` drew $z$ uniformly from $[-1,1]$ instead?
# <details><summary>Answer</summary>
#
# Probably yes: $G$ learns a map from whatever noise distribution it is trained with, and GANs have been
# trained with uniform noise (DCGAN drew $z$ uniformly). What matters is to sample $z$ from the same
# distribution when generating as during training: a $z$ from elsewhere lands in a region $G$ never saw.
#
# </details>

# %% [markdown]
# **Exercise 2.4: the generator.** In `__init__`, create the layers `fc1`, `act`, `fc2` and `tanh` of the
# table, with `z_dim` as the input size of `fc1`. In `forward`, apply them in order and reshape the
# $N\times784$ result to $N\times1\times28\times28$ with `.view(z.size(0), 1, 28, 28)`. `self.z_dim` is
# stored for you (`gan_lab.generate` reads it). This exercise practises the same translation as Exercise
# 2.2, from noise to image.

# %%
class Generator(nn.Module):
    """G(z): Linear(z_dim, 128) -> LeakyReLU(0.2) -> Linear(128, 784) -> Tanh -> N x 1 x 28 x 28."""

    def __init__(self, z_dim: int = 100) -> None:
        super().__init__()
        self.z_dim = z_dim
        ### BEGIN SOLUTION
        self.fc1 = nn.Linear(z_dim, 128)
        self.act = nn.LeakyReLU(0.2)
        self.fc2 = nn.Linear(128, 784)
        self.tanh = nn.Tanh()
        ### END SOLUTION

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape N x 1 x 28 x 28, from latent vectors z (N x z_dim)."""
        ### BEGIN SOLUTION
        x = self.tanh(self.fc2(self.act(self.fc1(z))))
        return x.view(z.size(0), 1, 28, 28)
        ### END SOLUTION


# %%
ok = check_generator(Generator)
Generator = use_if_correct(ok, Generator, gan_lab.Generator, "Generator")

# %% [markdown]
# Build $G$ (seeded, like $D$), draw a batch of $z$ with `sample_z` and follow it through the layers:

# %%
torch.manual_seed(SEED)
G = Generator(Z_DIM)
z = sample_z(BATCH_SIZE, Z_DIM)
print(G)
print(f"{'z':22s} {tuple(z.shape)}")
h = through_layers(G, ("fc1", "act", "fc2", "tanh"), z)
h = h.view(h.size(0), 1, 28, 28)
print(f"{'view':22s} {tuple(h.shape)}")
assert torch.equal(h, G(z)), "the layers one by one should give the same result as G(z)"

# %% [markdown]
# $G$ has $100\cdot128+128+128\cdot784+784=114{,}064$ parameters, a little more than $D$:

# %%
n_G = parameter_table(G)
assert n_G == 100 * 128 + 128 + 128 * 784 + 784 == 114_064, f"G should have 114,064 parameters, not {n_G:,}"

# %% [markdown]
# **Think 2.5.** Which layer holds most of $G$'s parameters, and what would doubling `z_dim` to 200 add?
# <details><summary>Answer</summary>
#
# `fc2`: $128\cdot784+784=101{,}136$ of the 114,064 (about 89%), because it produces one number for each of
# the 784 pixels. `z_dim` only enters `fc1`'s weight matrix, $128\times$`z_dim`, so going from 100 to 200
# adds $128\cdot100=12{,}800$ parameters (11% more). Notebook 05 studies `z_dim`.
#
# </details>

# %% [markdown]
# ## 4. The untrained networks
#
# At initialisation the weights are small and random, so $D$'s logit is close to 0 and $D(x)=\sigma(a)$ is
# close to 1/2 for every image: it has no opinion yet.

# %%
with torch.no_grad():
    d_real = D(real_batch)
    d_fake = D(G(z))
print(f"D on {BATCH_SIZE} real images:      mean {d_real.mean().item():.2f}, "
      f"range {d_real.min().item():.2f} to {d_real.max().item():.2f}")
print(f"D on {BATCH_SIZE} generated images: mean {d_fake.mean().item():.2f}, "
      f"range {d_fake.min().item():.2f} to {d_fake.max().item():.2f}")

# %%
samples = gan_lab.generate(G, 64, seed=SEED)
gan_lab.plot_grid(samples, title="64 images from the untrained generator")

# %% [markdown]
# Look at the texture: grey noise with no structure. Each pixel is a Tanh of a random combination of $z$,
# and almost all of them lie within $\pm0.5$ of mid grey. Training has to turn this into digits on a black
# background.

# %% [markdown]
# ## 5. What one training step touches
#
# **The D step must not train G.** In the $D$ step, lossD is computed on generated images
# $x_{gen}=G(z)$. `x_gen.detach()` gives the same numbers cut off from the graph that produced them, so
# `lossD.backward()` stops at $D$. Without it, backward also computes gradients for $G$'s weights: wasted
# work and, if they were not cleared before the $G$ step, a push in the wrong direction (the gradient of
# lossD helps $D$, not $G$). The cell runs the $D$ loss both ways and looks at $G$'s `.grad`.

# %%
bce = nn.BCELoss()
lab_real = torch.ones(BATCH_SIZE, 1)
lab_fake = torch.zeros(BATCH_SIZE, 1)


def d_loss_backward(detach: bool) -> torch.Tensor:
    """The D step's loss and backward, with or without .detach(); clears all grads first."""
    D.zero_grad(set_to_none=True)
    G.zero_grad(set_to_none=True)
    x_gen = G(z)
    lossD = bce(D(real_batch), lab_real) + bce(D(x_gen.detach() if detach else x_gen), lab_fake)
    lossD.backward()
    return lossD


def g_grad_state() -> str:
    """How many of G's weight and bias tensors received a non-zero gradient."""
    grads = [p.grad for p in G.parameters()]
    if all(g is None for g in grads):
        return "all None (no gradient reached G)"
    return f"{sum(int(g is not None and bool(g.abs().sum() > 0)) for g in grads)} of {len(grads)} tensors non-zero"


d_loss_backward(detach=True)
print("with    .detach(): G's .grad:", g_grad_state())
assert all(p.grad is None or not p.grad.any() for p in G.parameters()), \
    "with .detach() in the D step, no gradient may reach G"
assert all(p.grad is not None for p in D.parameters()), "lossD.backward() should fill D's .grad"

d_loss_backward(detach=False)
print("without .detach(): G's .grad:", g_grad_state())
assert all(p.grad is not None and p.grad.any() for p in G.parameters())

# %% [markdown]
# **One optimizer step changes the weights it owns, and only those.** `optD` holds $D$'s parameters and
# `optG` holds $G$'s. After a $D$ step every tensor of $D$ has changed and $G$ is untouched; after a $G$ step
# (loss BCE(D(G(z)), 1), as in notebook 01) it is the other way round. Plain SGD with learning rate 0.1 here.

# %%
optD = torch.optim.SGD(D.parameters(), lr=0.1)
optG = torch.optim.SGD(G.parameters(), lr=0.1)


def snapshot(net: nn.Module) -> list[torch.Tensor]:
    """Copies of the network's weight and bias tensors."""
    return [p.detach().clone() for p in net.parameters()]


def n_changed(before: list[torch.Tensor], net: nn.Module) -> int:
    """How many of the network's tensors differ from the snapshot `before`."""
    return sum(not torch.equal(b, p) for b, p in zip(before, net.parameters()))


D0, G0 = snapshot(D), snapshot(G)
d_loss_backward(detach=True)
optD.step()
print(f"after optD.step(): {n_changed(D0, D)} of 4 tensors of D changed, {n_changed(G0, G)} of 4 of G")
assert n_changed(D0, D) == 4, "optD.step() should change every weight and bias of D"
assert n_changed(G0, G) == 0, "the D step must leave G unchanged"

D1, G1 = snapshot(D), snapshot(G)
optG.zero_grad()
lossG = bce(D(G(z)), lab_real)
lossG.backward()
optG.step()
print(f"after optG.step(): {n_changed(G1, G)} of 4 tensors of G changed, {n_changed(D1, D)} of 4 of D")
assert n_changed(G1, G) == 4, "optG.step() should change every weight and bias of G"
assert n_changed(D1, D) == 0, "the G step must leave D unchanged (optG holds only G's parameters)"

# %% [markdown]
# ## 6. Preview: the training step
#
# Notebook 03 trains the two networks with `gan_lab.train_step`, which puts all of the above together: a
# $D$ step with labels 1 (real) and 0 (generated) and `.detach()`, then a $G$ step with the non-saturating
# loss BCE(D(G(z)), 1), in which `frozen(D)` keeps $D$'s weights out of the gradient computation. It draws $z$
# with `sample_z`, the function of Exercise 2.3. Here is its code; the `.sum()` and the returned tensors let
# the same step train many runs side by side and read their losses in blocks. Of its options, `g_loss` and
# `train_g` serve the toy GAN of notebook 01; `y_real`, `real_label` and `r1` serve later extensions (a
# conditional GAN, label smoothing, a gradient penalty on $D$), which the command line offers and notebook 06
# uses the first two of:

# %%
print(inspect.getsource(gan_lab.train_step))

# %% [markdown]
# ## Summary
#
# - `ToTensor()` then `Normalize((0.5,), (0.5,))` maps MNIST pixels from 0…255 to $[-1,1]$, the output range
#   of $G$'s Tanh, so that real and generated images share one range.
# - $D$ flattens an image to 784 numbers and maps it through 128 hidden units (LeakyReLU 0.2) to one
#   probability, shape $N\times1$: 100,609 parameters.
# - $G$ maps $z\sim\mathcal{N}(0,I)$ of size `z_dim` through 128 hidden units to 784 pixels in $(-1,1)$, shaped
#   $N\times1\times28\times28$: 114,064 parameters for `z_dim` = 100, most of them in its output layer.
# - Untrained, $D$ gives about 1/2 to every image and $G$ draws grey noise.
# - `x_gen.detach()` keeps the $D$ step's backward out of $G$, and each optimizer changes only the weights it
#   holds.
#
# ## Where to go next
#
# - **Notebook 03** trains these two networks on MNIST with the report's loop and settings.
# - Try a variant of your `Discriminator` or `Generator` with 256 hidden units or a second hidden layer:
#   predict the parameter count first, then check it with `parameter_table`.
# - DCGAN (Radford et al., 2015) replaces the fully connected layers with convolutions, which suit images
#   better.
#
# ## References
#
# - Goodfellow, I. et al. (2014). *Generative Adversarial Nets.* NeurIPS. https://arxiv.org/abs/1406.2661
# - Radford, A., Metz, L. & Chintala, S. (2015). *Unsupervised Representation Learning with Deep Convolutional GANs* (DCGAN; β1 = 0.5). https://arxiv.org/abs/1511.06434
# - LeCun, Y., Cortes, C. & Burges, C. J. C. *The MNIST database of handwritten digits.*
