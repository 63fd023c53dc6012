"""Exercise checks: each runs a learner's answer on small inputs and explains a mistake in GAN terms.

A check never raises. It prints one line and returns a CheckResult that is truthy when the answer
is right. An answer that still raises NotImplementedError (the student version's stub) is reported
as "not done yet", so a notebook runs top to bottom with every exercise left undone.

    ok = check_discriminator(Discriminator)          # prints ✓ / ✗ ... / not done yet
    Discriminator = use_if_correct(ok, Discriminator, gan_lab.Discriminator, "Discriminator")

One module per notebook holds its checks: theory (01), models (02), training (03), studies (04, 05).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class Mistake(Exception):
    """Raised inside a check when the answer is wrong; its text is shown to the learner."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check: status is 'correct', 'wrong' or 'not done'."""

    exercise: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:  # the notebook shows the printed line; the repr stays short
        return f"CheckResult({self.exercise!r}, {self.status!r})"


def expect(condition: Any, message: str) -> None:
    """Inside a check: if condition is false, the learner sees `message`."""
    if not condition:
        raise Mistake(message)


def exercise(name: str) -> Callable[[Callable[..., None]], Callable[..., CheckResult]]:
    """Decorate a check body (which raises Mistake on a wrong answer) into a check that prints and returns."""

    def wrap(body: Callable[..., None]) -> Callable[..., CheckResult]:
        @functools.wraps(body)
        def run(*answer: Any, **kw: Any) -> CheckResult:
            try:
                body(*answer, **kw)
            except NotImplementedError:
                result = CheckResult(name, "not done", f"⏳ {name}: not done yet. Replace `raise NotImplementedError()` "
                                     "with your code and run the cell again.")
            except Mistake as e:
                result = CheckResult(name, "wrong", f"✗ {name}: {e}")
            except Exception as e:  # the learner's code crashed: show what it said, in one line
                result = CheckResult(name, "wrong", f"✗ {name}: your code raised {type(e).__name__}: {e}")
            else:
                result = CheckResult(name, "correct", f"✓ {name}: correct.")
            print(result.message)
            return result

        return run

    return wrap


def use_if_correct(result: CheckResult, mine: T, reference: T, what: str) -> T:
    """The learner's answer when its check passed; otherwise gan_lab's, saying so, so later cells still run."""
    if result:
        return mine
    print(f"   The cells below use gan_lab's {what} until this exercise passes.")
    return reference
