# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gan-lab/gan_lab/blob/main/notebooks/03_train.ipynb)
#
# # 03 · Training the GAN
#
# In 02 we built the discriminator $D$ and the generator $G$. Here we train them against each other on
# MNIST, exactly as the report did: binary cross-entropy (BCE), batches of 64, one $D$ step and then one
# $G$ step per batch. You first write the two losses and one training step yourself. Then a panel trains
# the whole model, and we look at what $G$ has learned: loss curves, quality metrics, samples over the
# epochs, walks in latent space, and whether $G$ simply copies training images.
#
# **Learning objectives.** After this notebook you can
#
# * write $D$'s and $G$'s BCE losses and one training step (D step, then G step), and say where
#   `.detach()` goes and why;
# * read loss curves and $D$'s outputs, and say what they cannot tell you;
# * measure sample quality with a Fréchet distance, a classifier score, precision and recall, and read a
#   bootstrap interval;
# * walk through latent space and test whether a generator copies its training images.
#
# **Time:** about 35 minutes of reading and 40 minutes for the five exercises (an estimate). Running every
# cell took 3 minutes on one 2-core CPU and 19 minutes on a slower one (both measured); training 100
# epochs is most of it. With the shipped run instead of training (section 2), every cell ran in 1.4
# minutes on the slower CPU (measured).

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
SMOKE = smoke_mode()  # GAN_LAB_SMOKE=1 in CI: the same code, tiny settings
EPOCHS = 3 if SMOKE else 100  # the report trained for 100 epochs
TRAIN_IMAGES = 2_560 if SMOKE else None  # None: all 60,000 training images
EVAL_EVERY = 1 if SMOKE else 10  # epochs between quality measurements during training
EVAL_SAMPLES = 500 if SMOKE else 2_000  # generated images per measurement during training
N_FINAL = 2_000 if SMOKE else 10_000  # generated images for the final measurement
BOOTSTRAP_RESAMPLES = 200  # resamples of the generated images for the 95% intervals
SEED = 0
TRAIN = "auto"  # True: train here; False: load the run shipped in results/; "auto": train if that takes under 5 minutes here

# %%
# %matplotlib inline
import time

import numpy as np
import torch
from IPython.display import HTML, display
from torch import nn

import gan_lab
from gan_lab import TrainConfig, build_models, load_images, make_optimizers
from gan_lab.checks import use_if_correct
from gan_lab.checks.training import (check_d_loss, check_g_loss, check_interpolate_z, check_nearest, check_train_step,
                                     reference_d_loss, reference_g_loss, reference_train_step)

# %% [markdown]
# ## 1. One training step, by hand
#
# The labels say what each loss wants: `lab_real` = 1 ("real") and `lab_fake` = 0 ("generated").
# With $\mathrm{BCE}(p, y) = -[y \log p + (1-y)\log(1-p)]$, averaged over the batch:
#
# * **D step.** $\text{lossD} = \mathrm{BCE}(D(x), 1) + \mathrm{BCE}(D(G(z)), 0) = -\log D(x) - \log(1 - D(G(z)))$.
#   $D$ is rewarded for calling real images real and generated images fake. `x_gen.detach()` cuts the
#   graph, so this loss moves $D$'s weights only.
# * **G step.** $\text{lossG} = \mathrm{BCE}(D(G(z)), 1) = -\log D(G(z))$ with a fresh $z$. $G$ is rewarded
#   when $D$ calls its images real. This is the non-saturating loss of notebook 01.
#
# `criterion` is PyTorch's BCE, as in the report. `x_real` is one batch of 64 real images in $[-1, 1]$.

# %%
criterion = nn.BCELoss()  # BCE(p, y), averaged over the batch
x_real = load_images()[:64]  # one batch of real images, in [-1, 1], shape (64, 1, 28, 28)

