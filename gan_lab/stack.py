"""Many runs side by side: their networks stacked and run at once with torch.func.vmap.

Runs of the same architecture and the same optimizer settings share a *stack*; so do generators that
differ only in z_dim (z is zero-padded, see StackedModule). Each network's weights are stacked along a
new first dimension (as torch.func.stack_module_state does) and its forward pass runs for every run at
once through vmap(functional_call(...)), so any nn.Module works: the report's fully connected networks,
convolutional ones, conditional ones. (Networks whose weights are all nn.Linear take a shortcut without
vmap's overhead, checked against vmap at the first call.) The step is gan_lab.train_step and the
optimizers are torch.optim's, applied to the stacked weights; each run keeps its own seed, data order
and noise, so it follows the same trajectory as when trained alone (up to float rounding, tested).
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable, Optional, Sequence

import torch
from torch import nn
from torch.func import functional_call, vmap

from .state import RunLoss, TrainState, make_optimizers
from .train import Single, train_runs


class StackedModule(nn.Module):
    """R copies of one network with their weights stacked; a batch of R x B inputs (flattened to R*B) in one pass.

    Buffers (BatchNorm's running statistics) are not supported: the report's, convolutional and
    conditional networks here have none.
    """

    def __init__(self, modules: Sequence[nn.Module]):
        super().__init__()
        if any(True for m in modules for _ in m.buffers()):
            raise ValueError("networks with buffers (e.g. BatchNorm running statistics) cannot be stacked")
        self.runs = len(modules)
        # Generators of different z_dim share a stack: each run's z is padded with zeros to the widest z_dim,
        # and the weight that multiplies z (z_weight) gets zero columns there. Those columns meet only zeros,
        # so their gradient is exactly 0 and they stay 0: each run computes what it computes alone.
        self.z_dims = [getattr(m, "z_dim", None) for m in modules]
        self.z_dim = max(self.z_dims) if None not in self.z_dims else None  # train_step reads G.z_dim to draw z
        self.z_weight = z_weight(modules[0]) if len(set(self.z_dims)) > 1 else None
        per_run = [dict(m.named_parameters()) for m in modules]
        self.names = list(per_run[0])
        # ParameterDict keys cannot hold dots: fc1.weight is kept as fc1:weight.
        self.weights = nn.ParameterDict({
            n.replace(".", ":"): nn.Parameter(_grad_layout(torch.stack(
                [self.widen(n, params[n].detach(), r) for r, params in enumerate(per_run)])))
            for n in self.names})
        self.keys = [(n, n.replace(".", ":")) for n in self.names]
        widest = modules[self.z_dims.index(self.z_dim)] if self.z_weight else modules[0]
        base = copy.deepcopy(widest).to("meta")  # the architecture only; the weights come from the stack
        # tie_weights=False: these networks share no weights, and untying them would cost time at every call.
        self._forward = vmap(lambda weights, *inputs: functional_call(base, weights, inputs, tie_weights=False))
        # vmap costs about 0.2 ms of Python per call, a fifth of a 3-run step of the report's network. Where all
        # weights sit in nn.Linear layers, a copy whose Linear layers take every run's rows at once (baddbmm) does
        # the same without vmap, provided the rest of the forward pass treats each row alone. The first call
        # checks that against vmap (_choose_path); a tuple keeps the copy out of this module's registry.
        self._linear_net = (_runs_linear_copy(base, self.runs, self.weights),)
        self.path: str | None = None  # 'linear' or 'vmap', chosen at the first call

    def widen(self, name: str, t: torch.Tensor, run: int) -> torch.Tensor:
        """Run `run`'s weight `name` (or its optimizer state) as the stack holds it: zero columns after its z's."""
        if name != self.z_weight or self.z_dims[run] == self.z_dim:
            return t
        z = self.z_dims[run]
        return torch.cat([t[..., :z], t.new_zeros(*t.shape[:-1], self.z_dim - z), t[..., z:]], dim=-1)

    def narrow(self, name: str, t: torch.Tensor, run: int) -> torch.Tensor:
        """Inverse of widen: the run's own weight from the stack's."""
        if name != self.z_weight or self.z_dims[run] == self.z_dim:
            return t
        return torch.cat([t[..., :self.z_dims[run]], t[..., self.z_dim:]], dim=-1)

    def forward(self, x: torch.Tensor, *extra: torch.Tensor) -> torch.Tensor:
        """x (and extra inputs, e.g. labels) hold every run's batch, run after run (R*B rows); output the same way."""
        if self.path is None:
            self._choose_path(x, *extra)
        if self.path == "linear":
            return self._linear_net[0](x, *extra)
        return self._vmapped(x, *extra)

    def _vmapped(self, *inputs: torch.Tensor) -> torch.Tensor:
        weights = {n: self.weights[k] for n, k in self.keys}
        out = self._forward(weights, *(t.reshape(self.runs, -1, *t.shape[1:]) for t in inputs))
        return out.reshape(-1, *out.shape[2:])

    def _choose_path(self, *inputs: torch.Tensor) -> None:
        """Use the Linear copy only if it gives vmap's output on these inputs (up to rounding)."""
        self.path = "vmap"
        net = self._linear_net[0]
        if net is not None and inputs[0].size(0) % self.runs == 0:
            with torch.no_grad():
                fast, exact = net(*inputs), self._vmapped(*inputs)
            if fast.shape == exact.shape and torch.allclose(fast, exact, rtol=1e-4, atol=1e-5, equal_nan=True):
                self.path = "linear"

    def write_back(self, modules: Sequence[nn.Module]) -> None:
        """Copy each run's slice of the stacked weights into its own network."""
        with torch.no_grad():
            for r, m in enumerate(modules):
                for n, p in m.named_parameters():
                    p.copy_(self.narrow(n, self.weights[n.replace(".", ":")][r], r))


class _RunsLinear(nn.Module):
    """Stands in for one nn.Linear of R stacked runs: the input holds every run's rows, run after run."""

    def __init__(self, runs: int, weights: nn.ParameterDict, prefix: str, bias: bool):
        super().__init__()
        self.runs, self.prefix, self.has_bias = runs, prefix, bias
        self._weights = (weights,)  # the stack's own ParameterDict; a tuple keeps it from being registered twice

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (w,) = self._weights
        rows = x.reshape(self.runs, -1, x.size(-1))
        weight = w[self.prefix + "weight"].transpose(1, 2)  # R x in x out, contiguous (_grad_layout)
        out = (torch.baddbmm(w[self.prefix + "bias"].unsqueeze(1), rows, weight) if self.has_bias
               else torch.bmm(rows, weight))
        return out.reshape(*x.shape[:-1], out.size(-1))


def _runs_linear_copy(base: nn.Module, runs: int, weights: nn.ParameterDict) -> nn.Module | None:
    """A copy of base with each nn.Linear replaced by a _RunsLinear, or None if not all its weights are Linear's."""
    linears = {n: m for n, m in base.named_modules() if isinstance(m, nn.Linear)}
    owned = {f"{n}.{p}" for n, m in linears.items() for p, _ in m.named_parameters(recurse=False)}
    if "" in linears or owned != {n for n, _ in base.named_parameters()}:
        return None
    net = copy.deepcopy(base)
    for name, m in linears.items():
        parent, _, attr = name.rpartition(".")
        setattr(net.get_submodule(parent), attr, _RunsLinear(runs, weights, name.replace(".", ":") + ":",
                                                             m.bias is not None))
    return net


def z_weight(G: nn.Module) -> str | None:
    """The name of G's weight that multiplies z, whose first z_dim columns are z's (G.z_weight), or None."""
    return getattr(G, "z_weight", None)


def _grad_layout(w: torch.Tensor) -> torch.Tensor:
    """Stacked Linear weights (R x out x in) stored in the memory layout of their gradient under vmap.

    Autograd hands a Linear weight's gradient over as R x in x out transposed; a weight in that same layout
    takes the gradient as it is, instead of a copy of the largest tensors at every step (about 9% of a step).
    """
    return w.transpose(1, 2).contiguous().transpose(1, 2) if w.dim() == 3 else w


class Stack:
    """Runs that share a stack_key, as the training loop steps them: stacked G and D, their optimizers."""

    def __init__(self, states: Sequence[TrainState]):
        self.states = list(states)
        c = self.states[0].config
        self.G = StackedModule([s.G for s in self.states])
        self.D = StackedModule([s.D for s in self.states])
        self.optD, self.optG = make_optimizers(c, self.G, self.D)  # shared settings: stack_key holds them
        _stack_optimizer_state(self.optD, [s.optD for s in self.states], self.D)
        _stack_optimizer_state(self.optG, [s.optG for s in self.states], self.G)
        self.criterion = RunLoss(c.logits, runs=len(self.states))
        self.real_label, self.r1, self.r1_every = 1 - c.label_smoothing, c.r1, c.r1_every
        self.noise_gen = [s.noise_gen for s in self.states]
        self.ema = [StackedModule([s.ema[i] for s in self.states]).requires_grad_(False) for i in range(len(c.ema))]

    def batch(self, xs: Sequence) -> torch.Tensor | tuple:
        """Every run's batch, run after run; (images, labels) batches stay pairs."""
        if isinstance(xs[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*xs))
        return torch.cat(list(xs))

    def write_back(self) -> None:
        """Every run's weights, averages of G and optimizer state back into its own TrainState."""
        self.G.write_back([s.G for s in self.states])
        self.D.write_back([s.D for s in self.states])
        for i, avg in enumerate(self.ema):
            avg.write_back([s.ema[i] for s in self.states])
        _split_optimizer_state(self.optD, [s.optD for s in self.states], self.D)
        _split_optimizer_state(self.optG, [s.optG for s in self.states], self.G)


def _params_by_name(opt: torch.optim.Optimizer, stacked: StackedModule) -> list[tuple[str, torch.Tensor]]:
    """(name, tensor) of the parameters a run's optimizer holds, in the order of its network's parameters."""
    names = stacked.names
    params = [p for group in opt.param_groups for p in group["params"]]
    if len(params) != len(names):
        raise ValueError("a run's optimizer does not hold exactly its network's parameters")
    return list(zip(names, params))


def _stack_optimizer_state(opt: torch.optim.Optimizer, run_opts: Sequence[torch.optim.Optimizer],
                           stacked: StackedModule) -> None:
    """Give the stack's optimizer the runs' own states (Adam's moments and step), stacked like the weights."""
    per_run = [_params_by_name(o, stacked) for o in run_opts]
    for i, name in enumerate(stacked.names):
        states = [o.state.get(params[i][1]) for o, params in zip(run_opts, per_run)]
        if all(not s for s in states):
            continue
        if not all(states) or len({float(s["step"]) for s in states}) != 1:
            raise ValueError("runs whose optimizers have taken different numbers of steps cannot share a stack")
        target = stacked.weights[name.replace(".", ":")]
        opt.state[target] = {k: (v.clone() if k == "step" else
                                 torch.stack([stacked.widen(name, s[k], r) for r, s in enumerate(states)]))
                             for k, v in states[0].items()}


def _split_optimizer_state(opt: torch.optim.Optimizer, run_opts: Sequence[torch.optim.Optimizer],
                           stacked: StackedModule) -> None:
    """Inverse of _stack_optimizer_state: each run's slice of the stacked state, back into its optimizer."""
    for r, o in enumerate(run_opts):
        for name, p in _params_by_name(o, stacked):
            state = opt.state.get(stacked.weights[name.replace(".", ":")])
            if state:
                o.state[p] = {k: (v.clone() if k == "step" else stacked.narrow(name, v[r], r).clone())
                              for k, v in state.items()}


def stack_key(state: TrainState) -> tuple:
    """Runs with the same key can share a stack: same architecture, optimizer settings, batches and device."""
    c = state.config
    shapes = tuple((n, _shape_apart_from_z(m, n, p)) for m in (state.G, state.D) for n, p in m.named_parameters())
    return (type(state.G).__name__, type(state.D).__name__, shapes, c.optimizer, c.lr_d, c.lr_g, c.betas,
            c.batch_size, c.dataset, c.data_root, c.train_images, str(state.device), c.logits, c.arch, c.ema,
            c.label_smoothing, c.r1, c.r1_every, c.lr_decay, c.epochs if c.lr_decay != "none" else None, state.step,
            state.step_in_epoch)


def _shape_apart_from_z(model: nn.Module, name: str, p: torch.Tensor) -> tuple:
    """A weight's shape, less z's columns for G's z_weight: generators that differ only in z_dim share a stack."""
    if name == z_weight(model):
        return (*p.shape[:-1], p.shape[-1] - model.z_dim, "+z")
    return tuple(p.shape)


def fit_side_by_side(states: Sequence[TrainState], out_dirs: Optional[Sequence[Path]] = None,
                     progress: bool = True, images: Optional[torch.Tensor] = None,
                     callback: Optional[Callable[[TrainState], None]] = None) -> list[TrainState]:
    """Train runs that share a stack_key together, whole epochs at a time, until each reaches its length.

    callback(state) runs after each run's every epoch, as in `fit`.
    """
    states = list(states)
    keys = {stack_key(s) for s in states}
    if len(keys) != 1:
        raise ValueError("these runs cannot share a stack: their architecture, optimizer settings, batches, device "
                         "or progress differ (group them by gan_lab.stack.stack_key)")
    # A run left alone (the others finished or stopped) goes on without vmap: the plain path is faster.
    return train_runs(states, lambda live: Single(live) if len(live) == 1 else Stack(live), out_dirs,
                      progress=progress, callback=callback, images=images)


def group_by_stack(states: Sequence[TrainState]) -> list[list[TrainState]]:
    """The runs split into groups that can each share a stack, in first-seen order."""
    groups: dict[tuple, list[TrainState]] = {}
    for s in states:
        groups.setdefault(stack_key(s), []).append(s)
    return list(groups.values())
