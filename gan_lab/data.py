"""MNIST and Fashion-MNIST: where the files live, checking them, and two ways to draw batches."""
from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import torch
from torch.utils.data import DataLoader, Dataset

if TYPE_CHECKING:
    from torchvision.transforms import Compose

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
# The torchvision dataset class of each name; its name is also the folder torchvision keeps the files in.
DATASET_FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
# md5 of the original uncompressed MNIST files; checked whenever a file has the full size.
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
FULL_SIZES = {
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}
COLAB_DRIVE = Path("/content/drive/MyDrive")
ENV_DATA_DIR = "GAN_LAB_DATA_DIR"


class DataError(RuntimeError):
    """The dataset is missing, cannot be downloaded, or a file on disk is damaged."""


def resolve_data_root(root: Optional[str | os.PathLike] = None) -> Path:
    """Data folder: explicit root > $GAN_LAB_DATA_DIR > Drive folder on Colab > ./data."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    if COLAB_DRIVE.is_dir():
        return COLAB_DRIVE / "gan_lab" / "data"
    return Path("data")


def raw_folder(name: str, root: Path) -> Path:
    """Where torchvision keeps the uncompressed files of one dataset."""
    return Path(root) / _dataset_folder(name) / "raw"


def _dataset_folder(name: str) -> str:
    if name not in DATASET_FOLDERS:
        raise ValueError(f"dataset={name!r} is not allowed: one of {', '.join(DATASET_FOLDERS)}")
    return DATASET_FOLDERS[name]


def _dataset_class(name: str) -> type:
    """torchvision's dataset class, imported here: torchvision's import takes seconds (it loads torch._dynamo),
    and only the textbook path and downloads need it; the fast path reads the files itself (read_idx)."""
    from torchvision import datasets

    return getattr(datasets, _dataset_folder(name))


_CHECKED: set[tuple] = set()  # (path, size, mtime) of files already checked in this process


def check_idx_file(path: Path, name: str = "mnist") -> None:
    """Raise DataError if an IDX file is truncated, padded or (for full MNIST files) fails its md5.

    A file that passed is not read again while its size and modification time stay the same: the md5
    of the 47 MB training images would otherwise be recomputed at every load.
    """
    st = path.stat()
    key = (str(Path(path).resolve()), name, st.st_size, st.st_mtime_ns)
    if key in _CHECKED:
        return
    _check_idx_file(path, name)
    _CHECKED.add(key)


def _check_idx_file(path: Path, name: str) -> None:
    with open(path, "rb") as f:
        header = f.read(4)
        if len(header) < 4 or header[:2] != b"\x00\x00" or header[2] != 0x08:
            raise DataError(f"{path} is not an IDX file of unsigned bytes (bad magic number {header.hex()}); "
                            "delete it and download the dataset again")
        ndim = header[3]
        dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DataError(f"{path} is truncated inside its header; delete it and download again")
    dims = _idx_dims(dims_raw, ndim)
    expected = 4 + 4 * ndim + math.prod(dims)
    actual = path.stat().st_size
    if actual != expected:
        raise DataError(f"{path} is damaged: its header promises {'x'.join(map(str, dims))} values "
                        f"({expected} bytes) but the file has {actual} bytes (truncated or corrupted "
                        "download); delete it and download again")
    if name == "mnist" and actual == FULL_SIZES.get(path.name):
        digest = hashlib.md5(path.read_bytes()).hexdigest()
        if digest != MNIST_MD5[path.name]:
            raise DataError(f"{path} is corrupted: md5 {digest}, expected {MNIST_MD5[path.name]}; "
                            "delete it and download again")


def ensure_dataset(name: str = "mnist", root: Optional[str | os.PathLike] = None, download: bool = True) -> Path:
    """Make sure the four files are in <root>/<Dataset>/raw, downloading if allowed; return root."""
    root = resolve_data_root(root)
    raw = raw_folder(name, root)
    missing = [f for f in FILES if not (raw / f).is_file()]
    if missing and download:
        before = _existing_paths(root)
        try:
            _dataset_class(name)(str(root), train=True, download=True)
        except BaseException as e:  # KeyboardInterrupt too: never leave a half-written download behind
            _remove_new_paths(root, before)
            if not isinstance(e, Exception):
                raise
            raise DataError(_missing_message(name, raw, _first_line(e))) from None
        missing = [f for f in FILES if not (raw / f).is_file()]
    if missing:
        raise DataError(_missing_message(name, raw, f"missing: {', '.join(missing)}"))
    for f in FILES:
        check_idx_file(raw / f, name)
    return root


def _missing_message(name: str, raw: Path, reason: str) -> str:
    return (f"{_dataset_folder(name)} is not in {raw.resolve()} and could not be downloaded ({reason}).\n"
            f"Expected the files: {', '.join(FILES)}.\n"
            "Fix it in one of two ways:\n"
            "  1. go online and run again: torchvision downloads the dataset into that folder; or\n"
            f"  2. set {ENV_DATA_DIR} (or pass data_root=...) to a folder that holds "
            f"{_dataset_folder(name)}/raw/ with those four files.")


def _first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    detail = next((ln for ln in lines if "error" in ln.lower() and not ln.startswith("Error downloading")), None)
    return detail or (lines[0] if lines else type(e).__name__)


def _existing_paths(root: Path) -> set[Path]:
    return {root, *root.rglob("*")} if root.exists() else set()


def _remove_new_paths(root: Path, before: set[Path]) -> None:
    """Delete every file and folder under root that was not there before (deepest first)."""
    after = _existing_paths(root) | ({root} if root.exists() else set())
    for path in sorted(after - before, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass
        else:
            path.unlink(missing_ok=True)


def mnist_transform() -> Compose:
    """ToTensor (pixels to [0, 1]) then Normalize(0.5, 0.5) (to [-1, 1], the range of G's Tanh)."""
    from torchvision import transforms

    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])


