# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gan-lab/gan_lab/blob/main/notebooks/01_gan_theory.ipynb)
#
# # 01 · GAN theory: a game between two networks
#
# A generative adversarial network (GAN) has two parts:
#
# - the **generator** $G$ turns random noise $z$ into a sample $G(z)$, for example an image;
# - the **discriminator** $D$ looks at a sample $x$ and outputs $D(x)\in(0,1)$, its belief that $x$ is real
#   (comes from the training data) rather than generated.
#
# They are trained against each other. $D$ gets better at telling real from generated samples; $G$ gets
# better at producing samples that $D$ calls real. One player's gain is the other's loss, so this is a
# **zero-sum game**.
#
# This notebook covers the objective of that game, what the best discriminator looks like, where the
# game ends, why the generator is trained with a slightly different loss in practice, and how training
# fails. A GAN on 1-D numbers, small enough to train on a CPU in seconds, shows each point.
# The next notebook builds the MNIST networks.

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
SNAPSHOT_STEPS = (0, 20, 50, 100) if SMOKE else (0, 200, 1000, 3000)  # toy training steps to picture
HEAD_START = 500  # D-only steps in the failure-mode experiment (cheap, so the same in both modes)
AFTER_HEAD_START = 100 if SMOKE else 3000  # normal steps after the head start
PANEL_STEPS = 200  # the interactive panel's first setting

# %%
# %matplotlib inline
import inspect
import math

import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure
from torch import nn

import gan_lab
from gan_lab import toy

# %% [markdown]
# ## 1. The minimax objective
#
# Write $p_{data}$ for the distribution of the real data and $p_z$ for the noise distribution (here a
# standard normal). $G$ and $D$ play
#
# $$\min_G\max_D V(D,G)=\mathbb{E}_{x\sim p_{data}}[\log D(x)]+\mathbb{E}_{z\sim p_z}[\log(1-D(G(z)))].$$
#
# - $D$ **maximises** $V$: it wants $D(x)$ close to 1 on real data (so $\log D(x)\to 0$) and $D(G(z))$ close
#   to 0 on generated data (so $\log(1-D(G(z)))\to 0$).
# - $G$ **minimises** $V$. Only the second term depends on $G$: $G$ wants $D(G(z))$ close to 1.
#
# In code, $V$ is a binary cross-entropy (BCE). With $\mathrm{BCE}(p,y)=-[y\log p+(1-y)\log(1-p)]$ and the labels
# `lab_real = 1`, `lab_fake = 0`, the discriminator's loss of this course is
#
# $$\text{lossD}=\mathrm{BCE}(D(x),1)+\mathrm{BCE}(D(G(z)),0)=-\log D(x)-\log(1-D(G(z))),$$
#
# averaged over a batch. That is $-V$ estimated on one batch, so minimising lossD maximises $V$.
# The cell below checks this identity with PyTorch's `nn.BCELoss` on a few made-up outputs of $D$.

# %%
bce = nn.BCELoss()
d_real = torch.tensor([[0.9], [0.7], [0.6]])  # D's outputs on three real samples
d_fake = torch.tensor([[0.2], [0.4], [0.1]])  # D's outputs on three generated samples
lossD = bce(d_real, torch.ones(3, 1)) + bce(d_fake, torch.zeros(3, 1))
V = torch.log(d_real).mean() + torch.log(1 - d_fake).mean()
print(f"lossD = {lossD.item():.4f}, V = {V.item():.4f}")
assert torch.isclose(lossD, -V), "lossD should equal -V"

