"""Objective quality of generated digits, judged by the shipped MNIST classifier (classifier.py).

All metrics compare N generated images (DEFAULT_N = 10,000 unless stated) with the 10,000 MNIST
test images, in the classifier's 128-d penultimate feature space or from its softmax:

- FD_mnist: Fréchet distance between Gaussians fitted to the features. Same formula as FID, but
  NOT comparable with Inception FID numbers: another network, another feature space.
- IS_mnist ("classifier score"): exp(E_x KL(p(y|x) || p(y))) over the whole set; 1 to 10.
- digits_covered (classes holding >= 2% of the samples), class_KL (KL of the samples' predicted
  class mix to the test set's), mean_confidence (mean top-class probability).
- precision / recall: k-NN manifold estimates (Kynkäänniemi et al. 2019, k = 3).

FD and precision/recall depend on N, so compare numbers at the same N only. Everything runs on the
CPU in one thread (classifier.single_thread), so the numbers do not depend on the core count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from .classifier import N_CLASSES, load_classifier, single_thread
from .data import load_images, load_labels, resolve_data_root
from .models import Generator, generate

DEFAULT_N = 10_000
MIN_N = 100  # fewest generated images evaluate accepts (as TrainConfig.eval_samples)
K_NEIGHBOURS = 3  # the paper's default k for the manifold radii
COVERED_SHARE = 0.02  # a digit counts as covered when at least 2% of the samples are classified as it
BOOTSTRAP_RESAMPLES = 20
METRIC_NAMES = ("FD_mnist", "IS_mnist", "digits_covered", "class_KL", "mean_confidence", "precision", "recall")
METRIC_BOUNDS = {"FD_mnist": (0, math.inf), "IS_mnist": (1, N_CLASSES), "digits_covered": (0, N_CLASSES),
                 "class_KL": (0, math.inf), "mean_confidence": (0, 1), "precision": (0, 1), "recall": (0, 1)}
DISTANCE_BLOCK = 1 << 23  # entries per block of the distance matrix (32 MiB of float32): bounds memory
PIXEL_TOLERANCE = 1e-4  # float error allowed beyond [-1, 1]


# ---------------------------------------------------------------- features

def check_images(images: torch.Tensor, name: str = "images") -> None:
    """Raise ValueError unless images is a float tensor N x 1 x 28 x 28 of finite values in [-1, 1]."""
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise ValueError(f"{name}={type(images).__name__} is not allowed: a float torch.Tensor N x 1 x 28 x 28")
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28) or len(images) == 0:
        raise ValueError(f"{name} has shape {tuple(images.shape)}; allowed: N x 1 x 28 x 28 with N >= 1")
    lo, hi = float(images.min()), float(images.max())
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < -1 - PIXEL_TOLERANCE or hi > 1 + PIXEL_TOLERANCE:
        raise ValueError(f"{name} has values from {lo:g} to {hi:g}; allowed: finite pixels in [-1, 1], the "
                         "range of G's Tanh (map [0, 1] images with x * 2 - 1)")


@torch.no_grad()
def classifier_features(images: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Penultimate features (N x 128, float32) and softmax probabilities (N x 10, float64), on the CPU."""
    check_images(images)
    model = load_classifier()
    feats, probs = [], []
    with single_thread():
        for start in range(0, len(images), batch_size):
            f = model.features(images[start:start + batch_size].detach().float().cpu())
            feats.append(f)
            probs.append(torch.softmax(model.fc2(f).double(), dim=1))
    return torch.cat(feats), torch.cat(probs)


# ---------------------------------------------------------------- reference sets

@dataclass
class FeatureSet:
    """Classifier outputs of one image set, with the statistics the metrics reuse."""

    features: torch.Tensor  # N x 128 float32
    probs: torch.Tensor  # N x 10 float64
    mean: np.ndarray = field(init=False)
    cov: np.ndarray = field(init=False)
    class_mix: np.ndarray = field(init=False)  # share of each predicted class
    _radii: dict = field(default_factory=dict, init=False, repr=False)  # k -> squared k-NN radii

    def __post_init__(self) -> None:
        f = self.features.double().numpy()
        self.mean = f.mean(axis=0)
        self.cov = np.cov(f, rowvar=False) if len(f) > 1 else np.zeros((f.shape[1],) * 2)
        self.class_mix = class_mix(self.probs)

    def __len__(self) -> int:
        return len(self.features)

    def radii2(self, k: int) -> torch.Tensor:
        """Squared distance from each point to its k-th nearest other point (computed once per k)."""
        if k not in self._radii:
            self._radii[k] = knn_radii2(self.features, k)
        return self._radii[k]


