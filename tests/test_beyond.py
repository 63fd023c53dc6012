"""Notebook 06's additions: averages of G, one-sided label smoothing, conditional and convolutional networks."""
import copy
import json
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from gan_lab import TrainConfig, fit
from gan_lab.checkpoint import EMA_GENERATOR_NAME, GENERATOR_NAME, RESULT_NAME, load_generator, write_generator_file
from gan_lab.data import TensorBatches, load_images, load_labels
from gan_lab.metrics import per_digit_metrics
from gan_lab.models import CondDiscriminator, CondGenerator, build_models, generate
from gan_lab.state import RunLoss, make_optimizers
from gan_lab.config import label
from gan_lab.study import average_rows, load_study
from gan_lab.sweep import run_sweep
from gan_lab.train import train_step


@pytest.mark.parametrize("field, value, fragment", [
    ("arch", "cnn", "arch='cnn' is not allowed: one of fc, conv, cond"),
    ("ema", (1.0,), "ema=(1.0,) is not allowed: a tuple of different decays in (0, 1)"),
    ("ema", (0.9, 0.9), "a tuple of different decays"),
    ("ema", 0.999, "ema=0.999 is not allowed"),
    ("label_smoothing", 0.5, "label_smoothing=0.5 is not allowed: a number in [0, 0.5)"),
    ("label_smoothing", -0.1, "label_smoothing=-0.1 is not allowed"),
    ("label_smoothing", True, "label_smoothing=True is not allowed"),
    ("r1", -1, "r1=-1 is not allowed: a number in [0, 1000]"),
    ("r1", "10", "r1='10' is not allowed"),
    ("r1", 10, "r1=10 is not allowed: a penalty on D's logits only: set logits=True too"),
    ("r1_every", 0, "r1_every=0 is not allowed"),
    ("r1_every", 2.0, "r1_every=2.0 is not allowed"),
    ("r1_every", 4, "r1_every=4 is not allowed: 1 without a penalty: set r1 > 0 too"),
])
def test_bad_settings_are_named(field, value, fragment):
    with pytest.raises(ValueError) as e:
        TrainConfig(**{field: value})
    assert fragment in str(e.value)


def test_runs_from_before_the_new_settings_keep_their_folder_names():
    """The shipped runs are found by name: the new fields at their defaults must not change it."""
    assert TrainConfig(lr_d=0.1, lr_g=0.1).run_name() == "sgd_lrd0.1_lrg0.1_z100_b64_s0_a7c69768"
    assert TrainConfig(arch="conv").run_name().startswith("conv_sgd_")
    names = {TrainConfig(ema=(0.999,)).run_name(), TrainConfig(label_smoothing=0.1).run_name(), TrainConfig().run_name(),
             TrainConfig(logits=True).run_name(), TrainConfig(logits=True, r1=10).run_name(),
             TrainConfig(logits=True, r1=10, r1_every=16).run_name()}
    assert len(names) == 6


def test_label_smoothing_is_one_sided():
    """D's target for real images is 0.9; its target for generated ones stays 0 and G's stays 1."""
    targets = []

    class Recording(RunLoss):
        def forward(self, out, target):
            targets.append(sorted(set(target.flatten().tolist())))
            return super().forward(out, target)

    G, D = build_models(z_dim=8, hidden_dim=16, seed=0)
    optD, optG = make_optimizers(TrainConfig(), G, D)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    train_step(G, D, optD, optG, x, Recording(), torch.Generator().manual_seed(0), real_label=0.9)
    assert targets == [[pytest.approx(0.9)], [0.0], [1.0]]  # D on real, D on generated, G


