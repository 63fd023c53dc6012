import math

import pytest
import torch

from gan_lab import DEFAULT_LR, TrainConfig
from gan_lab.config import label, resolve_device

BAD_VALUES = [
    ("z_dim", 0, "z_dim=0"),
    ("z_dim", -5, "z_dim=-5"),
    ("z_dim", 2.5, "z_dim=2.5"),
    ("batch_size", 0, "batch_size=0"),
    ("batch_size", 60_001, "60000"),
    ("lr_d", 0.0, "lr_d=0.0"),
    ("lr_d", -0.1, "lr_d=-0.1"),
    ("lr_g", math.inf, "lr_g=inf"),
    ("lr_g", math.nan, "lr_g=nan"),
    ("lr_d", "0.1", "lr_d='0.1'"),
    ("optimizer", "rmsprop", "optimizer='rmsprop'"),
    ("dataset", "cifar10", "dataset='cifar10'"),
    ("epochs", 0, "epochs=0"),
    ("max_steps", 0, "max_steps=0"),
    ("hidden_dim", 0, "hidden_dim=0"),
    ("d_hidden_dim", 0, "d_hidden_dim=0"),
    ("d_hidden_dim", 64.0, "d_hidden_dim=64.0"),
    ("g_channels", 0, "g_channels=0"),
    ("g_channels", 32.0, "g_channels=32.0"),
    ("d_channels", 0, "d_channels=0"),
    ("d_channels", 64.0, "d_channels=64.0"),
    ("leaky_slope", 1.5, "leaky_slope=1.5"),
    ("data_path", "disk", "data_path='disk'"),
    ("device", "tpu", "device='tpu'"),
    ("seed", -1, "seed=-1"),
]


@pytest.mark.parametrize("field,value,shown", BAD_VALUES)
def test_each_bad_value_names_field_value_and_what_is_allowed(field, value, shown):
    with pytest.raises(ValueError) as info:
        TrainConfig(**{field: value})
    msg = str(info.value)
    assert shown in msg
    assert "allowed" in msg


def test_unavailable_cuda_is_refused():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match=r"device='cuda'.*not available.*'auto' or 'cpu'"):
        TrainConfig(device="cuda")
    assert resolve_device("auto").type == "cpu"


def test_adam_betas_checked_and_sgd_takes_none():
    with pytest.raises(ValueError, match=r"betas=\(0.5, 1.0\)"):
        TrainConfig(optimizer="adam", betas=(0.5, 1.0))
    with pytest.raises(ValueError, match="Adam only"):
        TrainConfig(optimizer="sgd", betas=(0.5, 0.999))
    assert TrainConfig(optimizer="adam").betas == (0.5, 0.999)


def test_label_names_beta2_only_where_it_is_not_adams_default():
    assert label(TrainConfig(optimizer="adam")) == "adam lr 0.0002 b1 0.5 z 100"
    assert label(TrainConfig(optimizer="adam", betas=(0.0, 0.99))) == "adam lr 0.0002 b1 0 b2 0.99 z 100"
    assert label(TrainConfig(optimizer="sgd")) == "sgd lr 0.1 z 100"


def test_label_names_the_hidden_width_only_where_it_is_not_the_reports():
    assert label(TrainConfig(optimizer="sgd", hidden_dim=256)) == "sgd lr 0.1 z 100 hidden 256"
    assert label(TrainConfig(optimizer="sgd", hidden_dim=256, arch="cond")) == "sgd lr 0.1 z 100 cond hidden 256"
    assert label(TrainConfig(optimizer="sgd", arch="conv", hidden_dim=256)) == "sgd lr 0.1 z 100 conv"  # unused there
    assert label(TrainConfig(optimizer="sgd", hidden_dim=256, d_hidden_dim=128)) == "sgd lr 0.1 z 100 hidden G 256 D 128"
    assert label(TrainConfig(optimizer="sgd", d_hidden_dim=256)) == "sgd lr 0.1 z 100 hidden G 128 D 256"


def test_d_hidden_dim_gives_d_its_own_width_and_is_refused_where_there_is_none():
    assert TrainConfig(hidden_dim=256, d_hidden_dim=256) == TrainConfig(hidden_dim=256)  # the same networks, one config
    assert TrainConfig(hidden_dim=256, d_hidden_dim=256).run_name() == TrainConfig(hidden_dim=256).run_name()
    assert TrainConfig(d_hidden_dim=256).run_name() != TrainConfig(hidden_dim=256).run_name()
    with pytest.raises(ValueError, match=r"d_hidden_dim=64.*arch='conv'"):
        TrainConfig(arch="conv", d_hidden_dim=64)


@pytest.mark.parametrize("field,default,wider", [("g_channels", 16, 32), ("d_channels", 32, 64)])
def test_a_convolutional_networks_maps_are_refused_elsewhere_and_their_default_is_none(field, default, wider):
    conv = TrainConfig(arch="conv")
    assert TrainConfig(arch="conv", **{field: default}) == conv  # the default maps: the same networks, one config
    assert TrainConfig(arch="conv", **{field: default}).run_name() == conv.run_name()
    assert TrainConfig(arch="conv", **{field: wider}).run_name() != conv.run_name()
    with pytest.raises(ValueError, match=rf"{field}={wider} is not allowed: None for arch='fc'"):
        TrainConfig(**{field: wider})
    with pytest.raises(ValueError, match=rf"{field}={wider} is not allowed: None for arch='cond'"):
        TrainConfig(arch="cond", **{field: wider})


def test_g_channels_come_in_groupnorms_groups():
    assert label(TrainConfig(optimizer="sgd", arch="conv", g_channels=32)) == "sgd lr 0.1 z 100 conv G 32 maps"
    with pytest.raises(ValueError, match=r"g_channels=30 is not allowed: a multiple of 4"):
        TrainConfig(arch="conv", g_channels=30)


def test_d_channels_widen_d_alone_in_any_number():
    assert TrainConfig(arch="conv", d_channels=64).g_channels is None
    assert (label(TrainConfig(optimizer="sgd", arch="conv", g_channels=32, d_channels=64))
            == "sgd lr 0.1 z 100 conv G 32 maps D 64 maps")
    assert TrainConfig(arch="conv", d_channels=30).d_channels == 30  # D has no groups: any number of maps


def test_defaults_follow_the_report_and_our_learning_rates():
    c = TrainConfig()
    assert (c.z_dim, c.hidden_dim, c.leaky_slope, c.batch_size, c.epochs) == (100, 128, 0.2, 64, 100)
    assert c.lr_d == c.lr_g == DEFAULT_LR["sgd"]
    assert TrainConfig(optimizer="adam").lr_d == DEFAULT_LR["adam"]
    # The report's literal setting stays reachable.
    assert TrainConfig(optimizer="sgd", lr_d=0.3, lr_g=0.3).lr_d == 0.3
    assert c.steps_per_epoch == 938


def test_dict_round_trip_and_unknown_keys():
    c = TrainConfig(optimizer="adam", lr_d=1e-3, z_dim=20)
    assert TrainConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="unknown configuration field.*'zdim'"):
        TrainConfig.from_dict({**c.to_dict(), "zdim": 3})
    with pytest.raises(ValueError, match="z_dim=0"):
        c.replace(z_dim=0)


def test_train_images_bounds():
    with pytest.raises(ValueError, match="train_images=0"):
        TrainConfig(train_images=0)
    with pytest.raises(ValueError, match="batch_size=64.*train_images=10"):
        TrainConfig(train_images=10)
    assert TrainConfig(train_images=640).steps_per_epoch == 10
