"""Command line: python -m gan_lab {train,sample,train-classifier,calibrate,evaluate,sweep} ...

Every command's options and its function live here; the functions only check input and call the package.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from concurrent.futures import BrokenExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

import torch

from .calibration import calibration_table, format_calibration_table
from .checkpoint import CheckpointError, load_checkpoint, load_generator
from .classifier import (ASSET_DIR, FEATURE_DIM, MIN_ACCURACY, RECORD_NAME, ClassifierSettings, save_classifier,
                         sha256_of, test_accuracy, train_classifier)
from .config import (ARCHS, DATA_PATHS, DATASETS, DEFAULT_BETAS, DEFAULT_LR, LR_DECAYS, OPTIMIZERS, TrainConfig,
                     check_count, check_seed, resolve_device)
from .data import DataError
from .files import (DamagedFileError, RunInUseError, StorageError, atomic_write, atomic_write_text, check_out_dir,
                    check_out_file, run_lock)
from .metrics import (DEFAULT_N, K_NEIGHBOURS, MIN_N, bootstrap_intervals, compute_metrics, format_metrics,
                      mnist_test_reference)
from .models import generate
from .plotting import write_run_files
from .study import format_summary, write_summary
from .sweep import EVAL_EVERY, EVAL_SAMPLES, SWEEPS, default_workers, run_sweep, sweep_configs
from .train import fit

DATA_ROOT_HELP = "dataset folder (default: $GAN_LAB_DATA_DIR, else ./data)"


# ----------------------------------------------------------------------------------------- train, sample

def add_train_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab train`."""
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
    p.add_argument("--hidden-dim", type=int, default=d["hidden_dim"].default,
                   help="hidden units in G, and in D unless --d-hidden-dim is given (default: 128)")
    p.add_argument("--d-hidden-dim", type=int, default=None,
                   help="D's hidden units, where they differ from G's (default: as --hidden-dim)")
    p.add_argument("--g-channels", type=int, default=None,
                   help="--arch conv: G's maps of 7x7, a multiple of 4; twice as many of 14x14 (default: 16)")
    p.add_argument("--d-channels", type=int, default=None,
                   help="--arch conv: D's maps of 14x14; twice as many of 7x7 (default: 32)")
    p.add_argument("--leaky-slope", type=float, default=d["leaky_slope"].default, help="LeakyReLU slope (default: 0.2)")
    p.add_argument("--batch-size", type=int, default=d["batch_size"].default, help="images per batch (default: 64)")
    p.add_argument("--epochs", type=int, default=d["epochs"].default, help="passes over the 60,000 images (default: 100)")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps in total (default: no limit)")
    p.add_argument("--seed", type=int, default=d["seed"].default, help="seed for init, data order and noise (default: 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--data-path", choices=DATA_PATHS, default="tensor",
                   help="tensor: whole set normalised once in memory (fast, default); loader: textbook DataLoader")
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)
    p.add_argument("--train-images", type=int, default=None,
                   help="use only the first N training images, for quick runs (default: all 60,000)")
    p.add_argument("--eval-every", type=int, default=0, help="compute quality metrics every k epochs (default: 0, never)")
    p.add_argument("--logits", action="store_true",
                   help="D outputs logits and the loss is BCEWithLogitsLoss (default: Sigmoid in D and BCELoss, as the report)")
    p.add_argument("--arch", choices=ARCHS, default="fc",
                   help="fc: the report's networks; conv: DCGAN-style; cond: the report's, given the digit (default: fc)")
    p.add_argument("--ema", type=float, nargs="*", default=[], metavar="DECAY",
                   help="keep moving averages of G's weights with these decays, e.g. 0.999 (default: none)")
    p.add_argument("--label-smoothing", type=float, default=0.0,
                   help="one-sided: D's target for real images is 1 - this, e.g. 0.1 (default: 0)")
    p.add_argument("--lr-decay", choices=LR_DECAYS, default="none",
                   help="linear: both learning rates fall by lr/epochs after every epoch (default: none, constant)")
    p.add_argument("--r1", type=float, default=0.0, metavar="GAMMA",
                   help="R1 penalty on D: GAMMA/2 x mean |gradient of D's logit at real images|^2, e.g. 10; needs --logits (default: 0, none)")
    p.add_argument("--r1-every", type=int, default=1, metavar="K",
                   help="lazy R1: the penalty, times K, on every K-th step only, e.g. 16 (default: 1, every step)")
    p.add_argument("--out", required=True, help="run folder: config.json, checkpoint.pt, history.csv, samples.u8, losses.png, samples.png")
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
                       eval_every=a.eval_every, logits=a.logits, arch=a.arch, ema=tuple(a.ema),
                       label_smoothing=a.label_smoothing, lr_decay=a.lr_decay, r1=a.r1, r1_every=a.r1_every,
                       d_hidden_dim=a.d_hidden_dim, g_channels=a.g_channels, d_channels=a.d_channels)


def cmd_train(a: argparse.Namespace) -> int:
    """Train one run into --out; exit 3 when training stopped early (blown-up weights)."""
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


