"""Every hyperparameter of one training run, in one validated dataclass."""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any, Optional

import torch

OPTIMIZERS = ("sgd", "adam")
DATASETS = ("mnist", "fashion_mnist")
DATA_PATHS = ("tensor", "loader")
LR_DECAYS = ("none", "linear")  # 'linear': both rates fall by lr/epochs after every epoch (TrainConfig.lr_factor)
ARCHS = ("fc", "conv", "cond")  # gan_lab.models: the report's networks, DCGAN-style ones, the report's given the digit
TRAIN_SIZE = 60_000  # both MNIST and Fashion-MNIST have 60,000 training images

# Chosen from our own full 100-epoch runs on MNIST (see README, "Default learning rates").
DEFAULT_LR = {"sgd": 0.1, "adam": 2e-4}
DEFAULT_BETAS = {"adam": (0.5, 0.999)}
REPORT_HIDDEN_DIM = 128  # the report's hidden layer, in D and G
CONV_CHANNELS = 16  # the convolutional G's maps of 7x7 unless g_channels says otherwise (models.CONV_CHANNELS)
CONV_D_CHANNELS = 32  # the convolutional D's maps of 14x14 unless d_channels says otherwise (models.CONV_D_CHANNELS)
CONV_GROUPS = 4  # GroupNorm's groups in the convolutional G (models.CONV_GROUPS): its maps come in multiples of it
# Upper bounds that keep a typo (1e12) from becoming an allocator traceback; far above any sensible setting.
MAX_Z_DIM = 4096
MAX_HIDDEN_DIM = 8192
MAX_CONV_CHANNELS = 1024
MAX_EPOCHS = 100_000
MAX_SAMPLES = 200_000  # generated images in one call: 200,000 x 784 floats is 630 MB
MAX_SEED = 2**32 - 1
MAX_R1 = 1000  # R1 weights in use are about 0.1 to 100
MAX_R1_EVERY = 1000  # StyleGAN2 penalises every 16th step


def _bad(name: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r} is not allowed: {allowed}")


def _is_number(value: Any) -> bool:
    """An int or a float, but not a bool (True would pass for 1)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_lr(name: str, value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise _bad(name, value, "a learning rate must be a positive finite number, e.g. 0.1 or 2e-4")


def check_int(name: str, value: Any, low: int, high: Optional[int] = None, what: str = "") -> None:
    """An integer from low to high (no bool), else ValueError naming the setting and what is allowed."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)
    if not ok:
        rng = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
        raise _bad(name, value, rng + (f" ({what})" if what else ""))


