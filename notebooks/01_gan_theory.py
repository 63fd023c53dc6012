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
# better at producing samples that $D$ calls real. In the original formulation (Section 1) one player's
# gain is exactly the other's loss, so the game is **zero-sum**; the generator loss used in practice
# (Section 4) makes it a game that is no longer zero-sum.
#
# This notebook covers the objective of that game, what the best discriminator looks like, where the
# game ends, why the generator is trained with a slightly different loss in practice, and how training
# fails. A GAN on 1-D numbers, small enough to train on a CPU in seconds, shows each point, and a GAN on
# 2-D points shows mode collapse. The next notebook builds the MNIST networks.
#
# **Learning objectives.** After this notebook you can
#
# * write the GAN objective $V(D,G)$ and compute it with `nn.BCELoss`;
# * derive the optimal discriminator $D^*$ and explain why, against $D^*$, the generator minimises the
#   Jensen–Shannon divergence between its distribution and the data's;
# * state the game's equilibrium and the loss values it gives ($2\ln 2$ and $\ln 2$);
# * explain why $G$ is trained with the non-saturating loss, and what that changes about the game;
# * recognise two ways training fails: a discriminator that wins, and mode collapse.
#
# **Time:** about 45–60 minutes of reading and three short exercises (an estimate); running every cell
# takes about 1 minute, measured on a 2-core CPU (the toy trainings in Sections 5 and 6 are most of it).

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
RING_STEPS = 50 if SMOKE else 1500  # training steps of each 2-D run in the mode-collapse experiment
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
from gan_lab.classifier import single_thread
from gan_lab.checks import use_if_correct
from gan_lab.checks.theory import (check_generator_losses, check_js_divergence, check_optimal_discriminator,
                                   reference_js_divergence, reference_non_saturating_loss,
                                   reference_optimal_discriminator, reference_saturating_loss)
from gan_lab.widgets import toy_panel

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
# $D$'s payoff is $V$ and $G$'s is $-V$: they add up to zero whatever the players do, which is what makes
# this game **zero-sum**.
#
# In code, $-V$ is written with the binary cross-entropy (BCE). With $\mathrm{BCE}(p,y)=-[y\log p+(1-y)\log(1-p)]$
# and the labels `lab_real = 1`, `lab_fake = 0`, the discriminator's loss of this course is
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
# $x\sim p_g$ instead of $z\sim p_z$. If both distributions have densities,
#
# $$V(D,G)=\int\big[p_{data}(x)\log D(x)+p_g(x)\log(1-D(x))\big]\,dx.$$
#
# Suppose $D$ can be any function (a network with enough capacity comes close). Then it can choose the
# value $y=D(x)$ separately at every $x$. With $a=p_{data}(x)$ and $b=p_g(x)$, not both 0, it maximises
# $f(y)=a\log y+b\log(1-y)$ on $(0,1)$. Setting $f'(y)=a/y-b/(1-y)=0$ gives $y=a/(a+b)$, and $f$ is
# concave, so this is the maximum:
#
# $$D^*(x)=\frac{p_{data}(x)}{p_{data}(x)+p_g(x)}.$$
#
# Where only real data occur, $D^*=1$; where only generated data occur, $D^*=0$; where both are equally
# dense, $D^*=1/2$.
#
# **Exercise 1.1: the optimal discriminator.** Write `optimal_discriminator(p_data, p_g)`: given the values
# of the two densities at many points $x$ (two NumPy arrays of the same shape), return $D^*(x)$ at each
# point. It practises reading the formula as code; the cells of this section use your function.