@pytest.mark.parametrize("arch", ["fc", "conv"])
def test_r1_adds_the_mean_squared_slope_of_ds_logit_at_the_real_images_and_trains_d_with_it(arch):
    """lossD with r1 = lossD without + r1/2 * mean over images of |d logit / d image|^2, each image on its own,
    and D's SGD step moves its weights down that penalty's gradient too."""
    G, D = build_models(seed=0, arch=arch, logits=True)
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    slopes = [torch.autograd.grad(D(image[None]).sum(), image, create_graph=True)[0].pow(2).sum()
              for image in x.clone().requires_grad_(True)]
    expected_penalty = 5.0 * torch.stack(slopes).mean()  # r1 = 10
    # allow_unused: the last bias shifts the logit alike for every image, so the slope does not depend on it.
    penalty_grads = torch.autograd.grad(expected_penalty, list(D.parameters()), allow_unused=True)
    penalty_grads = [torch.zeros_like(p) if g is None else g for p, g in zip(D.parameters(), penalty_grads)]
    losses, D_after = {}, {}
    for r1 in (0.0, 10.0):
        G_r, D_r = copy.deepcopy(G), copy.deepcopy(D)
        optD, optG = make_optimizers(TrainConfig(), G_r, D_r)  # SGD, lr 0.1
        step = train_step(G_r, D_r, optD, optG, x, RunLoss(logits=True), torch.Generator().manual_seed(0), r1=r1)
        losses[r1], D_after[r1] = step.lossD, list(D_r.parameters())
    assert float(expected_penalty.detach()) > 1e-4  # a real penalty, not a vanishing one
    assert losses[10.0] - losses[0.0] == pytest.approx(float(expected_penalty.detach()), rel=1e-4)
    for with_r1, without, grad in zip(D_after[10.0], D_after[0.0], penalty_grads):
        torch.testing.assert_close(with_r1 - without, -0.1 * grad, rtol=1e-3, atol=1e-7)


@pytest.mark.parametrize("seeds", [[0], [0, 1]])  # alone, and two runs in a stack
def test_lazy_r1_penalises_every_kth_step_k_times_as_hard(tiny_root, monkeypatch, seeds):
    """r1_every=3: steps 0, 3, 6, ... get the penalty with weight 3 * r1, the others none; counted across epochs."""
    import gan_lab.train as train_module
    weights = []

    def recording_step(*args, r1=0.0, **kwargs):
        weights.append(r1)
        return train_step(*args, r1=r1, **kwargs)
    monkeypatch.setattr(train_module, "train_step", recording_step)
    configs = [TrainConfig(data_root=str(tiny_root), batch_size=64, epochs=2, seed=s, logits=True, r1=10.0,
                           r1_every=3, device="cpu") for s in seeds]  # 320 images: 5 steps an epoch
    if len(seeds) == 1:
        fit(configs[0], progress=False)
    else:
        from gan_lab.stack import fit_side_by_side
        from gan_lab.state import new_state
        fit_side_by_side([new_state(c) for c in configs], progress=False)
    assert weights == [30.0, 0.0, 0.0, 30.0, 0.0, 0.0, 30.0, 0.0, 0.0, 30.0]
    assert label(configs[0]).endswith("logits R1 10 every 3")


def test_conditional_batches_keep_each_image_with_its_label(real_root):
    images, labels = load_images(root=real_root)[:256], load_labels(root=real_root)[:256]
    batches = TensorBatches(images, 64, torch.Generator().manual_seed(0), labels=labels)
    seen = 0
    for x, y in batches:
        for image, label in zip(x, y):
            index = int((images - image).flatten(1).abs().sum(1).argmin())
            assert labels[index] == label
            seen += 1
    assert seen == 256
    with pytest.raises(ValueError, match="labels holds 10 labels for 256 images"):
        TensorBatches(images, 64, labels=labels[:10])


def test_the_conditional_networks_use_the_label():
    G, D = build_models(z_dim=8, hidden_dim=16, seed=0, arch="cond")
    z, x = torch.randn(4, 8), torch.rand(4, 1, 28, 28) * 2 - 1
    three, seven = torch.full((4,), 3), torch.full((4,), 7)
    assert not torch.allclose(G(z, three), G(z, seven))
    assert not torch.allclose(D(x, three), D(x, seven))
    with pytest.raises(ValueError, match="needs the labels"):
        D(x)
    optD, optG = make_optimizers(TrainConfig(), G, D)
    train_step(G, D, optD, optG, x, RunLoss(), torch.Generator().manual_seed(0), y_real=three)
    assert D.embed.weight.grad[:, 3].abs().sum() > 0  # the label's vector learns
    assert D.embed.weight.grad[:, 7].abs().sum() == 0  # a digit not in the batch: no gradient