def check_count(option: str, value: Any, low: int = 1, why: str = "") -> None:
    """A number of images (sample -n, evaluate -n, ...) from low to MAX_SAMPLES, else ValueError naming the option."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_SAMPLES:
        raise _bad(option, value, f"an integer from {low} to {MAX_SAMPLES:,} (memory)" + (f"; {why}" if why else ""))


def check_seed(option: str, value: Any) -> None:
    """A seed from 0 to MAX_SEED, else ValueError naming the option."""
    check_int(option, value, 0, MAX_SEED)


def resolve_device(device: str) -> torch.device:
    """Turn 'auto', 'cpu', 'cuda' or 'cuda:N' into an available torch.device, or raise ValueError."""
    if not isinstance(device, str):
        raise _bad("device", device, "'auto', 'cpu', 'cuda' or 'cuda:N'")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise _bad("device", device, "'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise _bad("device", device, "the CPU has no numbered devices; use 'cpu'")
        return torch.device("cpu")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise _bad("device", device, "CUDA is not available on this machine; use 'auto' or 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise _bad("device", device, f"this machine has {torch.cuda.device_count()} CUDA device(s)")
        return dev
    raise _bad("device", device, "'auto', 'cpu', 'cuda' or 'cuda:N'")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one GAN training run; invalid values raise ValueError on creation.

    Frozen: a field cannot be changed after validation; use replace(...) for a validated copy.
    """

    dataset: str = "mnist"
    optimizer: str = "sgd"
    lr_d: Optional[float] = None  # None: DEFAULT_LR[optimizer]
    lr_g: Optional[float] = None
    betas: Optional[tuple] = None  # Adam only; None: DEFAULT_BETAS["adam"]
    z_dim: int = 100
    hidden_dim: int = REPORT_HIDDEN_DIM  # hidden units in G, and in D unless d_hidden_dim says otherwise
    leaky_slope: float = 0.2
    batch_size: int = 64
    epochs: int = 100
    max_steps: Optional[int] = None  # stop after this many steps in total, even mid-epoch
    seed: int = 0
    device: str = "auto"
    data_path: str = "tensor"  # 'tensor': the fast path; 'loader': the textbook DataLoader
    data_root: Optional[str] = None
    train_images: Optional[int] = None  # use only the first N training images (quick runs); None: all
    eval_every: int = 0  # evaluate quality metrics every k epochs (0: never)
    eval_samples: int = 2000
    logits: bool = False  # True: D outputs logits and the loss is BCEWithLogitsLoss (no Sigmoid in D)
    arch: str = "fc"  # 'fc': the report's networks; 'conv': DCGAN-style; 'cond': the report's, given the digit
    ema: tuple = ()  # decays of moving averages of G's weights to keep (e.g. (0.999,)); the first is saved
    label_smoothing: float = 0.0  # one-sided: D's target for real images is 1 - label_smoothing
    lr_decay: str = "none"  # 'linear': in epoch e (from 0) both rates are lr * (1 - e / epochs)
    r1: float = 0.0  # R1 penalty weight: D's loss gains r1/2 * mean |grad of D's logit at real images|^2
    r1_every: int = 1  # lazy R1: the penalty, times r1_every, only on every r1_every-th step (1: every step)
    d_hidden_dim: Optional[int] = None  # D's hidden units where they differ from G's (None: hidden_dim)
    g_channels: Optional[int] = None  # arch='conv': G's maps of 7x7 (twice as many of 14x14); None: models.CONV_CHANNELS
    d_channels: Optional[int] = None  # arch='conv': D's maps of 14x14 (twice as many of 7x7); None: CONV_D_CHANNELS

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise _bad("optimizer", self.optimizer, f"one of {', '.join(OPTIMIZERS)}")
        if self.dataset not in DATASETS:
            raise _bad("dataset", self.dataset, f"one of {', '.join(DATASETS)}")
        if self.data_path not in DATA_PATHS:
            raise _bad("data_path", self.data_path, f"one of {', '.join(DATA_PATHS)}")
        if self.lr_d is None:
            object.__setattr__(self, "lr_d", DEFAULT_LR[self.optimizer])  # frozen: fill in defaults this way
        if self.lr_g is None:
            object.__setattr__(self, "lr_g", DEFAULT_LR[self.optimizer])
        _check_lr("lr_d", self.lr_d)
        _check_lr("lr_g", self.lr_g)
        self._check_betas()
        check_int("z_dim", self.z_dim, 1, MAX_Z_DIM, "memory")
        check_int("hidden_dim", self.hidden_dim, 1, MAX_HIDDEN_DIM, "memory")
        self._check_d_hidden_dim()
        self._check_channels("g_channels", CONV_CHANNELS, CONV_GROUPS)
        self._check_channels("d_channels", CONV_D_CHANNELS, 1)
        check_int("batch_size", self.batch_size, 1, TRAIN_SIZE, f"the training set has {TRAIN_SIZE} images")
        check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        if self.max_steps is not None:
            check_int("max_steps", self.max_steps, 1, what="or None for no limit")
        check_int("seed", self.seed, 0, MAX_SEED)
        if self.train_images is not None:
            check_int("train_images", self.train_images, 1, TRAIN_SIZE, "or None for the whole training set")
            if self.batch_size > self.train_images:
                raise _bad("batch_size", self.batch_size, f"at most train_images={self.train_images}")
        check_int("eval_every", self.eval_every, 0, what="0 turns evaluation off")
        check_int("eval_samples", self.eval_samples, 100, MAX_SAMPLES, "memory")
        if self.data_root is not None:
            if not isinstance(self.data_root, (str, os.PathLike)) or str(self.data_root).strip() == "":
                raise _bad("data_root", self.data_root, "a folder path (str or Path), or None for the default")
            object.__setattr__(self, "data_root", str(self.data_root))
        slope = self.leaky_slope
        if not _is_number(slope) or not (0 <= slope < 1):
            raise _bad("leaky_slope", slope, "a number in [0, 1)")
        if not isinstance(self.logits, bool):
            raise _bad("logits", self.logits, "True or False")
        if self.arch not in ARCHS:
            raise _bad("arch", self.arch, f"one of {', '.join(ARCHS)}")
        self._check_ema()
        s = self.label_smoothing
        if not _is_number(s) or not 0 <= s < 0.5:
            raise _bad("label_smoothing", s, "a number in [0, 0.5), e.g. 0.1 (D's target for real images: 0.9)")
        if self.lr_decay not in LR_DECAYS:
            raise _bad("lr_decay", self.lr_decay, f"one of {', '.join(LR_DECAYS)}")
        self._check_r1()
        resolve_device(self.device)

    def _check_d_hidden_dim(self) -> None:
        """D's own hidden width: a positive int for the fully connected networks, stored as None where it is G's."""
        if self.d_hidden_dim is None:
            return
        check_int("d_hidden_dim", self.d_hidden_dim, 1, MAX_HIDDEN_DIM, "memory; or None for hidden_dim's")
        if self.arch == "conv":
            raise _bad("d_hidden_dim", self.d_hidden_dim,
                       "None for arch='conv', whose layers are convolutions, not hidden units")
        if self.d_hidden_dim == self.hidden_dim:  # the same networks: the same config, and the same run folder
            object.__setattr__(self, "d_hidden_dim", None)

    def _check_channels(self, name: str, default: int, multiple: int) -> None:
        """A convolutional network's own width: None, or a positive multiple of `multiple` with arch='conv'."""
        value = getattr(self, name)
        if value is None:
            return
        check_int(name, value, multiple, MAX_CONV_CHANNELS, f"memory; or None for {default}")
        if value % multiple:  # only G's maps come in groups (GroupNorm)
            raise _bad(name, value, f"a multiple of {multiple}, GroupNorm's groups (e.g. 16 or 32)")
        if self.arch != "conv":
            raise _bad(name, value, f"None for arch={self.arch!r}: only arch='conv' has maps")
        if value == default:  # the same networks: the same config, and the same run folder
            object.__setattr__(self, name, None)

    def lr_factor(self, epoch: int) -> float:
        """What the learning rates are multiplied by in epoch `epoch` (counted from 0): 1 without decay."""
        if self.lr_decay == "linear":  # down to lr / epochs in the last epoch, never 0
            return 1.0 - min(epoch, self.epochs - 1) / self.epochs
        return 1.0

    def _check_r1(self) -> None:
        if not _is_number(self.r1) or not 0 <= self.r1 <= MAX_R1:
            raise _bad("r1", self.r1, f"a number in [0, {MAX_R1}], e.g. 10 (0: no penalty)")
        if self.r1 and not self.logits:  # the penalty is on D's logit, as in Mescheder et al. 2018
            raise _bad("r1", self.r1, "a penalty on D's logits only: set logits=True too")
        check_int("r1_every", self.r1_every, 1, MAX_R1_EVERY, "steps between penalised steps")
        if self.r1_every > 1 and not self.r1:
            raise _bad("r1_every", self.r1_every, "1 without a penalty: set r1 > 0 too")

    def _check_betas(self) -> None:
        if self.optimizer != "adam":
            if self.betas is not None:
                raise _bad("betas", self.betas, "betas apply to Adam only; leave them None for SGD")
            return
        if self.betas is None:
            object.__setattr__(self, "betas", DEFAULT_BETAS["adam"])
        betas = tuple(self.betas) if isinstance(self.betas, (list, tuple)) else None
        if betas is None or len(betas) != 2 or not all(_is_number(b) and 0 <= b < 1 for b in betas):
            raise _bad("betas", self.betas, "two numbers in [0, 1), e.g. (0.5, 0.999)")
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))

    def _check_ema(self) -> None:
        decays = tuple(self.ema) if isinstance(self.ema, (list, tuple)) else None
        if decays is None or len(set(decays)) != len(decays) or not all(
                _is_number(d) and 0 < d < 1 for d in decays):
            raise _bad("ema", self.ema, "a tuple of different decays in (0, 1), e.g. (0.999,), or () for none")
        object.__setattr__(self, "ema", tuple(float(d) for d in decays))

    @property
    def steps_per_epoch(self) -> int:
        """Batches in one epoch (of the full set, or of train_images); the last partial batch counts."""
        return math.ceil((self.train_images or TRAIN_SIZE) / self.batch_size)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (betas as a list)."""
        d = dataclasses.asdict(self)
        if d["betas"] is not None:
            d["betas"] = list(d["betas"])
        d["ema"] = list(d["ema"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Inverse of to_dict; unknown keys raise ValueError naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown configuration field(s) {unknown}; allowed: {sorted(names)}")
        return cls(**d)

    def run_name(self) -> str:
        """A folder name that is the same for runs that may resume each other (epochs may differ)."""
        import hashlib
        import json

        fixed = {k: v for k, v in self.to_dict().items() if k not in RESUMABLE_CHANGES}
        for k, default in LATER_FIELDS.items():  # runs from before these options existed keep their folder names
            if fixed[k] == default:
                del fixed[k]
        digest = hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:8]
        arch = "" if self.arch == "fc" else f"{self.arch}_"
        return f"{arch}{self.optimizer}_lrd{self.lr_d:g}_lrg{self.lr_g:g}_z{self.z_dim}_b{self.batch_size}_s{self.seed}_{digest}"

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)


# Fields added after runs were shipped, with the value those runs had: left out of run_name at that value.
LATER_FIELDS = {"logits": False, "arch": "fc", "ema": [], "label_smoothing": 0.0, "lr_decay": "none", "r1": 0.0,
                "r1_every": 1, "d_hidden_dim": None, "g_channels": None, "d_channels": None}
# Fields that may differ when resuming a run: extending the schedule is fine, the rest is not.
RESUMABLE_CHANGES = ("epochs", "max_steps", "device", "data_root", "eval_every", "eval_samples")


# ----------------------------------------------------------------------------------------- the studies

# Adam for the convolutional pair at 1e-3 with StyleGAN2's betas (0, 0.99), D's loss on logits, the R1 penalty
# (gamma 10, lazily on every 4th step) and a linearly decaying rate: alone, Adam at a constant rate levelled off
# near FD_mnist 60 within 10 epochs (3 seeds, 2026-12-05). R1 on every 4th step rather than every 16th: seed 0
# reached 30.6 against 35.1 in 16 epochs, for 9% more time by sweep.step_cost and 3% by benchmarks/bench_r1.py;
# betas (0, 0.99) rather than DCGAN's (0.5, 0.999): seed 0 reached 23.1 against 30.6, at no cost
# (results/conv_trials.json). 16 epochs (a step of it costs several of the report's), measured every 2.
CONV_RECIPE = {"optimizer": "adam", "lr_d": 1e-3, "lr_g": 1e-3, "betas": (0.0, 0.99), "arch": "conv", "logits": True,
               "r1": 10.0, "r1_every": 4, "lr_decay": "linear", "ema": (0.999, 0.9999), "max_epochs": 16, "eval_every": 2}

SWEEPS: dict[str, list[dict]] = {
    # The report's experiment, at the report's settings (SGD 0.3; Adam 2e-4 with PyTorch's default betas)
    # and at each optimizer's usual setting (SGD 0.1, our default; Adam 2e-4 with beta1 0.5, as DCGAN).
    "optimizer": [{"optimizer": "sgd", "lr_d": 0.3, "lr_g": 0.3}, {"optimizer": "adam", "betas": (0.9, 0.999)},
                  {"optimizer": "sgd"}, {"optimizer": "adam"}],
    # The report's z_dim study (with SGD at our default 0.1: the report's 0.3 often saturates).
    "zdim": [{"optimizer": "sgd", "z_dim": z} for z in (20, 50, 100, 200)],
    # Learning rates: the report's literal SGD 0.3 down to 0.01; Adam at 1e-3 and 2e-4 with beta1 0.9 and 0.5.
    "lr": [{"optimizer": "sgd", "lr_d": lr, "lr_g": lr} for lr in (0.3, 0.1, 0.03, 0.01)]
          + [{"optimizer": "adam", "lr_d": lr, "lr_g": lr, "betas": (b1, 0.999)} for lr in (1e-3, 2e-4) for b1 in (0.9, 0.5)],
    # The report's SGD 0.3 once more, with D's loss computed from logits (BCEWithLogitsLoss): does it train now?
    "logits": [{"optimizer": "sgd", "lr_d": 0.3, "lr_g": 0.3, "logits": True}],
    # Notebook 06: one change at a time against the report's best setting (SGD 0.1), each with averages of G.
    # max_epochs keeps the study within a 2-core CPU's afternoon: 100 epochs of the report's network, 30 of the
    # conditional one (compared with the first at epoch 30), 16 of the convolutional one (a step of it costs
    # several of the report's).
    "beyond": [{"optimizer": "sgd", "ema": (0.999, 0.9999, 0.99)},
               {"optimizer": "sgd", "arch": "cond", "ema": (0.999, 0.9999), "max_epochs": 30},
               CONV_RECIPE,
               # D's loss on logits, and one-sided label smoothing (D's real target 0.9), each alone.
               {"optimizer": "sgd", "logits": True}, {"optimizer": "sgd", "label_smoothing": 0.1}],
    # Notebook 06's next question, meant for --epochs 300: SGD 0.1 for longer, at a constant and a linearly
    # decaying rate, with the average of G that did best at 100 epochs.
    "longer": [{"optimizer": "sgd", "ema": (0.9999,)}, {"optimizer": "sgd", "ema": (0.9999,), "lr_decay": "linear"}],
    # Notebook 06's test of its hypothesis that one hidden layer of 128 units limits the report's network: the
    # best of "longer" (a constant rate, the average 0.9999) with twice the hidden units, for --epochs 300.
    "wider": [{"optimizer": "sgd", "ema": (0.9999,), "hidden_dim": 256}],
    # Which network's width limited it: "wider"'s 256 hidden units in G alone, then in D alone (--epochs 300).
    "wider_one": [{"optimizer": "sgd", "ema": (0.9999,), "hidden_dim": 256, "d_hidden_dim": REPORT_HIDDEN_DIM},
                  {"optimizer": "sgd", "ema": (0.9999,), "d_hidden_dim": 256}],
    # Notebook 06's test of its hypothesis that the convolutional pair is too small: its recipe with twice G's
    # maps (32 of 7x7, 64 of 14x14; D, with 32 and 64, costs most of a step and is kept), for --epochs 16.
    "wider_conv": [{**CONV_RECIPE, "g_channels": 32}],
}


def label(config: TrainConfig) -> str:
    """A short human name for a configuration, e.g. 'sgd lr 0.1 z 100' or 'adam lr 0.0002 b1 0.5 z 100'."""
    lr = f"lr {config.lr_d:g}" if config.lr_d == config.lr_g else f"lr_d {config.lr_d:g} lr_g {config.lr_g:g}"
    b1 = ""
    if config.optimizer == "adam":  # beta2 only where it is not the default, so that older labels stay as they were
        b2 = config.betas[1]
        b1 = f" b1 {config.betas[0]:g}" + (f" b2 {b2:g}" if b2 != DEFAULT_BETAS["adam"][1] else "")
    extras = [config.arch] if config.arch != "fc" else []
    if config.d_hidden_dim is not None:
        extras += [f"hidden G {config.hidden_dim} D {config.d_hidden_dim}"]
    else:
        extras += [f"hidden {config.hidden_dim}"] * (config.arch != "conv" and config.hidden_dim != REPORT_HIDDEN_DIM)
    extras += [f"G {config.g_channels} maps"] * (config.g_channels is not None)
    extras += [f"D {config.d_channels} maps"] * (config.d_channels is not None)
    extras += ["logits"] * config.logits + [f"smooth {config.label_smoothing:g}"] * bool(config.label_smoothing)
    extras += [f"{config.lr_decay} decay"] * (config.lr_decay != "none") + [f"R1 {config.r1:g}" + f" every {config.r1_every}" * (config.r1_every > 1)] * bool(config.r1)
    return " ".join([f"{config.optimizer} {lr}{b1} z {config.z_dim}", *extras])


def sweep_configs(name: str, seeds: int, epochs: int, base: Optional[TrainConfig] = None) -> list[TrainConfig]:
    """The configurations of a named sweep, each with seeds 0..seeds-1."""
    if name not in SWEEPS:
        raise ValueError(f"sweep={name!r} is not allowed: one of {', '.join(SWEEPS)}")
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds={seeds!r} is not allowed: a positive number of training seeds")
    base = base or TrainConfig()
    configs = []
    for changes in SWEEPS[name]:
        changes = dict(changes)
        length = min(epochs, changes.pop("max_epochs", epochs))  # a costly entry may train fewer epochs
        configs += [base.replace(**{"lr_d": None, "lr_g": None, "betas": None, **changes}, epochs=length, seed=seed)
                    for seed in range(seeds)]
    return configs