# %% [markdown]
# **Exercise 3.1: D's loss.** Write `d_loss(D, x_real, x_gen)`. Make the labels `lab_real` (ones) and
# `lab_fake` (zeros), each of shape (batch size, 1), and return
# `lossD = lossD_real + lossD_fake` with `lossD_real = criterion(D(x_real), lab_real)` and
# `lossD_fake = criterion(D(x_gen.detach()), lab_fake)`. It practises which label goes with which batch,
# and where `.detach()` goes: `x_gen` arrives still attached to $G$'s graph, as in a real step.

# %%
def d_loss(D: nn.Module, x_real: torch.Tensor, x_gen: torch.Tensor) -> torch.Tensor:
    """lossD = BCE(D(x_real), lab_real) + BCE(D(x_gen), lab_fake); x_gen is detached, so it trains D only."""
    ### BEGIN SOLUTION
    lab_real = torch.ones(x_real.size(0), 1)
    lab_fake = torch.zeros(x_gen.size(0), 1)
    lossD_real = criterion(D(x_real), lab_real)
    lossD_fake = criterion(D(x_gen.detach()), lab_fake)  # detach: this loss trains D only
    return lossD_real + lossD_fake
    ### END SOLUTION


# %%
ok = check_d_loss(d_loss)
d_loss = use_if_correct(ok, d_loss, reference_d_loss, "d_loss")

# %% [markdown]
# **Exercise 3.2: G's loss.** Write `g_loss(D, x_gen)`, the non-saturating loss
# `lossG = criterion(D(x_gen), lab_real)`. $G$ wants $D$ to call its images real, so its target is
# `lab_real`. Do *not* detach `x_gen` here: $G$ learns only through $D$'s verdict on its images.

# %%
def g_loss(D: nn.Module, x_gen: torch.Tensor) -> torch.Tensor:
    """lossG = BCE(D(x_gen), lab_real) = -log D(G(z)), the non-saturating loss."""
    ### BEGIN SOLUTION
    lab_real = torch.ones(x_gen.size(0), 1)
    return criterion(D(x_gen), lab_real)
    ### END SOLUTION


# %%
ok = check_g_loss(g_loss)
g_loss = use_if_correct(ok, g_loss, reference_g_loss, "g_loss")

# %% [markdown]
# **Exercise 3.3: one training step.** Write `train_step(G, D, optD, optG, x_real, noise_gen)` in the
# report's order. D step: `optD.zero_grad()`, draw
# `z = torch.randn(batch_size, G.z_dim, generator=noise_gen)`, `lossD = d_loss(D, x_real, G(z))`,
# `lossD.backward()`, `optD.step()`. Then the G step with a *fresh* `z`: `optG.zero_grad()`, `g_loss`,
# `backward`, `optG.step()`. Return `(lossD.item(), lossG.item())`. The check runs two steps of yours and of
# `gan_lab.train_step` from the same weights and noise, and compares the weights.

# %%
def train_step(G: nn.Module, D: nn.Module, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
               x_real: torch.Tensor, noise_gen: torch.Generator) -> tuple[float, float]:
    """One D step, then one G step with a fresh z; returns (lossD, lossG)."""
    ### BEGIN SOLUTION
    batch_size = x_real.size(0)
    # (1) Train D: real images should score 1, generated images 0.
    optD.zero_grad()
    z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
    lossD = d_loss(D, x_real, G(z))
    lossD.backward()
    optD.step()
    # (2) Train G: G wants D to call its images real.
    optG.zero_grad()
    z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
    lossG = g_loss(D, G(z))
    lossG.backward()
    optG.step()
    return lossD.item(), lossG.item()
    ### END SOLUTION


# %%
ok = check_train_step(train_step)
train_step = use_if_correct(ok, train_step, reference_train_step, "train_step")

# %% [markdown]
# Now one step of your `train_step` on the report's model ($z$ of size 100, SGD with learning rate 0.1),
# and, from the same starting weights and noise, one step of `gan_lab.train_step`, which also reports
# $D$'s mean outputs in the D step.

# %%
G, D = build_models(z_dim=100, seed=SEED)
optD, optG = make_optimizers(TrainConfig(optimizer="sgd"), G, D)  # SGD, lr 0.1 for both
lossD, lossG = train_step(G, D, optD, optG, x_real, torch.Generator().manual_seed(SEED))
print(f"train_step above:   lossD {lossD:.3f}, lossG {lossG:.3f}")

