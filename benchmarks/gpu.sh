#!/usr/bin/env bash
# Everything the GPU measurements need, in one go, on a machine with one CUDA GPU (issue 22:
# training throughput). Installs nothing: it needs a Python whose torch sees CUDA (with numpy,
# pillow, tqdm; scipy and torchvision for fid.py), found as
#   $PYTHON if set, else the checkout's .venv/bin/python, else python3 / python on PATH
# (the first whose torch reports torch.cuda.is_available()).
#
#   bash benchmarks/gpu.sh              # about 6 minutes on an H100 (hard limit 7)
#   QUICK=1 bash benchmarks/gpu.sh      # a 1-2 minute check that it runs
#   GRID_BUDGET=200 bash benchmarks/gpu.sh
#   DEVICE=cpu QUICK=1 bash benchmarks/gpu.sh   # the same script on the CPU (a smoke test)
#
# Results: JSON lines appended to $OUT/results/{grid_throughput,fid}.jsonl when $OUT is set,
# else to benchmarks/results/; logs and nvidia-smi output next to them. What is measured:
# benchmarks/README.md, "GPU: many small runs on one device".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

if [ -n "${OUT:-}" ]; then
    RES="$OUT/results"
else
    RES="$ROOT/benchmarks/results"
fi
LOGS="${OUT:-$RES}"
mkdir -p "$RES" "$LOGS"

DEVICE="${DEVICE:-cuda}"
if [ "$DEVICE" = cuda ]; then
    NEED="torch.cuda.is_available()"
else
    NEED="True"
fi
PY=""
for cand in "${PYTHON:-}" "$ROOT/.venv/bin/python" python3 python; do
    [ -n "$cand" ] || continue
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
    # grid.py needs torch, numpy, pillow and tqdm; fid.py also scipy (and torchvision)
    if "$cand" -c "import sys, numpy, PIL, tqdm, torch; sys.exit(0 if $NEED else 1)" \
            >/dev/null 2>&1; then
        PY="$cand"
        break
    fi
    echo "($cand: lacks torch, numpy, pillow or tqdm, or its torch sees no CUDA device)"
done
if [ -z "$PY" ]; then
    echo "No Python with a CUDA-enabled torch found: set PYTHON=/path/to/python." >&2
    exit 2
fi
"$PY" -c "import sys, torch; print('python', sys.executable, '| torch', torch.__version__, \
'| CUDA', torch.version.cuda, '|', torch.cuda.get_device_name() if '$DEVICE' == 'cuda' else 'cpu')"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi > "$LOGS/nvidia-smi.txt" 2>&1

if [ "${QUICK:-0}" = "1" ]; then
    GRID_ARGS=(--quick --budget "${GRID_BUDGET:-60}")
    FID_N=1000
    [ "$DEVICE" = cpu ] && FID_N=200 && FID_EXTRACTORS=randconv,synthcnn
else
    GRID_ARGS=(--budget "${GRID_BUDGET:-290}")
    FID_N=10000
fi
GRID_BUDGET_S=$(echo "${GRID_ARGS[@]}" | sed 's/.*--budget \([0-9]*\).*/\1/')
started=$(date +%s)

echo "== training throughput: benchmarks/grid.py --device $DEVICE ${GRID_ARGS[*]}"
timeout $((GRID_BUDGET_S + 40)) "$PY" benchmarks/grid.py --device "$DEVICE" "${GRID_ARGS[@]}" \
    --out "$RES/grid_throughput.jsonl" 2>&1 | tee "$LOGS/grid.log" | grep -v '^{'
grid_rc=${PIPESTATUS[0]}

echo "== FD feature extraction: benchmarks/fid.py --devices $DEVICE --features-only --n $FID_N"
timeout 80 "$PY" benchmarks/fid.py --devices "$DEVICE" --features-only --n "$FID_N" \
    --extractors "${FID_EXTRACTORS:-randconv,synthcnn,inception}" \
    --out "$RES/fid.jsonl" > "$LOGS/fid.log" 2>&1
fid_rc=$?
"$PY" - "$LOGS/fid.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line)
        print(f"  {r['extractor']:34} {r['images_per_s']:>10.0f} images/s  ({r['n']} images, "
              f"batch {r['batch_size']}, {r['seconds']} s)")
    elif line.strip():
        print("  " + line.rstrip())
EOF

echo "== done in $(( $(date +%s) - started )) s (grid.py rc=$grid_rc, fid.py rc=$fid_rc);" \
     "results in $RES"
[ "$grid_rc" = 0 ] && [ "$fid_rc" = 0 ]
