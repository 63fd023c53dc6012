"""The MNIST classifier and the quality metrics built on it (classifier.py, metrics.py, calibration.py)."""
from __future__ import annotations

import ast
import json
import math
import shutil

import numpy as np
import pytest
import scipy.linalg
import torch

from gan_lab import calibration, classifier, metrics
from gan_lab.checkpoint import load_generator
from gan_lab.classifier import ClassifierError, MnistClassifier, load_classifier, sha256_of
from gan_lab.cli import main
from gan_lab.data import load_images
from gan_lab.files import DamagedFileError
from gan_lab.metrics import FeatureSet, METRIC_NAMES

SHIPPED = classifier.ASSET_DIR / classifier.WEIGHTS_NAME


def copy_assets(folder):
    """A copy of the shipped weights and record in folder; returns the weights path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (classifier.WEIGHTS_NAME, classifier.RECORD_NAME):
        shutil.copy(classifier.ASSET_DIR / name, folder / name)
    return folder / classifier.WEIGHTS_NAME


# ---------------------------------------------------------------- the shipped classifier

def test_shipped_weights_match_their_record_and_load():
    record = json.loads((classifier.ASSET_DIR / classifier.RECORD_NAME).read_text())
    assert sha256_of(SHIPPED) == record["sha256"]
    assert SHIPPED.stat().st_size == record["bytes"] < 1_000_000
    assert record["test_accuracy"] >= classifier.MIN_ACCURACY
    assert classifier.ClassifierSettings(**record["settings"])  # the settings are valid and complete
    model = load_classifier()
    assert isinstance(model, MnistClassifier) and not model.training
    x = torch.zeros(3, 1, 28, 28)
    assert model.features(x).shape == (3, classifier.FEATURE_DIM) and model(x).shape == (3, 10)


def test_damaged_weights_raise_a_clear_error(tmp_path):
    weights = copy_assets(tmp_path / "a")
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the tensors
    weights.write_bytes(bytes(data))
    with pytest.raises(ClassifierError, match="damaged or were replaced: sha256"):
        load_classifier(weights)
    assert issubclass(ClassifierError, DamagedFileError)  # the CLI reports every damaged file the same way


@pytest.mark.parametrize("field,value,shown", [("seed", -1, "seed=-1 is not allowed: an integer >= 0"),
                                               ("epochs", 0, "epochs=0 is not allowed: an integer from 1 to 100"),
                                               ("batch_size", True, "batch_size=True is not allowed"),
                                               ("max_lr", float("nan"), "max_lr=nan is not allowed")])
def test_classifier_settings_refuse_bad_values(field, value, shown):
    with pytest.raises(ValueError, match=shown):
        classifier.ClassifierSettings(**{field: value})


def imported_modules(module) -> set[str]:
    """Names of the gan_lab modules a module imports (from .x import ...)."""
    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}


def test_metrics_and_classifier_sit_below_checkpoints_and_the_cli():
    """The judge does not depend on how runs are stored, nor on the command line (which lives in cli.py)."""
    for module in (classifier, metrics, calibration):
        assert not imported_modules(module) & {"checkpoint", "cli", "train", "sweep"}, module.__name__
        assert not [n for n in vars(module) if n.startswith(("cmd_", "add_"))], module.__name__


def test_missing_record_or_weights_or_wrong_architecture_raise_clear_errors(tmp_path):
    weights = copy_assets(tmp_path / "a")
    weights.with_name(classifier.RECORD_NAME).unlink()
    with pytest.raises(ClassifierError, match="cannot read the classifier record"):
        load_classifier(weights)
    with pytest.raises(ClassifierError, match="are missing"):
        load_classifier(tmp_path / "nowhere" / classifier.WEIGHTS_NAME)
    # A file that matches its record but holds another network.
    other = tmp_path / "b"
    classifier.save_classifier(torch.nn.Linear(3, 2), {}, other)
    with pytest.raises(ClassifierError, match="does not hold MnistClassifier weights"):
        load_classifier(other / classifier.WEIGHTS_NAME)


def test_cli_turns_damaged_or_missing_weights_into_one_error_line(tiny_root, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    assert main(["train", "--data-root", str(tiny_root), "--epochs", "1", "--batch-size", "32", "--device", "cpu",
                 "--no-progress", "--out", str(run)]) == 0
    weights = copy_assets(tmp_path / "assets")
    weights.write_bytes(weights.read_bytes()[:-100])  # truncated
    monkeypatch.setattr(classifier, "ASSET_DIR", tmp_path / "assets")  # what an installed, damaged copy sees
    evaluate = ["evaluate", "--checkpoint", str(run / "checkpoint.pt"), "-n", "100", "--data-root", str(tiny_root)]
    assert main(evaluate) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the classifier weights") and "damaged" in err and "train-classifier" in err
    weights.unlink()
    assert main(evaluate) == 2
    assert "are missing" in capsys.readouterr().err
    assert not (run / "metrics.json").exists()


def test_accuracy_on_the_real_test_set_is_at_least_99_percent(real_root):
    assert classifier.test_accuracy(load_classifier(), real_root) >= 0.99


@pytest.mark.parametrize("size", [28, 14, 7, 3])
def test_fast_max_pool_gives_max_pool2d_values_for_even_and_odd_sizes(size):
    x = torch.randn(5, 4, size, size, generator=torch.Generator().manual_seed(size))
    x[0, 0] = 0.0  # ties, as after a ReLU
    assert torch.equal(classifier.max_pool_2x2(x), torch.nn.functional.max_pool2d(x, 2))


def test_features_without_autograd_equal_those_with_it_bit_for_bit(mnist_test_images):
    model = load_classifier()
    x = mnist_test_images[:500].float()
    with torch.no_grad():
        fast = model.features(x)
    slow = model.features(x.requires_grad_(True)).detach()  # the path training takes: ReLU, then max_pool2d
    assert fast.abs().sum() > 0
    assert torch.equal(fast, slow)


# ---------------------------------------------------------------- single metrics

def test_frechet_distance_agrees_with_scipy_sqrtm():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 6)), rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6)) + 1
    m1, c1, m2, c2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    expected = ((m1 - m2) ** 2).sum() + np.trace(c1 + c2) - 2 * np.trace(scipy.linalg.sqrtm(c1 @ c2).real)
    assert metrics.frechet_distance(m1, c1, m2, c2) == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance(m1, c1, m1, c1) == pytest.approx(0, abs=1e-9)


def test_classifier_score_is_10_for_confident_balanced_and_1_for_one_class():
    one_hot = torch.eye(10).repeat(5, 1).double()
    assert metrics.classifier_score(one_hot) == pytest.approx(10, rel=1e-6)
    assert metrics.classifier_score(torch.eye(10)[[3] * 50].double()) == pytest.approx(1, rel=1e-6)


def test_knn_radii_match_brute_force():
    x = torch.randn(300, 5, generator=torch.Generator().manual_seed(0))
    d = torch.cdist(x.double(), x.double())
    d.fill_diagonal_(math.inf)
    expected = d.sort(dim=1).values[:, 2] ** 2
    assert torch.allclose(metrics.knn_radii2(x, 3).double(), expected, rtol=1e-4)
    with pytest.raises(ValueError, match="k=300 is not allowed"):
        metrics.knn_radii2(x, 300)


def _feature_set(points: torch.Tensor) -> FeatureSet:
    probs = torch.full((len(points), 10), 0.1, dtype=torch.float64)
    return FeatureSet(points.float(), probs)


def test_precision_recall_on_known_geometry():
    gen = torch.Generator().manual_seed(1)
    real = _feature_set(torch.randn(400, 2, generator=gen))
    half = _feature_set(torch.randn(400, 2, generator=gen) * 0.3 + torch.tensor([0.0, 0.0]))
    far = _feature_set(torch.randn(400, 2, generator=gen) + 100)
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    assert metrics.precision_recall(far, real) == (0.0, 0.0)
    precision, recall = metrics.precision_recall(half, real)  # a squeezed copy: realistic but not diverse
    assert precision > 0.95 and recall < 0.6


# ---------------------------------------------------------------- all metrics on real images

@pytest.fixture
def mnist_test_images(real_root):
    return load_images("mnist", train=False, root=real_root)


def test_identical_sets_give_fd_zero_and_full_precision_recall(mnist_test_images):
    threads = torch.get_num_threads()
    images = mnist_test_images[:3000]
    values = metrics.compute_metrics(images, reference=images)
    assert set(values) == set(METRIC_NAMES) and all(type(v) is float for v in values.values())
    assert values["FD_mnist"] < 1e-3 and values["class_KL"] < 1e-12
    assert values["precision"] == values["recall"] == 1.0
    assert values["digits_covered"] == 10 and 9.5 < values["IS_mnist"] <= 10
    assert torch.get_num_threads() == threads  # the one-thread block gives the threads back


def test_bad_images_raise_value_errors_naming_the_field(real_root, mnist_test_images):
    with pytest.raises(ValueError, match=r"images has shape \(5, 28, 28\)"):
        metrics.compute_metrics(mnist_test_images[:5, 0], data_root=real_root)
    with pytest.raises(ValueError, match="images has values from 0 to 255"):
        metrics.compute_metrics((mnist_test_images[:50] + 1) * 127.5, data_root=real_root)
    with pytest.raises(ValueError, match="images holds 3 image"):
        metrics.compute_metrics(mnist_test_images[:3], data_root=real_root)
    with pytest.raises(ValueError, match="resamples=1 is not allowed"):
        metrics.bootstrap_intervals(mnist_test_images[:50], resamples=1, data_root=real_root)


def test_bootstrap_intervals_hold_the_value_and_repeat_with_the_seed(real_root, mnist_test_images):
    sample = mnist_test_images[torch.randperm(10_000, generator=torch.Generator().manual_seed(0))[:1000]]
    a = metrics.bootstrap_intervals(sample, resamples=10, seed=3, data_root=real_root)
    assert a == metrics.bootstrap_intervals(sample, resamples=10, seed=3, data_root=real_root)
    values = metrics.compute_metrics(sample, data_root=real_root)
    for name in METRIC_NAMES:
        assert a[name]["value"] == values[name]
        assert a[name]["low"] <= a[name]["value"] <= a[name]["high"], name
    assert a["FD_mnist"]["high"] > a["FD_mnist"]["low"]  # 1000 of 10,000 images: FD is noisy


def test_gaussian_blur_keeps_the_background_and_spreads_a_dot():
    x = torch.full((2, 1, 28, 28), -1.0)
    assert torch.allclose(calibration.gaussian_blur(x, 1.0), x, atol=1e-6)  # borders padded with the background
    x[0, 0, 14, 14] = 1.0
    y = calibration.gaussian_blur(x, 1.0)
    assert y.shape == x.shape and y[0, 0, 14, 14] < 1.0 and y[0, 0, 14, 15] > -1.0
    assert (y + 1).double().sum().item() == pytest.approx(2.0, rel=1e-3)  # the kernel sums to 1
    rows = [{"set": "s", "n": 7, **{m: 0.5 for m in METRIC_NAMES}}]
    table = calibration.format_calibration_table(rows).splitlines()
    assert len(table) == 3 and table[2].startswith("| s | 7 |")


def test_calibration_orders_real_corrupted_and_noise(real_root):
    rows = {row["set"]: row for row in calibration.calibration_table(n=2000, data_root=real_root)}
    fd = {name: row["FD_mnist"] for name, row in rows.items()}
    floor, noise = fd["train images (floor)"], fd["uniform noise"]
    blur = [fd[f"train, blur sigma {s:g} px"] for s in calibration.BLUR_SIGMAS]
    added = [fd[f"train, + noise sigma {s:g}"] for s in calibration.NOISE_SIGMAS]
    assert floor < blur[0] < blur[1] < blur[2] < noise
    assert floor < added[0] < added[1] < added[2] < noise
    assert fd["untrained generator"] > 10 * blur[0]
    one = rows[f"only digit {calibration.ONE_CLASS_DIGIT}"]
    assert one["digits_covered"] == 1 and one["class_KL"] > 1.5
    assert rows["train images (floor)"]["digits_covered"] == 10 and rows["train images (floor)"]["class_KL"] < 0.01
    assert "| only digit 1 |" in calibration.format_calibration_table(list(rows.values()))


# ---------------------------------------------------------------- evaluate and training

def test_evaluate_cli_on_a_real_checkpoint(real_root, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--max-steps", "50", "--device", "cpu", "--no-progress",
                 "--data-root", str(real_root), "--out", str(out)]) == 0
    capsys.readouterr()
    ckpt = out / "checkpoint.pt"
    assert main(["evaluate", "--checkpoint", str(ckpt), "-n", "1500", "--seed", "4", "--bootstrap", "5",
                 "--data-root", str(real_root)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and all(name in lines[0] for name in METRIC_NAMES)
    record = json.loads((out / "metrics.json").read_text())
    assert record["n"] == 1500 and record["seed"] == 4 and record["step"] == 50
    G, _ = load_generator(ckpt)
    assert record["metrics"] == metrics.evaluate_generator(G, n=1500, seed=4, data_root=real_root)
    assert record["bootstrap"]["recall"]["low"] <= record["metrics"]["recall"] <= record["bootstrap"]["recall"]["high"]
    assert main(["evaluate", "--checkpoint", str(ckpt), "--bootstrap", "1"]) == 2
    assert "--bootstrap=1 is not allowed" in capsys.readouterr().err


def test_fit_records_metrics_every_epoch(real_root):
    from gan_lab.config import TrainConfig
    from gan_lab.train import fit

    config = TrainConfig(epochs=1, batch_size=6000, eval_every=1, eval_samples=500, device="cpu",
                         data_root=str(real_root))
    state = fit(config, progress=False)
    (entry,) = state.history.metrics
    assert entry["epoch"] == 1 and entry["step"] == 10 and set(METRIC_NAMES) <= set(entry)
