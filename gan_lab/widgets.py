"""ipywidgets panels for the notebooks (work on ipywidgets 7.7.1, Colab's, and 8.x).

Each panel is a Button + Output: nothing runs until a button is clicked. Callbacks stay thin:
they read the controls and call package functions. Panels: TrainingPanel and LatentExplorer
(notebook 03), ToyPanel via toy_panel (notebook 01), DigitPanel (notebook 06).
"""
from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Optional

import ipywidgets as W
import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure

from .config import DEFAULT_LR, TrainConfig
from .files import figure_png
from .metrics import classifier_features
from .models import Generator, generate
from .plotting import plot_grid, plot_losses, write_run_files
from .state import TrainState
from .toy import ToyConfig, new_toy, plot_toy, toy_curves, train_toy
from .train import fit

DPI = 80  # small PNGs: a notebook keeps every picture a panel shows in its saved widget state


def _figure_output(fig: Figure) -> dict:
    """A figure as one display_data message (PNG), the form an Output widget keeps in .outputs."""
    title = fig._suptitle.get_text() if fig._suptitle else (fig.axes[0].get_title() if fig.axes else "")
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(figure_png(fig, DPI)).decode("ascii"),
                     "text/plain": f"<Figure: {title}>"}}


def _show(output: W.Output, *figures: Figure) -> None:
    """Replace what an Output widget shows with these figures, in one update.

    Setting .outputs (rather than printing inside `with output:`) works the same in Colab, JupyterLab,
    and a kernel with no front end at all (tests, nbval).
    """
    output.outputs = tuple(_figure_output(fig) for fig in figures)


LR_CHOICES = (0.3, 0.1, 0.03, 0.01, 1e-3, 2e-4, 1e-4)  # the report's 0.3, our defaults, the sweeps' values


class TrainingPanel:
    """Pick hyperparameters, click Train, watch the losses and the fixed-noise grid after every epoch.

    Runs go to <work>/runs/<config.run_name()>; clicking Train again with the same settings resumes an
    interrupted run from its checkpoint (or just shows a finished one). The device may change between
    clicks (a Colab runtime that lost its GPU): the run continues there, bit for bit only on the same device.
    """

    def __init__(self, work: str | Path, base: Optional[TrainConfig] = None):
        base = base or TrainConfig()
        self.work = Path(work)
        self.base = base
        style = {"description_width": "110px"}
        self.optimizer = W.Dropdown(options=["sgd", "adam"], value=base.optimizer, description="optimizer", style=style)
        # Dropdowns, not log sliders: a slider snaps 2e-4 to its grid (1.995e-4) in the browser.
        lrs = sorted({*LR_CHOICES, base.lr_d, base.lr_g}, reverse=True)
        self.lr_d = W.Dropdown(options=[(f"{v:g}", v) for v in lrs], value=base.lr_d, description="lr of D", style=style)
        self.lr_g = W.Dropdown(options=[(f"{v:g}", v) for v in lrs], value=base.lr_g, description="lr of G", style=style)
        self.z_dim = W.Dropdown(options=sorted({2, 20, 50, 100, 200, base.z_dim}), value=base.z_dim,
                                description="z_dim", style=style)
        self.batch_size = W.Dropdown(options=sorted({16, 32, 64, 128, 256, base.batch_size}), value=base.batch_size,
                                     description="batch size", style=style)
        self.epochs = W.IntSlider(value=base.epochs, min=1, max=max(100, base.epochs), description="epochs", style=style)
        devices = ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        devices += [] if base.device in devices else [base.device]
        self.device = W.Dropdown(options=devices, value=base.device, description="device", style=style)
        self.train_button = W.Button(description="Train", button_style="primary", icon="play")
        self.progress = W.IntProgress(value=0, min=0, max=base.epochs, description="epoch 0", style=style)
        self.status = W.HTML(value="Choose settings and click <b>Train</b>.")
        self.output = W.Output()
        self.state: Optional[TrainState] = None
        self.optimizer.observe(self._on_optimizer, names="value")
        self.train_button.on_click(self._on_train)
        controls = W.VBox([self.optimizer, self.lr_d, self.lr_g, self.z_dim, self.batch_size, self.epochs,
                           self.device, W.HBox([self.train_button, self.progress])])
        self.widget = W.VBox([controls, self.status, self.output])

    def _ipython_display_(self) -> None:
        display(self.widget)

    def config(self) -> TrainConfig:
        """The configuration the controls describe (validated)."""
        return self.base.replace(optimizer=self.optimizer.value, lr_d=float(self.lr_d.value),
                                 lr_g=float(self.lr_g.value), z_dim=int(self.z_dim.value),
                                 batch_size=int(self.batch_size.value), epochs=int(self.epochs.value),
                                 device=self.device.value, betas=None)

    def _on_optimizer(self, change) -> None:
        # Each optimizer has its own usual learning rate; switching sets it, the sliders can still move.
        self.lr_d.value = self.lr_g.value = DEFAULT_LR[change["new"]]

    def _on_train(self, _button=None) -> None:
        try:
            config = self.config()
        except ValueError as e:
            self.status.value = f"<b>Invalid setting:</b> {e}"
            return
        out_dir = self.work / "runs" / config.run_name()
        self.train_button.disabled = True
        self.progress.max, self.progress.value = config.epochs, 0
        self.status.value = f"Training into <code>{out_dir}</code> ..."
        try:
            self.state = fit(config, out_dir, resume=True, callback=self._after_epoch, progress=False)
            write_run_files(self.state, out_dir)
            self._after_epoch(self.state)
            done = self.state.stopped or f"Done: {self.state.step} steps, {self.state.epoch} epochs."
            moved = [e["message"] for e in self.state.history.events if e["kind"] == "device"]
            done += f" Note: {moved[-1]}." if moved else ""
            self.status.value = done + f" Files in <code>{out_dir}</code>."
        except Exception as e:  # show it in the panel: a callback's exception would otherwise vanish
            self.status.value = f"<b>Training failed:</b> {type(e).__name__}: {e}"
            raise
        finally:
            self.train_button.disabled = False

    def _after_epoch(self, state: TrainState) -> None:
        self.progress.value = state.epoch
        self.progress.description = f"epoch {state.epoch}"
        if len(state.history):
            _show(self.output, plot_losses(state.history, title=f"Losses after epoch {state.epoch}"),
                  plot_grid(state.fixed_samples(), f"Fixed-noise samples after epoch {state.epoch}"))


