"""Command line: python -m gan_lab {train,sample,train-classifier,calibrate,evaluate,sweep} ..."""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from .config import DATA_PATHS, DATASETS, DEFAULT_BETAS, DEFAULT_LR, OPTIMIZERS, TrainConfig


def _add_train_args(p: argparse.ArgumentParser) -> None:
    d = TrainConfig.__dataclass_fields__
    p.add_argument("--dataset", choices=DATASETS, default="mnist", help="training images (default: mnist)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="optimizer for both D and G (default: sgd)")
    p.add_argument("--lr-d", type=float, default=None,
                   help=f"D's learning rate (default: sgd {DEFAULT_LR['sgd']}, adam {DEFAULT_LR['adam']}; "
                        "the report's literal setting is --optimizer sgd --lr-d 0.3 --lr-g 0.3)")
    p.add_argument("--lr-g", type=float, default=None, help="G's learning rate (default: as --lr-d's default)")
    p.add_argument("--beta1", type=float, default=None, help=f"Adam's beta1 (default: {DEFAULT_BETAS['adam'][0]})")
    p.add_argument("--beta2", type=float, default=None, help=f"Adam's beta2 (default: {DEFAULT_BETAS['adam'][1]})")
    p.add_argument("--z-dim", type=int, default=d["z_dim"].default, help="size of the latent vector z (default: 100)")
    p.add_argument("--hidden-dim", type=int, default=d["hidden_dim"].default, help="hidden units in D and G (default: 128)")
    p.add_argument("--leaky-slope", type=float, default=d["leaky_slope"].default, help="LeakyReLU slope (default: 0.2)")
    p.add_argument("--batch-size", type=int, default=d["batch_size"].default, help="images per batch (default: 64)")
    p.add_argument("--epochs", type=int, default=d["epochs"].default, help="passes over the 60,000 images (default: 100)")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps in total (default: no limit)")
    p.add_argument("--seed", type=int, default=d["seed"].default, help="seed for init, data order and noise (default: 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--data-path", choices=DATA_PATHS, default="tensor",
                   help="tensor: whole set normalised once in memory (fast, default); loader: textbook DataLoader")
    p.add_argument("--data-root", default=None, help="dataset folder (default: $GAN_LAB_DATA_DIR, else ./data)")
    p.add_argument("--train-images", type=int, default=None,
                   help="use only the first N training images, for quick runs (default: all 60,000)")
    p.add_argument("--eval-every", type=int, default=0, help="compute quality metrics every k epochs (default: 0, never)")
    p.add_argument("--logits", action="store_true",
                   help="D outputs logits and the loss is BCEWithLogitsLoss (default: Sigmoid in D and BCELoss, as the report)")
    p.add_argument("--out", required=True, help="output folder: config.json, history.csv, losses.png, samples.png, checkpoint.pt")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if it exists")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a run already in OUT (without it, train refuses to train over a run)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def config_from_args(a: argparse.Namespace) -> TrainConfig:
    """TrainConfig from parsed train options (validated)."""
    betas = None
    if a.optimizer == "adam":
        b1, b2 = DEFAULT_BETAS["adam"]
        betas = (a.beta1 if a.beta1 is not None else b1, a.beta2 if a.beta2 is not None else b2)
    elif a.beta1 is not None or a.beta2 is not None:
        raise ValueError("--beta1/--beta2 apply to --optimizer adam only")
    return TrainConfig(dataset=a.dataset, optimizer=a.optimizer, lr_d=a.lr_d, lr_g=a.lr_g, betas=betas,
                       z_dim=a.z_dim, hidden_dim=a.hidden_dim, leaky_slope=a.leaky_slope, batch_size=a.batch_size,
                       epochs=a.epochs, max_steps=a.max_steps, seed=a.seed, device=a.device, data_path=a.data_path,
                       data_root=a.data_root, train_images=a.train_images,
                       eval_every=a.eval_every, logits=a.logits)


def cmd_train(a: argparse.Namespace) -> int:
    from .checkpoint import write_run_files
    from .files import check_out_dir, run_lock
    from .train import fit

    config = config_from_args(a)
    out = check_out_dir(a.out)  # before any work: a bad --out must not cost an epoch
    with run_lock(out):
        state = fit(config, out, resume=a.resume, progress=not a.no_progress, overwrite=a.overwrite)
        write_run_files(state, out)
    h = state.history
    if len(h):
        print(f"{state.step} steps, {state.epoch} full epochs; last step: lossD {h.lossD[-1]:.4f}, lossG {h.lossG[-1]:.4f}, "
              f"D(x) {h.D_x[-1]:.3f}, D(G(z)) {h.D_G_z[-1]:.3f}. Files in {a.out}")
    return 3 if state.stopped else 0


def cmd_sample(a: argparse.Namespace) -> int:
    import torch

    import io

    from .checkpoint import CheckpointError, atomic_write, load_generator
    from .config import check_count, check_seed, resolve_device
    from .files import check_out_file
    from .models import generate

    check_count("-n", a.n)
    check_seed("--seed", a.seed)
    out = check_out_file(a.out)
    G, _ = load_generator(a.checkpoint, resolve_device(a.device))
    images = generate(G, a.n, seed=a.seed)
    if not torch.isfinite(images).all():
        raise CheckpointError(f"the generator in {a.checkpoint} produces NaN or inf values; nothing was written")
    buf = io.BytesIO()
    torch.save(images, buf)
    atomic_write(out, lambda f: f.write(buf.getvalue()))
    print(f"saved {a.n} samples ({tuple(images.shape)}, values in [{images.min().item():.3f}, "
          f"{images.max().item():.3f}]) to {out}")
    return 0


def _add_sample_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True, help="a checkpoint.pt written by train")
    p.add_argument("-n", type=int, default=10_000, help="number of images (default: 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed for the latent vectors (default: 0)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--out", required=True, help="output file, e.g. samples.pt")


