#!/usr/bin/env python
"""What a user waits for: one `FCR.train` with its defaults, early stopping allowed to fire, timed end to end, on
  - `kang`: Kang 2018 with all 6,998 genes, CD4T's stimulated cells held out (the tutorial's question);
  - `perturbench`: the PerturBench development subset, its four held-out combinations removed;
  - `sim2000`: `fcr.simulate.simulate` at 2,000 genes, drug1 x line0 held out.
Each run is a fresh process that imports `fcr` from one code tree, so it can time two versions of the code side by side:
`--baseline-ref REF` checks REF out into a git worktree and runs its code in the same invocation, interleaved with this
tree's (run by run), and prints this tree's figures over the baseline's. The machine is shared and noisy: only the ratios
count. `--baseline-epochs 150` caps the baseline's runs (the tutorials' old cap) while this tree's run to convergence.

Per run: epochs, best epoch, whether early stopping fired, training seconds (`FCR.train`, alignment included), training
cells per second (cells x epochs / seconds), peak RSS of the process, and the validation cells' reconstruction NLL of the state training ends with (`heldout_rec`: summed
over genes, averaged over cells; the one held-out score every version reports alike; lower is better).

    python benchmarks/train_time.py --data kang perturbench sim2000 --baseline-ref 668f869 --baseline-epochs 150
    python benchmarks/train_time.py --data sim2000 --cells 40 --max-epochs 2   # smoke run, this tree only
    python benchmarks/train_time.py --data sim2000 kang --device cuda --bf16   # on a GPU (benchmarks/gpu_check.sh)

Writes train_time_runs.csv to --out (default benchmarks/results/) and prints it with the ratios.
"""
import argparse, json, os, resource, signal, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def training_data(name, cells=None):
    "The registered training cells of data set `name`: the real ones as `real_data_seeds.py` builds them (with the fcr being timed)"
    from fcr.data import setup_anndata
    if name == 'kang':
        from real_data_seeds import kang_genes, kang_training
        return kang_training(kang_genes(0), 'CD4T')
    if name == 'perturbench':
        from real_data_seeds import perturbench_data
        return perturbench_data()
    from fcr.simulate import simulate
    full = simulate(n_genes=2000, heldout=[('drug1', 'line0')], seed=0, **({'cells_per_condition': cells} if cells else {}))
    train = full[~full.obs['heldout'].to_numpy()].copy()
    setup_anndata(train, 'treatment', 'cell_line')
    return train


def worker(name, cells, train_kw):
    "Train once with FCR.train's defaults (and `train_kw`) on `name`; print one JSON line of figures"
    import torch
    from fcr.train import FCR, _split
    from fcr.loader import FCRDataset
    adata = training_data(name, cells)
    model, t0 = FCR(adata), time.time()
    model.train(progress_bar=False, **train_kw)
    secs, h, params = time.time() - t0, model.history, model.train_params
    train_idx, val_idx = _split(adata, model.registry, params['validation_size'], params['seed'])
    ds, dev = FCRDataset(adata, pool_cells=train_idx), next(model.module.parameters()).device
    heldout = model._evaluate(ds, val_idx, 2048, params['seed'], dev)['rec']   # every version has it: the validation cells' reconstruction NLL
    monitored = h[f"val_{params.get('monitor', 'loss')}"]   # what each version's early stopping followed
    print(json.dumps(dict(epochs=len(h), best_epoch=int(monitored.idxmin()),
                          early_stop=bool(len(h) < params['max_epochs']), max_epochs=params['max_epochs'], batch_size=params['batch_size'],
                          seconds=round(secs, 1), cells_per_second=round(params['n_train'] * len(h) / secs), n_train=params['n_train'],
                          peak_rss_gib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                          heldout_rec=round(float(heldout), 3), threads=torch.get_num_threads(), device=str(dev))))


def run_tree(tree, name, cells, train_kw, threads, data):
    "One worker process importing fcr from `tree`; its figures as a dict"
    env = os.environ | {'PYTHONPATH': str(tree), 'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)}
    if data is not None: env['FCR_DATA_DIR'] = str(data)   # a worktree elsewhere has no ../shared beside it
    cmd = [sys.executable, str(Path(__file__).resolve()), '--worker', name, '--train', json.dumps(train_kw)] + (['--cells', str(cells)] if cells else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode: raise RuntimeError(f"the run of {name} from {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', nargs='+', default=['kang', 'perturbench', 'sim2000'], choices=['kang', 'perturbench', 'sim2000'])
    p.add_argument('--baseline-ref', help='a git ref whose code runs beside this tree, interleaved (default: this tree only)')
    p.add_argument('--baseline-epochs', type=int, help="the baseline's maximum epochs (default: its FCR.train's)")
    p.add_argument('--max-epochs', type=int, help="this tree's maximum epochs (default: FCR.train's)")
    p.add_argument('--repeats', type=int, default=1, help='runs per data set and tree')
    p.add_argument('--threads', type=int, default=min(os.cpu_count() or 1, 4), help='torch threads per run')
    p.add_argument('--cells', type=int, help="sim2000 only: cells per condition (default: the simulator's)")
    p.add_argument('--device', default='auto', help="FCR.train's device for every run (default 'auto')")
    p.add_argument('--bf16', action='store_true', help='train with mixed_precision=True (bf16 autocast) in every run')
    p.add_argument('--out', default='benchmarks/results')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    p.add_argument('--train', default='{}', help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker: return worker(a.worker, a.cells, json.loads(a.train))
    from fcr.core import data_dir   # this tree's: found once here, for every worker
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # a killed run still removes its worktree (the `finally` below)
    data = data_dir()
    both = {'device': a.device} | ({'mixed_precision': True} if a.bf16 else {})
    trees = {'this tree': (ROOT, both | ({'max_epochs': a.max_epochs} if a.max_epochs else {}))}
    with tempfile.TemporaryDirectory() as tmp:
        if a.baseline_ref:
            base = Path(tmp)/'baseline'
            subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', str(base), a.baseline_ref], check=True, capture_output=True)
            trees['baseline'] = (base, both | ({'max_epochs': a.baseline_epochs} if a.baseline_epochs else {}))
        try:
            rows = []
            for name in a.data:
                for r in range(a.repeats):
                    for label, (tree, kw) in trees.items():   # interleaved: the trees share the machine's moods
                        rows.append(dict(data=name, code=label, repeat=r) | run_tree(tree, name, a.cells, kw, a.threads, data))
                        print(json.dumps(rows[-1]), flush=True)
        finally:
            if a.baseline_ref: subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(base)], capture_output=True)
    df = pd.DataFrame(rows)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True); df.to_csv(out/'train_time_runs.csv', index=False)
    print(df.to_string(index=False))
    if a.baseline_ref:
        g = df.groupby(['data', 'code'])[['seconds', 'epochs', 'cells_per_second', 'peak_rss_gib', 'heldout_rec']].mean()
        ratio = g.xs('this tree', level='code') / g.xs('baseline', level='code')
        print("\nthis tree / baseline (means over repeats; wall-time speed-up is 1 / seconds):")
        print(ratio.round(3).to_string())
        print((g.xs('this tree', level='code')['heldout_rec'] - g.xs('baseline', level='code')['heldout_rec']).round(2).rename('held-out reconstruction NLL, this tree - baseline (lower is better)').to_string())
    print(f"wrote {out/'train_time_runs.csv'}")
    return df


if __name__ == '__main__': main()