# %%
def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) at every point, from the densities p_data(x) and p_g(x) there."""
    ### BEGIN SOLUTION
    return p_data / (p_data + p_g)
    ### END SOLUTION


# %%
ok = check_optimal_discriminator(optimal_discriminator)
optimal_discriminator = use_if_correct(ok, optimal_discriminator, reference_optimal_discriminator,
                                       "optimal_discriminator")

# %% [markdown]
# **The value of the game at $D^*$.** Put $D^*$ into $V$ and let $m=(p_{data}+p_g)/2$, the average of the
# two distributions. Since $D^*=p_{data}/(2m)$ and $1-D^*=p_g/(2m)$,
#
# $$V(D^*,G)=\mathbb{E}_{p_{data}}\Big[\log\frac{p_{data}}{m}\Big]+\mathbb{E}_{p_g}\Big[\log\frac{p_g}{m}\Big]-2\log 2
# =\mathrm{KL}(p_{data}\|m)+\mathrm{KL}(p_g\|m)-\log 4=-\log 4+2\,\mathrm{JSD}(p_{data}\|p_g).$$
#
# $\mathrm{KL}(p\|q)=\int p(x)\log\frac{p(x)}{q(x)}\,dx$ is the Kullback–Leibler divergence and
# $\mathrm{JSD}(p\|q)=\tfrac12\mathrm{KL}(p\|m)+\tfrac12\mathrm{KL}(q\|m)$ the Jensen–Shannon divergence, here with
# natural logarithms (in nats). JSD lies between 0 and $\log 2$, and it is 0 only when the two
# distributions are equal. So against the best discriminator, the generator minimises the Jensen–Shannon
# divergence between its distribution and the data's.
#
# **Exercise 1.2: the Jensen–Shannon divergence.** Write `js_divergence(p, q, dx)` for two densities given
# by their values on a grid of points spaced `dx` apart: form the mixture $m$, write each KL divergence as a
# sum over the grid times `dx`, and use the natural logarithm `np.log`. It practises turning an integral
# into code; the next cell uses your function to check the identity above.

# %%
def js_divergence(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JSD(p || q) in nats, for two densities given by their values on a grid of spacing dx."""
    ### BEGIN SOLUTION
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) * dx + 0.5 * np.sum(q * np.log(q / m)) * dx
    ### END SOLUTION


# %%
ok = check_js_divergence(js_divergence)
js_divergence = use_if_correct(ok, js_divergence, reference_js_divergence, "js_divergence")

# %% [markdown]
# The cell below checks both results numerically for two 1-D distributions: the toy data of this
# notebook (two Gaussian bumps) as $p_{data}$ and one wide Gaussian as $p_g$.

# %%
cfg = toy.ToyConfig()
x = np.linspace(-8, 8, 16001)
dx = x[1] - x[0]
p_data = toy.real_density(x, cfg)
p_g = np.exp(-0.5 * ((x - 0.5) / 1.5) ** 2) / (1.5 * math.sqrt(2 * math.pi))  # a Gaussian, mean 0.5, std 1.5


def value(D: np.ndarray) -> float:
    """V(D, G) as an integral over x, for D given by its values on the grid."""
    return np.sum(p_data * np.log(D) + p_g * np.log(1 - D)) * dx


D_star = optimal_discriminator(p_data, p_g)
jsd = js_divergence(p_data, p_g, dx)
print(f"V(D*, G)           = {value(D_star):.4f}")
print(f"-log 4 + 2 JSD     = {-math.log(4) + 2 * jsd:.4f}   (JSD = {jsd:.4f})")
print(f"V(D = 1/2, G)      = {value(np.full_like(x, 0.5)):.4f}   (= -log 4: a D that always says 1/2)")
print(f"V(D* tilted, G)    = {value(np.clip(D_star * 1.1, 1e-6, 1 - 1e-6)):.4f}   (a different D gives less)")
assert abs(value(D_star) - (-math.log(4) + 2 * jsd)) < 1e-6

# %%
fig = Figure(figsize=(7, 3.8), layout="constrained")
ax = fig.subplots()
ax.fill_between(x, p_data, color="0.75", label="$p_{data}$ (two bumps)")
ax.plot(x, p_g, color="tab:orange", label="$p_g$ (one wide Gaussian)")
ax.set_xlim(-5, 5)
ax.set_xlabel("x")
ax.set_ylabel("probability density")
ax2 = ax.twinx()
ax2.plot(x, D_star, color="tab:blue", label="$D^*(x)$ (right axis)")
ax2.axhline(0.5, color="tab:blue", linestyle="--", linewidth=0.8, label="$D = 1/2$ (right axis)")
ax2.set_ylim(0, 1)
ax2.set_ylabel("$D^*(x)$")
fig.legend(loc="outside lower center", ncol=4, fontsize=8)
ax.set_title("The optimal discriminator for a fixed generator")
fig

