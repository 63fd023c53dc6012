"""Write the student version of each notebook: every solution replaced by `raise NotImplementedError()`.

    python tools/make_student.py                               # every notebooks/NN_*.py
    python tools/make_student.py notebooks/02_build_models.py  # only these
    python tools/make_student.py --check                       # exit 1 if a student notebook is out of date

The source is the notebook's paired .py (jupytext percent format). In every code cell, the lines from
`### BEGIN SOLUTION` to `### END SOLUTION`, markers included, become one `raise NotImplementedError()` at
the indentation of the BEGIN marker (nbgrader's convention and markers). The result goes to
notebooks/student/NN_name.ipynb without outputs; its Colab badge opens the student notebook, and a note
under the title links the version with solutions. Cell tags are kept.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = NOTEBOOKS / "student"
BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#+\s*END SOLUTION\s*$")
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+?/notebooks/(?P<file>\d\d_[\w-]+\.ipynb)")
STUB = "raise NotImplementedError()"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


class MarkerError(ValueError):
    """The solution markers of a cell do not pair up."""


def strip_solutions(source: str, where: str) -> tuple[str, int]:
    """The cell's source with each marked solution replaced by the stub, and how many there were."""
    out: list[str] = []
    indent: str | None = None  # set while inside a solution
    regions = 0
    for number, line in enumerate(source.split("\n"), 1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if indent is not None:
                raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another solution")
            indent = begin["indent"]
            out.append(indent + STUB)
            regions += 1
        elif end:
            if indent is None:
                raise MarkerError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
            indent = None
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out), regions


def student_note(solutions_url: str, exercises: int) -> str:
    """The lines added under the title."""
    if not exercises:
        return (f"> **Student version.** This notebook has no coding exercises: it is the "
                f"[version with solutions]({solutions_url}) without outputs.")
    return ("> **Student version.** Each `raise NotImplementedError()` marks code for you to write; the check in "
            "the next cell says whether it is right. Every cell runs before you start: until an exercise passes, "
            f"the cells after it use gan_lab's own version. The [version with solutions]({solutions_url}) has "
            "the answers and the outputs of a full run.")


def retitle(first: str, name: str, exercises: int) -> str:
    """The first cell with the badge pointing at the student notebook and the note under the title."""
    badge = BADGE.search(first)
    if not badge or badge["file"] != f"{name}.ipynb":
        raise ValueError(f"{name}: the first cell has no Colab badge for notebooks/{name}.ipynb")
    solutions_url = badge[0]
    student_url = solutions_url.replace(f"/notebooks/{name}.ipynb", f"/notebooks/student/{name}.ipynb")
    first = first.replace(solutions_url, student_url)
    lines = first.split("\n")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title is None:
        raise ValueError(f"{name}: the first cell has no title line (# ...)")
    return "\n".join(lines[:title + 1] + ["", student_note(solutions_url, exercises)] + lines[title + 1:])


def student_notebook(script: Path) -> nbformat.NotebookNode:
    """The student version of notebooks/NN_name.py, without outputs."""
    name = script.stem
    nb = jupytext.read(script)
    exercises = 0
    for i, cell in enumerate(nb.cells):
        where = f"{script.name}, cell {i}"
        if cell.cell_type == "code":
            cell.source, regions = strip_solutions(cell.source, where)
            exercises += int(regions > 0)
            cell.outputs, cell.execution_count = [], None
        elif any(BEGIN.match(line) or END.match(line) for line in cell.source.split("\n")):
            raise MarkerError(f"{where}: solution markers work only in code cells")
        cell.id = f"cell-{i:02d}"
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "tags"})
    nb.cells[0].source = retitle(nb.cells[0].source, name, exercises)
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC})
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook's file text, exactly as written to disk."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def sources(scripts: list[Path]) -> list[Path]:
    """The .py sources asked for, or every notebooks/NN_*.py."""
    found = [s.with_suffix(".py") for s in scripts] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    missing = [str(s) for s in found if not s.is_file()]
    if missing:
        raise FileNotFoundError(f"no such notebook source: {', '.join(missing)}")
    return found


def problems(scripts: list[Path], out: Path, every: bool) -> list[str]:
    """Why the student notebooks in `out` do not match their sources (empty when they are up to date)."""
    found = []
    for script in scripts:
        target = out / f"{script.stem}.ipynb"
        if not target.is_file():
            found.append(f"{shown(target)}: missing")
        elif target.read_text(encoding="utf-8") != render(student_notebook(script)):
            found.append(f"{shown(target)}: out of date with {script.name}")
    if every:  # a student notebook whose source is gone
        names = {s.stem for s in scripts}
        found += [f"{shown(p)}: no notebooks/{p.stem}.py any more" for p in sorted(out.glob("[0-9][0-9]_*.ipynb"))
                  if p.stem not in names]
    return found


def main(argv: list[str] | None = None) -> int:
    """Write (or, with --check, compare) the student notebooks; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="*", type=Path, help="notebooks/NN_name.py (default: all)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each out-of-date notebook")
    ap.add_argument("--out", type=Path, default=STUDENT,
                    help="folder for the student notebooks (default: notebooks/student)")
    a = ap.parse_args(argv)
    try:
        scripts = sources(a.scripts)
        if a.check:
            found = problems(scripts, a.out, every=not a.scripts)
            for line in found:
                print(line, file=sys.stderr)
            if found:
                print("regenerate with: python tools/make_student.py", file=sys.stderr)
            return 1 if found else 0
        a.out.mkdir(parents=True, exist_ok=True)
        for script in scripts:
            target = a.out / f"{script.stem}.ipynb"
            target.write_text(render(student_notebook(script)), encoding="utf-8")
            print(f"wrote {shown(target)}")
        if not a.scripts:
            for orphan in sorted(a.out.glob("[0-9][0-9]_*.ipynb")):
                if not (NOTEBOOKS / f"{orphan.stem}.py").is_file():
                    orphan.unlink()
                    print(f"removed {shown(orphan)} (its source is gone)")
    except (MarkerError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
