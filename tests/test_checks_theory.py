"""The checks of notebook 01: each passes the solution, calls a stub 'not done', and names typical mistakes."""
import numpy as np
import pytest
import torch

from gan_lab.checks.theory import (check_generator_losses, check_js_divergence, check_optimal_discriminator,
                                   reference_js_divergence, reference_non_saturating_loss,
                                   reference_optimal_discriminator, reference_saturating_loss)


def stub(*_args):
    raise NotImplementedError()


def wrong(check, *answer) -> str:
    result = check(*answer)
    assert result.status == "wrong" and not result, result.message
    return result.message


# ---------------------------------------------------------------- solutions, as a learner writes them

def optimal_discriminator(p_data, p_g):
    return p_data / (p_data + p_g)


def js_divergence(p, q, dx):
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) * dx + 0.5 * np.sum(q * np.log(q / m)) * dx


def saturating_loss(D_G_z):
    return torch.log(1 - D_G_z)


def non_saturating_loss(D_G_z):
    return -torch.log(D_G_z)


@pytest.mark.parametrize("check, answer", [
    (check_optimal_discriminator, (optimal_discriminator,)),
    (check_optimal_discriminator, (reference_optimal_discriminator,)),
    (check_optimal_discriminator, (lambda p_data, p_g: 1 - p_g / (p_data + p_g),)),  # the same D*, written otherwise
    (check_js_divergence, (js_divergence,)),
    (check_js_divergence, (reference_js_divergence,)),
    (check_generator_losses, (saturating_loss, non_saturating_loss)),
    (check_generator_losses, (reference_saturating_loss, reference_non_saturating_loss)),
    (check_generator_losses, (lambda d: torch.log1p(-d), lambda d: -d.log())),
])
def test_a_right_answer_passes(check, answer, capsys):
    result = check(*answer)
    assert result.status == "correct" and result, result.message
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("check, answer", [
    (check_optimal_discriminator, (stub,)),
    (check_js_divergence, (stub,)),
    (check_generator_losses, (stub, stub)),
    (check_generator_losses, (saturating_loss, stub)),  # half done is not done
])
def test_the_student_stub_is_not_done(check, answer, capsys):
    result = check(*answer)
    assert result.status == "not done" and not result
    assert "not done yet" in capsys.readouterr().out


def test_checks_run_in_well_under_a_second():
    import time

    start = time.perf_counter()
    check_optimal_discriminator(optimal_discriminator)
    check_js_divergence(js_divergence)
    check_generator_losses(saturating_loss, non_saturating_loss)
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------- typical mistakes: optimal_discriminator

def d_star_in_place(p_data, p_g):
    p_data /= p_data + p_g
    return p_data


@pytest.mark.parametrize("answer, says", [
    (lambda p_data, p_g: p_g / (p_data + p_g), "the probability that x is *generated*"),
    (lambda p_data, p_g: p_data / p_g, "you divided by p_g alone"),
    (lambda p_data, p_g: p_data / p_data + p_g, "check your brackets"),
    (lambda p_data, p_g: np.full_like(p_data, 0.5), "D* = 1/2 only where p_data = p_g"),
    (lambda p_data, p_g: p_data / (p_data + p_g).sum(), "D* should be [0.75, 0.5"),
    (lambda p_data, p_g: (p_data / (p_data + p_g)).mean(), "one value of D* per x"),
    (lambda p_data, p_g: p_data - p_g, "D* is a probability, but yours leaves [0, 1]"),
    (lambda p_data, p_g: None, "did you forget `return`?"),
    (d_star_in_place, "changed p_data or p_g in place"),
])
def test_optimal_discriminator_mistakes_are_named(answer, says):
    assert says in wrong(check_optimal_discriminator, answer)


# ---------------------------------------------------------------- typical mistakes: js_divergence

def kl(p, q, dx):
    return np.sum(p * np.log(p / q)) * dx


def jsd_without_halves(p, q, dx):
    m = (p + q) / 2
    return kl(p, m, dx) + kl(q, m, dx)


def jsd_log2(p, q, dx):
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log2(p / m)) * dx + 0.5 * np.sum(q * np.log2(q / m)) * dx


def jsd_without_dx(p, q, dx):
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))


def jsd_one_term(p, q, dx):
    return 0.5 * kl(p, (p + q) / 2, dx)


def jsd_reversed(p, q, dx):
    m = (p + q) / 2
    return 0.5 * kl(m, p, dx) + 0.5 * kl(m, q, dx)


def jsd_pointwise(p, q, dx):
    m = (p + q) / 2
    return 0.5 * p * np.log(p / m) * dx + 0.5 * q * np.log(q / m) * dx


@pytest.mark.parametrize("answer, says", [
    (kl, "that is a KL divergence between p and q"),
    (jsd_without_halves, "twice the JSD"),
    (jsd_log2, "use the natural logarithm"),
    (jsd_without_dx, "multiply the sum by dx"),
    (jsd_one_term, "yours has only one of them"),
    (jsd_reversed, "not m * log(m / p)"),
    (jsd_pointwise, "return one number"),
    (lambda p, q, dx: 0.1 + js_divergence(p, q, dx), "JSD should be"),
])
def test_js_divergence_mistakes_are_named(answer, says):
    assert says in wrong(check_js_divergence, answer)


# ---------------------------------------------------------------- typical mistakes: the two generator losses

@pytest.mark.parametrize("sat, non_sat, says", [
    (lambda d: -torch.log(1 - d), non_saturating_loss, "D's loss on a generated sample"),
    (lambda d: torch.log(d), non_saturating_loss, "saturating_loss: log of the wrong thing"),
    (non_saturating_loss, saturating_loss, "saturating_loss: that is the non-saturating loss"),
    (saturating_loss, lambda d: torch.log(d), "non_saturating_loss: missing minus sign"),
    (saturating_loss, lambda d: -torch.log(1 - d), "non_saturating_loss: log of the wrong thing"),
    (saturating_loss, saturating_loss, "non_saturating_loss: that is the saturating loss"),
    (lambda d: torch.log(1 - d).mean(), non_saturating_loss, "don't take the mean here"),
    (lambda d: np.log(1 - d.detach().numpy()), non_saturating_loss, "use torch.log, not math.log or np.log"),
    (lambda d: torch.log(1 - d.detach()), non_saturating_loss, "don't detach D_G_z"),
    (saturating_loss, lambda d: -torch.log(d) + 0 * d.detach() - d.detach() + d, "non_saturating_loss: its gradient"),
    (saturating_loss, lambda d: -torch.log(d) * 1.5, "non_saturating_loss should give"),
])
def test_generator_loss_mistakes_are_named(sat, non_sat, says):
    assert says in wrong(check_generator_losses, sat, non_sat)


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_optimal_discriminator(optimal_discriminator)
    check_js_divergence(js_divergence)
    check_generator_losses(saturating_loss, non_saturating_loss)
    assert torch.equal(torch.rand(3), expected)
