#!/usr/bin/env bash
# The GPU check (issues 9 and 10), unattended on a fresh GPU machine without network:
#   bench/gpu-check.sh LOGDIR
# 1. node: the machine's own, else the binary bench/gpu-carry.sh packed into .carry/;
# 2. the addon: the CUDA build carried in build/Release (else builds it, when nvcc and cmake are there);
# 3. the CUDA test suite (test/cuda.test.ts: every kernel against the CPU) and the product fusion
#    tests on the GPU;
# 4. the GPU benchmarks (bench:gpu) and the logistic-regression NUTS benchmark on the GPU, with
#    NumPyro's NUTS on the same card and data shape side by side (and our 1-chain figure again
#    with product fusion on the GPU and with each leaf read before the next is queued);
# 5. the op test files with the GPU as the default device, and the 1-chain figure without
#    elementwise fusion and without CUDA graphs;
# and prints a short table last. Full logs go to LOGDIR. Each step has a time limit, so a hang
# costs minutes, not the session.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=$(realpath -m "${1:-gpu-check-logs}")
mkdir -p "$LOG"
start=$SECONDS
step() {  # step NAME LIMIT_S COMMAND...: runs COMMAND, logs to LOGDIR/NAME.txt, records status and seconds
  local name=$1 limit=$2 t0=$SECONDS
  shift 2
  timeout -k 10 "$limit" "$@" >"$LOG/$name.txt" 2>&1
  local rc=$?
  echo "$name rc=$rc $((SECONDS - t0))s" | tee -a "$LOG/steps.txt"
  return $rc
}

if ! command -v node >/dev/null 2>&1; then
  mkdir -p .carry/bin
  xz -dc .carry/node.xz >.carry/bin/node && chmod +x .carry/bin/node
  export PATH="$PWD/.carry/bin:$PATH"
fi
[ -d node_modules/mocha ] || tar -xJf .carry/modules.tar.xz
# The addon (tens of MB of GPU code) travels compressed.
if [ ! -f build/Release/randvar.node ] && [ -f .carry/randvar.node.xz ]; then
  mkdir -p build/Release && xz -dc .carry/randvar.node.xz >build/Release/randvar.node
fi
echo "node $(node --version), $(nproc) cores" | tee "$LOG/steps.txt"
nvidia-smi >"$LOG/nvidia-smi.txt" 2>&1 || true
GPU_NAME=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)

if ! node -e "process.exit(require('node-gyp-build')('.').devices().length > 1 ? 0 : 1)" 2>"$LOG/addon.txt"; then
  echo "the carried addon sees no GPU: $(node -e "console.log(require('node-gyp-build')('.').cudaInfo().reason)" 2>&1); building" | tee -a "$LOG/steps.txt"
  step build 400 node scripts/install.js --force --backend=cmake-js --cuda
fi

# GPU_CHECK_SHORT=1: every step with tight limits and bench:gpu with fewer rounds (for a nearly
# spent device budget).
short=${GPU_CHECK_SHORT:-0}
MOCHA="node node_modules/mocha/bin/mocha.js --no-config --node-option import=tsx --timeout 300000"
step cuda-tests $([ "$short" = 1 ] && echo 60 || echo 240) $MOCHA test/cuda.test.ts
# Product fusion on the GPU (RANDVAR_GPU_FUSED_PRODUCTS=1: off by default until this has passed on
# a GPU): its tests (the graphs it fuses give op by op's bits; NUTS's draws).
step fused-products $([ "$short" = 1 ] && echo 60 || echo 120) env RANDVAR_TEST_DEVICE=cuda:0 RANDVAR_GPU_FUSED_PRODUCTS=1 $MOCHA --require test/device-setup.ts test/fused-products.test.ts test/jit.test.ts
# The figures first (issues 9 and 10), so that a run cut short still has them.
step bench-gpu $([ "$short" = 1 ] && echo 45 || echo 150) node --import tsx bench/gpu.ts $([ "$short" = 1 ] && echo --rounds 3)
step logreg-gpu $([ "$short" = 1 ] && echo 50 || echo 300) node --import tsx bench/logreg-nuts.ts --device cuda:0 --profile --summary-out "$LOG/logreg-gpu.json" ${LOGREG_COMPARE:+--compare "$LOGREG_COMPARE"}
# The 1-chain figure with product fusion on the GPU.
step logreg-gpu-fused-products $([ "$short" = 1 ] && echo 40 || echo 120) env RANDVAR_GPU_FUSED_PRODUCTS=1 node --import tsx bench/logreg-nuts.ts --device cuda:0 --draws 100
# Without queueing the next leaf before the host reads this one (native/nuts.h), to see what it gives.
step logreg-gpu-in-turn $([ "$short" = 1 ] && echo 40 || echo 120) env RANDVAR_NUTS_SPECULATE=0 node --import tsx bench/logreg-nuts.ts --device cuda:0 --draws 100
if [ -f .carry/peers/numpyro_logreg.py ]; then
  step numpyro $([ "$short" = 1 ] && echo 40 || echo 240) python3 .carry/peers/numpyro_logreg.py --samples 100
