# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gan-lab/gan_lab/blob/main/notebooks/03_train.ipynb)
#
# # 03 · Training the GAN
#
# In 02 we built the discriminator $D$ and the generator $G$. Here we train them against each other on
# MNIST, exactly as the report did: binary cross-entropy (BCE), batches of 64, one $D$ step and then one
# $G$ step per batch. We first run one step by hand and read every number it prints. Then a panel trains
# the whole model, and we look at what $G$ has learned: loss curves, samples over the epochs, walks in
# latent space, and whether $G$ simply copies training images.

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
SEED = 0

# %%
# %matplotlib inline
import torch
from IPython.display import HTML, display
from torch import nn

import gan_lab
from gan_lab import TrainConfig, build_models, load_images, make_optimizers

# %% [markdown]
# ## 1. One training step, by hand
#
# The labels say what each loss wants: `lab_real` = 1 ("real") and `lab_fake` = 0 ("generated").
# With $\mathrm{BCE}(p, y) = -[y \log p + (1-y)\log(1-p)]$:
#
# * **D step.** $\text{lossD} = \mathrm{BCE}(D(x), 1) + \mathrm{BCE}(D(G(z)), 0) = -\log D(x) - \log(1 - D(G(z)))$.
#   $D$ is rewarded for calling real images real and generated images fake. `x_gen.detach()` cuts the
#   graph, so this loss moves $D$'s weights only.
# * **G step.** $\text{lossG} = \mathrm{BCE}(D(G(z)), 1) = -\log D(G(z))$ with a fresh $z$. $G$ is rewarded
#   when $D$ calls its images real. This is the non-saturating loss of notebook 01.
#
# This is the code of `gan_lab.train_step`, written out so that you can read it top to bottom:

# %%
G, D = build_models(z_dim=100, seed=SEED)
optD, optG = make_optimizers(TrainConfig(optimizer="sgd"), G, D)  # SGD, lr 0.1 for both
criterion = nn.BCELoss()
x_real = load_images()[:64]  # one batch of real images, in [-1, 1]
noise_gen = torch.Generator().manual_seed(SEED)

batch_size = x_real.size(0)
lab_real = torch.ones(batch_size, 1)
lab_fake = torch.zeros(batch_size, 1)

# (1) Train D: real images should score 1, generated images 0.
optD.zero_grad()
D_x = D(x_real)
lossD_real = criterion(D_x, lab_real)
z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
x_gen = G(z)
D_G_z = D(x_gen.detach())  # detach: this loss trains D only
lossD_fake = criterion(D_G_z, lab_fake)
lossD = lossD_real + lossD_fake
lossD.backward()
optD.step()

# (2) Train G: G wants D to call its images real.
optG.zero_grad()
z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
x_gen = G(z)
lossG = criterion(D(x_gen), lab_real)
lossG.backward()
optG.step()

print(f"lossD   = {lossD.item():.3f}   (2 ln 2 = 1.386 when D outputs 1/2 everywhere)")
print(f"lossG   = {lossG.item():.3f}   (ln 2 = 0.693 when D outputs 1/2)")
print(f"D(x)    = {D_x.mean().item():.3f}   mean probability D gives real images")
print(f"D(G(z)) = {D_G_z.mean().item():.3f}   mean probability D gives generated images")

# %% [markdown]
# At initialisation both networks know nothing: $D$ outputs about $1/2$ for every image, so
# $\text{lossD} \approx 2\ln 2$ and $\text{lossG} \approx \ln 2$. These are also the values at the game's
# equilibrium, where $G$ is perfect and $D$ can only guess. The numbers alone therefore cannot tell a
# perfect $G$ from an untrained one: we will need to look at samples and at the metrics below.
#
# The package's `train_step` runs the same lines. Check it: from the same starting point and the same
# noise, it gives the same numbers.

# %%
G2, D2 = build_models(z_dim=100, seed=SEED)
optD2, optG2 = make_optimizers(TrainConfig(optimizer="sgd"), G2, D2)
r = gan_lab.train_step(G2, D2, optD2, optG2, x_real, criterion, torch.Generator().manual_seed(SEED))
assert abs(r.lossD - lossD.item()) < 1e-6 and abs(r.lossG - lossG.item()) < 1e-6
assert torch.equal(G2.fc2.weight, G.fc2.weight), "the package's step should match the one above"
print(f"gan_lab.train_step: lossD {r.lossD:.3f}, lossG {r.lossG:.3f}, D(x) {r.D_x:.3f}, D(G(z)) {r.D_G_z:.3f}")