def test_generate_asks_a_conditional_generator_for_a_digit():
    G, _ = build_models(z_dim=8, hidden_dim=16, seed=0, arch="cond")
    z = torch.randn(5, 8, generator=torch.Generator().manual_seed(4))
    assert torch.allclose(generate(G, 5, seed=4, digit=2), G.eval()(z, torch.full((5,), 2)))
    assert torch.allclose(generate(G, 5, seed=4), G(z, torch.arange(5)))  # digits in turn by default
    with pytest.raises(ValueError, match="digit=10 is not allowed: a digit 0..9"):
        generate(G, 5, digit=10)
    with pytest.raises(ValueError, match="for a conditional generator only"):
        generate(build_models(z_dim=8)[0], 5, digit=3)


def test_averages_resume_bit_for_bit(tiny_root, tmp_path):
    """A run interrupted after its first epoch ends with exactly the averages of an uninterrupted one."""
    c = TrainConfig(data_root=str(tiny_root), batch_size=32, epochs=2, ema=(0.9, 0.99), arch="cond")
    whole = fit(c, progress=False)
    fit(c.replace(epochs=1), tmp_path / "run", progress=False)
    resumed = fit(c, tmp_path / "run", resume=True, progress=False)
    assert resumed.step == whole.step == 20
    for a, b in zip(whole.ema, resumed.ema):
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.equal(p, q)
    assert not torch.equal(whole.ema[0].fc1.weight, whole.G.fc1.weight)  # an average, not a copy
    assert not torch.equal(whole.ema[0].fc1.weight, whole.ema[1].fc1.weight)  # one per decay


def test_a_sweep_run_keeps_its_average_and_measures_every_decay(tiny_root, tmp_path):
    base = TrainConfig(data_root=str(tiny_root))
    (result,) = run_sweep("beyond", 1, 1, tmp_path, base=base, eval_every=1, eval_samples=100, final_samples=200,
                          only=[0], progress=False)
    assert set(result["metrics_ema"]) == {"0.999", "0.9999", "0.99"}
    assert all("FD_mnist" in m for m in result["metrics_ema"].values())
    run = load_study(tmp_path, "beyond", 1, 1)["sgd lr 0.1 z 100"][0]
    assert run.final_samples_ema.shape == run.final_samples.shape == (64, 1, 28, 28)
    assert "ema0.9999_FD_mnist" in run.metric_curves
    G_avg, G = run.generator(ema=True), run.generator()
    assert not torch.equal(G_avg.fc1.weight, G.fc1.weight)
    rows = average_rows([run])
    assert [r["label"] for r in rows] == ["G itself", "average, decay 0.999", "average, decay 0.9999",
                                          "average, decay 0.99"]
    assert rows[1]["FD_mnist"]["values"] == [result["metrics_ema"]["0.999"]["FD_mnist"]]
    assert json.loads((run.dir / RESULT_NAME).read_text())["config"]["ema"] == [0.999, 0.9999, 0.99]
    assert {p.name for p in run.dir.iterdir()} >= {GENERATOR_NAME, EMA_GENERATOR_NAME}


def test_a_convolutional_checkpoint_loads_as_a_convolutional_generator(tiny_root, tmp_path):
    c = TrainConfig(data_root=str(tiny_root), batch_size=32, epochs=1, arch="conv", optimizer="adam")
    state = fit(c, tmp_path / "run", progress=False)
    G, config = load_generator(tmp_path / "run" / "checkpoint.pt")
    assert config.arch == "conv" and type(G) is type(state.G)
    assert torch.equal(G.up1.weight, state.G.up1.weight)


def test_a_convolutional_generator_saved_before_groupnorm_is_refused_with_a_reason(tmp_path):
    """generator.pt of an older conv G (no norm1/norm2): a message that says why, not PyTorch's list of keys."""
    G, _ = build_models(arch="conv", seed=0)
    old = {k: v for k, v in G.state_dict().items() if not k.startswith("norm")}
    write_generator_file(tmp_path / GENERATOR_NAME, SimpleNamespace(state_dict=lambda: old),
                         TrainConfig(arch="conv", optimizer="adam"))
    with pytest.raises(ValueError, match="older gan_lab, whose ConvGenerator had no GroupNorm.*Train it again"):
        load_generator(tmp_path / GENERATOR_NAME)
    write_generator_file(tmp_path / GENERATOR_NAME, G, TrainConfig(arch="conv", optimizer="adam"))
    assert torch.equal(load_generator(tmp_path / GENERATOR_NAME)[0].norm2.weight, G.norm2.weight)


