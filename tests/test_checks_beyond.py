"""The checks of notebook 06: right answers pass, stubs are 'not done', typical mistakes are named."""
import pytest
import torch

from gan_lab.checks.beyond import check_condition, check_ema_update, reference_condition, reference_ema_update
from gan_lab.models import CondGenerator
from gan_lab.state import update_ema


def stub(*args):
    raise NotImplementedError()


def assert_wrong(result, fragment):
    assert result.status == "wrong", result.message
    assert fragment in result.message, result.message


# ----------------------------------------------------------------------------------------- references

def test_reference_ema_update_is_what_training_does():
    """The exercise's formula is the package's update_ema, applied to every weight of G."""
    G, avg = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = [p.detach().clone() for p in avg.parameters()]
    update_ema([avg], G, [0.9])
    for b, a, w in zip(before, avg.parameters(), G.parameters()):
        assert torch.allclose(a, reference_ema_update(b, w.detach(), 0.9))


def test_reference_condition_is_the_conditional_generators_input():
    """CondGenerator(z, y) is the report's G applied to reference_condition(z, y)."""
    G = CondGenerator(z_dim=4)
    z, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 7, 8, 9])
    plain = torch.tanh(G.fc2(G.act(G.fc1(reference_condition(z, y))))).view(6, 1, 28, 28)
    assert torch.allclose(G(z, y), plain)


# ----------------------------------------------------------------------------------------- ema_update

def test_ema_update_right_answers_pass():
    assert check_ema_update(lambda a, w, d: d * a + (1 - d) * w)
    assert check_ema_update(lambda a, w, d: a.mul_(d).add_(w, alpha=1 - d))  # in place on the average is fine
    assert check_ema_update(lambda a, w, d: torch.lerp(a, w, 1 - d))
    assert check_ema_update(lambda a, w, d: a + (1 - d) * (w - a))


def test_ema_update_stub_is_not_done():
    assert check_ema_update(stub).status == "not done"


@pytest.mark.parametrize("wrong, fragment", [
    (lambda a, w, d: (1 - d) * a + d * w, "you swapped the two factors"),
    (lambda a, w, d: w, "you returned the weight itself"),
    (lambda a, w, d: a, "the average did not move"),
    (lambda a, w, d: d * a + w, "needs the factor (1 - decay)"),
    (lambda a, w, d: w.mul_(1 - d).add_(d * a), "you changed G's weight"),
    (lambda a, w, d: (d * a + (1 - d) * w).flatten(), "the average has shape (4, 3)"),
    (lambda a, w, d: 0.99 * a + 0.01 * w, "your average is off by"),
    (lambda a, w, d: (d * a + (1 - d) * w).tolist(), "return the new average as a torch tensor"),
])
def test_ema_update_mistakes_are_named(wrong, fragment):
    assert_wrong(check_ema_update(wrong), fragment)


# ----------------------------------------------------------------------------------------- condition

def test_condition_right_answers_pass():
    assert check_condition(lambda z, y: torch.cat([z, torch.nn.functional.one_hot(y, 10).float()], dim=1))
    assert check_condition(lambda z, y: torch.cat([z, torch.eye(10)[y]], dim=1))
    assert check_condition(lambda z, y: torch.hstack([z, (y[:, None] == torch.arange(10)).float()]))


def test_condition_stub_is_not_done():
    assert check_condition(stub).status == "not done"


@pytest.mark.parametrize("wrong, fragment", [
    (lambda z, y: torch.cat([z, y[:, None].float()], dim=1), "you appended the label as one number"),
    (lambda z, y: torch.cat([torch.eye(10)[y], z], dim=1), "put z first"),
    (lambda z, y: torch.cat([z, torch.eye(10)[(y + 1) % 10]], dim=1), "shifted by one"),
    (lambda z, y: torch.cat([z, torch.eye(9)[y.clamp(max=8)]], dim=1), "expected 13 values per image"),
    (lambda z, y: torch.cat([z.flatten(), torch.eye(10)[y].flatten()]), "a 2-D tensor 5 x 13"),
    (lambda z, y: torch.cat([z, torch.eye(3)[y % 3]], dim=0), "concatenate along dim=1"),
    (lambda z, y: torch.cat([torch.zeros_like(z), torch.eye(10)[y]], dim=1), "must be z itself"),
    (lambda z, y: torch.cat([z, torch.eye(10)[y] * 2], dim=1), "the one-hot part is wrong"),
])
def test_condition_mistakes_are_named(wrong, fragment):
    assert_wrong(check_condition(wrong), fragment)
