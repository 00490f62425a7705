"""Smoke runs of the benchmark scripts on a tiny budget: each runs end to end and writes the table it promises."""
import subprocess, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

def test_default_path_smoke(tmp_path):
    "benchmarks/default_path.py: one tiny run per design, with the prediction, writes one row per run with every score"
    cmd = [sys.executable, ROOT/'benchmarks'/'default_path.py', '--designs', 'default', 'laplace2', '--data-seeds', '0', '--model-seeds', '0',
           '--cells', '30', '--epochs', '2', '--workers', '1', '--out', str(tmp_path)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={'MPLBACKEND': 'Agg', 'PATH': '/usr/bin:/bin'})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    runs = pd.read_csv(tmp_path/'default_path_runs.csv')
    assert runs['design'].tolist() == ['default', 'laplace2']
    for col in ('mcc_tx', 'mcc_tx_before_alignment', 'r2_diag_min', 'r2_offdiag_max', 'r2_top_deg_fcr', 'r2_top_deg_additive', 'r2_top_deg_arithmetic'):
        assert runs[col].notna().all(), col