class RealDigits(CondGenerator):
    """A stand-in 'generator' that returns real test images of the digit asked for."""

    def __init__(self, images, labels):
        super().__init__(z_dim=4, hidden_dim=4)
        self.by_digit = [images[labels == d] for d in range(10)]

    def forward(self, z, y=None):
        d = int(y[0])
        return self.by_digit[d][torch.arange(len(z)) % len(self.by_digit[d])]


def test_per_digit_metrics_tell_real_digits_from_an_untrained_generator(real_root):
    images, labels = load_images(train=False, root=real_root), load_labels(train=False, root=real_root)
    real = per_digit_metrics(RealDigits(images[:5000], labels[:5000]), 300, data_root=str(real_root))
    untrained = per_digit_metrics(build_models(arch="cond", seed=0)[0], 300, data_root=str(real_root))
    assert [r["digit"] for r in real] == list(range(10))
    assert min(r["agreement"] for r in real) > 0.95  # the classifier reads real digits correctly
    # Untrained, G draws the same noise whatever the label, which the classifier reads as one digit or a few.
    assert sum(r["agreement"] for r in untrained) / 10 < 0.3
    assert max(r["FD_mnist"] for r in real) < min(r["FD_mnist"] for r in untrained) / 5


def test_digit_panel_draws_the_digit_chosen():
    pytest.importorskip("ipywidgets")  # the rest of this file also runs where there are no widgets (a GPU machine)
    from gan_lab.widgets import DigitPanel

    G, _ = build_models(z_dim=8, hidden_dim=16, seed=0, arch="cond")
    panel = DigitPanel(G, n=8)
    first = panel.output.outputs
    assert panel.draws == 1 and "asked for <b>7</b> (seed 0)" in panel.status.value and len(first) == 1
    panel.digit.value, panel.seed.value = 3, 5
    panel.draw_button.click()
    assert panel.draws == 2 and "asked for <b>3</b> (seed 5)" in panel.status.value
    assert "of 8 samples as 3" in panel.status.value
    assert panel.output.outputs[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    assert "digit 3, seed 5" in panel.output.outputs[0]["data"]["text/plain"]


def test_linear_decay_lowers_both_rates_after_every_epoch(tiny_root):
    """Epoch e of 4 trains at lr * (1 - e/4); the first epoch is the constant-rate run's, the later ones are not."""
    seen = []
    config = TrainConfig(data_root=str(tiny_root), batch_size=32, epochs=4, device="cpu", lr_decay="linear")
    decayed = fit(config, progress=False, callback=lambda s: seen.append((s.optD.param_groups[0]["lr"],
                                                                            s.optG.param_groups[0]["lr"])))
    assert seen == [(pytest.approx(0.1 * f), pytest.approx(0.1 * f)) for f in (1, 0.75, 0.5, 0.25)]
    constant = fit(config.replace(lr_decay="none"), progress=False)
    assert decayed.history.lossD[:10] == constant.history.lossD[:10]  # epoch 1: the same rates, the same steps
    assert decayed.history.lossD[10:] != constant.history.lossD[10:]
    assert "linear decay" in label(config) and config.run_name() != config.replace(lr_decay="none").run_name()
    with pytest.raises(ValueError, match="lr_decay='cosine' is not allowed: one of none, linear"):
        config.replace(lr_decay="cosine")


def test_a_decaying_run_resumes_bit_for_bit_and_refuses_another_length(tiny_root, tmp_path):
    from test_checkpoint import same_run

    config = TrainConfig(data_root=str(tiny_root), batch_size=32, epochs=3, device="cpu", lr_decay="linear")
    fit(config, tmp_path / "full", progress=False)
    fit(config.replace(max_steps=14), tmp_path / "part", progress=False)  # killed in epoch 2
    fit(config, tmp_path / "part", resume=True, progress=False)
    same_run(tmp_path / "full", tmp_path / "part")
    with pytest.raises(ValueError, match="epochs: 3 in the checkpoint, 6 now"):  # every epoch's rate would change
        fit(config.replace(epochs=6), tmp_path / "part", resume=True, progress=False)