# %% [markdown]
# ## 2. The optimal discriminator
#
# Fix $G$. Its samples $G(z)$ have some distribution $p_g$, so the second expectation can be taken over
# $x\sim p_g$ instead of $z\sim p_z$:
#
# $$V(D,G)=\int\big[p_{data}(x)\log D(x)+p_g(x)\log(1-D(x))\big]\,dx.$$
#
# $D$ can choose the value $y=D(x)$ separately at every $x$. With $a=p_{data}(x)$ and $b=p_g(x)$, it
# maximises $f(y)=a\log y+b\log(1-y)$ on $(0,1)$. Setting $f'(y)=a/y-b/(1-y)=0$ gives $y=a/(a+b)$, and
# $f$ is concave, so this is the maximum:
#
# $$D^*(x)=\frac{p_{data}(x)}{p_{data}(x)+p_g(x)}.$$
#
# Where only real data occur, $D^*=1$; where only generated data occur, $D^*=0$; where both are equally
# dense, $D^*=1/2$.
#
# **The value of the game at $D^*$.** Put $D^*$ into $V$ and let $m=(p_{data}+p_g)/2$, the average of the
# two distributions. Since $D^*=p_{data}/(2m)$ and $1-D^*=p_g/(2m)$,
#
# $$V(D^*,G)=\mathbb{E}_{p_{data}}\Big[\log\frac{p_{data}}{m}\Big]+\mathbb{E}_{p_g}\Big[\log\frac{p_g}{m}\Big]-2\log 2
# =\mathrm{KL}(p_{data}\|m)+\mathrm{KL}(p_g\|m)-\log 4=-\log 4+2\,\mathrm{JSD}(p_{data}\|p_g).$$
#
# $\mathrm{KL}$ is the Kullback–Leibler divergence and
# $\mathrm{JSD}(p\|q)=\tfrac12\mathrm{KL}(p\|m)+\tfrac12\mathrm{KL}(q\|m)$ the Jensen–Shannon divergence. JSD is
# never negative and is 0 only when the two distributions are equal. So against the best discriminator,
# the generator minimises the Jensen–Shannon divergence between its distribution and the data's.
#
# The cell below checks both results numerically for two 1-D distributions: the toy data of this
# notebook (two Gaussian bumps) as $p_{data}$ and one wide Gaussian as $p_g$.

# %%
cfg = toy.ToyConfig()
x = np.linspace(-8, 8, 16001)
dx = x[1] - x[0]
p_data = toy.real_density(x, cfg)
p_g = np.exp(-0.5 * ((x - 0.5) / 1.5) ** 2) / (1.5 * math.sqrt(2 * math.pi))  # a Gaussian, mean 0.5, std 1.5


def value(D):
    """V(D, G) as an integral over x, for D given by its values on the grid."""
    return np.sum(p_data * np.log(D) + p_g * np.log(1 - D)) * dx


D_star = p_data / (p_data + p_g)
m = (p_data + p_g) / 2
jsd = 0.5 * np.sum(p_data * np.log(p_data / m)) * dx + 0.5 * np.sum(p_g * np.log(p_g / m)) * dx
print(f"V(D*, G)           = {value(D_star):.4f}")
print(f"-log 4 + 2 JSD     = {-math.log(4) + 2 * jsd:.4f}   (JSD = {jsd:.4f})")
print(f"V(D = 1/2, G)      = {value(np.full_like(x, 0.5)):.4f}   (= -log 4: a D that always says 1/2)")
print(f"V(D* tilted, G)    = {value(np.clip(D_star * 1.1, 1e-6, 1 - 1e-6)):.4f}   (a different D gives less)")
assert abs(value(D_star) - (-math.log(4) + 2 * jsd)) < 1e-6

# %%
fig = Figure(figsize=(7, 3.6), layout="constrained")
ax = fig.subplots()
ax.fill_between(x, p_data, color="0.75", label="$p_{data}$ (two bumps)")
ax.plot(x, p_g, color="tab:orange", label="$p_g$ (one wide Gaussian)")
ax.set_xlim(-5, 5)
ax.set_xlabel("x")
ax.set_ylabel("probability density")
ax2 = ax.twinx()
ax2.plot(x, D_star, color="tab:blue", label="$D^*(x)$ (right axis)")
ax2.axhline(0.5, color="tab:blue", linestyle="--", linewidth=0.8)
ax2.set_ylim(0, 1)
ax2.set_ylabel("$D^*(x)$")
fig.legend(loc="outside lower center", ncol=3, fontsize=8)
ax.set_title("The optimal discriminator for a fixed generator")
fig