G2, D2 = build_models(z_dim=100, seed=SEED)
optD2, optG2 = make_optimizers(TrainConfig(optimizer="sgd"), G2, D2)
r = gan_lab.train_step(G2, D2, optD2, optG2, x_real, criterion, torch.Generator().manual_seed(SEED))
print(f"gan_lab.train_step: lossD {r.lossD:.3f}, lossG {r.lossG:.3f}")
print(f"  2 ln 2 = {2 * np.log(2):.3f} and ln 2 = {np.log(2):.3f}: lossD and lossG when D outputs 1/2 everywhere")
print(f"  D(x)    = {r.D_x:.3f}   mean probability D gives real images")
print(f"  D(G(z)) = {r.D_G_z:.3f}   mean probability D gives generated images")

# %% [markdown]
# At initialisation both networks know nothing: $D$ outputs about $1/2$ for every image, so
# $\text{lossD} \approx 2\ln 2$ and $\text{lossG} \approx \ln 2$. These are also the values at the game's
# equilibrium, where $G$ is perfect and $D$ can only guess.
#
# **Think 3.1.** `optD.step()` changes only $D$'s weights anyway. So what would go wrong if D's loss
# used `D(x_gen)` instead of `D(x_gen.detach())`?
# <details><summary>Answer</summary>
#
# $D$'s update would be the same: lossD's gradient with respect to $D$'s weights does not change. But
# `lossD.backward()` would also run back through $G$ and store lossD's gradient in $G$'s `.grad`. That is
# wasted work, and a trap: an `optG.step()` that followed it downhill would lower lossD, that is, make
# $G$'s images easier for $D$ to reject. In `train_step`, `optG.zero_grad()` clears it before $G$'s own
# backward, so the result is the same; move or forget that call and $G$ is trained partly against itself.
# `.detach()` says what the line means: this loss trains $D$ only.
#
# </details>
#
# **Think 3.2.** lossD is close to $2\ln 2$ both at the first step and at the game's equilibrium. What
# does that tell you about judging training by its loss curves?
# <details><summary>Answer</summary>
#
# In both cases $D$ outputs about $1/2$: at the start because it has learned nothing, at equilibrium
# because $G$'s images cannot be told apart from real ones. The loss alone cannot separate "D has not
# learned" from "G is perfect". It also measures $G$ against the *current* $D$, which keeps changing. Loss
# curves show whether the game is stable (no saturation, no divergence); how good the digits are needs
# samples and metrics (section 4).
#
# </details>
#
# ## 2. Train
#
# The panel trains the reference model with the settings you choose. Defaults: SGD with learning rate
# 0.1 for both players (the report's 0.3 often saturates, as notebook 04 shows), $z$ of size 100,
# batches of 64. After every epoch it redraws the loss curves and the grid of samples for a *fixed*
# batch of 64 latent vectors, so you watch the same "digits" take shape. (The panel runs the package's
# `gan_lab.fit`, whose step is `gan_lab.train_step`: the step of Exercise 3.3.)
#
# Runs are saved in the work folder (your Google Drive on Colab) and checkpointed after every epoch
# (after every second one with Adam, whose checkpoint is larger). If the runtime disconnects, run the
# notebook again and click **Train** with the same settings: training resumes from the last checkpoint.
#
# **No time to train?** `results/` ships a run trained exactly as the panel's defaults say (SGD 0.1,
# seed 0, 100 epochs, on a CPU), with its curves and the samples of every epoch. With `TRAIN = False` in
# the parameters cell at the top, the next cell unpacks it into your work folder and the panel shows it,
# in a few seconds; the rest of the notebook then reads it as if you had trained it. With `TRAIN = "auto"`
# (the default) the cell first times 300 training steps here and trains only if the whole run would take
# under 5 minutes. On one 2-core CPU the whole notebook, training included, took 3 minutes; on a slower
# one training alone took 13 minutes (both measured). On a GPU runtime it has not been measured yet: the
# estimate the cell prints tells you.

