"""The checks of notebook 03: each passes the solution, calls a stub 'not done', and names typical mistakes."""
import pytest
import torch
from torch import nn

from gan_lab.checks.training import (check_d_loss, check_g_loss, check_interpolate_z, check_nearest, check_train_step,
                                     reference_d_loss, reference_g_loss, reference_interpolate_z, reference_nearest,
                                     reference_train_step)

criterion = nn.BCELoss()


def stub(*_args):
    raise NotImplementedError()


# ---------------------------------------------------------------- solutions, as a learner writes them

def d_loss(D, x_real, x_gen):
    lab_real = torch.ones(x_real.size(0), 1)
    lab_fake = torch.zeros(x_gen.size(0), 1)
    lossD_real = criterion(D(x_real), lab_real)
    lossD_fake = criterion(D(x_gen.detach()), lab_fake)
    return lossD_real + lossD_fake


def g_loss(D, x_gen):
    return criterion(D(x_gen), torch.ones(x_gen.size(0), 1))


def train_step(G, D, optD, optG, x_real, noise_gen):
    batch_size = x_real.size(0)
    optD.zero_grad()
    z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
    lossD = d_loss(D, x_real, G(z))
    lossD.backward()
    optD.step()
    optG.zero_grad()
    z = torch.randn(batch_size, G.z_dim, generator=noise_gen)
    lossG = g_loss(D, G(z))
    lossG.backward()
    optG.step()
    return lossD.item(), lossG.item()


def interpolate_z(z0, z1, steps):
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - t) * z0 + t * z1


def nearest(samples, train_images, k):
    d = torch.cdist(samples.reshape(len(samples), -1), train_images.reshape(len(train_images), -1))
    dist, idx = d.topk(k, dim=1, largest=False)
    return idx, dist


SOLUTIONS = [(check_d_loss, d_loss), (check_g_loss, g_loss), (check_train_step, train_step),
             (check_interpolate_z, interpolate_z), (check_nearest, nearest)]
REFERENCES = [(check_d_loss, reference_d_loss), (check_g_loss, reference_g_loss),
              (check_train_step, reference_train_step), (check_interpolate_z, reference_interpolate_z),
              (check_nearest, reference_nearest)]


@pytest.mark.parametrize("check, answer", SOLUTIONS + REFERENCES)
def test_a_right_answer_passes(check, answer, capsys):
    result = check(answer)
    assert result.status == "correct" and result, result.message
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("check", [c for c, _ in SOLUTIONS])
def test_the_student_stub_is_not_done(check, capsys):
    result = check(stub)
    assert result.status == "not done" and not result
    assert "not done yet" in capsys.readouterr().out


def wrong(check, answer) -> str:
    result = check(answer)
    assert result.status == "wrong" and not result
    return result.message


# ---------------------------------------------------------------- typical mistakes: d_loss

def d_loss_without_detach(D, x_real, x_gen):
    return criterion(D(x_real), torch.ones(len(x_real), 1)) + criterion(D(x_gen), torch.zeros(len(x_gen), 1))


def d_loss_swapped_labels(D, x_real, x_gen):
    return criterion(D(x_real), torch.zeros(len(x_real), 1)) + criterion(D(x_gen.detach()), torch.ones(len(x_gen), 1))


def d_loss_fake_labelled_real(D, x_real, x_gen):
    return criterion(D(x_real), torch.ones(len(x_real), 1)) + criterion(D(x_gen.detach()), torch.ones(len(x_gen), 1))


def d_loss_mean(D, x_real, x_gen):
    return (criterion(D(x_real), torch.ones(len(x_real), 1))
            + criterion(D(x_gen.detach()), torch.zeros(len(x_gen), 1))) / 2


def d_loss_real_only(D, x_real, x_gen):
    return criterion(D(x_real), torch.ones(len(x_real), 1))


def d_loss_item(D, x_real, x_gen):
    return d_loss(D, x_real, x_gen).item()


@pytest.mark.parametrize("answer, says", [
    (d_loss_without_detach, "your D loss changed G's gradients: did you detach x_gen?"),
    (d_loss_swapped_labels, "your labels are swapped"),
    (d_loss_fake_labelled_real, "generated images must get lab_fake (zeros), got ones"),
    (d_loss_mean, "lossD must be lossD_real + lossD_fake (their sum, not their mean)"),
    (d_loss_real_only, "lossD must be lossD_real + lossD_fake; yours is only one of the two"),
    (d_loss_item, "don't call .item()"),
])
def test_d_loss_mistakes_are_named(answer, says):
    assert says in wrong(check_d_loss, answer)


# ---------------------------------------------------------------- typical mistakes: g_loss

def g_loss_fake_target(D, x_gen):
    return criterion(D(x_gen), torch.zeros(len(x_gen), 1))


def g_loss_saturating(D, x_gen):
    return -criterion(D(x_gen), torch.zeros(len(x_gen), 1))  # minimises log(1 - D(G(z)))


def g_loss_wrong_sign(D, x_gen):
    return -criterion(D(x_gen), torch.ones(len(x_gen), 1))


def g_loss_detached(D, x_gen):
    return criterion(D(x_gen.detach()), torch.ones(len(x_gen), 1))


@pytest.mark.parametrize("answer, says", [
    (g_loss_fake_target, "G's target must be lab_real (ones), got zeros"),
    (g_loss_saturating, "that is the saturating loss log(1 - D(G(z)))"),
    (g_loss_wrong_sign, "wrong sign"),
    (g_loss_detached, "G got no gradient from your loss: don't detach x_gen"),
])
def test_g_loss_mistakes_are_named(answer, says):
    assert says in wrong(check_g_loss, answer)