# %% [markdown]
# Look at where $D^*$ is high: on the two bumps, where real data are denser than generated data. Between
# and outside the bumps, where $G$ puts more mass than the data, $D^*$ drops toward 0. It crosses the dashed
# line $D=1/2$ exactly where the two densities are equal.
#
# **Think 1.1.** To draw $D^*$, this section needed the formulas of both densities. Why can't a GAN on
# MNIST compute $D^*$ this way, and what does it do instead?
# <details><summary>Answer</summary>
#
# Neither density is known. $p_{data}$ is only available through its samples (60,000 training images),
# and $p_g$ is defined only through sampling: draw $z$, compute $G(z)$; there is no formula for the density
# of those 784-pixel images. So $D$ is a network trained on samples of both, and it only approximates
# $D^*$: it has limited capacity and takes one small step per round. The Jensen–Shannon argument holds only
# as far as $D$ is close to $D^*$.
#
# </details>

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
# **Think 1.2.** What is $V$ when $D$ is perfect, $D(x)=1$ on every real sample and $D(G(z))=0$ on every
# generated one? When can such a $D$ exist, and what is the JSD then?
# <details><summary>Answer</summary>
#
# $V=\log 1+\log 1=0$, the largest value $V$ can take, since both logarithms are at most 0. A perfect $D$
# exists only when real and generated samples never fall in the same place (the two distributions do not
# overlap). Then $D^*$ is that perfect $D$, and $V(D^*,G)=-\log 4+2\,\mathrm{JSD}=0$ gives
# $\mathrm{JSD}=\log 2$, its largest value. It stays $\log 2$ however close $p_g$ comes to $p_{data}$, as long
# as they still do not overlap, so in that situation the JSD does not tell $G$ which way to move.
#
# </details>

# %% [markdown]
# ## 4. Why G is trained with BCE(D(G(z)), 1)
#
# In the minimax objective, $G$ minimises $\log(1-D(G(z)))$. Early in training $G$ is bad, $D$ rejects its
# samples easily and $D(G(z))\approx0$. There this loss gives $G$ almost no gradient: it **saturates**.
#
# The gradient that reaches $G$ flows back through $D$'s last layer, a sigmoid: $D=\sigma(a)$ with $a$ the
# logit (the number before the sigmoid), and $\sigma'(a)=D(1-D)$. By the chain rule,
#
# $$\frac{\partial}{\partial a}\log(1-D)=-\frac{1}{1-D}\,D(1-D)=-D,\qquad
# \frac{\partial}{\partial a}\big(-\log D\big)=-\frac{1}{D}\,D(1-D)=-(1-D).$$
#
# So as a function of the logit, $\log(1-\sigma(a))$ is almost flat where $D(G(z))\approx0$: its slope $-D$
# goes to 0. As a function of $D$ itself it is not flat there: its slope $-1/(1-D)$ is close to $-1$. The
# gradient vanishes because of the sigmoid's factor $D(1-D)\approx D$, which this loss does not cancel.
#
# The fix used in practice (and in this course): $G$ *maximises* $\log D(G(z))$, that is, it minimises
#
# $$\text{lossG}=-\log D(G(z))=\mathrm{BCE}(D(G(z)),1),$$
#
# the **non-saturating** loss. Its slope in $D$, $-1/D$, is steep exactly where $D$ is small and cancels the
# sigmoid's factor: at $D(G(z))=0.01$ the saturating loss passes on a gradient (with respect to $a$) of
# size 0.01, the non-saturating loss 0.99.
#
# **The game is no longer zero-sum.** $D$ still maximises $V$, but $G$ now maximises
# $\mathbb{E}_z[\log D(G(z))]$, which is not $-V$. The two payoffs no longer add up to zero (or to any
# constant), so this is a non-zero-sum game. Both versions push $D(G(z))$ up and have the same equilibrium
# ($p_g=p_{data}$, $D=\tfrac12$; Think 1.3); they differ in the gradients on the way there.
#
# **Exercise 1.3: G's two losses.** Write both losses as functions of `D_G_z`, a tensor of $D$'s outputs on
# generated samples, one loss per sample (same shape as `D_G_z`; no mean): `saturating_loss` gives
# $\log(1-D(G(z)))$, `non_saturating_loss` gives $-\log D(G(z))$. Use `torch` operations, so that autograd can
# follow. The next cell differentiates your losses through the sigmoid; the figure and Section 6 use them.