# %% tags=["nbval-ignore-output"]
from gan_lab.notebook import choose_run
from gan_lab.widgets import TrainingPanel

config = TrainConfig(epochs=EPOCHS, train_images=TRAIN_IMAGES, seed=SEED, eval_every=EVAL_EVERY,
                     eval_samples=EVAL_SAMPLES)
config = choose_run(TRAIN, config, WORK)  # this config, or the shipped run's (unpacked into WORK)
panel = TrainingPanel(WORK, config)
display(panel)

# %% [markdown]
# The next cell takes the run you trained with the panel, with the settings it was trained with (even if
# you have moved the controls since). If you have not clicked **Train**, it trains the panel's current
# settings itself, or loads that run if it is already complete in the work folder, and prints how long
# that took.

# %% tags=["nbval-ignore-output"]
if panel.state is not None:  # the panel trained: take that run, whatever the controls show now
    state = panel.state
    print("the run the panel trained:")
else:
    chosen = panel.config()
    start = time.perf_counter()
    state = gan_lab.fit(chosen, WORK / "runs" / chosen.run_name(), resume=True)
    print(f"trained or loaded in this cell in {time.perf_counter() - start:.0f} s:")
config = state.config
gan_lab.write_run_files(state, WORK / "runs" / config.run_name())
print(f"{state.step} steps over {state.epoch} epochs; {config}")

# %% [markdown]
# ## 3. What the curves say
#
# Faint lines are single steps; solid lines are running means. Look at three things: whether the losses
# settle or keep drifting; how far they sit from the dashed equilibrium values; and whether $D(x)$ and
# $D(G(z))$ stay apart ($D$ still tells real from fake) or meet at $1/2$.

# %%
gan_lab.plot_history(state.history, title=f"Training curves ({config.optimizer}, lr {config.lr_d:g})")

# %% [markdown]
# Single steps swing widely, and their spikes set the scale of the loss panels, which squeezes the running
# means into nearly flat lines. The next figure leaves the single steps out, averages over one epoch, and
# zooms in: now you can see whether the means drift and how far they stay from the dashed lines.

# %%
steps_per_epoch = len(state.history) // max(state.epoch, 1)
gan_lab.plot_history(state.history, window=steps_per_epoch, single_steps=False,
                     title=f"Running means over one epoch ({steps_per_epoch} steps), zoomed")

# %% tags=["nbval-ignore-output"]
last = {name: np.asarray(getattr(state.history, name)[-steps_per_epoch:])
        for name in ("lossD", "lossG", "D_x", "D_G_z")}
print(f"Last epoch ({steps_per_epoch} steps): mean, and the range of the middle 98% of single steps")
for name, equilibrium in (("lossD", "2 ln 2 = 1.386"), ("lossG", "ln 2 = 0.693"), ("D_x", "1/2"), ("D_G_z", "1/2")):
    low, high = np.percentile(last[name], [1, 99])
    print(f"  {name:6s} mean {last[name].mean():.3f} (equilibrium {equilibrium}); single steps {low:.2f} to {high:.2f}")
gap = last["D_x"].mean() - last["D_G_z"].mean()
print(f"mean D(x) - mean D(G(z)) = {gap:+.3f}: D scores real images "
      f"{'higher' if gap > 0 else 'no higher'} than generated ones on average")

