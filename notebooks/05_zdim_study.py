# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/gan-lab/gan_lab/blob/main/notebooks/05_zdim_study.ipynb)
#
# # 05 · How large should z be? The report's z_dim study, with seeds and numbers
#
# The generator turns a latent vector $z \sim \mathcal{N}(0, I)$ of size `z_dim` into an image. The report
# trained the reference GAN with SGD for 100 epochs at z_dim 20, 50, 100 and 200, one run each. It found
# z_dim 20 gave the clearest, most complete digits and z_dim 200 the vaguest, said that judging the loss
# curves by eye was hard and not objective, and recommended 50–100 for MNIST.
#
# Here each z_dim is trained with **3 seeds** and judged by the quality metrics of notebook 03 as well as
# by eye. One change from the report: we train with SGD at learning rate 0.1, not 0.3, because at 0.3 the
# game often collapses within a few epochs (notebook 04 shows it), and a study of z_dim needs runs that
# train.

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
SMOKE = smoke_mode()  # GAN_LAB_SMOKE=1 in CI: the training cell runs tiny; the shipped results are shown
RETRAIN = False  # True: train every run again here instead of loading the shipped results (see below)
SEEDS = 3
EPOCHS = 100

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import gan_lab
from gan_lab.notebook import shipped_results
from gan_lab.sweep import format_summary, load_study, plot_study_losses, plot_study_metrics, run_sweep, study_rows

# %% [markdown]
# ## 1. The runs
#
# ```
# python -m gan_lab sweep zdim --seeds 3 --epochs 100 --out results   # SGD 0.1, z_dim 20 / 50 / 100 / 200
# ```
#
# trains the 12 runs side by side (one process per CPU core), checkpoints each after every epoch, and
# measures the metrics every 10 epochs (2,000 samples) and at the end (10,000 samples). The results ship
# in `results/`. `RETRAIN = True` trains them again into your work folder (about 45 minutes on a 2-core
# CPU; a rerun resumes). In CI (smoke mode) the cell trains a tiny sweep to check that path, and the
# notebook then shows the shipped results.

# %%
# NBVAL_IGNORE_OUTPUT
if RETRAIN or SMOKE:
    out = WORK / ("results_smoke" if SMOKE else "results")
    run_sweep("zdim", seeds=1 if SMOKE else SEEDS, epochs=2 if SMOKE else EPOCHS, out=out,
              base=gan_lab.TrainConfig(train_images=640 if SMOKE else None), eval_every=1 if SMOKE else 10,
              eval_samples=500 if SMOKE else 2_000, final_samples=500 if SMOKE else 10_000)
    print(format_summary(study_rows(load_study(out, "zdim", 1 if SMOKE else SEEDS, 2 if SMOKE else EPOCHS))))
RESULTS = WORK / "results" if RETRAIN else shipped_results()
study = load_study(RESULTS, "zdim", SEEDS, EPOCHS)
print("configurations:", ", ".join(f"{label} ({len(runs)} seeds)" for label, runs in study.items()))

# %% [markdown]
# ## 2. Loss curves
#
# Mean over 3 seeds (line) ± one standard deviation (band); left as stored (blocks of 10 steps), right
# smoothed over 1,000 steps. Dashed: the equilibrium values.

# %%
plot_study_losses(study, "SGD 0.1, z_dim 20 / 50 / 100 / 200")

# %% [markdown]
# DISCUSSION_CURVES
#
# ## 3. Samples after 100 epochs
#
# The fixed-noise grid of each z_dim after the last epoch, for seed 0 and then for seed 1. (The fixed
# noise has as many entries as z_dim, so the grids of different z_dim show different latent vectors.)

# %%
gan_lab.plot_grids({f"{label}, seed {s}": runs[s].final_samples for s in (0,) for label, runs in study.items()},
                   title="Fixed-noise samples after 100 epochs, seed 0")

# %%
gan_lab.plot_grids({f"{label}, seed {s}": runs[s].final_samples for s in (1,) for label, runs in study.items()},
                   title="Fixed-noise samples after 100 epochs, seed 1")

# %% [markdown]
# DISCUSSION_GRIDS
#
# ## 4. The numbers
#
# Final metrics on 10,000 samples per run, mean ± standard deviation over 3 seeds:

# %%
display(Markdown(format_summary(study_rows(study))))

# %%
plot_study_metrics(study, title="Quality during training (2,000 samples every 10 epochs), mean ± std over 3 seeds")

# %% [markdown]
# DISCUSSION_NUMBERS
#
# ## 5. Conclusions
#
# CONCLUSIONS