# %%
def saturating_loss(D_G_z: torch.Tensor) -> torch.Tensor:
    """log(1 - D(G(z))) for each sample: G's term of the minimax objective."""
    ### BEGIN SOLUTION
    return torch.log(1 - D_G_z)
    ### END SOLUTION


def non_saturating_loss(D_G_z: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)) = BCE(D(G(z)), 1) for each sample: the loss G is trained with."""
    ### BEGIN SOLUTION
    return -torch.log(D_G_z)
    ### END SOLUTION


# %%
ok = check_generator_losses(saturating_loss, non_saturating_loss)
saturating_loss, non_saturating_loss = use_if_correct(
    ok, (saturating_loss, non_saturating_loss), (reference_saturating_loss, reference_non_saturating_loss),
    "saturating_loss and non_saturating_loss")

# %%
logit = torch.logit(torch.tensor([0.01, 0.5, 0.99])).requires_grad_()
D_G_z = torch.sigmoid(logit)  # D = sigmoid(a)
grad_sat = torch.autograd.grad(saturating_loss(D_G_z).sum(), logit, retain_graph=True)[0]
grad_ns = torch.autograd.grad(non_saturating_loss(D_G_z).sum(), logit)[0]
for di, gs, gn in zip(D_G_z.tolist(), grad_sat.tolist(), grad_ns.tolist()):
    print(f"D(G(z)) = {di:.2f}: d/da log(1-D) = {gs:+.2f} (-D = {-di:+.2f}),  "
          f"d/da -log D = {gn:+.2f} (-(1-D) = {-(1 - di):+.2f})")

# %%
def to_probability(t: np.ndarray) -> np.ndarray:
    """D = sigmoid(a), to label the top axis."""
    return 1 / (1 + np.exp(-t))


def to_logit(p: np.ndarray) -> np.ndarray:
    """a = log(D / (1 - D)), the top axis's way back (clipped: matplotlib also asks at D = 0 and 1)."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


a = torch.linspace(-7, 7, 281, requires_grad=True)  # D's logit on a generated sample
D_G_z = torch.sigmoid(a)
losses = {"saturating": (saturating_loss(D_G_z), "tab:red", "\\log(1-D(G(z)))", "D"),
          "non-saturating": (non_saturating_loss(D_G_z), "tab:green", "-\\log D(G(z))", "1-D")}