# ---------------------------------------------------------------- typical mistakes: train_step

def step_reusing_z(G, D, optD, optG, x_real, noise_gen):
    optD.zero_grad()
    z = torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)
    lossD = d_loss(D, x_real, G(z))
    lossD.backward()
    optD.step()
    optG.zero_grad()
    lossG = g_loss(D, G(z))  # the same z again
    lossG.backward()
    optG.step()
    return lossD.item(), lossG.item()


def step_g_first(G, D, optD, optG, x_real, noise_gen):
    optG.zero_grad()
    lossG = g_loss(D, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossG.backward()
    optG.step()
    optD.zero_grad()
    lossD = d_loss(D, x_real, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossD.backward()
    optD.step()
    return lossD.item(), lossG.item()


def step_without_zero_grad(G, D, optD, optG, x_real, noise_gen):
    lossD = d_loss(D, x_real, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossD.backward()
    optD.step()
    lossG = g_loss(D, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossG.backward()
    optG.step()
    return lossD.item(), lossG.item()


def step_without_optG_step(G, D, optD, optG, x_real, noise_gen):
    optD.zero_grad()
    lossD = d_loss(D, x_real, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossD.backward()
    optD.step()
    lossG = g_loss(D, G(torch.randn(x_real.size(0), G.z_dim, generator=noise_gen)))
    lossG.backward()
    return lossD.item(), lossG.item()


def step_returning_swapped_losses(G, D, optD, optG, x_real, noise_gen):
    lossD, lossG = train_step(G, D, optD, optG, x_real, noise_gen)
    return lossG, lossD


def step_with_global_noise(G, D, optD, optG, x_real, noise_gen):
    return train_step(G, D, optD, optG, x_real, None)  # draws z from the global RNG, not noise_gen


@pytest.mark.parametrize("answer, says", [
    (step_reusing_z, "G's step must draw a fresh z"),
    (step_g_first, "train D first, then G"),
    (step_without_zero_grad, "call optD.zero_grad() and optG.zero_grad() before each backward"),
    (step_without_optG_step, "G's weights did not change"),
    (step_returning_swapped_losses, "are not this step's lossD and lossG"),
    (step_with_global_noise, "after two steps your weights differ from gan_lab.train_step's"),
])
def test_train_step_mistakes_are_named(answer, says):
    assert says in wrong(check_train_step, answer)


# ---------------------------------------------------------------- typical mistakes: interpolate_z

def interpolate_z_stops_short(z0, z1, steps):
    t = (torch.arange(steps) / steps).unsqueeze(1)
    return (1 - t) * z0 + t * z1


def interpolate_z_backwards(z0, z1, steps):
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return t * z0 + (1 - t) * z1


def interpolate_z_flat(z0, z1, steps):
    return torch.cat([(1 - t) * z0 + t * z1 for t in torch.linspace(0, 1, steps)])


def interpolate_z_spherical(z0, z1, steps):
    """slerp: a curve, not the straight line the exercise asks for."""
    omega = torch.acos((z0 / z0.norm()) @ (z1 / z1.norm()))
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


@pytest.mark.parametrize("answer, says", [
    (interpolate_z_stops_short, "interpolation must start at z0 and end at z1: your last row is not z1"),
    (interpolate_z_backwards, "interpolation must start at z0 and end at z1; yours runs from z1 to z0"),
    (interpolate_z_flat, "shape (steps, z_dim)"),
    (interpolate_z_spherical, "evenly spaced on the straight line"),
])
def test_interpolate_z_mistakes_are_named(answer, says):
    assert says in wrong(check_interpolate_z, answer)


# ---------------------------------------------------------------- typical mistakes: nearest

def nearest_farthest(samples, train_images, k):
    d = torch.cdist(samples.reshape(len(samples), -1), train_images.reshape(len(train_images), -1))
    dist, idx = d.topk(k, dim=1)
    return idx, dist


def nearest_squared(samples, train_images, k):
    d = torch.cdist(samples.reshape(len(samples), -1), train_images.reshape(len(train_images), -1)) ** 2
    dist, idx = d.topk(k, dim=1, largest=False)
    return idx, dist


def nearest_swapped_return(samples, train_images, k):
    idx, dist = nearest(samples, train_images, k)
    return dist, idx


def nearest_unsorted(samples, train_images, k):
    idx, dist = nearest(samples, train_images, k)
    return idx.flip(1), dist.flip(1)


def nearest_one_row_of_pixels(samples, train_images, k):
    d = torch.cdist(samples[:, 0, 0], train_images[:, 0, 0])  # compares the first pixel row only
    dist, idx = d.topk(k, dim=1, largest=False)
    return idx, dist


@pytest.mark.parametrize("answer, says", [
    (nearest_farthest, "those are the farthest training images"),
    (nearest_squared, "your distances look squared"),
    (nearest_swapped_return, "return (indices, distances) in that order"),
    (nearest_unsorted, "sort each row from the nearest training image to the farthest"),
    (nearest_one_row_of_pixels, "flatten each image to its 784 pixels"),
])
def test_nearest_mistakes_are_named(answer, says):
    assert says in wrong(check_nearest, answer)


def test_a_crash_in_the_answer_is_reported_not_raised(capsys):
    def crashes(samples, train_images, k):
        return torch.cdist(samples, train_images.reshape(len(train_images), -1))  # 4-d against 2-d

    message = wrong(check_nearest, crashes)
    assert "your code raised" in message and message in capsys.readouterr().out