def build_parser() -> argparse.ArgumentParser:
    # The metric and sweep commands keep their options and logic beside their code.
    from .classifier import add_train_classifier_args, cmd_train_classifier
    from .metrics import add_calibrate_args, add_evaluate_args, cmd_calibrate, cmd_evaluate
    from .sweep import add_sweep_args, cmd_sweep

    commands = [  # name, options, function, one-line help, description
        ("train", _add_train_args, cmd_train, "train the GAN and write its figures and checkpoint",
         "Train the reference GAN (D: 784-128-1, G: z-128-784) with BCE."),
        ("sample", _add_sample_args, cmd_sample, "draw images from a trained generator",
         "Save N generated images as a float tensor N x 1 x 28 x 28 in [-1, 1]."),
        ("train-classifier", add_train_classifier_args, cmd_train_classifier,
         "train the MNIST classifier behind the quality metrics",
         "Train the small CNN that judges generated digits and write its weights."),
        ("calibrate", add_calibrate_args, cmd_calibrate, "print the quality metrics of reference image sets",
         "Metrics of real, corrupted, noise, one-digit and untrained-G image sets."),
        ("evaluate", add_evaluate_args, cmd_evaluate, "quality metrics of a trained generator",
         "MNIST-classifier metrics of N generated images against the 10,000 test images."),
        ("sweep", add_sweep_args, cmd_sweep, "train a study's runs side by side, with seeds, resume and metrics",
         "Train every run of a study (several seeds each), side by side; a killed sweep resumes. Writes one folder "
         "per run and summary_NAME.json / .md. Sweeps may share one --out folder: runs they have in common are "
         "trained once."),
    ]
    parser = argparse.ArgumentParser(prog="python -m gan_lab", description="Train and study a fully connected GAN on MNIST.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, add_args, func, help_text, description in commands:
        p = sub.add_parser(name, help=help_text, description=description)
        add_args(p)
        p.set_defaults(func=func)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; bad input ends with one 'error:' line and exit code 2, not a traceback."""
    from .checkpoint import CheckpointError
    from .data import DataError
    from .files import RunInUseError, StorageError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, DataError, CheckpointError, StorageError, RunInUseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; rerun with --resume to continue from the last checkpoint", file=sys.stderr)
        return 130