fig = Figure(figsize=(10, 4), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
for name, (loss, color, formula, slope) in losses.items():
    grad = torch.autograd.grad(loss.sum(), a, retain_graph=True)[0]
    ax1.plot(a.detach(), loss.detach(), color=color, label=f"{name}: ${formula}$")
    ax2.plot(a.detach(), grad.abs(), color=color, label=f"{name}: $|\\partial/\\partial a| = {slope}$")
ax1.set_ylabel("generator loss (G minimises it)")
ax1.set_title("Two losses for G")
ax2.set_ylabel("size of the gradient with respect to a")
ax2.set_title("Gradient that reaches G")
for ax in (ax1, ax2):
    ax.set_xlabel("D's logit a (D on the left rejects the sample)")
    ax.legend(fontsize=8)
    top = ax.secondary_xaxis("top", functions=(to_probability, to_logit))
    top.set_xticks([0.01, 0.1, 0.5, 0.9, 0.99])
    top.set_xlabel("D(G(z)) = sigmoid(a)")
fig.suptitle("G's loss and its gradient as functions of D's logit a; G is losing on the left")
fig

# %% [markdown]
# Look at the left end of both panels, where $D$ rejects $G$'s samples: the red loss is flat and near 0 and
# its gradient vanishes; the green loss falls with slope $-1$, so its gradient stays near 1. Only the
# non-saturating loss gives $G$ a useful signal there.
#
# **Think 1.3.** With the non-saturating loss the game is not zero-sum. Is $p_g=p_{data}$, $D=\tfrac12$
# still an equilibrium, a pair where neither player gains by changing only its own strategy?
# <details><summary>Answer</summary>
#
# Yes. $D$'s objective has not changed, so given $p_g=p_{data}$ its best response is still $D^*=\tfrac12$.
# Given $D=\tfrac12$ everywhere, $G$'s loss is $-\log\tfrac12=\ln 2$ whatever $G$ does, so $G$ cannot improve
# by moving. What changed is the path to that point (the gradients), not the point itself.
#
# </details>

# %% [markdown]
# ## 5. A GAN on 1-D numbers
#
# To watch the game, take real data that are single numbers $x$ from two Gaussian bumps (at $-2$ and $+2$,
# standard deviation 0.5). $G$ turns 4 random numbers $z$ into one number; $D$ maps a number to a
# probability. Both are small multilayer perceptrons from `gan_lab.toy`, trained with Adam.

# %%
state = toy.new_toy()
print(state.config)
print(state.G)
print(state.D)
print(f"parameters: G {gan_lab.count_parameters(state.G)}, D {gan_lab.count_parameters(state.D)}")

# %% [markdown]
# One training step is the one for MNIST (notebook 03): the toy calls `gan_lab.train_step` itself, printed
# below. First a $D$ step on a real batch and a generated batch, with labels 1 and 0; then a $G$ step with
# the non-saturating loss. Note the `.detach()` in the $D$ step: that loss trains $D$ only, so no gradient
# flows into $G$. In the $G$ step, `frozen(D)` says the opposite: $D$ is not trained there. (The options
# `g_loss` and `train_g` serve the experiments further down.)

# %%
print(inspect.getsource(gan_lab.train_step))

# %% [markdown]
# We train one run and take a picture after a few step counts. Each picture shows the real density
# (grey), $G$'s density (orange, a histogram of 20,000 generated numbers) and $D(x)$ (blue, right axis).

# %%
snaps, run = toy.toy_snapshots(SNAPSHOT_STEPS)
toy.plot_toy_snapshots(snaps, title="The toy GAN during training")

# %% [markdown]
# Look at the blue curve: it flattens toward the dashed line $D=1/2$ on the bumps as the orange histogram
# comes to match the grey density, as $D^*$ predicts. It stays low between the bumps, where $G$ still puts
# some numbers but real data almost never occur: $G$ is a continuous function of the noise, so its outputs
# cannot jump from one bump to the other without some passing through the gap. $D$ only approximates
# $D^*$, since it takes one small step per round.
#
# The losses and $D$'s mean outputs over the same run, drawn with the plotting function used for MNIST:

# %% tags=["nbval-ignore-output"]
h = run.history
last = min(500, len(h.lossD))
print(f"means of the last {last} steps: lossD {np.mean(h.lossD[-last:]):.3f} (2 ln 2 = 1.386), "
      f"lossG {np.mean(h.lossG[-last:]):.3f} (ln 2 = 0.693), D(x) {np.mean(h.D_x[-last:]):.3f}, "
      f"D(G(z)) {np.mean(h.D_G_z[-last:]):.3f}")
gan_lab.plot_history(run.history, title="Toy GAN training curves")

# %% [markdown]
# Look at how lossD and lossG settle near their equilibrium values $2\ln2$ and $\ln2$, and $D$'s mean
# outputs on real and generated numbers near 1/2 (dashed lines); the printout gives the means of the last
# steps.

# %% [markdown]
# ## 6. How training fails
#
# **D wins and G's gradient vanishes.** If $D$ becomes much stronger than $G$, it rejects every generated
# sample: $D(G(z))\approx0$. With the saturating loss $G$'s gradient then almost vanishes (Section 4). Below,
# a fresh toy run gets a head start: $D$ trains alone (`train_g=False`) while $G$ stays as initialised. Then
# we measure the size of the gradient each of your losses from Exercise 1.3 sends to $G$'s weights, on the
# same batch of noise.

# %%
head_start = toy.new_toy()
toy.train_toy(head_start, HEAD_START, train_g=False)
h = head_start.history
print(f"after {HEAD_START} D-only steps: mean D(x) = {h.D_x[-1]:.3f}, mean D(G(z)) = {h.D_G_z[-1]:.3f}")

z = torch.randn(1000, head_start.G.z_dim, generator=torch.Generator().manual_seed(0))
norms = {}
for name, loss_fn in (("saturating log(1 - D(G(z)))", saturating_loss),
                      ("non-saturating -log D(G(z))", non_saturating_loss)):
    head_start.G.zero_grad()
    loss_fn(head_start.D(head_start.G(z))).mean().backward()
    norms[name] = torch.sqrt(sum((w.grad ** 2).sum() for w in head_start.G.parameters())).item()
    print(f"gradient norm on G's weights, {name}: {norms[name]:.2g}")
ratio = norms["non-saturating -log D(G(z))"] / norms["saturating log(1 - D(G(z)))"]
print(f"the non-saturating gradient is about {float(f'{ratio:.2g}'):.0f} times larger")
head_start.G.zero_grad()
head_start.D.zero_grad()

# %% [markdown]
# With plain SGD (this course's default optimizer for MNIST) the step size is proportional to the gradient,
# so the saturating loss would move $G$ about that many times more slowly. Adam, used for the toy, divides
# each gradient by a running estimate of its size, which hides most of the difference in size. It does not
# hide the cause: the saturating gradient weights each sample by $D(G(z))$, so the samples that $D$ rejects
# most firmly, the ones $G$ most needs to move, count least.
#
# **A dropped mode.** The real data have two bumps, or *modes*. Now we train the same run normally, with
# the non-saturating loss, starting from $D$'s head start.

# %% tags=["nbval-ignore-output"]
toy.train_toy(head_start, AFTER_HEAD_START)
with torch.no_grad():
    x_gen = head_start.G(torch.randn(20_000, head_start.G.z_dim, generator=torch.Generator().manual_seed(1)))
left = (x_gen < 0).float().mean().item()
print(f"G's numbers: {left:.1%} left of 0, {1 - left:.1%} right of 0 (the real data: 50% each)")
toy.plot_toy(toy.toy_curves(head_start),
             title=f"{HEAD_START} D-only steps, then {AFTER_HEAD_START} normal steps")

# %% [markdown]
# Look at where the orange histogram is: it covers only one of the two bumps (the printout gives the
# shares). $D^*$ explains the blue curve: on the missing bump $p_g=0$, so $D\approx1$; on the covered bump
# $G$ puts more mass than the data, so $D<1/2$. $D$ is high on the missing bump, but $G$'s gradient only
# tells each generated number how to move *locally*, and no generated number is near the missing bump to
# feel it. The same losses that reached equilibrium in Section 5 ended here on one bump because of where
# training started.
#
# **Mode collapse and mode hopping.** A dropped mode is one form of **mode collapse**: $G$ produces only
# part of the variety of the data (on MNIST: only a few digit shapes). It also comes in a moving form. A
# common test case (Metz et al., 2017) is 2-D data from 8 Gaussians on a circle. Below, $G$ turns 2 noise
# numbers into a point $(x_1,x_2)$; $G$ and $D$ are small multilayer perceptrons, trained with Adam and with
# `gan_lab.train_step`, the same step as for MNIST. We train twice from the same start, changing only $D$'s
# learning rate: equal to $G$'s, then ten times smaller, so that $G$ can chase whatever $D$ currently scores
# highest before $D$ catches up.

# %%
RING = 2.0 * torch.stack([torch.cos(torch.arange(8) * math.pi / 4), torch.sin(torch.arange(8) * math.pi / 4)], dim=1)
RING_STD = 0.05  # standard deviation of each of the 8 Gaussians
LR_G = 2e-3


def sample_ring(n: int, generator: torch.Generator) -> torch.Tensor:
    """n real points, shape (n, 2): one of the 8 centres, chosen uniformly, plus Gaussian noise."""
    which = torch.randint(len(RING), (n,), generator=generator)
    return RING[which] + RING_STD * torch.randn(n, 2, generator=generator)


def mlp(n_in: int, n_out: int, *last: nn.Module) -> nn.Sequential:
    """n_in -> 32 -> 32 -> n_out with LeakyReLU(0.2) in between, like the 1-D toy's networks."""
    return nn.Sequential(nn.Linear(n_in, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                         nn.Linear(32, n_out), *last)


def train_ring_gan(lr_d: float, steps: int, n_snapshots: int = 5, seed: int = 0) -> dict[int, torch.Tensor]:
    """Train a 2-D GAN on the ring; G's points for 500 fixed z, taken n_snapshots times, by step."""
    with torch.random.fork_rng(devices=[]):  # the start depends on the seed only
        torch.manual_seed(seed)
        G, D = mlp(2, 2), mlp(2, 1, nn.Sigmoid())
    G.z_dim = 2  # train_step reads it to draw z
    optD = torch.optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.999))
    optG = torch.optim.Adam(G.parameters(), lr=LR_G, betas=(0.5, 0.999))
    data_gen, noise_gen = torch.Generator().manual_seed(seed + 1), torch.Generator().manual_seed(seed + 2)
    z_fixed = torch.randn(500, 2, generator=torch.Generator().manual_seed(seed + 3))
    every, snapshots = max(1, steps // n_snapshots), {}
    with single_thread():  # these networks are too small to gain from more threads
        for step in range(1, steps + 1):
            gan_lab.train_step(G, D, optD, optG, sample_ring(64, data_gen), nn.BCELoss(), noise_gen)
            if step % every == 0:
                with torch.no_grad():
                    snapshots[step] = G(z_fixed)
    return snapshots


def modes_reached(points: torch.Tensor, radius: float = 0.5, share: float = 0.05) -> list[int]:
    """The modes (numbered 0-7) that hold at least `share` of the points within `radius` of their centre."""
    distance = torch.cdist(points, RING)
    near = distance.min(dim=1).values < radius
    counts = torch.bincount(distance.argmin(dim=1)[near], minlength=len(RING))
    return [k for k in range(len(RING)) if counts[k] >= share * len(points)]


# %% [markdown]
# A mode counts as *reached* when at least 5% of $G$'s 500 points lie within 0.5 of its centre (ten
# standard deviations; a perfect $G$ puts 12.5% near each).

# %% tags=["nbval-ignore-output"]
RING_RUNS = {f"D's learning rate = G's ({LR_G:g})": LR_G, f"D's learning rate = G's / 10 ({LR_G / 10:g})": LR_G / 10}
ring_snapshots = {title: train_ring_gan(lr_d, RING_STEPS) for title, lr_d in RING_RUNS.items()}
for title, snapshots in ring_snapshots.items():
    print(title)
    for step, points in snapshots.items():
        modes = modes_reached(points)
        print(f"  step {step:4d}: {len(modes)} of 8 modes reached {modes}")

# %%
fig = Figure(figsize=(12, 5.6), layout="constrained")
for subfig, (title, snapshots) in zip(fig.subfigures(2, 1), ring_snapshots.items()):
    axes = subfig.subplots(1, len(snapshots), sharey=True)
    for ax, (step, points) in zip(axes, snapshots.items()):
        ax.scatter(RING[:, 0], RING[:, 1], s=60, color="0.7", label="centres of the real data's 8 modes")
        ax.scatter(points[:, 0], points[:, 1], s=3, color="tab:orange", alpha=0.5, label="G's points (500 fixed z)")
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title=f"step {step}", xlabel="$x_1$")
    axes[0].set_ylabel("$x_2$")
    subfig.suptitle(title)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8)