def feature_set(images: torch.Tensor) -> FeatureSet:
    """Run the classifier on images and keep what the metrics need."""
    return FeatureSet(*classifier_features(images))


_TEST_SETS: dict[tuple[str, str], FeatureSet] = {}  # (data folder, classifier sha256) -> test-set features


def mnist_test_reference(data_root: Optional[str] = None) -> FeatureSet:
    """The 10,000 MNIST test images as a FeatureSet, cached in memory for the rest of the process."""
    key = (str(resolve_data_root(data_root).resolve()), load_classifier().weights_sha256)
    if key not in _TEST_SETS:
        _TEST_SETS[key] = feature_set(load_images("mnist", train=False, root=data_root))
    return _TEST_SETS[key]


def _as_reference(reference: Optional[torch.Tensor | FeatureSet], data_root: Optional[str]) -> FeatureSet:
    if reference is None:
        return mnist_test_reference(data_root)
    if isinstance(reference, FeatureSet):
        return reference
    return feature_set(reference)


# ---------------------------------------------------------------- single metrics

def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray) -> float:
    """||m1 - m2||^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^1/2), with symmetric eigen-decompositions only.

    tr((C1 C2)^1/2) = tr((C1^1/2 C2 C1^1/2)^1/2); the inner matrix is symmetric PSD, so eigvalsh gives
    real eigenvalues and no imaginary round-off has to be dropped (sqrtm of C1 C2 would need that).
    """
    w, v = np.linalg.eigh(cov1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = root1 @ cov2 @ root1
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eig, 0, None)).sum()
    fd = float(((mean1 - mean2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt)
    return max(fd, 0.0)  # round-off can give -1e-12 for identical sets


def classifier_score(probs: torch.Tensor) -> float:
    """Inception-style score exp(mean_x KL(p(y|x) || p(y))) from the MNIST classifier; 1 (bad) to 10."""
    p = probs.double().clamp_min(1e-12)
    marginal = p.mean(0, keepdim=True)
    return float(torch.exp((p * (p.log() - marginal.log())).sum(1).mean()))


def class_mix(probs: torch.Tensor) -> np.ndarray:
    """Share of the samples predicted as each digit (argmax of the softmax)."""
    counts = torch.bincount(probs.argmax(1), minlength=N_CLASSES).double()
    return (counts / counts.sum()).numpy()


def class_stats(probs: torch.Tensor, reference_mix: np.ndarray) -> dict[str, float]:
    """digits_covered, class_KL (samples' class mix to the reference mix, nats) and mean_confidence."""
    mix = class_mix(probs)
    ref = np.clip(reference_mix, 1e-12, None)  # every digit is in the test set; the clip only guards 0/0
    present = mix > 0
    kl = float((mix[present] * np.log(mix[present] / ref[present])).sum())
    return {"digits_covered": float((mix >= COVERED_SHARE).sum()), "class_KL": max(kl, 0.0),
            "mean_confidence": float(probs.max(1).values.mean())}


def _block_rows(n_cols: int) -> int:
    """Rows per block so that a block of the distance matrix holds at most DISTANCE_BLOCK entries."""
    return max(1, DISTANCE_BLOCK // max(n_cols, 1))


def _squared_distances(a: torch.Tensor, b: torch.Tensor, b_norms: torch.Tensor) -> torch.Tensor:
    """||a_i - b_j||^2 for a block of rows a, via the matrix product (clamped: round-off can go below 0)."""
    d2 = torch.addmm(b_norms, a, b.T, alpha=-2)  # one fused pass: |b|^2 - 2 a.b
    return d2.add_((a * a).sum(1, keepdim=True)).clamp_min_(0)


def knn_radii2(features: torch.Tensor, k: int = K_NEIGHBOURS) -> torch.Tensor:
    """Squared distance from each point to its k-th nearest neighbour in the same set, itself excluded."""
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k < len(features):
        raise ValueError(f"k={k!r} is not allowed: an integer from 1 to {len(features) - 1} (one less than the "
                         "number of images in the set)")
    norms = (features * features).sum(1)
    out = []
    rows = _block_rows(len(features))
    with single_thread():
        for start in range(0, len(features), rows):
            d2 = _squared_distances(features[start:start + rows], features, norms)
            idx = torch.arange(len(d2))
            d2[idx, idx + start] = math.inf  # a point is not its own neighbour
            out.append(d2.topk(k, dim=1, largest=False).values[:, -1])  # topk: ~3x faster than kthvalue
    return torch.cat(out)


def _coverage(fake: FeatureSet, real: FeatureSet, k: int,
              presence: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
    """One blockwise pass over real-to-fake distances.

    Returns: for each fake sample, whether it lies in some real point's k-NN ball (precision);
    for each real point, whether it lies in some fake sample's ball (recall); and, given a
    presence matrix (N_fake x B, 1 where a fake sample is in bootstrap resample b), the recall
    indicator per real point and resample (N_real x B).
    """
    real_r2, fake_r2 = real.radii2(k), fake.radii2(k)
    fake_norms = (fake.features * fake.features).sum(1)
    fake_covered = torch.zeros(len(fake), dtype=torch.bool)
    real_covered, real_covered_b = [], []
    rows = _block_rows(len(fake))
    with single_thread():
        for start in range(0, len(real), rows):
            d2 = _squared_distances(real.features[start:start + rows], fake.features, fake_norms)
            fake_covered |= (d2 <= real_r2[start:start + rows, None]).any(0)
            inside_fake_ball = d2 <= fake_r2[None, :]
            real_covered.append(inside_fake_ball.any(1))
            if presence is not None:
                real_covered_b.append((inside_fake_ball.float() @ presence) > 0)
    per_resample = torch.cat(real_covered_b) if presence is not None else None
    return fake_covered, torch.cat(real_covered), per_resample


def precision_recall(fake: FeatureSet, real: FeatureSet, k: int = K_NEIGHBOURS) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls in feature space."""
    fake_covered, real_covered, _ = _coverage(fake, real, k)
    return float(fake_covered.double().mean()), float(real_covered.double().mean())


# ---------------------------------------------------------------- all metrics

def metrics_of(fake: FeatureSet, real: FeatureSet, k: int = K_NEIGHBOURS) -> dict[str, float]:
    """Every metric of METRIC_NAMES for two feature sets, as a flat dict of floats."""
    fake_covered, real_covered, _ = _coverage(fake, real, k)
    return _assemble(fake, real, fake_covered, real_covered)


def _assemble(fake: FeatureSet, real: FeatureSet, fake_covered: torch.Tensor,
              real_covered: torch.Tensor) -> dict[str, float]:
    """The metrics dict from the feature sets and the coverage indicators of _coverage."""
    return {"FD_mnist": frechet_distance(fake.mean, fake.cov, real.mean, real.cov),
            "IS_mnist": classifier_score(fake.probs), **class_stats(fake.probs, real.class_mix),
            "precision": float(fake_covered.double().mean()), "recall": float(real_covered.double().mean())}


def compute_metrics(images: torch.Tensor, reference: Optional[torch.Tensor | FeatureSet] = None,
                    k: int = K_NEIGHBOURS, data_root: Optional[str] = None) -> dict[str, float]:
    """Metrics of images (N x 1 x 28 x 28 in [-1, 1]) against reference (default: the MNIST test set)."""
    return metrics_of(_sample_features(images, k), _as_reference(reference, data_root), k)


def _sample_features(images: torch.Tensor, k: int) -> FeatureSet:
    """FeatureSet of the generated images, after checking there are enough of them for k-NN radii."""
    check_images(images)
    if len(images) <= k:
        raise ValueError(f"images holds {len(images)} image(s); allowed: more than k={k} (the k-NN radii need "
                         f"k other images); use N = {DEFAULT_N} to compare with the published numbers")
    return feature_set(images)


def evaluate_generator(G: Generator, n: int = DEFAULT_N, seed: int = 0,
                       data_root: Optional[str] = None) -> dict[str, float]:
    """Metrics of n images from G (latents drawn from seed) against the MNIST test set."""
    return compute_metrics(generate(G, n, seed=seed), data_root=data_root)


def per_digit_metrics(G: torch.nn.Module, n_per_digit: int = 1000, seed: int = 0,
                      data_root: Optional[str] = None) -> list[dict[str, float]]:
    """A conditional G asked for each digit d in turn (the same latent vectors for every d): the share of its
    samples the classifier reads as d ('agreement'), and FD_mnist against the test images of d alone."""
    test = mnist_test_reference(data_root)
    labels = load_labels("mnist", train=False, root=data_root)
    rows = []
    for digit in range(10):
        fake = feature_set(generate(G, n_per_digit, seed=seed, digit=digit))
        real = FeatureSet(test.features[labels == digit], test.probs[labels == digit])
        rows.append({"digit": digit, "agreement": float((fake.probs.argmax(1) == digit).double().mean()),
                     "FD_mnist": frechet_distance(fake.mean, fake.cov, real.mean, real.cov)})
    return rows


# ---------------------------------------------------------------- bootstrap

def bootstrap_intervals(images: torch.Tensor | FeatureSet, reference: Optional[torch.Tensor | FeatureSet] = None,
                        resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0, k: int = K_NEIGHBOURS,
                        data_root: Optional[str] = None) -> dict[str, dict[str, float]]:
    """Per metric: value on all images, resample_mean, and a 95% interval (low, high) from bootstrap resamples.

    Only the generated set is resampled (with replacement); the reference stays fixed. For recall,
    each sample keeps the k-NN radius it has in the full set, because duplicates drawn by the
    resampling would otherwise shrink their radii to zero. The interval is the resamples' 2.5-97.5
    percentile range shifted by value - resample_mean (not for digits_covered) and clipped to the
    metric's range: it shows the sampling noise of one run around its value, not the bias of a
    finite N.
    """
    if not isinstance(resamples, int) or isinstance(resamples, bool) or not 2 <= resamples <= 1000:
        raise ValueError(f"resamples={resamples!r} is not allowed: an integer from 2 to 1000")
    fake = images if isinstance(images, FeatureSet) else _sample_features(images, k)
    real = _as_reference(reference, data_root)
    gen = torch.Generator().manual_seed(seed)
    draws = torch.randint(len(fake), (resamples, len(fake)), generator=gen)
    presence = torch.zeros(len(fake), resamples)
    presence[draws.T, torch.arange(resamples)] = 1.0
    fake_covered, real_covered, recall_b = _coverage(fake, real, k, presence)
    full = _assemble(fake, real, fake_covered, real_covered)
    per_resample = [_resample_metrics(fake, real, idx) for idx in draws]
    for b, values in enumerate(per_resample):
        values["precision"] = float(fake_covered[draws[b]].double().mean())
        values["recall"] = float(recall_b[:, b].double().mean())
    return {name: _interval(name, full[name], [v[name] for v in per_resample]) for name in METRIC_NAMES}


def _resample_metrics(fake: FeatureSet, real: FeatureSet, idx: torch.Tensor) -> dict[str, float]:
    """FD, classifier score and class statistics of one resample (precision/recall are filled in by the caller)."""
    f = fake.features[idx].double().numpy()
    fd = frechet_distance(f.mean(0), np.cov(f, rowvar=False), real.mean, real.cov)
    probs = fake.probs[idx]
    return {"FD_mnist": fd, "IS_mnist": classifier_score(probs), **class_stats(probs, real.class_mix)}


def _interval(name: str, value: float, samples: list[float]) -> dict[str, float]:
    """value, resample_mean, and the 2.5-97.5 percentile range of the resamples shifted onto value."""
    mean = float(np.mean(samples))
    low, high = np.percentile(samples, [2.5, 97.5])
    if name != "digits_covered":  # a count: its resample percentiles are already plausible counts
        # Duplicates in a resample bias FD up and recall down (1.000 -> 0.925 for the test set
        # against itself), so an unshifted range can miss the full-set value altogether.
        low, high = low + value - mean, high + value - mean
    lo_bound, hi_bound = METRIC_BOUNDS[name]
    return {"value": value, "resample_mean": mean, "low": float(np.clip(low, lo_bound, hi_bound)),
            "high": float(np.clip(high, lo_bound, hi_bound))}


# ---------------------------------------------------------------- formatting

METRIC_FORMATS = {"FD_mnist": ".2f", "IS_mnist": ".2f", "digits_covered": ".0f", "class_KL": ".4f",
                  "mean_confidence": ".3f", "precision": ".3f", "recall": ".3f"}


def format_metrics(values: dict[str, float], intervals: Optional[dict[str, dict[str, float]]] = None) -> str:
    """One line 'FD_mnist 12.34 [11.9, 12.8] | IS_mnist 9.10 | ...' (intervals when given)."""
    parts = []
    for name in METRIC_NAMES:
        fmt = METRIC_FORMATS[name]
        text = f"{name} {values[name]:{fmt}}"
        if intervals is not None:
            text += f" [{intervals[name]['low']:{fmt}}, {intervals[name]['high']:{fmt}}]"
        parts.append(text)
    return " | ".join(parts)
