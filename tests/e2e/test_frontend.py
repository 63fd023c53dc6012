"""The notebooks' widgets as a learner uses them: JupyterLab in headless Chromium (see conftest.py).

For notebooks 01, 03 and 06: Run > Run All Cells, no cell shows an error, every panel renders its controls,
and the panels answer clicks: the toy GAN's Train button draws a new figure (01); the training panel
trains with the settings chosen in the browser, its progress bar runs to the end and its loss plot and
sample grid change from epoch to epoch, and the latent explorer draws new samples (03); the digit panel
draws the digit and seed chosen in the browser, and the classifier reads the shipped conditional G's
samples as that digit (06).
Screenshots go to $GAN_LAB_ARTIFACTS/<notebook>/.
"""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.e2e

TRAIN_TIMEOUT = 300  # s: a smoke-mode training of 2 epochs takes seconds; the machine may be busy
CLICK_TIMEOUT = 120  # s: a toy run or a redraw of the latent explorer

# Records every image that appears in a panel (and every time a button in it gets disabled), with the
# image's position in its output area and the progress bar's label at that moment. Images are kept as
# short hashes of their data URLs.
WATCH_JS = """(panel) => {
    const hash = s => {
        let x = 2166136261;
        for (let i = 0; i < s.length; i++) { x ^= s.charCodeAt(i); x = Math.imul(x, 16777619); }
        return (x >>> 0).toString(16) + ':' + s.length;
    };
    const seen = [];
    const label = () => {
        const l = panel.querySelector('.widget-hprogress .widget-label');
        return l ? l.textContent : '';
    };
    const record = img => {
        const child = img.closest('.jp-OutputArea-child');
        const index = child ? [...child.parentElement.children].indexOf(child) : -1;
        seen.push({image: hash(img.src || ''), index, progress: label()});
    };
    const observer = new MutationObserver(records => {
        for (const r of records) {
            if (r.type === 'attributes') {
                if (r.target.tagName === 'IMG') record(r.target);
                if (r.target.tagName === 'BUTTON' && r.target.disabled) seen.push({disabled: r.target.textContent});
            }
            for (const n of r.addedNodes) {
                if (n.nodeType !== 1) continue;
                if (n.tagName === 'IMG') record(n);
                n.querySelectorAll('img').forEach(record);
            }
        }
    });
    observer.observe(panel, {subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'disabled']});
    panel.__ganLabSeen = seen;
    panel.__ganLabObserver = observer;
    panel.__ganLabHash = hash;
}"""
SEEN_JS = "(panel) => { panel.__ganLabObserver.disconnect(); return panel.__ganLabSeen; }"
IMAGES_JS = """(panel) => [...panel.querySelectorAll('.widget-output img')].map(img => {
    const s = img.src || '';
    let x = 2166136261;
    for (let i = 0; i < s.length; i++) { x ^= s.charCodeAt(i); x = Math.imul(x, 16777619); }
    return (x >>> 0).toString(16) + ':' + s.length;
})"""


# ----------------------------------------------------------------------------------------------
# widget helpers


def panel_of(cell):
    """The outermost widget box in a cell's output."""
    return cell.locator(".jp-OutputArea-output > .widget-vbox").first


