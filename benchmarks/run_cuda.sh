#!/usr/bin/env bash
# The CUDA checks and timings quoted in the README, for a machine with a GPU, torch and torchvision,
# and the MNIST files under $GAN_LAB_DATA_DIR. Run from the repository root:
#     benchmarks/run_cuda.sh [OUT_DIR]        (OUT_DIR: where the timed sweep writes its runs; default /tmp)
# 1. the side-by-side equivalence tests on the GPU (GAN_LAB_TEST_DEVICE=cuda), the conv and conditional
#    networks included;
# 2. bench_train (one run) and bench_sweep's 12-run stacks with --device cuda (the same code as on the CPU);
# 3. notebook 06's whole study (`sweep beyond`, 3 seeds, one worker per stack), timed against the goal of
#    5 minutes; it is stopped after SWEEP_LIMIT seconds (default 330; with DEADLINE=S, whatever is left of S
#    seconds from the script's start) and then reports how far each run got.
# Each step has a time limit, and a failed step does not stop the ones after it (a lent GPU is short-lived).
set -uo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
OUT_DIR=${1:-/tmp}
step() {  # step NAME LIMIT_SECONDS COMMAND...: run it with a time limit and say how it ended
    local name=$1 limit=$2 t0=$SECONDS rc
    shift 2
    echo "=== $name (limit ${limit} s)"
    timeout --kill-after=15 "$limit" "$@"
    rc=$?
    echo "=== $name: exit $rc after $((SECONDS - t0)) s"
}
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print('torch', torch.__version__, torch.cuda.get_device_name())" || exit 1
step "equivalence tests on the GPU" 120 env GAN_LAB_TEST_DEVICE=cuda "$PY" -m pytest -q -p no:cacheprovider -x \
    tests/test_stack.py tests/test_beyond.py -k "matches_the_same_run_alone or stack_runs_the_real_modules"
step "bench_train" 100 "$PY" benchmarks/bench_train.py --steps 2000 --device cuda
step "bench_sweep, 12-run stacks" 100 "$PY" benchmarks/bench_sweep.py --stacks-only --steps 2000 --device cuda
[ -n "${DEADLINE:-}" ] && SWEEP_LIMIT=$((DEADLINE - SECONDS))
step "sweep beyond: notebook 06's study" "${SWEEP_LIMIT:-330}" "$PY" -m gan_lab sweep beyond --out "$OUT_DIR/beyond" \
    --device cuda --workers 5 --no-progress
"$PY" - "$OUT_DIR/beyond" <<'EOF'
"""How far each run of the timed sweep got: finished (its training seconds) or the steps in its last checkpoint."""
import sys
from pathlib import Path

from gan_lab.checkpoint import CHECKPOINT_NAME, RESULT_NAME, load_checkpoint, read_result
from gan_lab.config import label, sweep_configs
from gan_lab.sweep import run_dir

for c in sweep_configs("beyond", 3, 100):
    d = run_dir(Path(sys.argv[1]), c)
    total = c.epochs * c.steps_per_epoch
    if (d / RESULT_NAME).is_file():
        print(f"{label(c):40s} seed {c.seed}: finished, {read_result(d / RESULT_NAME)['seconds']:.0f} s per run of its stack")
    elif (d / CHECKPOINT_NAME).is_file():
        step = int(load_checkpoint(d / CHECKPOINT_NAME)["step"])
        print(f"{label(c):40s} seed {c.seed}: {step} of {total} steps ({step / total:.0%})")
    else:
        print(f"{label(c):40s} seed {c.seed}: not started")
EOF
