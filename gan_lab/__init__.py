"""gan_lab: a fully connected GAN on MNIST, for teaching. Importing it has no side effects."""
from .checkpoint import (CheckpointError, load_checkpoint, load_generator, save_checkpoint, write_history_csv,
                         write_run_files)
from .config import DEFAULT_BETAS, DEFAULT_LR, TrainConfig, resolve_device
from .data import (DataError, TensorBatches, ensure_dataset, load_dataset, load_images, load_labels, make_dataloader,
                   mnist_transform, resolve_data_root)
from .classifier import ClassifierError, load_classifier
from .metrics import bootstrap_intervals, calibration_table, classifier_features, compute_metrics, evaluate_generator
from .models import Discriminator, Generator, build_models, count_parameters, generate
from .plotting import (image_grid, plot_bands, plot_grid, plot_grids, plot_history, plot_losses, plot_metric_history,
                       save_figure, smooth)
from .train import History, StepResult, TrainState, fit, make_fixed_noise, make_optimizers, new_state, train_step

__version__ = "0.1.0"