else
  echo "numpyro: .carry/peers/numpyro_logreg.py missing (run bench/gpu-carry.sh)" | tee -a "$LOG/steps.txt"
fi
# GPU_CHECK_OPS="a b": only these op test files (test/a.test.ts ...), for a short rerun.
OPS=${GPU_CHECK_OPS:-"graph-replay jit fusion fused-products indexing reduction elementwise special layout view matmul linalg creation random tensor cross-entropy autodiff autodiff-elementwise autodiff-reduction autodiff-linalg distributions-continuous"}
step device-suite $([ "$short" = 1 ] && echo 180 || echo 300) env RANDVAR_TEST_DEVICE=cuda:0 $MOCHA --require test/device-setup.ts $(for f in $OPS; do echo test/$f.test.ts; done)
# The same 1-chain figure without elementwise fusion (jit's RANDVAR_FUSE=0), and without CUDA
# graphs (graphs replayed step by step), to see what they give.
step logreg-gpu-unfused $([ "$short" = 1 ] && echo 40 || echo 120) env RANDVAR_FUSE=0 node --import tsx bench/logreg-nuts.ts --device cuda:0 --draws 100
step logreg-gpu-stepwise $([ "$short" = 1 ] && echo 40 || echo 120) env RANDVAR_CUDA_GRAPHS=0 node --import tsx bench/logreg-nuts.ts --device cuda:0 --draws 100

# The short table, last.
summary() { grep -E "$2" "$LOG/$1.txt" 2>/dev/null | tail -${3:-50}; }
echo
echo "== GPU check on ${GPU_NAME:-unknown GPU}: $((SECONDS - start)) s =="
cat "$LOG/steps.txt"
echo "-- CUDA tests:"; summary cuda-tests 'passing|failing|pending' 3
grep -E '^  [0-9]+\) ' "$LOG/cuda-tests.txt" | head -30
echo "-- op test files on cuda:0:"; summary device-suite 'passing|failing|pending' 3
grep -E '^  [0-9]+\) ' "$LOG/device-suite.txt" | head -30
echo "-- bench:gpu:"; summary bench-gpu '^\||target|fallbacks'
echo "-- logistic regression NUTS on the GPU:"; summary logreg-gpu 'floor:|gradient|ms per leapfrog|allocator|target|PASS|FAIL|machine'
echo "-- the same without elementwise fusion:"; summary logreg-gpu-unfused 'ms per leapfrog'
echo "-- product fusion on the GPU (RANDVAR_GPU_FUSED_PRODUCTS=1): tests, then the figure:"; summary fused-products 'passing|failing|pending' 3
grep -E '^  [0-9]+\) ' "$LOG/fused-products.txt" | head -10
summary logreg-gpu-fused-products 'ms per leapfrog'
echo "-- the same with each leaf read before the next is queued (RANDVAR_NUTS_SPECULATE=0):"; summary logreg-gpu-in-turn 'ms per leapfrog'
echo "-- the same without CUDA graphs:"; summary logreg-gpu-stepwise 'ms per leapfrog'
echo "-- NumPyro on the same GPU:"; summary numpyro 'numpyro|per leapfrog'
ours=$(grep -oE 'ms per leapfrog [0-9.]+ \(1 chain\)' "$LOG/logreg-gpu.txt" 2>/dev/null | grep -oE '[0-9.]+' | head -1)
theirs=$(grep -oE 'ms per leapfrog [0-9.]+' "$LOG/numpyro.txt" 2>/dev/null | grep -oE '[0-9.]+$' | tail -1)
if [ -n "$ours" ] && [ -n "$theirs" ]; then
  echo "1 chain ms per leapfrog: randvar $ours, NumPyro $theirs, NumPyro / randvar $(node -e "console.log(($theirs / $ours).toFixed(2))")"
fi