fig.suptitle("A GAN on 8 Gaussians: same start, two learning rates for D")
fig

# %% [markdown]
# Look at the orange points in each row; the printout above counts the modes reached in each picture.
# With equal learning rates (top), $G$ spreads its points around the whole circle from step 600 on and
# reaches 7 or 8 of the 8 modes, though some points still lie between modes. With a slow $D$ (bottom),
# $G$'s points bunch into one small blob that reaches at most one mode at a time and moves from one
# picture to the next: **mode collapse** with **mode hopping**. The usual explanation: $G$ moves its points
# to wherever $D$ currently says "real"; by the time $D$ has learned to reject that spot, $G$ has moved on,
# and nothing in $G$'s loss rewards it for covering all modes at once.
#
# **Think 1.4.** How would you notice mode collapse when training on MNIST? Would lossD and lossG tell you?
# <details><summary>Answer</summary>
#
# Not reliably. The losses measure how well $D$ separates real from generated samples right now, not how
# much of the data's variety $G$ covers, so a collapsed $G$ facing a slow $D$ can show ordinary-looking
# losses. Look at many samples at once (a grid from fixed noise, epoch after epoch), and measure variety:
# notebook 03 counts which digits the shipped classifier sees in $G$'s samples (digit coverage) and
# computes recall, the share of real images that fall within the neighbourhood of some generated image (in
# the classifier's feature space).
#
# </details>