def control(panel, kind: str, label: str):
    """The ipywidgets control of class widget-<kind> (dropdown, hslider, ...) whose label is `label`."""
    return panel.locator(f".widget-{kind}").filter(
        has=panel.page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$"))).first


def button(panel, name: str):
    return panel.locator("button.widget-button", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first


def set_slider(slider, text: str) -> None:
    """Type a value into a slider's readout and press Enter, as a learner can in ipywidgets 8."""
    readout = slider.locator(".widget-readout")
    readout.click()
    slider.page.keyboard.press("Control+a")
    slider.page.keyboard.type(text)
    slider.page.keyboard.press("Enter")


def images(panel) -> list[str]:
    """Hashes of the images the panel's Output widget shows now, in order."""
    return panel.evaluate(IMAGES_JS)


def assert_no_errors(lab) -> None:
    """No error output anywhere on the page, and no widget that failed to render."""
    errors = lab.page.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.textContent).filter(t => /Traceback|Error\\b/.test(t))""")
    assert not errors, "error output in the notebook:\n" + "\n---\n".join(e[-3000:] for e in errors)
    text = lab.page.locator(".jp-Notebook").inner_text()
    for bad in ("Error displaying widget", "Failed to load model class", "Failed to display Jupyter Widget",
                "Training failed"):
        assert bad not in text, f"the page says {bad!r}"


def assert_ran_cleanly(lab, summary: dict) -> None:
    """Every code cell ran (the saved file has its execution count) and none has an error output."""
    assert not summary["errors"], "error output:\n" + "\n---\n".join(summary["errors"])
    nb = lab.save()
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    not_run = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    assert not not_run, f"code cells {not_run} did not run"
    errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, "error outputs: " + "; ".join(f"{o['ename']}: {o['evalue']}" for o in errors)
    assert_no_errors(lab)


# ----------------------------------------------------------------------------------------------
# notebook 01: the toy GAN panel


def test_01_toy_panel(open_lab):
    lab = open_lab("01_gan_theory")
    summary = lab.run_all()
    assert_ran_cleanly(lab, summary)

    cell = lab.page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=lab.page.locator("button.widget-button", has_text=re.compile(r"^\s*Train \d+ steps\s*$")))
    assert cell.count() == 1, "the toy panel's cell"
    panel = panel_of(cell)
    steps = control(panel, "hslider", "steps")
    data = control(panel, "dropdown", "real data")
    train, reset = button(panel, "Train 200 steps"), button(panel, "Reset")
    status = panel.locator(".widget-html-content").first
    for what in (steps, data, train, reset, status, panel.locator(".widget-output img")):
        assert what.is_visible(), what
    # Nothing trains until a learner clicks.
    assert status.inner_text().startswith("step 0"), status.inner_text()
    untrained = images(panel)
    assert len(untrained) == 1, untrained
    lab.screenshot("after-run-all", scroll_to=panel)

    # The first click trains the panel's first setting (PANEL_STEPS = 200) and replaces the picture.
    train.click()
    lab.wait_for(lambda: status.inner_text().startswith("step 200,") and images(panel) != untrained,
             CLICK_TIMEOUT, "the toy panel to train 200 steps and redraw")
    lab.screenshot("after-first-train-click", scroll_to=panel)

    # A slider move reaches the kernel, whose observer renames the button.
    set_slider(steps, "50")
    train = button(panel, "Train 50 steps")
    train.wait_for(timeout=CLICK_TIMEOUT * 1000)
    before = images(panel)
    assert len(before) == 1, before
    train.click()
    lab.wait_for(lambda: status.inner_text().startswith("step 250,") and images(panel) != before,
             CLICK_TIMEOUT, "the toy panel to train 50 more steps and redraw")
    after = images(panel)
    assert len(after) == 1 and after != before, (before, after)
    assert "lossD" in status.inner_text()
    lab.screenshot("after-train-click", scroll_to=panel)

    # Other real data: the dropdown resets the run and draws the new target.
    data.locator("select").select_option(label="three Gaussians (-3, 0, +3)")
    lab.wait_for(lambda: status.inner_text().startswith("step 0") and images(panel) != after,
             CLICK_TIMEOUT, "the toy panel to reset for three Gaussians")
    reset_image = images(panel)
    train.click()
    lab.wait_for(lambda: status.inner_text().startswith("step 50,") and images(panel) != reset_image,
             CLICK_TIMEOUT, "the toy panel to train the new run")
    lab.screenshot("after-three-gaussians-train", scroll_to=panel)
    assert_no_errors(lab)


# ----------------------------------------------------------------------------------------------
# notebook 03: the training panel and the latent explorer


def test_03_training_panel_and_latent_explorer(open_lab):
    lab = open_lab("03_train")
    summary = lab.run_all()
    assert_ran_cleanly(lab, summary)
    page = lab.page

    # -- the training panel renders every control
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator("button.widget-button", has_text=re.compile(r"^\s*Train\s*$")))
    assert cell.count() == 1, "the training panel's cell"
    panel = panel_of(cell)
    optimizer = control(panel, "dropdown", "optimizer")
    z_dim = control(panel, "dropdown", "z_dim")
    batch = control(panel, "dropdown", "batch size")
    lr_d, lr_g = control(panel, "dropdown", "lr of D"), control(panel, "dropdown", "lr of G")
    epochs = control(panel, "hslider", "epochs")
    device = control(panel, "dropdown", "device")
    train = button(panel, "Train")
    progress = panel.locator(".widget-hprogress")
    status = panel.locator(".widget-html-content").first
    for what in (optimizer, z_dim, batch, lr_d, lr_g, epochs, device, train, progress, status):
        assert what.is_visible(), what
    options = device.locator("select option").all_inner_texts()
    assert options[:2] == ["auto", "cpu"], options  # and cuda where there is a GPU
    # Run All does not click Train (the cell below the panel trains the run itself): the panel is untouched.
    assert status.inner_text().startswith("Choose settings and click"), status.inner_text()
    before = images(panel)
    assert before == [], before
    lab.screenshot("after-run-all", scroll_to=panel)

    # -- choose other settings in the browser
    optimizer.locator("select").select_option("adam")
    # The kernel's observer sets Adam's usual learning rate; the dropdowns show it.
    lab.wait_for(lambda: lr_d.locator("select option:checked").inner_text() == "0.0002"
             and lr_g.locator("select option:checked").inner_text() == "0.0002", CLICK_TIMEOUT,
             "the learning rates to follow the optimizer")
    z_dim.locator("select").select_option("50")
    set_slider(epochs, "2")
    lab.wait_for(lambda: epochs.locator("[role=slider]").get_attribute("aria-valuenow") == "2.0",
             CLICK_TIMEOUT, "the epochs slider to move to 2")
    lab.screenshot("settings-chosen", scroll_to=panel)

    # -- click Train and watch: progress to the end, new loss plot and grid after every epoch
    panel.evaluate(WATCH_JS)
    train.click()
    done = re.compile(r"Done: \d+ steps, 2 epochs\. Files in work/runs/(adam_\S+_z50_\S+?)\.?$")
    match = lab.wait_for(lambda: done.search(status.inner_text()), TRAIN_TIMEOUT,
                     "the training panel to finish 2 epochs")
    seen = panel.evaluate(SEEN_JS)
    lab.screenshot("after-train-click", scroll_to=panel)
    assert progress.locator(".widget-label").inner_text() == "epoch 2"
    assert progress.locator(".progress-bar").evaluate("b => b.style.width") == "100%"
    assert not train.is_disabled()
    assert any("disabled" in s for s in seen), "the Train button was not disabled while training"
    # The run used the settings chosen in the browser (the kernel wrote them to config.json).
    config = json.loads((lab.root / "work" / "runs" / match.group(1) / "config.json").read_text())
    assert (config["optimizer"], config["z_dim"], config["epochs"]) == ("adam", 50, 2), config
    assert config["lr_d"] == config["lr_g"] == 2e-4, config  # Adam's usual rate, exactly
    shown = [s for s in seen if "image" in s and s["image"] not in before]
    losses = {s["image"] for s in shown if s["index"] == 0}
    grids = {s["image"] for s in shown if s["index"] == 1}
    labels = {s["progress"] for s in shown}
    assert len(losses) >= 2 and len(grids) >= 2, f"loss plots and grids did not change between epochs: {seen}"
    assert {"epoch 1", "epoch 2"} <= labels, f"images not shown after each epoch: {seen}"
    after = images(panel)
    assert len(after) == 2 and not set(after) & set(before), (before, after)

    # -- the latent explorer redraws on every click
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator("button.widget-button", has_text=re.compile(r"^\s*Re-roll z\s*$")))
    assert cell.count() == 1, "the latent explorer's cell"
    explorer = panel_of(cell)
    alpha = control(explorer, "slider", "step along d")
    for what in (button(explorer, "Re-roll z"), button(explorer, "New direction"), alpha,
                 explorer.locator(".widget-output img")):
        assert what.is_visible(), what
    lab.screenshot("explorer-after-run-all", scroll_to=explorer)
    history = [images(explorer)]
    for step, act in (("re-roll", lambda: button(explorer, "Re-roll z").click()),
                      ("new-direction", lambda: button(explorer, "New direction").click()),
                      ("alpha-slider", lambda: set_slider(alpha, "-2"))):
        act()
        lab.wait_for(lambda: len(images(explorer)) == 1 and images(explorer) not in history, CLICK_TIMEOUT,
                 f"the latent explorer to redraw after {step}")
        history.append(images(explorer))
        lab.screenshot(f"explorer-after-{step}", scroll_to=explorer)
    assert_no_errors(lab)


# ----------------------------------------------------------------------------------------------
# notebook 06: the conditional GAN's digit panel


def test_06_digit_panel(open_lab):
    lab = open_lab("06_beyond_the_report")
    summary = lab.run_all()
    assert_ran_cleanly(lab, summary)
    page = lab.page

    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator("button.widget-button", has_text=re.compile(r"^\s*Draw\s*$")))
    assert cell.count() == 1, "the digit panel's cell"
    panel = panel_of(cell)
    digit, seed, draw = control(panel, "dropdown", "digit"), control(panel, "text", "seed"), button(panel, "Draw")
    status = panel.locator(".widget-html-content").first
    for what in (digit, seed, draw, status, panel.locator(".widget-output img")):
        assert what.is_visible(), what
    assert status.inner_text().startswith("asked for 7 (seed 0)"), status.inner_text()
    first = images(panel)
    assert len(first) == 1, first
    lab.screenshot("after-run-all", scroll_to=panel)

    # Choose another digit and seed in the browser, click Draw: the kernel draws them and the classifier reads them.
    digit.locator("select").select_option("3")
    seed_box = seed.locator("input")
    seed_box.fill("5")
    seed_box.press("Enter")
    draw.click()
    reading = re.compile(r"^asked for 3 \(seed 5\): the MNIST classifier reads (\d+) of 16 samples as 3$")
    match = lab.wait_for(lambda: reading.search(status.inner_text()), CLICK_TIMEOUT,
                         "the digit panel to draw the digit 3 with seed 5")
    lab.wait_for(lambda: len(images(panel)) == 1 and images(panel) != first, CLICK_TIMEOUT,
                 "the digit panel's grid to change")
    lab.screenshot("after-draw-click", scroll_to=panel)
    # The shipped conditional G draws 3s when asked: the classifier reads most of them as 3.
    assert int(match.group(1)) >= 12, status.inner_text()
    assert_no_errors(lab)
