import torch

from gan_lab import TrainConfig, build_models, fit, make_optimizers, new_state, train_step


def cfg(root, **kw):
    return TrainConfig(**{"data_root": str(root), "batch_size": 32, "epochs": 2, "device": "cpu", **kw})


def test_train_step_reports_losses_and_d_outputs():
    torch.manual_seed(0)
    G, D = build_models(z_dim=8, seed=0)
    optD, optG = make_optimizers(TrainConfig(optimizer="adam"), G, D)
    x_real = torch.rand(16, 1, 28, 28) * 2 - 1
    before_G, before_D = G.fc2.weight.clone(), D.fc1.weight.clone()
    r = train_step(G, D, optD, optG, x_real)
    # Tensors of one value: the loop reads many steps at once instead of waiting for each (a GPU's speed).
    assert all(isinstance(v, torch.Tensor) and v.dim() == 0 and not v.requires_grad
               for v in (r.lossD, r.lossG, r.D_x, r.D_G_z))
    assert 0 < r.D_x < 1 and 0 < r.D_G_z < 1
    assert r.lossD > 0 and r.lossG > 0
    assert not torch.equal(G.fc2.weight, before_G) and not torch.equal(D.fc1.weight, before_D)


def test_d_step_sends_no_gradient_into_g():
    """Each G parameter receives exactly one gradient per step: from the G step. Without .detach() in the
    D step, lossD.backward() would also send one into G (wasted work, and wrong if G's grads were kept)."""
    G, D = build_models(z_dim=8, seed=0)
    optD, optG = make_optimizers(TrainConfig(), G, D)
    arrivals = {name: 0 for name, _ in G.named_parameters()}
    for name, p in G.named_parameters():
        p.register_hook(lambda grad, name=name: arrivals.__setitem__(name, arrivals[name] + 1))
    d_arrivals = {name: 0 for name, _ in D.named_parameters()}
    for name, p in D.named_parameters():
        p.register_hook(lambda grad, name=name: d_arrivals.__setitem__(name, d_arrivals[name] + 1))
    train_step(G, D, optD, optG, torch.rand(4, 1, 28, 28) * 2 - 1)
    assert arrivals == {name: 1 for name in arrivals}, f"gradients reaching G per parameter: {arrivals}"
    # D gets one, from lossD (real and fake terms together); frozen in G's step, it gets none from lossG.
    assert d_arrivals == {name: 1 for name in d_arrivals}, f"gradients reaching D per parameter: {d_arrivals}"


def test_same_seed_gives_bit_identical_history(tiny_root):
    a = fit(cfg(tiny_root, seed=7), progress=False)
    b = fit(cfg(tiny_root, seed=7), progress=False)
    c = fit(cfg(tiny_root, seed=8), progress=False)
    assert len(a.history) == 20
    assert a.history.lossD == b.history.lossD and a.history.lossG == b.history.lossG
    assert a.history.D_x == b.history.D_x and a.history.D_G_z == b.history.D_G_z
    assert torch.equal(a.G.fc2.weight, b.G.fc2.weight)
    assert a.history.lossD != c.history.lossD


def test_textbook_loader_path_trains_too(tiny_root):
    s = fit(cfg(tiny_root, data_path="loader", max_steps=15), progress=False)
    assert s.step == 15 and s.epoch == 1 and s.step_in_epoch == 5


def test_fit_keeps_samples_and_calls_back_every_epoch(tiny_root):
    seen = []
    s = fit(cfg(tiny_root, epochs=3), callback=lambda st: seen.append((st.epoch, st.step)), progress=False)
    assert seen == [(1, 10), (2, 20), (3, 30)]
    assert s.history.epoch_end_steps == [10, 20, 30]
    assert len(s.history.samples) == 3 and s.history.samples[0].shape == (64, 1, 28, 28)
    assert s.history.samples[0].dtype == torch.uint8
    assert not torch.equal(s.history.samples[0], s.history.samples[2])


def test_max_steps_stops_mid_epoch(tiny_root):
    s = fit(cfg(tiny_root, epochs=5, max_steps=13), progress=False)
    assert (s.step, s.epoch, s.step_in_epoch, len(s.history)) == (13, 1, 3, 13)