def load_dataset(name: str = "mnist", train: bool = True, root: Optional[str | os.PathLike] = None,
                 download: bool = True) -> Dataset:
    """The torchvision dataset with the course's transform; checked and downloaded if needed."""
    root = ensure_dataset(name, root, download)
    return _dataset_class(name)(str(root), train=train, transform=mnist_transform(), download=False)


def make_dataloader(dataset: Dataset, batch_size: int = 64, generator: Optional[torch.Generator] = None) -> DataLoader:
    """The textbook path: shuffled batches of (images, labels), the last partial batch kept."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=False, generator=generator)


def load_images(name: str = "mnist", train: bool = True, root: Optional[str | os.PathLike] = None,
                device: torch.device | str = "cpu", download: bool = True) -> torch.Tensor:
    """All images as one N x 1 x 28 x 28 float tensor in [-1, 1], the same values ToTensor+Normalize give."""
    root = ensure_dataset(name, root, download)
    raw = read_idx(_raw_file(name, root, train, "images-idx3"))  # N x 28 x 28 uint8
    x = raw.unsqueeze(1).to(device=device, dtype=torch.float32).div(255)  # as ToTensor
    return x.sub_(0.5).div_(0.5)  # as Normalize((0.5,), (0.5,))


def load_labels(name: str = "mnist", train: bool = True, root: Optional[str | os.PathLike] = None,
                download: bool = True) -> torch.Tensor:
    """The class labels (int64) in file order."""
    root = ensure_dataset(name, root, download)
    return read_idx(_raw_file(name, root, train, "labels-idx1")).long()


def _raw_file(name: str, root: Path, train: bool, kind: str) -> Path:
    """One of FILES: the training or test split's images-idx3 or labels-idx1 file."""
    return raw_folder(name, root) / f"{'train' if train else 't10k'}-{kind}-ubyte"


def read_idx(path: Path) -> torch.Tensor:
    """An IDX file of unsigned bytes (checked by ensure_dataset) as a uint8 tensor: what torchvision's dataset reads."""
    data = Path(path).read_bytes()
    ndim = data[3]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).view(*_idx_dims(data[4:], ndim))


def _idx_dims(raw: bytes, ndim: int) -> list[int]:
    """The sizes that follow an IDX file's magic number: ndim big-endian 4-byte integers."""
    return [int.from_bytes(raw[4 * i:4 * i + 4], "big") for i in range(ndim)]


class TensorBatches:
    """The fast path: shuffled batches drawn by index from one tensor already on the training device.

    Same semantics as make_dataloader: batch_size images per batch, the last partial batch kept,
    a new permutation every epoch (drawn from `generator`, a CPU torch.Generator). Given labels,
    each batch is (images, labels), drawn with the same permutation.
    """

    def __init__(self, images: torch.Tensor, batch_size: int = 64, generator: Optional[torch.Generator] = None,
                 labels: Optional[torch.Tensor] = None):
        if not 1 <= batch_size <= len(images):
            raise ValueError(f"batch_size={batch_size!r} is not allowed: an integer from 1 to {len(images)}, "
                             "the number of training images")
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"labels holds {len(labels)} labels for {len(images)} images: one label per image")
        self.images, self.labels = images, labels
        self.batch_size = batch_size
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        perm = torch.randperm(len(self.images), generator=self.generator).to(self.images.device)
        for start in range(0, len(self.images), self.batch_size):
            idx = perm[start:start + self.batch_size]
            yield self.images[idx] if self.labels is None else (self.images[idx], self.labels[idx])


def check_real_images(x_real: torch.Tensor) -> None:
    """Raise ValueError if a batch of real images is not in [-1, 1] (G's Tanh range) or holds NaN/inf."""
    x = x_real.detach()
    bad = (~torch.isfinite(x)).sum().item()
    if bad:
        raise ValueError(f"the real images hold {bad} NaN or infinite value(s): the data is broken before training "
                         "(check how the images were loaded and normalised); expected finite values in [-1, 1]")
    lo, hi = x.min().item(), x.max().item()
    found = f"found values from {lo:.4g} to {hi:.4g}"
    if hi > 1 + 1e-4 and hi <= 255 and lo >= 0:
        raise ValueError(f"the real images look like raw 0..255 pixels ({found}); expected [-1, 1], the range of G's "
                         "Tanh: use ToTensor() then Normalize((0.5,), (0.5,)), or x / 127.5 - 1")
    if lo >= 0 and hi <= 1 + 1e-4:
        raise ValueError(f"the real images look like [0, 1] pixels ({found}, nothing below 0); expected [-1, 1], the "
                         "range of G's Tanh: add Normalize((0.5,), (0.5,)) after ToTensor(), or use x * 2 - 1")
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"the real images are not in [-1, 1] ({found}); scale them to [-1, 1], the range of G's Tanh")