class LatentExplorer:
    """Re-roll 16 latent vectors, or move them all along one random direction, and see G's images."""

    def __init__(self, G: Generator, seed: int = 0, n: int = 16):
        self.G = G.eval()
        self.n = n
        self.gen = torch.Generator().manual_seed(seed)
        self.reroll_button = W.Button(description="Re-roll z", icon="refresh")
        self.direction_button = W.Button(description="New direction")
        self.alpha = W.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25, description="step along d",
                                   continuous_update=False, style={"description_width": "initial"})
        self.output = W.Output()
        self.reroll_button.on_click(lambda _b: self.reroll())
        self.direction_button.on_click(lambda _b: self.new_direction())
        self.alpha.observe(lambda _change: self.draw(), names="value")
        self.widget = W.VBox([W.HBox([self.reroll_button, self.direction_button, self.alpha]), self.output])
        self.z = self.d = None
        self.renders = 0
        self.reroll()

    def _ipython_display_(self) -> None:
        display(self.widget)

    def reroll(self) -> None:
        """New latent vectors z (the direction stays)."""
        self.z = torch.randn(self.n, self.G.z_dim, generator=self.gen)
        if self.d is None:
            self.new_direction()
        else:
            self.draw()

    def new_direction(self) -> None:
        """A new random unit direction d in latent space."""
        d = torch.randn(self.G.z_dim, generator=self.gen)
        self.d = d / d.norm()
        self.draw()

    def images(self) -> torch.Tensor:
        """G(z + alpha * d) for the current z, d and alpha."""
        device = next(self.G.parameters()).device
        with torch.no_grad():
            return self.G((self.z + self.alpha.value * self.d).to(device)).cpu()

    def draw(self) -> None:
        self.renders += 1
        fig = plot_grid(self.images(), f"G(z + {self.alpha.value:+.2f} d), view {self.renders}", nrow=8)
        fig.set_size_inches(6, 3)
        _show(self.output, fig)


# ----------------------------------------------------------------------------------------- the 1-D toy GAN

DATA_CHOICES = {"two Gaussians (-2, +2)": (-2.0, 2.0), "one Gaussian (+2)": (2.0,),
                "three Gaussians (-3, 0, +3)": (-3.0, 0.0, 3.0)}
EQUILIBRIUM = "(at equilibrium: 1.386, 0.693, 0.5, 0.5)"  # lossD = 2 log 2, lossG = log 2, D = 1/2