# %% [markdown]
# ## 2. Train
#
# The panel trains the reference model with the settings you choose. Defaults: SGD with learning rate
# 0.1 for both players (the report's 0.3 often saturates, as notebook 04 shows), $z$ of size 100,
# batches of 64. After every epoch it redraws the loss curves and the grid of samples for a *fixed*
# batch of 64 latent vectors, so you watch the same "digits" take shape.
#
# Runs are saved in the work folder (your Google Drive on Colab) and checkpointed after every epoch. If
# the runtime disconnects, run the notebook again and click **Train** with the same settings: training
# resumes where it stopped. 100 epochs take about 3 minutes on a 2-core CPU here, longer on Colab.

# %%
# NBVAL_IGNORE_OUTPUT
from gan_lab.widgets import TrainingPanel

panel = TrainingPanel(WORK, TrainConfig(epochs=EPOCHS, train_images=TRAIN_IMAGES, seed=SEED,
                                        eval_every=EVAL_EVERY, eval_samples=EVAL_SAMPLES))
display(panel)
if SMOKE:
    panel.train_button.click()  # CI exercises the real callback

# %% [markdown]
# The next cell takes the run you trained with the panel. If you have not clicked **Train**, it trains
# the panel's current settings itself (or loads them, if that run is already in the work folder).

# %%
# NBVAL_IGNORE_OUTPUT
config = panel.config()
state = panel.state or gan_lab.fit(config, WORK / "runs" / config.run_name(), resume=True)
gan_lab.write_run_files(state, WORK / "runs" / config.run_name())
print(f"{state.step} steps over {state.epoch} epochs; {config}")

# %% [markdown]
# ## 3. What the curves say
#
# Faint lines are single steps; solid lines are running means. Look at three things: whether the losses
# settle or keep drifting; how far they sit from the dashed equilibrium values; and whether $D(x)$ and
# $D(G(z))$ stay apart (D still tells real from fake) or meet at $1/2$.

# %%
gan_lab.plot_history(state.history, title=f"Training curves ({config.optimizer}, lr {config.lr_d:g})")

# %% [markdown]
# With the default settings (SGD 0.1, seed 0), lossD settles close to $2\ln 2$, but lossG stays above
# $\ln 2$ and the mean $D(x)$ stays above the mean $D(G(z))$ (about 0.56 against 0.44 at the end): $D$
# still tells real from generated images a little better than chance. The single steps (faint) swing
# between almost 0 and almost 1 all the time. A GAN can produce good digits without ever reaching
# equilibrium, and flat loss curves do not say how good the digits are. The next section measures that.
#
# ## 4. Numbers instead of impressions
#
# The report judged its generators by eye and said itself that this was hard and not objective. We
# measure them with a small convolutional MNIST classifier shipped with `gan_lab` (99.4% test
# accuracy). It looks at $N$ = 10,000 generated images and at the 10,000 MNIST test images:
#
# | metric | what it measures | better | blind spot |
# |---|---|---|---|
# | `FD_mnist` | Fréchet distance between Gaussians fitted to the classifier's 128 features of the two sets: $\lVert\mu_1-\mu_2\rVert^2+\mathrm{tr}\big(\Sigma_1+\Sigma_2-2(\Sigma_1\Sigma_2)^{1/2}\big)$ | lower | only means and covariances; grows when $N$ shrinks; **not** Inception FID, so not comparable with papers |
# | `IS_mnist` | classifier score $\exp\big(\mathbb{E}_x \mathrm{KL}(p(y\mid x)\,\|\,p(y))\big)$: each image clearly one digit, all digits used | higher, max 10 | blind to what happens within a class (one perfect "1" repeated scores well for that class) |
# | `digits_covered`, `class_KL` | digits holding at least 2% of the samples; KL of the sample's digit mix to the test set's | 10; 0 | a digit can be "covered" by ugly images the classifier still labels |
# | `precision`, `recall` | share of generated images inside the real images' $k$-NN feature manifold (realism), and of real images inside the generated one (coverage), $k=3$ | higher | a few outliers in one set inflate the other's score |
#
# The calibration table in the README places these numbers: real training images score FD 0.8, the
# training images blurred by 1 pixel FD 326, uniform noise FD 1,321. The interval in brackets is a 95%
# bootstrap interval over the generated images: it shows how much the numbers move with the sample drawn,
# not with the training seed, which moves them more (notebooks 04 and 05 use several seeds).

