"""gan_lab: a GAN on MNIST, for teaching. Importing it has no side effects."""
from .calibration import calibration_table
from .checkpoint import CheckpointError, load_checkpoint, load_generator, save_checkpoint
from .classifier import ClassifierError, load_classifier
from .config import DEFAULT_BETAS, DEFAULT_LR, TrainConfig, resolve_device
from .data import (DataError, TensorBatches, ensure_dataset, load_dataset, load_images, load_labels, make_dataloader,
                   mnist_transform, resolve_data_root)
from .files import DamagedFileError, StorageError
from .metrics import bootstrap_intervals, classifier_features, compute_metrics, evaluate_generator
from .models import Discriminator, Generator, build_models, count_parameters, generate
from .plotting import (image_grid, plot_bands, plot_grid, plot_grids, plot_history, plot_losses, plot_metric_history,
                       save_figure, smooth, write_run_files)
from .stack import fit_side_by_side
from .state import History, StepResult, TrainState, make_fixed_noise, make_optimizers, new_state, sample_z
from .sweep import run_sweep
from .study import load_study
from .train import fit, train_step

__all__ = [
    # configuration and data
    "TrainConfig", "DEFAULT_LR", "DEFAULT_BETAS", "resolve_device", "load_dataset", "load_images", "load_labels",
    "make_dataloader", "mnist_transform", "ensure_dataset", "resolve_data_root", "TensorBatches", "DataError",
    # models and training
    "Generator", "Discriminator", "build_models", "count_parameters", "generate", "sample_z", "train_step", "fit",
    "fit_side_by_side", "make_optimizers", "make_fixed_noise", "new_state", "TrainState", "History", "StepResult",
    # files
    "save_checkpoint", "load_checkpoint", "load_generator", "write_run_files", "CheckpointError", "ClassifierError",
    "DamagedFileError", "StorageError",
    # metrics, plots and studies
    "load_classifier", "classifier_features", "compute_metrics", "evaluate_generator", "bootstrap_intervals",
    "calibration_table", "plot_losses", "plot_history", "plot_grid", "plot_grids", "plot_bands",
    "plot_metric_history", "image_grid", "smooth", "save_figure", "run_sweep", "load_study",
]

__version__ = "0.1.0"
