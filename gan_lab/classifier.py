"""A small convolutional MNIST classifier: the judge behind the quality metrics in metrics.py.

Its trained weights ship inside the package (assets/mnist_classifier.pt) with a JSON record
(assets/mnist_classifier.json) holding their sha256 and how they were trained, so the metrics
work offline and everyone measures with the same judge. `python -m gan_lab train-classifier`
trains it again from the seed.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import torch
import torch.nn.functional as F
from torch import nn

from .config import check_int
from .data import load_images, load_labels
from .files import DamagedFileError, atomic_write, atomic_write_text

ASSET_DIR = Path(__file__).resolve().parent / "assets"
WEIGHTS_NAME = "mnist_classifier.pt"
RECORD_NAME = "mnist_classifier.json"  # sha256 of the weights, settings, training time, test accuracy
FEATURE_DIM = 128  # size of the penultimate layer, the feature space of the Fréchet distance
N_CLASSES = 10
MIN_ACCURACY = 0.99  # a weaker judge would blur the metrics; refuse to ship one
REBUILD_HINT = "reinstall gan_lab, or rebuild the weights with `python -m gan_lab train-classifier`"


class ClassifierError(DamagedFileError):
    """The shipped classifier weights are missing, damaged, or do not match their recorded checksum."""


class MnistClassifier(nn.Module):
    """Three conv blocks (16, 32, 64 channels, each BatchNorm + ReLU + 2x2 max-pool), then 576 -> 128 -> 10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 3 * 3, FEATURE_DIM)  # 28 -> 14 -> 7 -> 3 pixels after three pools
        self.fc2 = nn.Linear(FEATURE_DIM, N_CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (N x 128, after ReLU) of images x (N x 1 x 28 x 28 in [-1, 1])."""
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            x = bn(conv(x))
            # Without autograd (every metric): pool first, then ReLU, on a quarter of the values; ReLU and max
            # commute, so the features are the same bit for bit, in about 60% of the time on a CPU
            # (benchmarks/bench_metrics.py). Training keeps max_pool2d, whose gradient picks one of tied values.
            x = F.max_pool2d(F.relu(x), 2) if x.requires_grad else F.relu(max_pool_2x2(x))
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, N x 10."""
        return self.fc2(self.features(x))


def max_pool_2x2(x: torch.Tensor) -> torch.Tensor:
    """F.max_pool2d(x, 2) without a gradient: the larger of each pair of rows, then of columns (an odd last one dropped)."""
    # On one CPU thread this is about 5 times faster than max_pool2d on N x C x H x W tensors, with the same values.
    h, w = x.size(-2) // 2 * 2, x.size(-1) // 2 * 2
    rows = torch.maximum(x[..., 0:h:2, :w], x[..., 1:h:2, :w])
    return torch.maximum(rows[..., 0::2], rows[..., 1::2])


@dataclass
class ClassifierSettings:
    """How the shipped classifier is trained; invalid values raise ValueError on creation."""

    seed: int = 0
    epochs: int = 4
    batch_size: int = 128
    max_lr: float = 3e-3  # peak of the one-cycle schedule (Adam)

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0, None)
        check_int("epochs", self.epochs, 1, 100)
        check_int("batch_size", self.batch_size, 1, 60_000)
        lr = self.max_lr
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"max_lr={lr!r} is not allowed: a positive finite learning rate, e.g. 3e-3")