# %% [markdown]
# Look at where $D^*$ is high: on the two bumps, where real data are denser than generated data. Between
# and outside the bumps, where $G$ puts more mass than the data, $D^*$ drops toward 0.

# %% [markdown]
# ## 3. The end of the game: a Nash equilibrium
#
# A **Nash equilibrium** is a pair $(G,D)$ where neither player can do better by changing only its own
# strategy. Here it is
#
# $$p_g=p_{data},\qquad D(x)=\tfrac12\ \text{everywhere}.$$
#
# - Given $p_g=p_{data}$, the best response of $D$ is $D^*=p_{data}/(2p_{data})=1/2$: it cannot tell the two apart.
# - Given $D=1/2$ everywhere, $V=\log\tfrac12+\log\tfrac12=-\log 4$ whatever $G$ does, so $G$ gains nothing by moving.
# - From Section 2, $-\log 4$ is the smallest value $G$ can reach against the best $D$, and it is reached only
#   when $\mathrm{JSD}=0$, that is $p_g=p_{data}$.
#
# **Loss values at equilibrium.** With $D=1/2$ on every input, the course's two losses are
#
# $$\text{lossD}=\mathrm{BCE}(\tfrac12,1)+\mathrm{BCE}(\tfrac12,0)=2\ln 2\approx1.386,\qquad
# \text{lossG}=\mathrm{BCE}(\tfrac12,1)=\ln 2\approx0.693.$$
#
# These are the dashed lines in the training curves of this course. Losses near these values say that $D$
# cannot separate real from generated samples *right now*; they do not prove that $G$ is good, because a
# weak $D$ gives the same numbers.

# %%
half = torch.full((64, 1), 0.5)
lossD_eq = bce(half, torch.ones(64, 1)) + bce(half, torch.zeros(64, 1))
lossG_eq = bce(half, torch.ones(64, 1))
print(f"lossD at equilibrium = {lossD_eq.item():.4f}  (2 ln 2 = {2 * math.log(2):.4f})")
print(f"lossG at equilibrium = {lossG_eq.item():.4f}  (ln 2   = {math.log(2):.4f})")

# %% [markdown]
# ## 4. Why G is trained with BCE(D(G(z)), 1)
#
# In the minimax objective, $G$ minimises $\log(1-D(G(z)))$. Early in training $G$ is bad, $D$ rejects its
# samples easily and $D(G(z))\approx0$. There $\log(1-D)$ is almost flat, so $G$ gets almost no gradient:
# this loss **saturates**.
#
# The fix used in practice (and in this course): $G$ *maximises* $\log D(G(z))$, that is, it minimises
#
# $$\text{lossG}=-\log D(G(z))=\mathrm{BCE}(D(G(z)),1),$$
#
# the **non-saturating** loss. Both losses push $D(G(z))$ up and have the same equilibrium, but this one is
# steep exactly where $G$ is losing.
#
# The gradient that reaches $G$ flows back through $D$'s last layer, a sigmoid: $D=\sigma(a)$ with $a$ the
# logit (the number before the sigmoid). Since $\sigma'(a)=D(1-D)$,
#
# $$\frac{\partial}{\partial a}\log(1-D)=-D,\qquad \frac{\partial}{\partial a}\big(-\log D\big)=-(1-D).$$
#
# At $D(G(z))=0.01$ the saturating loss passes on a gradient of size 0.01, the non-saturating loss 0.99.

# %%
logit = torch.logit(torch.tensor([0.01, 0.5, 0.99])).requires_grad_()
d = torch.sigmoid(logit)  # D = sigmoid(a)
grad_sat = torch.autograd.grad(torch.log(1 - d).sum(), logit, retain_graph=True)[0]
grad_ns = torch.autograd.grad((-torch.log(d)).sum(), logit)[0]
for di, gs, gn in zip(d.tolist(), grad_sat.tolist(), grad_ns.tolist()):
    print(f"D(G(z)) = {di:.2f}: d/da log(1-D) = {gs:+.2f} (-D = {-di:+.2f}),  "
          f"d/da -log D = {gn:+.2f} (-(1-D) = {-(1 - di):+.2f})")