# %% [markdown]
# Read the printed means against the equilibrium values. While the mean $D(x)$ stays above the mean
# $D(G(z))$ (and lossG above $\ln 2$), $D$ still tells real from generated images better than chance: the
# game has not reached its equilibrium. The single-step ranges show how far each step swings around
# those means. A GAN can produce good digits without ever reaching equilibrium, and flat loss curves do
# not say how good the digits are. The next section measures that.
#
# **Think 3.3.** Suppose the running means of $D(x)$ and $D(G(z))$ met at exactly $1/2$ and stayed there.
# Would $G$ then have learned the distribution of MNIST digits?
# <details><summary>Answer</summary>
#
# Not necessarily. It says only that *this* $D$, a network with one hidden layer of 128 units trained by
# one step per batch, cannot separate the two batches on average. A weak or stuck $D$ (for example
# with too small a learning rate) shows the same picture while $G$'s images are still poor, and a batch
# mean can hide that $D$ is sure about some images and wrong about others. The theory's result
# $p_g = p_\text{data}$ holds at the equilibrium with the *best possible* $D$, which ours is not. Hence
# the metrics below.
#
# </details>
#
# ## 4. Numbers instead of impressions
#
# The report judged its generators by eye and said itself that this was hard and not objective. We
# measure them with a small convolutional MNIST classifier shipped with `gan_lab` (the next cell prints
# its accuracy on the test images). It looks at $N$ generated images (10,000 in the full run) and at the
# 10,000 MNIST test images:
#
# | metric | what it measures | better | blind spot |
# |---|---|---|---|
# | `FD_mnist` | Fréchet distance between Gaussians fitted to the classifier's 128 features of the two sets: $\lVert\mu_1-\mu_2\rVert^2+\mathrm{tr}\big(\Sigma_1+\Sigma_2-2(\Sigma_1\Sigma_2)^{1/2}\big)$ | lower | only means and covariances; grows when $N$ shrinks; **not** Inception FID, so not comparable with papers |
# | `IS_mnist` | classifier score $\exp\big(\mathbb{E}_x \mathrm{KL}(p(y\mid x)\,\|\,p(y))\big)$: each image clearly one digit, all digits used | higher, max 10 | blind to what happens within a class (one perfect "1" repeated scores well for that class) |
# | `digits_covered`, `class_KL` | digits holding at least 2% of the samples; KL of the sample's digit mix to the test set's | 10; 0 | a digit can be "covered" by ugly images the classifier still labels |
# | `precision`, `recall` | share of generated images inside the real images' $k$-NN feature manifold (realism), and of real images inside the generated one (coverage), $k=3$ | higher | a few outliers in one set inflate the other's score |
#
# The interval in brackets is a 95% bootstrap interval. The generated images are resampled with
# replacement 200 times and the metric is measured on each resample; the interval holds the middle 95% of
# those values, shifted to sit around the value on all images (duplicates in a resample bias FD up). It
# shows how much the numbers move with the sample of images drawn, not how much they move with the
# training seed (notebooks 04 and 05 train several seeds per setting to measure that).

# %% tags=["nbval-ignore-output"]
from gan_lab.classifier import ASSET_DIR, WEIGHTS_NAME, read_record
from gan_lab.metrics import bootstrap_intervals, format_metrics

print(f"the classifier labels {read_record(ASSET_DIR / WEIGHTS_NAME)['test_accuracy']:.1%} of the MNIST test images "
      "correctly")
start = time.perf_counter()
samples = gan_lab.generate(state.G, N_FINAL, seed=SEED)
intervals = bootstrap_intervals(samples, resamples=BOOTSTRAP_RESAMPLES, seed=SEED)
final = {name: interval["value"] for name, interval in intervals.items()}
print(f"N = {N_FINAL} generated images; 95% bootstrap intervals from {BOOTSTRAP_RESAMPLES} resamples "
      f"({time.perf_counter() - start:.0f} s):")
print("  " + format_metrics(final, intervals).replace(" | ", "\n  "))

# %% [markdown]
# What is a good FD_mnist? The next cell measures the same metrics, on the same number of images, for
# reference sets: real training images (the best a generator could do), the same images blurred by one
# pixel, your generator before its first step, and uniform noise. The calibration table in the
# README has more such sets. Place your generator's numbers on this scale.

# %% tags=["nbval-ignore-output"]
from gan_lab.calibration import gaussian_blur
from gan_lab.metrics import compute_metrics

