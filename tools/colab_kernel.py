"""A Jupyter kernel with Google Colab's kernel and widget packages (requirements-colab.txt), for ./run.sh colab.

    python tools/colab_kernel.py OVERLAY JUPYTER_DIR

Writes JUPYTER_DIR/kernels/python3-colab/kernel.json: this Python, with OVERLAY (the packages of
requirements-colab.txt, installed by run.sh) in front of the venv's own and the repository on the path.
Then starts the kernel once and checks that it imports the pinned versions, so that the notebooks are
never run against the venv's versions by mistake. Exit code 1 if they differ.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NAME = "python3-colab"
CHECKED = ("ipykernel", "ipywidgets", "IPython", "jupyter_client", "traitlets")


def pinned() -> dict[str, str]:
    """The versions requirements-colab.txt asks for, by module name."""
    pins = dict(line.split("==") for line in (ROOT / "requirements-colab.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    return {"ipykernel": pins["ipykernel"], "ipywidgets": pins["ipywidgets"], "IPython": pins["ipython"],
            "jupyter_client": pins["jupyter_client"], "traitlets": pins["traitlets"]}


def write_kernel(overlay: Path, jupyter_dir: Path) -> None:
    """The kernel spec: this Python with the overlay first on its path."""
    folder = jupyter_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join([str(overlay), str(ROOT)])
    spec = {"argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (Colab's kernel and widget versions)", "language": "python",
            "env": {"PYTHONPATH": path}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))


def kernel_versions() -> dict[str, str]:
    """Start the kernel, ask it for its packages' versions, and shut it down."""
    km, kc = start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=120)
    try:
        code = "import json, importlib\nprint(json.dumps({m: importlib.import_module(m).__version__ for m in %r}))" % (CHECKED,)
        printed = []
        kc.execute_interactive(code, timeout=120,
                               output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        return json.loads("".join(printed))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> None:
    overlay, jupyter_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    write_kernel(overlay, jupyter_dir)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_dir), os.environ.get("JUPYTER_PATH")]))
    found, want = kernel_versions(), pinned()
    if found != want:
        sys.exit(f"the {KERNEL_NAME} kernel imports {found}, not Colab's {want}")
    print(f"kernel {KERNEL_NAME}: " + ", ".join(f"{m} {v}" for m, v in found.items()))


if __name__ == "__main__":
    main()
