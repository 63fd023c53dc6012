#!/usr/bin/env bash
# The CUDA checks and timings quoted in the README, for a machine with a GPU, torch and torchvision,
# and the MNIST files under $GAN_LAB_DATA_DIR. Run from the repository root:
#     benchmarks/run_cuda.sh
# 1. the side-by-side equivalence tests, on the GPU (GAN_LAB_TEST_DEVICE=cuda), and a run moved between devices;
# 2. bench_train and bench_sweep with --device cuda (the same code as on the CPU).
set -euo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print('torch', torch.__version__, torch.cuda.get_device_name())"
GAN_LAB_TEST_DEVICE=cuda "$PY" -m pytest -q -p no:cacheprovider tests/test_sweep.py \
    -k "matches_the_same_run_alone or resumed_from_different_epochs"
"$PY" -m pytest -q -p no:cacheprovider tests/test_runfiles.py -k "moves"  # CPU -> GPU -> CPU, and GPU -> CPU
"$PY" benchmarks/bench_train.py --steps 3000 --device cuda
"$PY" benchmarks/bench_sweep.py --steps 2000 --device cuda
