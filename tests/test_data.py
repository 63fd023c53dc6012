import shutil
from pathlib import Path

import pytest
import torch
from torchvision import datasets

from gan_lab import DataError, TensorBatches, ensure_dataset, load_dataset, load_images, load_labels, make_dataloader
from gan_lab.data import FILES, resolve_data_root

from conftest import make_tiny_root


def test_root_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_LAB_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_root() == tmp_path / "env"
    monkeypatch.delenv("GAN_LAB_DATA_DIR")
    assert resolve_data_root() == Path("data")


def test_tiny_files_load_through_torchvision(tiny_root):
    ds = load_dataset("mnist", train=True, root=tiny_root, download=False)
    assert len(ds) == 320
    x, y = ds[13]
    assert x.shape == (1, 28, 28) and y == 3
    assert x.min() >= -1 and x.max() == 1
    assert len(load_dataset("mnist", train=False, root=tiny_root, download=False)) == 64


def test_fashion_mnist_uses_its_own_folder(tmp_path):
    root = make_tiny_root(tmp_path / "d", folder="FashionMNIST")
    assert load_images("fashion_mnist", root=root, download=False).shape == (320, 1, 28, 28)
    with pytest.raises(DataError, match="MNIST is not in"):
        load_images("mnist", root=root, download=False)


def test_offline_download_fails_with_one_clear_message_and_leaves_nothing(monkeypatch, tmp_path):
    # A closed loopback port stands in for "no internet": torchvision's real download code runs and fails.
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    root = tmp_path / "nowhere"
    with pytest.raises(DataError) as info:
        ensure_dataset("mnist", root=root, download=True)
    msg = str(info.value)
    assert str((root / "MNIST" / "raw").resolve()) in msg
    for name in FILES:
        assert name in msg
    assert "go online" in msg and "GAN_LAB_DATA_DIR" in msg
    assert "Traceback" not in msg and len(msg.splitlines()) <= 6
    assert not root.exists()  # no half-written folders or files left behind


def test_missing_files_without_download(tmp_path):
    root = make_tiny_root(tmp_path / "d")
    (root / "MNIST" / "raw" / FILES[1]).unlink()
    with pytest.raises(DataError, match=f"missing: {FILES[1]}"):
        ensure_dataset("mnist", root=root, download=False)


def test_truncated_file_is_reported_as_such(tiny_root):
    path = tiny_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="damaged.*truncated"):
        load_images(root=tiny_root, download=False)


def test_not_an_idx_file(tiny_root):
    (tiny_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_text("<html>404</html>")
    with pytest.raises(DataError, match="not an IDX file"):
        ensure_dataset(root=tiny_root, download=False)


def test_tensor_path_has_the_loader_values_bit_for_bit(tiny_root):
    ds = load_dataset(root=tiny_root, download=False)
    images = load_images(root=tiny_root, download=False)
    for i in (0, 17, 319):
        assert torch.equal(ds[i][0], images[i])


@pytest.mark.parametrize("train", [True, False])
def test_tensor_path_reads_every_image_and_label_that_torchvision_reads(tiny_root, train):
    ds = datasets.MNIST(str(tiny_root), train=train, download=False)
    images = load_images(train=train, root=tiny_root, download=False)
    assert torch.equal(images, ds.data.unsqueeze(1).float().div(255).sub(0.5).div(0.5))
    labels = load_labels(train=train, root=tiny_root, download=False)
    assert labels.dtype == ds.targets.dtype and torch.equal(labels, ds.targets)


def test_tensor_batches_have_the_dataloader_semantics(tiny_root):
    images = load_images(root=tiny_root, download=False)
    batches = TensorBatches(images, batch_size=64 + 36, generator=torch.Generator().manual_seed(0))
    loader = make_dataloader(load_dataset(root=tiny_root, download=False), 100, torch.Generator().manual_seed(0))
    sizes = [len(b) for b in batches]
    assert sizes == [len(x) for x, _ in loader] == [100, 100, 100, 20]  # last partial batch kept
    assert len(batches) == len(loader) == 4
    epoch1, epoch2 = torch.cat(list(batches)), torch.cat(list(batches))
    key = lambda x: sorted(map(tuple, x.view(len(x), -1)[:, ::7].tolist()))  # noqa: E731
    assert key(epoch1) == key(images)  # every image exactly once per epoch
    assert not torch.equal(epoch1, epoch2)  # a new permutation each epoch
    with pytest.raises(ValueError, match="batch_size=321.*1 to 320"):
        TensorBatches(images, 321)


def test_real_mnist(real_root, tmp_path):
    train = load_images(root=real_root, download=False)
    assert train.shape == (60_000, 1, 28, 28)
    assert train.min() == -1 and train.max() == 1
    assert len(load_dataset(train=False, root=real_root, download=False)) == 10_000
    counts = torch.bincount(load_labels(root=real_root, download=False), minlength=10).tolist()
    assert counts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(load_labels(train=False, root=real_root, download=False)).sum() == 10_000


def test_real_mnist_corruption_is_caught_by_checksum(real_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(real_root / "MNIST", root / "MNIST")
    path = root / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    data = bytearray(path.read_bytes())
    data[5000] ^= 0xFF  # same size, one label changed
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="corrupted: md5"):
        ensure_dataset(root=root, download=False)