def add_sample_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab sample`."""
    p.add_argument("--checkpoint", required=True, help="a checkpoint.pt written by train")
    p.add_argument("-n", type=int, default=10_000, help="number of images (default: 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed for the latent vectors (default: 0)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--out", required=True, help="output file, e.g. samples.pt")


def cmd_sample(a: argparse.Namespace) -> int:
    """Save n generated images as one float tensor."""
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


# ----------------------------------------------------------------------------------------- classifier, metrics

def add_train_classifier_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab train-classifier`."""
    d = ClassifierSettings()
    p.add_argument("--seed", type=int, default=d.seed, help=f"seed for init and data order (default: {d.seed})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the 60,000 images (default: {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"images per batch (default: {d.batch_size})")
    p.add_argument("--max-lr", type=float, default=d.max_lr, help=f"peak learning rate (default: {d.max_lr})")
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)
    p.add_argument("--out", default=str(ASSET_DIR),
                   help="folder for mnist_classifier.pt and .json (default: the package's assets folder)")


def cmd_train_classifier(a: argparse.Namespace) -> int:
    """Train, test, and write the weights with their record; exit 3 (nothing written) below 99% accuracy."""
    settings = ClassifierSettings(seed=a.seed, epochs=a.epochs, batch_size=a.batch_size, max_lr=a.max_lr)
    shipped = ASSET_DIR / RECORD_NAME
    old_sha = json.loads(shipped.read_text())["sha256"] if shipped.is_file() else None
    start = time.perf_counter()
    model = train_classifier(settings, a.data_root)
    seconds = time.perf_counter() - start
    accuracy = test_accuracy(model, a.data_root)
    if accuracy < MIN_ACCURACY:
        print(f"error: test accuracy {accuracy:.2%} is below {MIN_ACCURACY:.0%}; weights not written", file=sys.stderr)
        return 3
    record = {"settings": asdict(settings), "train_seconds": round(seconds, 1), "test_accuracy": accuracy,
              "torch": torch.__version__, "torch_threads": 1}
    weights = save_classifier(model, record, a.out)
    sha = sha256_of(weights)
    same = "same weights as shipped" if sha == old_sha else "differs from the shipped weights"
    print(f"test accuracy {accuracy:.2%} after {seconds:.0f} s of training; wrote {weights} "
          f"({weights.stat().st_size / 1024:.0f} KiB, sha256 {sha[:12]}..., {same})")
    return 0


def add_calibrate_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab calibrate`."""
    p.add_argument("-n", type=int, default=DEFAULT_N, help=f"images per set (default: {DEFAULT_N})")
    p.add_argument("--seed", type=int, default=0, help="seed for the subsets, noise and untrained G (default: 0)")
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)
    p.add_argument("--out", default=None, help="also write the table to this Markdown file")


def cmd_calibrate(a: argparse.Namespace) -> int:
    """Print the calibration table (and write it with --out)."""
    start = time.perf_counter()
    table = format_calibration_table(calibration_table(a.n, a.data_root, a.seed))
    print(table)
    print(f"({time.perf_counter() - start:.0f} s; reference: the MNIST test images; k = {K_NEIGHBOURS})")
    if a.out:
        atomic_write_text(a.out, table + "\n")
    return 0