# %%
# NBVAL_IGNORE_OUTPUT
from gan_lab.metrics import bootstrap_intervals, format_metrics

samples = gan_lab.generate(state.G, N_FINAL, seed=SEED)
intervals = bootstrap_intervals(samples, resamples=20)
print(f"N = {N_FINAL}:", format_metrics({k: v["value"] for k, v in intervals.items()}, intervals))

# %% [markdown]
# The same metrics were measured every few epochs during training, on fewer images (so the Fréchet
# distance sits a little higher than with 10,000). Look at when the curves flatten: that is when more
# epochs stop paying. In our run (SGD 0.1, seed 0) the Fréchet distance was still falling slowly at epoch
# 100, and precision fell while recall rose: $G$ traded some realism per image for covering more of the
# variety of real digits.

# %%
gan_lab.plot_metric_history(state.history.metrics,
                            title=f"Quality during training ({EVAL_SAMPLES} samples per point)")

# %% [markdown]
#
# ## 5. The fixed-noise grid across epochs
#
# Each frame shows $G$'s images for the same 16 latent vectors (the first 16 of the fixed noise), so
# changes come from training alone. Frames are spaced more densely early on, where $G$ changes most. The
# full animation (all 64 images, every epoch) is saved as a GIF in the work folder.

# %%
# NBVAL_IGNORE_OUTPUT
from gan_lab.explore import frame_epochs, gif_html, samples_gif

samples_gif(state.history.samples, range(1, state.epoch + 1), WORK / "fixed_noise.gif", ms_per_frame=120)
display(HTML(gif_html(samples_gif(state.history.samples, frame_epochs(state.epoch, 16), n_images=16), width=240)))
print(f"saved {WORK / 'fixed_noise.gif'}")

# %% [markdown]
# ## 6. Walking in latent space
#
# If $G$ has learned a smooth map, images change gradually along the straight line between two latent
# vectors $z_0$ and $z_1$. Look for digits that morph into one another, and for blurry
# in-between frames, which lie between the digit shapes $G$ knows.

# %%
from gan_lab.explore import interpolate, plot_interpolations

zs = torch.randn(8, config.z_dim, generator=torch.Generator().manual_seed(1))
rows = [interpolate(state.G, zs[2 * i], zs[2 * i + 1], steps=10) for i in range(4)]
plot_interpolations(rows)

# %% [markdown]
# The explorer below shows 16 samples. **Re-roll z** draws new latent vectors; the slider moves all 16
# along one random direction $d$ ($z + \alpha d$); **New direction** picks another $d$. Some directions
# change stroke thickness or slant, many change the digit.

# %%
# NBVAL_IGNORE_OUTPUT
from gan_lab.widgets import LatentExplorer

explorer = LatentExplorer(state.G, seed=SEED)
display(explorer)
if SMOKE:
    explorer.reroll_button.click()
    explorer.alpha.value = 1.5

# %% [markdown]
# ## 7. Does $G$ copy the training set?
#
# A generator that memorised training images would score well by eye and still be useless. For a few
# samples we search all 60,000 training images for the closest ones in pixel space (Euclidean distance
# over the 784 pixels in $[-1, 1]$). A copy would sit at distance near 0. For scale, first the same search
# for real images that are *not* in the training set: 200 test images.

# %%
from gan_lab.explore import nearest_training_images, plot_nearest

train_images = load_images()
_, test_dist = nearest_training_images(load_images(train=False)[:200], train_images, k=1)
q = test_dist[:, 0]
print(f"real test image -> nearest training image: median {q.median():.1f}, "
      f"10% below {q.quantile(0.1):.1f}, 90% below {q.quantile(0.9):.1f}")

# %%
samples = gan_lab.generate(state.G, 6, seed=2)
idx, dist = nearest_training_images(samples, train_images, k=4)
plot_nearest(samples, train_images, idx, dist)

# %% [markdown]
# The nearest training images resemble the samples in shape but are not the same images: the distances
# are of the same size as, or larger than, those between a new real digit and its nearest training
# image, far from the 0 of a copy. $G$ has learned the look of digits, not the images themselves.