all_train = load_images()
rng = torch.Generator().manual_seed(SEED)
real = all_train[torch.randperm(len(all_train), generator=rng)[:N_FINAL]]
untrained_G = gan_lab.new_state(config).G  # the run's generator at step 0
names = ("FD_mnist", "IS_mnist", "precision", "recall")
scale = {"real training images": compute_metrics(real),
         "the same, blurred by 1 pixel": compute_metrics(gaussian_blur(real, 1.0)),
         "your generator": final,
         "your generator before training": compute_metrics(gan_lab.generate(untrained_G, N_FINAL, seed=SEED)),
         "uniform noise": compute_metrics(torch.rand(real.shape, generator=rng) * 2 - 1)}
print(f"{'N = ' + str(len(real)):30s}" + "".join(f"{name:>11}" for name in names))
for name, m in scale.items():
    print(f"{name:30s}{m['FD_mnist']:11.2f}{m['IS_mnist']:11.2f}{m['precision']:11.3f}{m['recall']:11.3f}")

# %% [markdown]
# The same metrics were measured every few epochs during training, on fewer images. Look at when the
# curves flatten: that is when more epochs stop paying. If the Fréchet distance is still falling at the
# last epoch, more epochs would probably still help. Precision and recall may also move in opposite
# directions: $G$ can trade realism per image for covering more of the variety of real digits.

# %%
gan_lab.plot_metric_history(state.history.metrics,
                            title=f"Quality during training ({EVAL_SAMPLES} samples per point)")

# %% tags=["nbval-ignore-output"]
print("epoch " + "".join(f"{name:>10}" for name in names))
for m in state.history.metrics:
    print(f"{m['epoch']:5d} " + "".join(f"{m[name]:10.3f}" for name in names))
if state.history.metrics:
    print(f"FD_mnist at the last measurement during training (N = {EVAL_SAMPLES}): "
          f"{state.history.metrics[-1]['FD_mnist']:.2f}; final measurement above (N = {N_FINAL}): "
          f"{final['FD_mnist']:.2f}")

# %% [markdown]
# **Think 3.4.** During training the metrics use fewer images than the final measurement. Why can the
# two Fréchet distances not be compared, and which way does a small $N$ push FD?
# <details><summary>Answer</summary>
#
# FD compares a mean and a covariance *estimated* from the $N$ generated images. The estimated mean is
# off by sampling noise, which adds about $\mathrm{tr}(\Sigma)/N$ to the expected squared distance of the
# means. The noisier covariance estimate lowers the expected value of the subtracted term
# $2\,\mathrm{tr}\big((\Sigma_1\Sigma_2)^{1/2}\big)$, because the matrix square root is concave. Both push
# FD up, by amounts that shrink roughly like $1/N$. So the same $G$ scores a larger FD on 2,000 images
# than on 10,000, on average: compare FDs at the same $N$ only.
# (The two measurements above also use different images, so part of their difference is chance.)
#
# </details>
#
# ## 5. The fixed-noise grid across epochs
#
# Each frame shows $G$'s images for the same 16 latent vectors (the first 16 of the fixed noise), so
# changes come from training alone; the epoch is written above each frame. Frames are spaced more densely
# early on, where $G$ changes most. Look for the epoch at which the digits become readable, and whether
# they still change late in training. The full animation (all 64 images, every epoch) is saved as a GIF
# in the work folder.

# %% tags=["nbval-ignore-output"]
from gan_lab.explore import frame_epochs, gif_html, samples_gif

samples_gif(state.history.samples, range(1, state.epoch + 1), WORK / "fixed_noise.gif", ms_per_frame=120)
display(HTML(gif_html(samples_gif(state.history.samples, frame_epochs(state.epoch, 16), n_images=16), width=240)))
print(f"saved {WORK / 'fixed_noise.gif'}")

# %% [markdown]
# ## 6. Walking in latent space
#
# If $G$ has learned a smooth map, images change gradually along the straight line between two latent
# vectors $z_0$ and $z_1$.
#
# **Exercise 3.4: a straight line in latent space.** Write `interpolate_z(z0, z1, steps)` that returns
# `steps` latent vectors, shape (steps, z_dim), evenly spaced on the line $z = (1 - t)\,z_0 + t\,z_1$ from
# $t = 0$ (which gives $z_0$) to $t = 1$ ($z_1$). It practises broadcasting: a column of $t$ values times a
# row vector gives one row per step. `torch.linspace(0, 1, steps)` includes both ends.

