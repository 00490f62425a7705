"""Smoke runs of the benchmark scripts on a tiny budget: each runs end to end and writes or prints the table it promises."""
import json, math, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from fcr.core import data_dir

ROOT = Path(__file__).resolve().parent.parent

def run_benchmark(script:str, *args) -> str:
    "Run benchmarks/<script> with `args` in a clean environment (headless, the data folder kept); its stdout"
    env = {'MPLBACKEND': 'Agg', 'PATH': '/usr/bin:/bin'} | ({'FCR_DATA_DIR': str(data_dir())} if data_dir() else {})
    res = subprocess.run([sys.executable, ROOT/'benchmarks'/script, *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res.stdout

def test_every_benchmark_has_a_smoke_test():
    "No benchmark script goes untested: each one is run below"
    here = Path(__file__).read_text()
    missing = [p.name for p in (ROOT/'benchmarks').glob('*.py') if f"'{p.name}'" not in here]
    assert not missing, f"benchmarks without a smoke test: {missing}"

def test_default_path_smoke(tmp_path):
    "default_path.py: one tiny run per design, with the prediction, writes one row per run with every score, the calibration weight included"
    run_benchmark('default_path.py', '--designs', 'default', 'laplace2', '--data-seeds', 0, '--model-seeds', 0,
                  '--cells', 30, '--epochs', 2, '--workers', 1, '--out', tmp_path)
    runs = pd.read_csv(tmp_path/'default_path_runs.csv')
    assert runs['design'].tolist() == ['default', 'laplace2']
    for col in ('best_val_loss', 'best_val_nelbo', 'mcc_tx', 'mcc_tx_before_alignment', 'r2_diag_min', 'r2_offdiag_max', 'r2_offdiag_max_truth', 'r2_offdiag_excess_max', 'r2_top_deg_fcr', 'r2_top_deg_additive', 'r2_top_deg_context', 'r2_top_deg_arithmetic', 'calibration_weight_fcr'):
        assert runs[col].notna().all(), col
    weight = runs.set_index('design')['calibration_weight_fcr']
    # two lines saw drug1 in the default design, too few to calibrate on; the two-covariate design has four groups,
    # and a two-epoch model's error is one they share (measured 0.95), so the calibration acts there
    assert weight['default'] == 0 and weight['laplace2'] > 0.5, weight

def test_default_path_truth_only(tmp_path):
    "default_path.py --truth-only: no training; the true blocks scored on each run's cells, the value a trained run reports beside its own"
    args = ('--designs', 'default', '--data-seeds', 0, '--cells', 30, '--workers', 1)
    run_benchmark('default_path.py', *args, '--model-seeds', 0, 1, '--truth-only', '--out', tmp_path)
    truth = pd.read_csv(tmp_path/'default_path_truth.csv')
    assert truth.columns.tolist() == ['design', 'data_seed', 'model_seed', 'r2_offdiag_max_truth'] and truth['model_seed'].tolist() == [0, 1]
    assert not (tmp_path/'default_path_runs.csv').exists()   # a trained run's table is never overwritten
    run_benchmark('default_path.py', *args, '--model-seeds', 0, '--epochs', 1, '--no-predict', '--out', tmp_path)
    trained = pd.read_csv(tmp_path/'default_path_runs.csv')
    assert trained['r2_offdiag_max_truth'].item() == truth['r2_offdiag_max_truth'][0]

def test_default_path_model_arguments(tmp_path):
    "default_path.py --model: FCR built with other arguments (here the expression embedding, on the two-covariate design)"
    run_benchmark('default_path.py', '--designs', 'laplace2', '--data-seeds', 0, '--model-seeds', 0, '--no-predict',
                  '--cells', 30, '--epochs', 2, '--workers', 1, '--model', '{"covariate_embedding": "expression"}', '--out', tmp_path)
    runs = pd.read_csv(tmp_path/'default_path_runs.csv')
    assert runs['mcc_tx'].notna().all() and len(runs) == 1
    with pytest.raises(AssertionError, match="covariate_embedding must be 'lookup' or 'expression'"):   # the arguments reach FCR
        run_benchmark('default_path.py', '--designs', 'default', '--data-seeds', 0, '--model-seeds', 0, '--no-predict', '--cells', 30,
                      '--epochs', 1, '--workers', 1, '--model', '{"covariate_embedding": "pca"}', '--out', tmp_path)

def test_identifiability_smoke(tmp_path):
    "identifiability.py: FCR and the additive reference, one seed, two epochs, no sweeps: one row per model and a summary"
    run_benchmark('identifiability.py', '--models', 'FCR,additive', '--model-seeds', 1, '--data-seeds', 1, '--epochs', 2, '--cells', 20,
                  '--no-sweeps', '--out', tmp_path)
    runs = pd.read_csv(tmp_path/'runs.csv')
    assert {'FCR', 'additive'} <= set(runs['model'])
    assert runs.loc[runs['model'] == 'FCR', 'mcc_tx_pearson'].between(0, 1).all()
    assert (tmp_path/'summary.csv').exists()

def test_throughput_smoke(tmp_path):
    "throughput.py: two steps of a tiny model write the step time, FLOPs and the combinations sweep"
    out = tmp_path/'throughput.json'
    run_benchmark('throughput.py', '--steps', 2, '--genes', 50, '--latent', 4, '--hidden', 16, '--threads', 1, '--out', out)
    res = json.loads(out.read_text())
    assert res['median_step_s'] > 0 and res['gflop_per_step'] > 0
    assert [s['combinations'] for s in res['sweep']] == [1, 36, 357, 3000]

def test_data_loading_smoke():
    "data_loading.py: one epoch over 2,000 cells, in memory and backed, each with its cells per second"
    out = run_benchmark('data_loading.py', '--cells', 2000, '--genes', 50, '--no-dense')
    lines = [l for l in out.splitlines() if 'cells/s' in l]
    assert [l.split()[0] for l in lines] == ['in-memory', 'backed'], out

def test_out_of_core_smoke():
    "out_of_core.py: one epoch of FCR over a 3,000-cell h5ad on disk ends with finite losses and a peak RSS"
    out = run_benchmark('out_of_core.py', '--cells', 3000, '--genes', 50, '--chunk-size', 256)
    r = json.loads(out.strip().splitlines()[-1])
    assert r['n_train'] > 0 and r['peak_rss_mb'] > 0
    assert math.isfinite(r['train_loss']) and math.isfinite(r['val_loss'])

@pytest.mark.skipif(data_dir() is None or not (data_dir()/'perturbench_devel.h5ad').exists(),
                    reason='perturbench_devel.h5ad not found: set FCR_DATA_DIR to the folder holding it')
def test_real_data_seeds(tmp_path):
    "real_data_seeds.py: one PerturBench run of one epoch, with latent arithmetic, writes its row with every score and saves its FCR (--models); a second run loads it (no training) and predicts with --unseen network"
    models = ('--data', 'perturbench', '--seeds', 0, '--epochs', 1, '--models', tmp_path/'models')
    run_benchmark('real_data_seeds.py', *models, '--arithmetic', '--out', tmp_path/'first')
    first = pd.read_csv(tmp_path/'first'/'perturbench_runs.csv')
    assert len(first) == 1
    for col in ('z_x cell line', 'z_tx combination', 'FCR r2_top_deg', 'control mean r2_top_deg', 'context-weighted shift pearson_delta', 'latent arithmetic pearson_delta', 'FCR calibration_weight'):
        assert first[col].notna().all(), col
    assert first['FCR calibration_weight'].between(0, 1).all()
    run_benchmark('real_data_seeds.py', *models, '--no-clustering', '--unseen', 'network', '--out', tmp_path/'second')
    second = pd.read_csv(tmp_path/'second'/'perturbench_runs.csv')
    assert [p.name for p in (tmp_path/'models').iterdir()] == ['perturbench_defaults_0']
    assert first['secs'].item() > 0 and second['secs'].item() == 0 and second['val'].item() == first['val'].item()
    assert not any(c.startswith('z_') for c in second.columns) and second['FCR r2_top_deg'].notna().all()

def test_train_time_smoke(tmp_path):
    "train_time.py: a two-epoch simulator run of this tree and of HEAD's code from a worktree, side by side, with the ratios"
    out = run_benchmark('train_time.py', '--data', 'sim2000', '--cells', 30, '--max-epochs', 2, '--baseline-ref', 'HEAD',
                        '--baseline-epochs', 2, '--threads', 1, '--out', tmp_path)
    runs = pd.read_csv(tmp_path/'train_time_runs.csv')
    assert runs['code'].tolist() == ['this tree', 'baseline'] and (runs['epochs'] == 2).all()
    assert (runs['seconds'] > 0).all() and (runs['peak_rss_gib'] > 0).all() and runs['heldout_rec'].map(math.isfinite).all()
    assert 'this tree / baseline' in out
