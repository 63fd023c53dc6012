import pytest
import torch
from torch import nn

from gan_lab import config, models
from gan_lab import Discriminator, Generator, build_models, count_parameters, generate


def test_layers_are_the_reference_model():
    G, D = build_models(z_dim=100, seed=0)
    assert [type(m) for m in D.children()] == [nn.Linear, nn.LeakyReLU, nn.Linear, nn.Sigmoid]
    assert [type(m) for m in G.children()] == [nn.Linear, nn.LeakyReLU, nn.Linear, nn.Tanh]
    assert (D.fc1.in_features, D.fc1.out_features, D.fc2.out_features) == (784, 128, 1)
    assert (G.fc1.in_features, G.fc1.out_features, G.fc2.out_features) == (100, 128, 784)
    assert D.act.negative_slope == G.act.negative_slope == 0.2
    assert count_parameters(D) == 784 * 128 + 128 + 128 + 1
    assert count_parameters(G) == 100 * 128 + 128 + 128 * 784 + 784


def test_d_can_have_its_own_hidden_width():
    G, D = build_models(z_dim=100, hidden_dim=256, d_hidden_dim=64, seed=0)
    assert (G.fc1.out_features, G.fc2.in_features) == (256, 256)
    assert (D.fc1.out_features, D.fc2.in_features) == (64, 64)
    _, D_same = build_models(z_dim=100, hidden_dim=64, seed=0)
    assert torch.equal(D.fc1.weight, D_same.fc1.weight)  # D is drawn first: G's width does not change it


def test_the_convolutional_g_can_have_more_maps_and_d_stays_as_it_was():
    G, D = build_models(arch="conv", g_channels=32, seed=0)
    assert (G.fc.out_features, G.up1.in_channels, G.up1.out_channels, G.up2.in_channels) == (32 * 49, 32, 64, 64)
    assert G(torch.randn(5, 100)).shape == (5, 1, 28, 28)
    _, D_default = build_models(arch="conv", seed=0)
    assert torch.equal(D.down2.weight, D_default.down2.weight)  # D is drawn first and has its own maps
    with pytest.raises(ValueError, match="g_channels=32 is not allowed for arch='fc'"):
        build_models(g_channels=32)


def test_the_convolutional_d_can_have_more_maps_and_g_stays_as_it_was():
    G, D = build_models(arch="conv", d_channels=64, seed=0, logits=True)
    assert (D.down1.out_channels, D.down2.in_channels, D.down2.out_channels, D.fc.in_features) == (64, 64, 128, 128 * 49)
    assert D(torch.randn(5, 1, 28, 28)).shape == (5, 1)
    G_default, D_default = build_models(arch="conv", seed=0)
    assert (D_default.down1.out_channels, D_default.down2.out_channels) == (32, 64)
    assert G.up1.in_channels == G_default.up1.in_channels == 16
    with pytest.raises(ValueError, match="d_channels=64 is not allowed for arch='fc'"):
        build_models(d_channels=64)


def test_config_and_models_agree_on_the_convolutional_pair():
    assert ((config.CONV_CHANNELS, config.CONV_D_CHANNELS, config.CONV_GROUPS)
            == (models.CONV_CHANNELS, models.CONV_D_CHANNELS, models.CONV_GROUPS))


def test_shapes_and_ranges():
    G, D = build_models(z_dim=20, seed=1)
    x = G(torch.randn(7, 20) * 10)
    assert x.shape == (7, 1, 28, 28)
    assert x.min() >= -1 and x.max() <= 1
    p = D(x)
    assert p.shape == (7, 1)
    assert ((p > 0) & (p < 1)).all()


def test_seeded_init_is_reproducible_and_d_is_shared_across_z_dims():
    G1, D1 = build_models(z_dim=20, seed=3)
    G2, D2 = build_models(z_dim=20, seed=3)
    _, D3 = build_models(z_dim=200, seed=3)
    _, D4 = build_models(z_dim=20, seed=4)
    assert torch.equal(G1.fc2.weight, G2.fc2.weight)
    assert torch.equal(D1.fc1.weight, D3.fc1.weight)  # D is drawn before G
    assert not torch.equal(D1.fc1.weight, D4.fc1.weight)
    bound = 1 / 784 ** 0.5  # PyTorch's default nn.Linear init range
    assert D1.fc1.weight.abs().max() <= bound and D1.fc1.weight.abs().max() > 0.9 * bound


def test_generate_is_seeded_and_batched():
    G = Generator(z_dim=10)
    a, b, c = generate(G, 2500, seed=5, batch_size=1000), generate(G, 2500, seed=5), generate(G, 2500, seed=6)
    assert a.shape == (2500, 1, 28, 28)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert G.training  # generate restores the mode it found


def test_discriminator_accepts_flat_or_image_batches():
    D = Discriminator()
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(D(x), D(x.view(3, 784)))
