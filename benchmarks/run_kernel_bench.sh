#!/usr/bin/env bash
# Kernel benchmark (make bench): the Swift fused census kernel, the same formula in numpy, and
# the memory copy bandwidth, all measured in this run on N cells (default 20 million).
# Prints a table of absolute figures and the ratios the targets are stated in.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000000}
THREADS=${THREADS:-$(nproc)}
bin=$(swift build -c release --show-bin-path)
swift build -c release --product KernelBenchmark >/dev/null
python3 -c "import numpy" 2>/dev/null || { echo "numpy is needed for the baseline: pip install numpy" >&2; exit 1; }
swift_json=$("$bin/KernelBenchmark" "$N" "$THREADS")
numpy_json=$(python3 benchmarks/kernel_numpy.py "$N")
python3 - "$swift_json" "$numpy_json" <<'PY'
import json, sys
s, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
same = s["levels"] == n["levels"] and abs(s["index_sum"] - n["index_sum"]) <= 1e-6 * abs(n["index_sum"])
ratio = s["cells_per_second"] / n["cells_per_second"]
bw = s["effective_bytes_per_second"] / s["copy_bytes_per_second"]
rows = [
    ("cells", f'{s["cells"]:,}', ""),
    ("Swift fused kernel", f'{s["cells_per_second"] / 1e6:,.1f} M cells/s', f'{s["threads"]} threads, {s["seconds"]:.3f} s'),
    ("numpy (np.interp per hazard)", f'{n["cells_per_second"] / 1e6:,.1f} M cells/s', f'numpy {n["numpy"]}, 1 thread, {n["seconds"]:.3f} s'),
    ("Swift / numpy", f'{ratio:,.1f}x', "target >= 50x"),
    ("kernel effective bandwidth", f'{s["effective_bytes_per_second"] / 1e9:,.2f} GB/s', f'{s["bytes_per_cell"]} bytes in+out per cell'),
    ("memory copy bandwidth", f'{s["copy_bytes_per_second"] / 1e9:,.2f} GB/s', "memcpy, read + write"),
    ("kernel / copy bandwidth", f'{100 * bw:,.1f} %', "target >= 50 %"),
    ("outputs agree with numpy", "yes" if same else "NO", "level counts and index sum"),
]
w = max(len(r[0]) for r in rows)
for a, b, c in rows:
    print(f"{a:<{w}}  {b:>22}  {c}")
PY
