"""The student notebooks (notebooks/student/, written by tools/make_student.py).

They are up to date with their sources, hold no solution, and run top to bottom in smoke mode with
every exercise left undone: no cell raises, and each exercise's check says "not done yet".
"""
from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = NOTEBOOKS / "student"
TOOL = ROOT / "tools" / "make_student.py"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
NAMES = [p.stem for p in SOURCES]
BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
NOT_DONE = "not done yet"
REGENERATE = "run `python tools/make_student.py` and commit notebooks/student/"


def run_tool(*args: str) -> subprocess.CompletedProcess:
    """tools/make_student.py as a learner runs it, in its own process."""
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=300)


def load_tool():
    """tools/make_student.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_student", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_student(*args: str) -> subprocess.CompletedProcess:
    """The tool's main() in this process, with its exit status and output (a process per call costs seconds)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = load_tool().main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def split_solutions(source: str) -> tuple[list[str], list[list[str]]]:
    """A code cell's lines outside the solution markers, and the lines of each solution."""
    outside, regions, inside = [], [], None
    for line in source.split("\n"):
        if BEGIN.match(line):
            inside = []
        elif END.match(line):
            regions.append(inside)
            inside = None
        elif inside is None:
            outside.append(line)
        else:
            inside.append(line)
    return outside, regions


def n_exercises(name: str) -> int:
    """Exercise cells in the source: code cells with at least one solution between markers."""
    return sum(1 for c in jupytext.read(NOTEBOOKS / f"{name}.py").cells
               if c.cell_type == "code" and split_solutions(c.source)[1])


def test_there_are_notebooks_to_check():
    assert NAMES, "no notebooks/NN_*.py found"


def test_committed_student_notebooks_are_up_to_date(tmp_path):
    done = run_tool("--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.ipynb")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in STUDENT.glob("[0-9][0-9]_*.ipynb")}
    assert sorted(fresh) == [f"{n}.ipynb" for n in NAMES]
    assert sorted(committed) == sorted(fresh), f"student notebooks do not match the sources: {REGENERATE}"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"out of date: {stale}; {REGENERATE}"


def test_check_names_an_out_of_date_notebook(tmp_path):
    script = str(SOURCES[0])
    assert make_student("--out", str(tmp_path), script).returncode == 0
    assert make_student("--check", "--out", str(tmp_path), script).returncode == 0
    target = tmp_path / f"{NAMES[0]}.ipynb"
    target.write_text(target.read_text(encoding="utf-8").replace("Student version", "Old version"), encoding="utf-8")
    done = make_student("--check", "--out", str(tmp_path), script)
    assert done.returncode == 1 and f"{NAMES[0]}.ipynb: out of date" in done.stderr
    target.unlink()
    done = make_student("--check", "--out", str(tmp_path), script)
    assert done.returncode == 1 and f"{NAMES[0]}.ipynb: missing" in done.stderr


DEMO = '''# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/o/r/blob/main/notebooks/99_demo.ipynb)
#
# # 99 · Demo
#
# Text.

# %% tags=["exercise"]
class Net:
    def __init__(self):
        self.a = 1
        ### BEGIN SOLUTION
        self.b = 2
        self.c = 3
        ### END SOLUTION

    def f(self, x):
        if x:
            ## BEGIN SOLUTION
            return 4
            ## END SOLUTION
        return 5

# %%
print("no solution here")
'''


def test_generator_replaces_each_solution_at_its_indentation_and_keeps_tags(tmp_path):
    script = tmp_path / "99_demo.py"
    script.write_text(DEMO)
    done = make_student("--out", str(tmp_path / "student"), str(script))
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(tmp_path / "student" / "99_demo.ipynb", as_version=4)
    first, exercise, plain = nb.cells
    assert "github/o/r/blob/main/notebooks/student/99_demo.ipynb" in first.source
    assert first.source.index("# 99 · Demo") < first.source.index("Student version") < first.source.index("Text.")
    assert "(https://colab.research.google.com/github/o/r/blob/main/notebooks/99_demo.ipynb)" in first.source
    assert exercise.source.split("\n") == [
        "class Net:", "    def __init__(self):", "        self.a = 1", "        raise NotImplementedError()", "",
        "    def f(self, x):", "        if x:", "            raise NotImplementedError()", "        return 5"]
    assert exercise.metadata == {"tags": ["exercise"]} and exercise.outputs == []
    assert plain.source == 'print("no solution here")'


@pytest.mark.parametrize("broken", ["### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"])
def test_generator_refuses_markers_that_do_not_pair(tmp_path, broken):
    script = tmp_path / "99_demo.py"
    script.write_text(DEMO.replace('print("no solution here")\n', broken))
    done = make_student("--out", str(tmp_path / "student"), str(script))
    assert done.returncode == 2 and "99_demo.py, cell 2" in done.stderr


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_holds_no_solution(name):
    source = jupytext.read(NOTEBOOKS / f"{name}.py")
    student = nbformat.read(STUDENT / f"{name}.ipynb", as_version=4)
    n_student, n_source = len(student.cells), len(source.cells)
    assert n_student == n_source, f"the student {name} has {n_student} cells, its source {n_source}: {REGENERATE}"
    for i, (src, stu) in enumerate(zip(source.cells, student.cells)):
        assert not any(BEGIN.match(l) or END.match(l) for l in stu.source.split("\n")), f"cell {i} keeps a marker"
        if stu.cell_type != "code":
            continue
        assert not stu.outputs and stu.execution_count is None, f"cell {i} has outputs"
        outside, regions = split_solutions(src.source)
        given = {l.strip() for l in outside}
        kept = {l.strip() for l in stu.source.split("\n")}
        leaked = [l for region in regions for l in region if l.strip() and l.strip() not in given and l.strip() in kept]
        assert not leaked, f"cell {i} of the student {name} shows solution lines {leaked}"
        assert stu.source.count("raise NotImplementedError()") >= len(regions)


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_with_every_exercise_undone(name, tmp_path, monkeypatch):
    """Made from the current source, then executed in smoke mode in a fresh folder (its work/ folder goes there).

    test_committed_student_notebooks_are_up_to_date makes sure that the committed file is this notebook.
    """
    monkeypatch.setenv("GAN_LAB_SMOKE", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("GAN_LAB_RESULTS", os.environ.get("GAN_LAB_RESULTS") or str(ROOT / "results"))
    # The MNIST files that the solutions' run uses (notebooks/work/data), unless the caller points elsewhere.
    monkeypatch.setenv("GAN_LAB_DATA_DIR", os.environ.get("GAN_LAB_DATA_DIR") or str(NOTEBOOKS / "work" / "data"))
    nb = load_tool().student_notebook(NOTEBOOKS / f"{name}.py")
    start = time.time()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    print(f"{name}: executed in {time.time() - start:.0f} s")
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream")
    not_done = [line for line in printed.split("\n") if NOT_DONE in line]
    expected = n_exercises(name)
    assert len(not_done) == expected, (f"{name} has {expected} exercises but {len(not_done)} checks said "
                                       f"'{NOT_DONE}': {not_done}")
