#!/usr/bin/env bash
# The checks that need a CUDA GPU, prepared to run in one step on a machine that has one:
#
#     bash bench/gpu_check.sh [PYTHON]          # from the repository root
#
# PYTHON (default: .venv/bin/python, else python3) must have the project's dependencies
# with a CUDA build of torch. It prints the device, runs the CUDA tests (test_gpu.py: the
# CUDA load, complete and perplexity, a real out-of-memory falling back to the CPU,
# fine-tuning on the GPU) and the completion benchmark on the GPU (ratios against its
# own baselines from the same run), and writes everything to $OUT (default
# /tmp/gpu_check). The exit status is the tests' status.
set -u
cd "$(dirname "$0")/.."
PY=${1:-}
if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" QT_QPA_PLATFORM=offscreen
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

"$PY" - <<'PY' 2>&1 | tee "$OUT/device.txt"
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda)
if not torch.cuda.is_available():
    raise SystemExit("gpu_check: no CUDA device is visible to torch; nothing to check")
free, total = torch.cuda.mem_get_info()
print(torch.cuda.get_device_name(0), f"{free / 2**30:.1f} GiB free of {total / 2**30:.1f}")
PY
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 3

"$PY" -m pytest -q tests/robustness/test_gpu.py tests/unit/test_devices.py \
    tests/unit/test_registry.py -p no:cacheprovider 2>&1 | tee "$OUT/tests.txt"
status=${PIPESTATUS[0]}

timeout 900 "$PY" bench/completion.py --no-ui --repeats 3 2>&1 | tee "$OUT/completion.txt"
exit "$status"