# %%
p = np.linspace(0.001, 0.999, 999)
fig = Figure(figsize=(10, 3.6), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
ax1.plot(p, np.log(1 - p), color="tab:red", label="saturating: $\\log(1-D(G(z)))$")
ax1.plot(p, -np.log(p), color="tab:green", label="non-saturating: $-\\log D(G(z))$")
ax1.set_xlabel("D(G(z))")
ax1.set_ylabel("generator loss (G minimises it)")
ax1.set_title("Two losses for G")
ax1.legend(fontsize=8)
ax2.plot(p, p, color="tab:red", label="saturating: $|\\partial/\\partial a| = D$")
ax2.plot(p, 1 - p, color="tab:green", label="non-saturating: $|\\partial/\\partial a| = 1-D$")
ax2.set_xlabel("D(G(z))")
ax2.set_ylabel("size of the gradient w.r.t. D's logit a")
ax2.set_title("Gradient that reaches G")
ax2.legend(fontsize=8)
fig.suptitle("G's loss as a function of D(G(z)); G is losing on the left")
fig

# %% [markdown]
# Look at the left end of both panels, where $D$ rejects $G$'s samples: the red curves are flat and near
# 0, the green ones are steep, so only the non-saturating loss gives $G$ a useful signal there.

# %% [markdown]
# ## 5. A GAN on 1-D numbers
#
# To watch the game, take real data that are single numbers $x$ from two Gaussian bumps (at $-2$ and $+2$,
# width 0.5). $G$ turns 4 random numbers $z$ into one number; $D$ maps a number to a probability. Both are
# small multilayer perceptrons from `gan_lab.toy`, trained with Adam.

# %%
state = toy.new_toy()
print(state.config)
print(state.G)
print(state.D)
print(f"parameters: G {gan_lab.count_parameters(state.G)}, D {gan_lab.count_parameters(state.D)}")

# %% [markdown]
# One training step is the same as for MNIST (notebook 03): first a $D$ step on a real batch and a
# generated batch, with labels 1 and 0; then a $G$ step with the non-saturating loss. Note the
# `.detach()` in the $D$ step: that loss trains $D$ only, so no gradient flows into $G$.

# %%
print(inspect.getsource(toy.toy_step))

# %% [markdown]
# We train one run and take a picture after a few step counts. Each picture shows the real density
# (grey), $G$'s density (orange, a histogram of 20,000 generated numbers) and $D(x)$ (blue, right axis).

# %%
snaps, run = toy.toy_snapshots(SNAPSHOT_STEPS)
toy.plot_toy_snapshots(snaps, title="The toy GAN during training")

# %% [markdown]
# Look at the blue curve: it flattens toward the dashed line $D=1/2$ on the bumps as the orange histogram
# comes to match the grey density, as $D^*$ predicts. It stays low between the bumps, where $G$ still puts
# some numbers but real data never occur: $G$ is a continuous function of the noise, so its outputs cannot
# jump from one bump to the other without some passing through the gap. $D$ only approximates $D^*$, since
# it takes one small step per round.
#
# The losses and $D$'s mean outputs over the same run, drawn with the plotting function used for MNIST:

# %%
gan_lab.plot_history(run.history, title="Toy GAN training curves")

# %% [markdown]
# Look at how lossD and lossG settle near their equilibrium values $2\ln2$ and $\ln2$, and $D$'s mean
# outputs on real and generated numbers near 1/2 (dashed lines).

# %% [markdown]
# ## 6. How training fails
#
# **D wins and G's gradient vanishes.** If $D$ becomes much stronger than $G$, it rejects every generated
# sample: $D(G(z))\approx0$. With the saturating loss $G$'s gradient then almost vanishes (Section 4). Below,
# a fresh toy run gets a head start: $D$ trains alone (`train_g=False`) while $G$ stays as initialised. Then
# we measure the size of the gradient each loss sends to $G$'s weights, on the same batch of noise.

# %%
collapsed = toy.new_toy()
toy.train_toy(collapsed, HEAD_START, train_g=False)
h = collapsed.history
print(f"after {HEAD_START} D-only steps: mean D(x) = {h.D_x[-1]:.3f}, mean D(G(z)) = {h.D_G_z[-1]:.3f}")

z = torch.randn(1000, collapsed.G.z_dim, generator=torch.Generator().manual_seed(0))
norms = {}
for name, loss_fn in (("saturating log(1 - D(G(z)))", lambda p: torch.log(1 - p).mean()),
                      ("non-saturating -log D(G(z))", lambda p: -torch.log(p).mean())):
    collapsed.G.zero_grad()
    loss_fn(collapsed.D(collapsed.G(z))).backward()
    norms[name] = torch.sqrt(sum((w.grad ** 2).sum() for w in collapsed.G.parameters())).item()
    print(f"gradient norm on G's weights, {name}: {norms[name]:.2g}")
ratio = norms["non-saturating -log D(G(z))"] / norms["saturating log(1 - D(G(z)))"]
print(f"the non-saturating gradient is about {float(f'{ratio:.2g}'):.0f} times larger")
collapsed.G.zero_grad()
collapsed.D.zero_grad()

# %% [markdown]
# With plain SGD (this course's default optimizer for MNIST) the step size is proportional to the gradient,
# so the saturating loss would move $G$ about that many times more slowly. Adam, used for the toy,
# rescales gradients and hides part of the difference, but not the cause.
#
# **Mode collapse.** The real data have two bumps; $G$ may learn to produce only one of them, or a few
# kinds of output in general (on MNIST: only a few digit shapes). Now we train the same run normally,
# with the non-saturating loss, starting from $D$'s head start.

# %%
toy.train_toy(collapsed, AFTER_HEAD_START)
toy.plot_toy(toy.toy_curves(collapsed),
             title=f"{HEAD_START} D-only steps, then {AFTER_HEAD_START} normal steps")

# %% [markdown]
# Look at where the orange histogram is: it covers only one of the two bumps. $D^*$ explains the blue
# curve: on the missing bump $p_g=0$, so $D\approx1$; on the covered bump $G$ puts more mass than the data,
# so $D<1/2$. $D$ is high on the missing bump, but $G$'s gradient only tells each generated number how to
# move *locally*, and no generated number is near the missing bump to feel it. The same losses that reached
# equilibrium in Section 5 got stuck here because of where training started.

# %% [markdown]
# ## 7. Try it yourself
#
# The panel trains a toy GAN in steps. Choose the number of steps with the slider and click
# **Train**; **Reset** starts a new run. The dropdown changes the real data (one, two or three bumps).
# Nothing trains until you click. Try one bump (easy), then three bumps: watch how $G$ shares its numbers
# among the bumps from one click to the next, and how $D(x)$ follows.

# %%
# NBVAL_IGNORE_OUTPUT
# (the panel draws into its Output widget; a test runner without widget support sees those images here)
panel = toy.toy_panel(steps=PANEL_STEPS)
display(panel)
if SMOKE:  # CI: exercise the real button callback once
    panel.train_button.click()
    assert panel.state.step == PANEL_STEPS

# %% [markdown]
# ## 8. Next: images
#
# The same game on MNIST: $x$ is a $28\times28$ grey-scale image of a handwritten digit, flattened to 784
# numbers, and $G$ must produce such images. Here are 64 real training images; notebook 02 builds $D$ and $G$
# for them.

# %%
images = gan_lab.load_images("mnist", train=True)
print(f"{len(images)} training images, shape {tuple(images.shape[1:])}, "
      f"pixel values from {images.min().item():.0f} to {images.max().item():.0f}")
gan_lab.plot_grid(images[:64], title="64 real MNIST training images")

# %% [markdown]
# Look at the variety: different digits, stroke widths and slants. A good generator must produce all of
# them, not just a few (no mode collapse).
