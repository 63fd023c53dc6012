#!/usr/bin/env bash
# gan_lab in one command: ./run.sh {setup|train|test|colab|bench|e2e} [extra arguments]
#   setup  create the virtual environment ($GAN_LAB_VENV, default .venv) from requirements.txt
#   train  set up, then train the reference GAN (SGD, 100 epochs) into runs/reference/
#   test   set up, check the package's layers (lint-imports), then run the unit tests and the notebooks
#          (pytest --nbval, smoke mode) in parallel workers; `./run.sh test -m "not notebook"` runs the unit
#          tests only, `./run.sh test -n 0` everything in one process
#   colab  set up, then run the notebooks (pytest --nbval, smoke mode) in a kernel with Colab's ipykernel,
#          IPython and ipywidgets versions (requirements-colab.txt)
#   bench  set up, then run the training benchmark
#   e2e    set up, add requirements-e2e.txt, then run the front-end tests (JupyterLab in headless Chromium)
set -euo pipefail
cd "$(dirname "$0")"
VENV=${GAN_LAB_VENV:-.venv}
case "$VENV" in /*) ;; *) VENV="$PWD/$VENV" ;; esac  # absolute: tests run subprocesses from other folders
PY="$VENV/bin/python"

setup() {
  if [ -x "$PY" ] && [ -f "$VENV/.requirements" ] && cmp -s requirements.txt "$VENV/.requirements"; then
    return 0  # already installed from this exact requirements.txt
  fi
  echo "setting up $VENV (torch is large: this takes a few minutes the first time)" >&2
  python3 -m venv "$(realpath -m "$VENV")"  # .venv may be a link to a cached venv (CI)
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -r requirements.txt
  cp requirements.txt "$VENV/.requirements"
}

setup_colab() {
  # Colab ships ipywidgets 7.7.1 and ipykernel 6: keep them in a side folder to test against them too.
  if ! cmp -s requirements-colab.txt "$VENV/colab/.requirements" 2>/dev/null; then
    rm -rf "$VENV/colab"
    "$PY" -m pip install -q --no-deps --target "$VENV/colab" -r requirements-colab.txt
    cp requirements-colab.txt "$VENV/colab/.requirements"
  fi
  export GAN_LAB_COLAB="$VENV/colab"
}

setup_e2e() {
  # JupyterLab and Playwright on top of requirements.txt, which constrains every version pinned there.
  # The browser is Debian's chromium (apt-get install chromium), never `playwright install`.
  if cat requirements.txt requirements-e2e.txt | cmp -s - "$VENV/.requirements-e2e"; then
    return 0  # already installed from these exact files
  fi
  echo "installing the front-end test tools (requirements-e2e.txt) into $VENV" >&2
  "$PY" -m pip install -q -r requirements-e2e.txt -c requirements.txt
  cat requirements.txt requirements-e2e.txt > "$VENV/.requirements-e2e"
}

# Tests run in parallel worker processes (pytest-xdist), one per core up to 4, each test file on one worker
# (--dist loadscope: a notebook's cells share one kernel). One thread per process: two processes of two
# threads on two cores made notebook runs two to four times slower.
workers=$(nproc 2>/dev/null || echo 1)
[ "$workers" -le 4 ] || workers=4
PARALLEL=(-n "$workers" --dist loadscope)

cmd=${1:-}
shift || true
case "$cmd" in
  setup) setup ;;
  train)
    setup
    PYTHONPATH="$PWD" "$PY" -m gan_lab train --out runs/reference "$@" ;;
  test)
    setup
    setup_colab
    export PYTHONPATH="$PWD" GAN_LAB_SMOKE=1 MPLBACKEND=Agg OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
    "$VENV/bin/lint-imports"  # the floors in pyproject.toml: a new import circle fails here
    # --durations: the slowest tests, so that every run shows where the suite's time goes.
    "$PY" -m pytest -q -p no:cacheprovider "${PARALLEL[@]}" --durations=15 tests notebooks --nbval \
      --nbval-sanitize-with notebooks/nbval_sanitize.cfg --nbval-cell-timeout 900 "$@" ;;
  colab)
    setup
    setup_colab
    export PYTHONPATH="$PWD" GAN_LAB_SMOKE=1 MPLBACKEND=Agg JUPYTER_PATH="$VENV/colab-jupyter" \
      OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
    "$PY" tools/colab_kernel.py "$GAN_LAB_COLAB" "$JUPYTER_PATH"  # writes the kernel and checks its versions
    "$PY" -m pytest -q -p no:cacheprovider "${PARALLEL[@]}" notebooks --nbval --nbval-kernel-name python3-colab \
      --nbval-sanitize-with notebooks/nbval_sanitize.cfg --nbval-cell-timeout 900 "$@" ;;
  e2e)
    setup
    setup_e2e
    export PYTHONPATH="$PWD" GAN_LAB_E2E=1
    export GAN_LAB_ARTIFACTS="${GAN_LAB_ARTIFACTS:-$PWD/artifacts/e2e}"
    echo "front-end test artifacts (screenshots, logs): $GAN_LAB_ARTIFACTS" >&2
    "$PY" -m pytest -q -p no:cacheprovider -m e2e tests/e2e "$@" ;;
  bench)
    setup
    PYTHONPATH="$PWD" "$PY" benchmarks/bench_train.py "$@" ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2 ;;
esac