class ToyPanel(W.VBox):
    """The interactive toy GAN: choose steps, click Train, watch p_g and D(x). Nothing trains until clicked.

    Controls: steps_slider, data_dropdown, train_button, reset_button; status and output show the run (.state).
    """

    def __init__(self, config: Optional[ToyConfig] = None, steps: int = 200):
        self.config = config or ToyConfig()
        self.choices = dict(DATA_CHOICES)  # dropdown label -> means of the real data's bumps
        start = next((k for k, v in self.choices.items() if v == tuple(self.config.means)), None)
        if start is None:  # a mixture of the caller's own: offer it first
            start = f"custom {tuple(self.config.means)}"
            self.choices = {start: tuple(self.config.means), **self.choices}
        self.steps_slider = W.IntSlider(value=steps, min=10, max=2000, step=10, description="steps")
        self.train_button = W.Button(description=f"Train {steps} steps", button_style="primary")
        self.reset_button = W.Button(description="Reset")
        self.data_dropdown = W.Dropdown(options=list(self.choices), value=start, description="real data")
        self.status = W.HTML(value="")
        self.output = W.Output()
        self.state = new_toy(self.config)
        self.draws = 0  # how many pictures the panel has shown
        self.steps_slider.observe(self._on_slider, names="value")
        self.data_dropdown.observe(self._on_data, names="value")
        self.train_button.on_click(self._on_train)
        self.reset_button.on_click(self._on_reset)
        super().__init__(children=[W.HBox([self.steps_slider, self.train_button, self.reset_button]),
                                   self.data_dropdown, self.status, self.output])
        self.redraw()

    def __repr__(self) -> str:  # short and fixed: the text a saved notebook shows for the panel
        return "ToyPanel(toy GAN: run the notebook to use its buttons)"

    def _on_slider(self, change) -> None:
        self.train_button.description = f"Train {change['new']} steps"

    def _on_data(self, change) -> None:
        self.config = replace(self.config, means=self.choices[change["new"]])
        self._on_reset(None)

    def _on_train(self, _button) -> None:
        self.train_button.disabled = True
        try:
            train_toy(self.state, self.steps_slider.value)
        finally:
            self.train_button.disabled = False
        self.redraw()

    def _on_reset(self, _button) -> None:
        self.state = new_toy(self.config)
        self.redraw()

    def redraw(self) -> None:
        """Show the current picture in .output and recent mean losses in .status."""
        h = self.state.history
        if len(h):
            n = min(len(h), 50)
            mean = {k: float(np.mean(getattr(h, k)[-n:])) for k in ("lossD", "lossG", "D_x", "D_G_z")}
            self.status.value = (f"step {self.state.step}, means of the last {n} steps: lossD {mean['lossD']:.3f}, "
                                 f"lossG {mean['lossG']:.3f}, D(x) {mean['D_x']:.3f}, D(G(z)) {mean['D_G_z']:.3f} "
                                 + EQUILIBRIUM)
        else:
            self.status.value = "step 0: not trained yet"
        _show(self.output, plot_toy(toy_curves(self.state)))
        self.draws += 1


def toy_panel(config: Optional[ToyConfig] = None, steps: int = 200) -> ToyPanel:
    """The toy GAN panel of notebook 01 (a ToyPanel, an ipywidgets VBox), showing the untrained run."""
    return ToyPanel(config, steps)


# ----------------------------------------------------------------------------------------- notebook 06

class DigitPanel(W.VBox):
    """Ask a conditional generator for a digit: pick the digit and a seed, click Draw, see its samples.

    Under the grid, the MNIST classifier says how many of the samples it reads as the digit asked for.
    """

    def __init__(self, G: torch.nn.Module, n: int = 16, title: str = "conditional G"):
        self.G, self.n, self.title = G, n, title
        self.digit = W.Dropdown(options=list(range(10)), value=7, description="digit")
        self.seed = W.BoundedIntText(value=0, min=0, max=10_000, description="seed")
        self.draw_button = W.Button(description="Draw", button_style="primary")
        self.status = W.HTML(value="")
        self.output = W.Output()
        self.draws = 0
        self.draw_button.on_click(lambda _button: self.draw())
        super().__init__(children=[W.HBox([self.digit, self.seed, self.draw_button]), self.status, self.output])
        self.draw()

    def __repr__(self) -> str:  # short and fixed: the text a saved notebook shows for the panel
        return "DigitPanel(conditional GAN: run the notebook to use it)"

    def draw(self) -> None:
        """n samples of the chosen digit for latent vectors drawn with the chosen seed, and the classifier's reading."""
        digit, seed = self.digit.value, self.seed.value
        images = generate(self.G, self.n, seed=seed, digit=digit)
        agree = int((classifier_features(images)[1].argmax(1) == digit).sum())
        self.status.value = (f"asked for <b>{digit}</b> (seed {seed}): the MNIST classifier reads {agree} of "
                             f"{self.n} samples as {digit}")
        fig = plot_grid(images, f"{self.title}: digit {digit}, seed {seed}", nrow=8)
        fig.set_size_inches(6, 1.9)
        _show(self.output, fig)
        self.draws += 1
