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
# 4. checks that catch the usual mistakes when you change the code, including the `.detach()` that keeps
#    the $D$ step from sending gradients into $G$.
#
# Both networks are fully connected with one hidden layer of 128 units, as in `gan_lab.models`.

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

# %% [markdown]
# ## 1. The data pipeline
#
# An MNIST image is $28\times28$ pixels with integer values 0 (black) to 255 (white). Two transforms turn it
# into the tensor the networks see:
#
# - `ToTensor()` makes a float tensor of shape $1\times28\times28$ (channel, height, width) and divides by
#   255, so pixels lie in $[0,1]$;
# - `Normalize((0.5,), (0.5,))` computes $(x-0.5)/0.5=2x-1$, so pixels lie in $[-1,1]$.
#
# `gan_lab.load_dataset` is torchvision's MNIST with both transforms. Below we load it once with
# `ToTensor()` only and once with both, and compare the first image.

# %%
root = gan_lab.ensure_dataset("mnist")  # checks the files; downloads them when missing and online
plain = datasets.MNIST(str(root), train=True, transform=transforms.ToTensor())
normed = gan_lab.load_dataset("mnist", train=True)
print(normed.transform)
x_plain, label = plain[0]
x_normed, _ = normed[0]
for name, t in (("ToTensor", x_plain), ("ToTensor + Normalize", x_normed)):
    print(f"{name:21s}: {t.dtype}, shape {tuple(t.shape)}, min {t.min().item():+.1f}, max {t.max().item():+.1f}")
print(f"label of the first image: {label}; {len(normed)} training images")
assert torch.allclose(x_normed, 2 * x_plain - 1), "Normalize((0.5,), (0.5,)) should compute 2x - 1"

# %%
loader_plain = DataLoader(plain, batch_size=N_HIST)  # no shuffling: the first N_HIST images
loader_normed = DataLoader(normed, batch_size=N_HIST)
pix_plain = next(iter(loader_plain))[0].flatten().numpy()
pix_normed = next(iter(loader_normed))[0].flatten().numpy()

fig = Figure(figsize=(10, 3.4), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
for ax, pix, title, lo, hi in ((ax1, pix_plain, "After ToTensor: pixels in [0, 1]", 0, 1),
                               (ax2, pix_normed, "After Normalize: pixels in [-1, 1]", -1, 1)):
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
# Look at the two tall bars at the ends: about 80% of the pixels are black background (0, then $-1$), and
# many stroke pixels are near white. Normalize only shifts and stretches the histogram onto $[-1,1]$.
#
# **Why $[-1,1]$.** $G$'s last layer is a Tanh, whose outputs lie in $(-1,1)$. Real and generated images
# must share one range, or $D$ could tell them apart by their range alone. Scaling the data to $[-1,1]$
# makes the whole output range of Tanh usable and puts the background at $-1$, which Tanh approaches when its
# input is very negative. This pairing (Tanh output, data in $[-1,1]$) is the usual choice for GANs since
# DCGAN (Radford et al., 2015). To show an image, `gan_lab.plot_grid` maps $[-1,1]$ back to black…white.

# %%
real_batch, real_labels = next(iter(gan_lab.make_dataloader(normed, BATCH_SIZE,
                                                            generator=torch.Generator().manual_seed(SEED))))
print(f"one batch: images {tuple(real_batch.shape)}, labels {tuple(real_labels.shape)}")
print("labels of the first 16:", real_labels[:16].tolist())
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
# | `sigmoid` | $D(x)=1/(1+e^{-a})\in(0,1)$ | $N\times1$ |
#
# LeakyReLU keeps a small slope (0.2) for negative inputs, so units that are "off" still pass some gradient;
# a GAN's generator learns only through $D$'s gradients, so it is the usual choice in both networks.
# `gan_lab.build_models` creates both networks with PyTorch's default initialisation, drawn from a seed.

# %%
G, D = gan_lab.build_models(z_dim=Z_DIM, seed=SEED)
print(D)

# %% [markdown]
# Run the real batch through $D$ one layer at a time and print each shape (`through_layers` is used
# again for $G$ below):

# %%
def through_layers(model, names, h):
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
# **Parameters.** A `Linear(n_in, n_out)` has an $n_{out}\times n_{in}$ weight matrix and $n_{out}$ biases. So $D$ has
# $784\cdot128+128+128\cdot1+1=100{,}609$ parameters; activations have none.

# %%
def parameter_table(model):
    """Print each weight and bias tensor's shape and size, then the total; return the total."""
    for name, p in model.named_parameters():
        print(f"{name:12s} {str(tuple(p.shape)):12s} {p.numel():>7,}")
    total = gan_lab.count_parameters(model)
    print(f"{'total':25s} {total:>7,}")
    return total


n_D = parameter_table(D)
assert n_D == 784 * 128 + 128 + 128 * 1 + 1 == 100_609, f"D should have 100,609 parameters, not {n_D:,}"

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
# | `tanh` | squash to $(-1,1)$ | $N\times784$ |
# | `.view(N, 1, 28, 28)` | back to image shape | $N\times1\times28\times28$ |

# %%
print(G)
z = torch.randn(BATCH_SIZE, Z_DIM, generator=torch.Generator().manual_seed(SEED))
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
# ## 5. Checks that catch common mistakes
#
# If you change the models (or write your own in later exercises), these assertions fail with a message
# that says what is wrong. First, shapes and ranges.

# %%
out_D = D(real_batch)
out_G = G(z)
assert out_D.shape == (BATCH_SIZE, 1), f"D must give one probability per image, shape (N, 1), not {tuple(out_D.shape)}"
assert out_G.shape == (BATCH_SIZE, 1, 28, 28), f"G must give images of shape (N, 1, 28, 28), not {tuple(out_G.shape)}"
assert ((out_D > 0) & (out_D < 1)).all(), "D's outputs must be probabilities in (0, 1): is its last layer a Sigmoid?"
assert out_G.min() >= -1 and out_G.max() <= 1, "G's pixels must lie in [-1, 1] like the real ones: is its last layer a Tanh?"
big = G(100 * z)  # even for huge inputs Tanh keeps the range
assert big.min() >= -1 and big.max() <= 1, "G's range must hold for any z: is its last layer a Tanh?"
for net in (D, G):
    name = type(net).__name__
    assert isinstance(net.act, nn.LeakyReLU), f"{name} should use LeakyReLU, not {type(net.act).__name__}"
    assert net.act.negative_slope == 0.2, f"{name}'s LeakyReLU slope should be 0.2, not {net.act.negative_slope}"
assert torch.allclose(D.act(torch.tensor([-1.0, 2.0])), torch.tensor([-0.2, 2.0])), "LeakyReLU(0.2)(-1) should be -0.2"
print("shapes, output ranges and LeakyReLU slopes: OK")

# %% [markdown]
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
    return [p.detach().clone() for p in net.parameters()]


def n_changed(before: list[torch.Tensor], net: nn.Module) -> int:
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
# loss BCE(D(G(z)), 1). Here is its code:

# %%
print(inspect.getsource(gan_lab.train_step))