def add_evaluate_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab evaluate`."""
    p.add_argument("--checkpoint", required=True, help="a checkpoint.pt written by train")
    p.add_argument("-n", type=int, default=DEFAULT_N, help=f"number of generated images (default: {DEFAULT_N})")
    p.add_argument("--seed", type=int, default=0, help="seed for the latent vectors (default: 0)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="K",
                   help="also give 95%% intervals from K resamples of the generated set (default: 0, off; try 20)")
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)
    p.add_argument("--out", default=None, help="JSON file for the metrics (default: metrics.json beside the checkpoint)")


def cmd_evaluate(a: argparse.Namespace) -> int:
    """Print every metric on one line and write them, with the settings, as JSON beside the checkpoint."""
    if a.bootstrap != 0 and not 2 <= a.bootstrap <= 1000:
        raise ValueError(f"--bootstrap={a.bootstrap} is not allowed: 0 (off) or an integer from 2 to 1000")
    check_seed("--seed", a.seed)
    check_count("-n", a.n, MIN_N, f"fewer images make the k-NN radii, the class mix and the Fréchet distance's "
                f"{FEATURE_DIM}-d covariance mostly noise; compare numbers at the same N only (default {DEFAULT_N})")
    if a.out is not None:
        check_out_file(a.out)
    start = time.perf_counter()
    G, _ = load_generator(a.checkpoint, "cpu")
    images = generate(G, a.n, seed=a.seed)
    reference = mnist_test_reference(a.data_root)
    if a.bootstrap:
        intervals = bootstrap_intervals(images, reference, a.bootstrap, seed=a.seed)
        values = {name: interval["value"] for name, interval in intervals.items()}
    else:
        values, intervals = compute_metrics(images, reference), None
    seconds = time.perf_counter() - start
    out = Path(a.out) if a.out else Path(a.checkpoint).with_name("metrics.json")
    record = {"checkpoint": str(a.checkpoint), "step": int(load_checkpoint(a.checkpoint)["step"]), "n": a.n,
              "seed": a.seed, "reference": f"MNIST test set ({len(reference)} images)", "k": K_NEIGHBOURS,
              "metrics": values, "bootstrap": intervals, "bootstrap_resamples": a.bootstrap,
              "seconds": round(seconds, 2)}
    atomic_write_text(out, json.dumps(record, indent=2) + "\n")
    print(f"{format_metrics(values, intervals)} (N={a.n}, seed {a.seed}, {seconds:.1f} s) -> {out}")
    return 0


# ----------------------------------------------------------------------------------------- sweep

def add_sweep_args(p: argparse.ArgumentParser) -> None:
    """Options of `python -m gan_lab sweep`."""
    p.add_argument("name", choices=sorted(SWEEPS), help="optimizer: SGD vs Adam at the report's and the usual "
                   "settings; zdim: z_dim 20/50/100/200 (SGD); "
                   "lr: SGD 0.3/0.1/0.03/0.01 and Adam 1e-3/2e-4 x beta1 0.9/0.5; "
                   "logits: SGD 0.3 with D's loss on logits (BCEWithLogitsLoss); beyond: notebook 06's averages of "
                   "G, conditional and convolutional networks; longer: SGD 0.1 at a constant and a linearly decaying "
                   "rate (for --epochs 300); wider: the latter's constant rate with 256 hidden units (for --epochs 300)")
    p.add_argument("--seeds", type=int, default=3, help="training seeds per configuration (default: 3)")
    p.add_argument("--epochs", type=int, default=100, help="epochs per run (default: 100)")
    p.add_argument("--out", required=True, help="sweep folder, e.g. results/optimizer; one subfolder per run")
    p.add_argument("--eval-every", type=int, default=EVAL_EVERY,
                   help=f"compute the metrics every k epochs (default: {EVAL_EVERY}; 0: never)")
    p.add_argument("--eval-samples", type=int, default=EVAL_SAMPLES,
                   help=f"samples for the metrics during training (default: {EVAL_SAMPLES})")
    p.add_argument("--final-samples", type=int, default=None, help="samples for the final metrics (default: 10000)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes, one thread each (default: 2 on a CPU with 2+ cores, 1 on CUDA)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)
    p.add_argument("--train-images", type=int, default=None, help="use only the first N training images (quick runs)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars (one process) or lines (--workers 2 or more)")


def cmd_sweep(a: argparse.Namespace) -> int:
    """Run a sweep in `workers` processes; then write summary_<name>.json / .md and print the table."""
    base = TrainConfig(device=a.device, data_root=a.data_root, train_images=a.train_images)
    if a.final_samples is not None:  # checked now, not after hours of training
        check_count("--final-samples", a.final_samples, 100, "the final metrics need at least 100 images (evaluate -n)")
    check_out_dir(a.out)
    configs = sweep_configs(a.name, a.seeds, a.epochs, base)  # validate before any work
    if a.workers is not None and not 1 <= a.workers <= 64:
        raise ValueError(f"--workers={a.workers} is not allowed: an integer from 1 to 64 (leave it out for the default)")
    workers = a.workers or default_workers(a.device)
    t0 = time.time()
    try:
        run_sweep(a.name, a.seeds, a.epochs, a.out, base, a.eval_every, a.eval_samples, a.final_samples,
                  workers=workers, progress=not a.no_progress)
    except BrokenExecutor as e:  # a worker process died (killed, out of memory): what is checkpointed stays
        print(f"error: a sweep worker failed ({e}); rerun the same command to resume", file=sys.stderr)
        return 1
    rows = write_summary(a.out, a.name, configs)
    print(format_summary(rows))
    print(f"sweep {a.name}: {len(rows)} configurations in {a.out} ({time.time() - t0:.0f} s)")
    return 0


# ----------------------------------------------------------------------------------------- entry point

COMMANDS = [  # name, options, function, one-line help, description
    ("train", add_train_args, cmd_train, "train the GAN and write its figures and checkpoint",
     "Train the reference GAN (D: 784-128-1, G: z-128-784) with BCE."),
    ("sample", add_sample_args, cmd_sample, "draw images from a trained generator",
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


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m gan_lab", description="Train and study a fully connected GAN on MNIST.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, add_args, func, help_text, description in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=description)
        add_args(p)
        p.set_defaults(func=func)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; bad input ends with one 'error:' line and exit code 2, not a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, DataError, DamagedFileError, StorageError, RunInUseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Only training keeps checkpoints: train resumes when asked to, a sweep on its own.
        how = {cmd_train: "; rerun it with --resume to continue from the last checkpoint",
               cmd_sweep: "; rerun the same command to continue from the last checkpoints"}.get(args.func, "")
        print(f"interrupted{how}", file=sys.stderr)
        return 130