def test_divergence_stops_with_a_clear_message_and_keeps_history(tiny_root, capsys):
    s = fit(cfg(tiny_root, lr_d=1e19, lr_g=1e19), progress=False)
    assert s.stopped is not None
    assert "Training stopped at step 2" in s.stopped and "lower learning rates" in s.stopped
    assert len(s.history) == 1 and s.step == 1
    assert [e["kind"] for e in s.history.events] == ["diverged"]
    assert "Training stopped" in capsys.readouterr().err


def test_saturation_is_reported_once(tiny_root):
    s = fit(cfg(tiny_root, lr_d=10.0, lr_g=0.01, epochs=30), progress=False)
    events = [e for e in s.history.events if e["kind"] == "saturated"]
    assert len(events) == 1
    assert "D wins completely" in events[0]["message"]
    assert s.history.lossG[-1] > 20 and s.history.lossD[-1] < 1e-3
    assert s.stopped is None and s.step == 300


def test_batch_larger_than_the_dataset(tiny_root):
    import pytest

    with pytest.raises(ValueError, match="batch_size=500.*from 1 to 320"):
        fit(cfg(tiny_root).replace(batch_size=500), progress=False)


def test_train_images_limits_the_epoch(tiny_root):
    s = fit(cfg(tiny_root, train_images=96, epochs=2), progress=False)
    assert s.history.epoch_end_steps == [3, 6]
    s = fit(cfg(tiny_root, train_images=96, epochs=1, data_path="loader"), progress=False)
    assert s.history.epoch_end_steps == [3]


def test_logits_option_drops_the_sigmoid_and_reports_probabilities(tiny_root):
    """logits=True: D returns logits, the loss is BCEWithLogitsLoss, D(x) is still reported as a probability."""
    import math

    from gan_lab.state import new_state

    state = new_state(cfg(tiny_root, logits=True))
    assert isinstance(state.D.sigmoid, torch.nn.Identity)
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    logit = state.D(x)
    s = fit(cfg(tiny_root, logits=True, max_steps=3), progress=False)
    assert all(0 < v < 1 for v in s.history.D_x + s.history.D_G_z)
    # The same first step by hand, with BCEWithLogitsLoss on D's logits:
    bce = torch.nn.BCEWithLogitsLoss()
    state.D.zero_grad()
    first_lossD_real = bce(logit, torch.ones(8, 1))
    assert math.isfinite(first_lossD_real.item())
    plain = fit(cfg(tiny_root, max_steps=3), progress=False)  # same seed, sigmoid in D: same start, same first lossD
    assert abs(plain.history.lossD[0] - s.history.lossD[0]) < 1e-5
    assert TrainConfig(logits=True).run_name() != TrainConfig().run_name()


def test_history_read_in_blocks_equals_each_steps_own_values(tiny_root):
    """fit reads the step results in blocks (gan_lab.train.SYNC_EVERY steps); its history must hold exactly the
    values each train_step returned, in order, across block and epoch boundaries."""
    from gan_lab.state import RunLoss, new_state
    from gan_lab.train import SYNC_EVERY, make_batches

    c = cfg(tiny_root, batch_size=8, epochs=3)  # 40 steps per epoch: blocks end mid-epoch and at epoch ends
    s = new_state(c)
    batches = make_batches(c, s.device, s.data_gen)
    rows = []
    for _ in range(c.epochs):
        for x_real in batches:
            r = train_step(s.G, s.D, s.optD, s.optG, x_real, RunLoss(), s.noise_gen)
            rows.append([r.lossD.item(), r.lossG.item(), r.D_x.item(), r.D_G_z.item()])  # read at once, every step
    h = fit(c, progress=False).history
    assert len(rows) == len(h) == 120 > 2 * SYNC_EVERY
    assert [list(v) for v in zip(h.lossD, h.lossG, h.D_x, h.D_G_z)] == rows


def test_the_fixed_noise_is_made_from_the_seed_and_z_dim_alone():
    """Runs of one seed that differ in length or networks draw their grids from the same latent vectors."""
    short = new_state(TrainConfig(arch="conv", optimizer="adam", epochs=16, device="cpu")).fixed_noise
    long_wide = new_state(TrainConfig(arch="conv", optimizer="adam", g_channels=32, epochs=64, device="cpu")).fixed_noise
    assert torch.equal(short, long_wide)
    assert not torch.equal(short, new_state(TrainConfig(arch="conv", optimizer="adam", seed=1, device="cpu")).fixed_noise)
