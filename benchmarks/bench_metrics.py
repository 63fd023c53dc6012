"""What one metric evaluation costs on one CPU thread, as a sweep's worker measures its runs.

    python benchmarks/bench_metrics.py [--blocks 5]

A sweep evaluates G and each of its averages every few epochs on 2,000 samples (sweep.EVAL_SAMPLES) and
at the end on 10,000 (metrics.DEFAULT_N). Most of that time is the classifier's features. Prints, in
alternated blocks in one process: the features of 2,000 images as the classifier computed them before
2026-12-07 (ReLU, then max_pool2d) and as it does now without autograd (max_pool_2x2, then ReLU), whether
they are equal bit for bit, and then the whole evaluate_generator at 2,000 and 10,000 samples.
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from gan_lab import TrainConfig
from gan_lab.classifier import load_classifier
from gan_lab.metrics import evaluate_generator, generate
from gan_lab.state import new_state


def features_before(model, x: torch.Tensor) -> torch.Tensor:
    """The classifier's features as computed before: ReLU, then max_pool2d, at every block."""
    for conv, bn in ((model.conv1, model.bn1), (model.conv2, model.bn2), (model.conv3, model.bn3)):
        x = F.max_pool2d(F.relu(bn(conv(x))), 2)
    return F.relu(model.fc1(x.flatten(1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a sweep's worker processes
    model = load_classifier()
    G = new_state(TrainConfig()).G
    images = generate(G, 2000, seed=0).float()
    batches = images.split(1000)  # as metrics.classifier_features feeds them
    ways = {"before (ReLU, max_pool2d)": lambda: torch.cat([features_before(model, x) for x in batches]),
            "now (max_pool_2x2, ReLU)": lambda: torch.cat([model.features(x) for x in batches])}
    seconds = {name: [] for name in ways}
    with torch.no_grad():
        same = torch.equal(ways["before (ReLU, max_pool2d)"](), ways["now (max_pool_2x2, ReLU)"]())
        for _ in range(args.blocks):
            for name, way in ways.items():
                t0 = time.perf_counter()
                way()
                seconds[name].append(time.perf_counter() - t0)
    print(f"features of 2,000 images, median of {args.blocks} (one thread):")
    for name, values in seconds.items():
        print(f"  {name:<26} {1000 * sorted(values)[len(values) // 2]:7.1f} ms")
    print(f"  equal bit for bit: {same}")
    evaluate_generator(G, n=2000)  # the MNIST test set's features are computed once per process: not timed
    for n in (2000, 10_000):
        times = []
        for _ in range(args.blocks):
            t0 = time.perf_counter()
            evaluate_generator(G, n=n)
            times.append(time.perf_counter() - t0)
        print(f"evaluate_generator, {n:,} samples: {sorted(times)[len(times) // 2]:.2f} s (median of {args.blocks})")


if __name__ == "__main__":
    main()