def train_classifier(settings: Optional[ClassifierSettings] = None, data_root: Optional[str] = None,
                     log: bool = True) -> MnistClassifier:
    """Train on the 60,000 MNIST training images (CPU, one thread, Adam with a one-cycle schedule)."""
    settings = settings if settings is not None else ClassifierSettings()
    images = load_images("mnist", train=True, root=data_root)
    labels = load_labels("mnist", train=True, root=data_root)
    with single_thread():
        return _train(settings, images, labels, log)


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block.

    Why: one thread gives the same weights on any core count (threads change the order of float
    sums), and it is far faster when another process shares the CPU: two threads on two busy
    cores wait on each other at every barrier (measured 13 s vs 99 s per epoch on a shared 2-core machine).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _train(settings: ClassifierSettings, images: torch.Tensor, labels: torch.Tensor, log: bool) -> MnistClassifier:
    """The training loop of train_classifier."""
    # fork_rng: seeding the global RNG for init must not change what the caller's code draws next
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = MnistClassifier()
    order_gen = torch.Generator().manual_seed(settings.seed)
    steps_per_epoch = math.ceil(len(images) / settings.batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=settings.max_lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=settings.max_lr,
                                                total_steps=settings.epochs * steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(settings.epochs):
        loss_sum = _train_epoch(model, opt, sched, images, labels, settings.batch_size, order_gen)
        if log:
            print(f"epoch {epoch + 1}/{settings.epochs}: mean loss {loss_sum / steps_per_epoch:.4f}, "
                  f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return model.eval()


def _train_epoch(model: MnistClassifier, opt: torch.optim.Optimizer, sched: Any, images: torch.Tensor,
                 labels: torch.Tensor, batch_size: int, order_gen: torch.Generator) -> float:
    """One shuffled pass; returns the summed batch losses."""
    model.train()
    perm = torch.randperm(len(images), generator=order_gen)
    total = 0.0
    for start in range(0, len(images), batch_size):
        idx = perm[start:start + batch_size]
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item()
    return total


@torch.no_grad()
def test_accuracy(model: MnistClassifier, data_root: Optional[str] = None, batch_size: int = 1000) -> float:
    """Share of the 10,000 MNIST test images whose label the model predicts."""
    images = load_images("mnist", train=False, root=data_root)
    labels = load_labels("mnist", train=False, root=data_root)
    was_training = model.training
    model.eval()
    correct = sum(int((model(images[i:i + batch_size]).argmax(1) == labels[i:i + batch_size]).sum())
                  for i in range(0, len(images), batch_size))
    model.train(was_training)
    return correct / len(images)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_classifier(model: MnistClassifier, record: dict, out_dir: str | Path) -> Path:
    """Write the weights, then the JSON record with their sha256, both atomically; return the weights path."""
    out_dir = Path(out_dir)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    data = buf.getvalue()
    weights = out_dir / WEIGHTS_NAME
    atomic_write(weights, lambda f: f.write(data))
    # The record goes last: a crash in between leaves a checksum mismatch, which load_classifier reports.
    full = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), **record}
    atomic_write_text(out_dir / RECORD_NAME, json.dumps(full, indent=2) + "\n")
    return weights


def read_record(weights_path: str | Path) -> dict:
    """The JSON record beside a weights file; missing or unreadable raises ClassifierError."""
    path = Path(weights_path).with_name(RECORD_NAME)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ClassifierError(f"cannot read the classifier record {path} ({type(e).__name__}: {e}); "
                              f"{REBUILD_HINT}") from None
    if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
        raise ClassifierError(f"{path} has no 'sha256' entry; {REBUILD_HINT}")
    return record


_LOADED: dict[tuple[str, str], MnistClassifier] = {}  # (path, sha256) -> model, so each file is parsed once


def load_classifier(path: Optional[str | Path] = None) -> MnistClassifier:
    """The trained classifier (CPU, eval mode), checked against the sha256 in its JSON record."""
    path = Path(path) if path is not None else ASSET_DIR / WEIGHTS_NAME
    if not path.is_file():
        raise ClassifierError(f"the classifier weights {path} are missing; {REBUILD_HINT}")
    expected = read_record(path)["sha256"]
    data = path.read_bytes()  # read once: the bytes we hash are the bytes we load
    actual = hashlib.sha256(data).hexdigest()  # on every call (0.4 MB): a file damaged later is still caught
    if actual != expected:
        raise ClassifierError(f"the classifier weights {path} are damaged or were replaced: sha256 {actual}, but "
                              f"{path.with_name(RECORD_NAME).name} records {expected}; {REBUILD_HINT}")
    key = (str(path.resolve()), actual)
    if key not in _LOADED:
        _LOADED[key] = _read_weights(data, path, actual)
    return _LOADED[key]


def _read_weights(data: bytes, path: Path, sha256: str) -> MnistClassifier:
    """Build the model from the bytes of a weights file (tensors only: weights_only=True)."""
    model = MnistClassifier()
    try:
        model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    except Exception as e:  # a file that matches its record but not this architecture
        raise ClassifierError(f"{path} does not hold MnistClassifier weights ({type(e).__name__}: "
                              f"{str(e).splitlines()[0]}); {REBUILD_HINT}") from None
    for p in model.parameters():
        p.requires_grad_(False)
    model.weights_sha256 = sha256  # lets callers key caches by the exact weights
    return model.eval()
