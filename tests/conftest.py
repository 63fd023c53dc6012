"""Shared fixtures: tiny MNIST-format files written on the fly, and the real MNIST when present; tools/ loaded."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
import torch

from gan_lab.data import FILES

REAL_ROOT = os.environ.get("GAN_LAB_DATA_DIR")


# The files whose tests take longest (notebook runs, subprocesses) start first: pytest-xdist hands out whole
# files in this order (./run.sh test, --dist loadscope), so no worker is left with a long one at the end.
LONG_FIRST = ("notebooks/", "tests/test_student_notebooks.py", "tests/test_sweep.py", "tests/test_shipped_run.py",
              "tests/test_benchmarks.py", "tests/test_checkpoint.py", "tests/test_widgets.py")


@pytest.hookimpl(tryfirst=True)  # before -m selects: `-m "not notebook"` leaves nbval's cells out too
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark nbval's notebook cells as notebook tests; put the long files first (a stable sort keeps each file's order)."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))


def write_idx(path: Path, data: torch.Tensor) -> None:
    """Write a uint8 tensor as an IDX file (the MNIST format): magic, big-endian dims, bytes."""
    header = bytes([0, 0, 0x08, data.dim()]) + b"".join(int(d).to_bytes(4, "big") for d in data.shape)
    path.write_bytes(header + data.to(torch.uint8).contiguous().numpy().tobytes())


def tiny_digits(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n 28x28 images of bright bars whose position encodes the label 0..9: learnable and cheap."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 30, (n, 28, 28), generator=gen, dtype=torch.uint8)
    for i, y in enumerate(labels.tolist()):
        images[i, 4 + 2 * y:6 + 2 * y, 4:24] = 255
    return images, labels.to(torch.uint8)


def make_tiny_root(root: Path, n_train: int = 320, n_test: int = 64, folder: str = "MNIST") -> Path:
    """A data root holding <folder>/raw/ with the four files, n_train and n_test images."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for split, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        images, labels = tiny_digits(n, seed)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    assert sorted(p.name for p in raw.iterdir()) == sorted(FILES)
    return root


@pytest.fixture
def tiny_root(tmp_path: Path) -> Path:
    """A fresh data root with tiny MNIST files (320 training images, 64 test images)."""
    return make_tiny_root(tmp_path / "data")


@pytest.fixture
def real_root() -> Path:
    """The real MNIST mirror from GAN_LAB_DATA_DIR; the test is skipped without it."""
    if not REAL_ROOT or not (Path(REAL_ROOT) / "MNIST" / "raw" / FILES[0]).is_file():
        pytest.skip("GAN_LAB_DATA_DIR does not point at the real MNIST files")
    return Path(REAL_ROOT)


def load_tool(name: str) -> ModuleType:
    """tools/<name>.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