# %% [markdown]
# ## 7. Try it yourself
#
# The panel trains a toy GAN in steps. Choose the number of steps with the slider and click
# **Train**; **Reset** starts a new run. The dropdown changes the real data (one, two or three bumps).
# Nothing trains until you click. Try one bump (easy), then three bumps: watch how $G$ shares its numbers
# among the bumps from one click to the next, and how $D(x)$ follows.

# %% tags=["nbval-ignore-output"]
panel = toy_panel(steps=PANEL_STEPS)
display(panel)

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
#
# **Using generative models responsibly.** Digits are harmless, but the same methods, scaled up, generate
# realistic faces, voices and video. Such *deepfakes* can put words into a real person's mouth, serve fraud
# and harassment, or create intimate images of people who never consented. A few rules carry over to any
# generator you train: do not generate images of real, identifiable people without their consent; say
# clearly that generated content is generated when you share it; know where your training data come from
# and whether you may use them (MNIST is a public research data set; photos collected from the web are not
# free for any use just because they can be downloaded); and remember that a generator can reproduce parts
# of its training images, which matters when those images are private. Notebook 03 tests whether $G$
# copies its training images.

# %% [markdown]
# ## Summary
#
# * A GAN is a game: $D$ maximises $V(D,G)=\mathbb{E}[\log D(x)]+\mathbb{E}[\log(1-D(G(z)))]$, and in code
#   lossD $=-V$ on a batch, written with BCE and the labels `lab_real` = 1, `lab_fake` = 0.
# * For a fixed $G$ the best discriminator is $D^*=p_{data}/(p_{data}+p_g)$; against it, $G$ minimises
#   $-\log 4+2\,\mathrm{JSD}(p_{data}\|p_g)$.
# * At the equilibrium $p_g=p_{data}$, $D=\tfrac12$: lossD $=2\ln2$ and lossG $=\ln2$. The same values come
#   from a weak $D$, so they do not prove that $G$ is good.
# * The saturating loss $\log(1-D(G(z)))$ gives $G$ a gradient of size $D(G(z))$ with respect to $D$'s logit,
#   which vanishes when $D$ wins; the non-saturating loss $-\log D(G(z))$ gives $1-D(G(z))$. With it the game
#   is no longer zero-sum, but its equilibrium is the same.
# * Training fails when $D$ wins too clearly, and through mode collapse: a dropped mode, or a $G$ whose
#   samples hop from mode to mode when $D$ lags behind.
#
# ## Where to go next
#
# * **Notebook 02** builds the report's fully connected $D$ and $G$ for MNIST.
# * Goodfellow's tutorial (2016) covers the theory of this notebook in more depth, with more on the
#   non-saturating loss and on mode collapse.
# * Unrolled GANs (Metz et al., 2017) let $G$ look a few $D$ steps ahead, against mode collapse: try the idea
#   on the 8 Gaussians above.
#
# ## References
#
# - Goodfellow, I. et al. (2014). *Generative Adversarial Nets.* NeurIPS. https://arxiv.org/abs/1406.2661
# - Goodfellow, I. (2016). *NIPS 2016 Tutorial: Generative Adversarial Networks.* https://arxiv.org/abs/1701.00160
# - Metz, L. et al. (2017). *Unrolled Generative Adversarial Networks* (mode collapse). https://arxiv.org/abs/1611.02163
# - Kingma, D. P. & Ba, J. (2015). *Adam: A Method for Stochastic Optimization.* ICLR. https://arxiv.org/abs/1412.6980
# - LeCun, Y., Cortes, C. & Burges, C. J. C. *The MNIST database of handwritten digits.*