# %%
def interpolate_z(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """steps latent vectors evenly spaced on the straight line from z0 to z1, both ends included."""
    ### BEGIN SOLUTION
    t = torch.linspace(0, 1, steps).unsqueeze(1)  # a column: (steps, 1)
    return (1 - t) * z0 + t * z1
    ### END SOLUTION


# %%
from gan_lab.explore import images_from, plot_interpolations
from gan_lab.explore import interpolate_z as package_interpolate_z

ok = check_interpolate_z(interpolate_z)
interpolate_z = use_if_correct(ok, interpolate_z, package_interpolate_z, "interpolate_z")

# %% [markdown]
# Four walks, each between two random latent vectors. Look for digits that morph into one another, and
# for blurry in-between frames, which lie between the digit shapes $G$ knows.

# %%
zs = torch.randn(8, config.z_dim, generator=torch.Generator().manual_seed(1))
rows = [images_from(state.G, interpolate_z(zs[2 * i], zs[2 * i + 1], 10)) for i in range(4)]
plot_interpolations(rows)

# %% [markdown]
# The explorer below shows 16 samples. **Re-roll z** draws new latent vectors; the slider moves all 16
# along one random direction $d$ ($z + \alpha d$); **New direction** picks another $d$. Some directions
# change stroke thickness or slant, many change the digit.

# %% tags=["nbval-ignore-output"]
from gan_lab.widgets import LatentExplorer

explorer = LatentExplorer(state.G, seed=SEED)
display(explorer)

# %% [markdown]
# ## 7. Does $G$ copy the training set?
#
# A generator that memorised training images would score well by eye and still be useless. For
# generated images we search all 60,000 training images for the closest ones in pixel space (Euclidean
# distance over the 784 pixels in $[-1, 1]$). A copy would sit at distance near 0. For scale, we run the
# same search for real images that are *not* in the training set: test images. (Copying matters beyond
# MNIST: a generator trained on faces or medical images that reproduced its training images would leak
# them; notebook 01 says more on using generative models responsibly.)
#
# **Exercise 3.5: nearest training images.** Write `nearest(samples, train_images, k)` that returns
# `(indices, distances)`, both of shape (number of samples, k): for each sample, the $k$ training images
# closest to it in Euclidean pixel distance, nearest first. Flatten each image to its 784 pixels;
# `torch.cdist` gives all distances at once, and `.topk(k, dim=1, largest=False)` the $k$ smallest.

# %%
def nearest(samples: torch.Tensor, train_images: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices and Euclidean pixel distances of each sample's k nearest training images, nearest first."""
    ### BEGIN SOLUTION
    distances = torch.cdist(samples.reshape(len(samples), -1), train_images.reshape(len(train_images), -1))
    nearest_distances, indices = distances.topk(k, dim=1, largest=False)
    return indices, nearest_distances
    ### END SOLUTION


# %%
from gan_lab.explore import nearest_training_images, plot_nearest

ok = check_nearest(nearest)
nearest = use_if_correct(ok, nearest, nearest_training_images, "nearest")

# %% tags=["nbval-ignore-output"]
train_images = load_images()
_, test_dist = nearest(load_images(train=False)[:200], train_images, 1)
samples = gan_lab.generate(state.G, 200, seed=2)
_, gen_dist = nearest(samples, train_images, 1)
for name, d in (("200 real test images", test_dist[:, 0]), ("200 generated images", gen_dist[:, 0])):
    print(f"{name} -> nearest training image: smallest {d.min():.1f}, 10% below {d.quantile(0.1):.1f}, "
          f"median {d.median():.1f}, 90% below {d.quantile(0.9):.1f}")
q10 = test_dist[:, 0].quantile(0.1)
print(f"{int((gen_dist[:, 0] < q10).sum())} of the {len(gen_dist)} generated images lie nearer to a training image "
      f"than {q10:.1f}, the distance that only 10% of the test images get below")

# %% [markdown]
# The figure's top row is the generated image that came nearest to any training image: if $G$ copied
# anything, it is there. Five more generated images follow. Each is shown with its four nearest training
# images and their distances $d$. Compare the shapes, and compare the distances with the printed ones.

# %%
closest = int(gen_dist[:, 0].argmin())
shown = samples[[closest] + [i for i in range(len(samples)) if i != closest][:5]]
idx, dist = nearest(shown, train_images, 4)
plot_nearest(shown, train_images, idx, dist,
             title="Generated images (left) and their nearest training images; top: the nearest of all")

# %% [markdown]
# A test image is a new digit, so its distances show how close a new real digit typically comes to some
# training image. If the generated images' distances are of the same size and none is near 0, $G$ has not
# copied training images pixel for pixel: it has learned the look of digits, not the images themselves.
# Generated images may even sit a little closer than test images: $G$'s digits are often smoother and
# more "average" than real ones, and an average digit lies close to many training images (probably the
# reason when it happens). A generated image that lies about equally near to several different training
# images is a typical digit, not a copy of one of them. What would show copying is a generated image much
# nearer to one training image than to all others, near distance 0.
#
# **Think 3.5.** This test uses the Euclidean distance between pixels. Describe a copy that it would miss.
# <details><summary>Answer</summary>
#
# A training image shifted by one or two pixels, or drawn a little thicker. Its strokes no longer overlap
# those of the original, so its pixel distance is large, while a person would call it a copy. The test
# rules out near pixel-exact copies, not every kind of memorisation; distances in a feature space (for
# example the classifier's 128 features) would catch more.
#
# </details>
#
# ## Summary
#
# * One training step is a D step on a real and a generated batch (`x_gen.detach()`, labels `lab_real`
#   and `lab_fake`), then a G step on a fresh batch with target `lab_real`: the non-saturating loss.
# * Loss values near $2\ln 2$ and $\ln 2$ occur both at the start and at equilibrium. Loss curves show
#   whether training is stable, not how good the samples are; single steps are noisy, so read running
#   means.
# * Quality is measured: FD_mnist, the classifier score, digit coverage, precision and recall on the same
#   number of images, with bootstrap intervals for the noise of the sample drawn (not of the seed).
# * Straight lines in latent space show whether $G$'s map is smooth: one digit morphing into another.
# * Nearest-neighbour distances, set against those of real test images, test whether $G$ copies its
#   training images.
#
# ## Where to go next
#
# * **Notebook 04** compares SGD and Adam at several learning rates, over several seeds, with the metrics
#   of this notebook.
# * Replace the fully connected networks by convolutional ones (DCGAN; Radford et al. 2015) and compare
#   FD_mnist at the same $N$.
# * Try one-sided label smoothing (Salimans et al. 2016): in $D$'s loss the target for real images becomes
#   0.9 instead of 1, so that $D$ is never rewarded for being overconfident.
#
# ## References
#
# - Goodfellow, I. et al. (2014). *Generative Adversarial Nets.* NeurIPS. https://arxiv.org/abs/1406.2661
# - Goodfellow, I. (2016). *NIPS 2016 Tutorial: Generative Adversarial Networks.* https://arxiv.org/abs/1701.00160
# - Radford, A., Metz, L. & Chintala, S. (2015). *Unsupervised Representation Learning with Deep Convolutional GANs* (DCGAN; β1 = 0.5). https://arxiv.org/abs/1511.06434
# - Heusel, M. et al. (2017). *GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium* (FID). https://arxiv.org/abs/1706.08500
# - Salimans, T. et al. (2016). *Improved Techniques for Training GANs* (Inception Score, label smoothing). https://arxiv.org/abs/1606.03498
# - Kynkäänniemi, T. et al. (2019). *Improved Precision and Recall Metric for Assessing Generative Models.* https://arxiv.org/abs/1904.06991
# - LeCun, Y., Cortes, C. & Burges, C. J. C. *The MNIST database of handwritten digits.*
