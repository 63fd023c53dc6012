"""Training speed: the textbook DataLoader loop vs the package's default path, same model and steps.

    python benchmarks/bench_train.py [--steps 3000] [--threads N] [--device cuda]

(a) textbook: torchvision MNIST with ToTensor + Normalize, DataLoader(batch_size=64, shuffle=True),
    and train_step on every batch -- the loop the report and the notebooks show;
(b) package: gan_lab.fit with the default configuration (the whole training set normalised once
    into a tensor, batches drawn by index), timed from the call, data loading included.
Both run in this process, one after the other, on the CPU (or --device cuda: the same code on the GPU).
Prints steps/s of each and the ratio.
"""
from __future__ import annotations

import argparse
import platform
import time

import torch

from gan_lab import TrainConfig, build_models, fit, load_dataset, make_dataloader, make_optimizers, train_step


def textbook_run(config: TrainConfig, steps: int, dataset, device: str) -> None:
    """One run of the textbook loop: DataLoader batches into train_step, for `steps` steps (epochs as needed)."""
    dataloader = make_dataloader(dataset, config.batch_size, generator=torch.Generator().manual_seed(config.seed))
    G, D = build_models(z_dim=config.z_dim, seed=config.seed, device=device)
    optD, optG = make_optimizers(config, G, D)
    done = 0
    while done < steps:
        for x_real, _ in dataloader:
            train_step(G, D, optD, optG, x_real.to(device))
            done += 1
            if done == steps:
                return


def textbook(steps: int, seed: int, device: str) -> float:
    """Steps per second of the DataLoader loop (dataset construction included, as in a notebook)."""
    t0 = time.perf_counter()
    textbook_run(TrainConfig(seed=seed), steps, load_dataset("mnist", train=True), device)
    return steps / (time.perf_counter() - t0)


def package(steps: int, seed: int, device: str) -> float:
    """Steps per second of gan_lab.fit's default path (loading the data tensor included)."""
    t0 = time.perf_counter()
    fit(TrainConfig(device=device, max_steps=steps, seed=seed), progress=False)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=3000, help="training steps per path (default 3000)")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads, {a.steps} steps of batch 64 per path on {a.device}"
          + (f" ({torch.cuda.get_device_name()})" if a.device.startswith("cuda") else ""))
    load_dataset("mnist")  # check/download the files once, outside both timings
    a_rate = textbook(a.steps, a.seed, a.device)
    print(f"(a) textbook DataLoader loop: {a_rate:8.1f} steps/s")
    b_rate = package(a.steps, a.seed, a.device)
    print(f"(b) package default path:     {b_rate:8.1f} steps/s")
    print(f"ratio (b)/(a): {b_rate / a_rate:.2f}x")


if __name__ == "__main__":
    main()
