#!/usr/bin/env bash
# The GPU path in one go, in under 5 minutes on one GPU: the training step's throughput at fcr's default width (128) and at
# 512, in bf16 and float32, and the user's job (benchmarks/train_time.py: FCR.train's defaults to convergence) on the
# simulator at 2,000 genes and on Kang with all genes, in bf16. Writes every JSON and CSV to OUT and merges them into
# OUT/gpu_check.json. Not run by the tests (they need no GPU); run it when a GPU machine is lent:
#
#     bash benchmarks/gpu_check.sh [OUT]        # default OUT: benchmarks/results/gpu_check
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/gpu_check}
py=${PYTHON:-python}
mkdir -p "$out"
"$py" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device: gpu_check.sh measures the GPU path only'"
for hidden in 128 512; do
  "$py" benchmarks/throughput.py --device cuda --bf16 --hidden "$hidden" --steps 50 --out "$out/throughput_h${hidden}_bf16.json"
  "$py" benchmarks/throughput.py --device cuda --hidden "$hidden" --steps 50 --out "$out/throughput_h${hidden}_fp32.json"
done
data=(sim2000)
[ -n "$("$py" -c 'from fcr.core import data_dir; print(data_dir() or "")')" ] && data+=(kang)
"$py" benchmarks/train_time.py --data "${data[@]}" --device cuda --bf16 --out "$out"
"$py" - "$out" <<'PY'
import json, sys
from pathlib import Path
import pandas as pd
out = Path(sys.argv[1])
merged = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob('throughput_*.json'))}
merged['train_time'] = pd.read_csv(out/'train_time_runs.csv').to_dict('records')
(out/'gpu_check.json').write_text(json.dumps(merged, indent=1, default=str))
print(f"wrote {out/'gpu_check.json'}")
PY
