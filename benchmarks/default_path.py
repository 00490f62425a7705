"""What a user gets from FCR's default path on simulated data with ground truth: `FCR.train` with its defaults, then
`get_latent_blocks` (aligned by default) and `predict_counterfactual` (unseen combinations from the additive prior fit by default).

Designs (every one 3 cell lines x 4 drugs + control, drug1 x line0 held out, widths matching the truth: 2, 2, 3):
  - `default`: `fcr.simulate.simulate`'s defaults, 500 cells per condition; each combination's interaction drawn on its own;
  - `laplace2`: Laplace noise and a second covariate (2 batches), 250 cells per condition: a design the defaults were not tuned on;
  - `low_rank`: the default design with `interaction_structure='low_rank'`, so the held-out interaction follows from the seen ones.
Per run, on fresh cells: MCC(z_tx) of FCR's own z_tx block (aligned, and before alignment), the block R² matrix's smallest diagonal
and largest off-diagonal entry, the true blocks' own largest off-diagonal entry (they depend on each other through the labels) and the
largest excess of the learned matrix over the true one; with --predict, the held-out combination predicted from its line's controls by FCR, the additive
shift, the context-weighted shift and scGen's latent arithmetic on a plain VAE trained the same way (top-50-DEG R² and Pearson delta),
and the weight of FCR's calibration on the lines that saw drug1 (`predict_counterfactual`'s default on the log-normalised scale).

    python benchmarks/default_path.py --designs default laplace2 low_rank --data-seeds 0 1 2 --model-seeds 0 1 2
    python benchmarks/default_path.py --designs default low_rank --data-seeds 0 --unseen network   # the prior network's own extrapolation
    python benchmarks/default_path.py --designs default --data-seeds 0 --model-seeds 0 --cells 60 --epochs 3   # smoke run
    python benchmarks/default_path.py --model '{"covariate_embedding": "expression"}' --out /tmp/expr   # FCR built with other arguments
    python benchmarks/default_path.py --truth-only --out /tmp/truth   # no training: each run's floor for the off-diagonal target (seconds)

Writes default_path_runs.csv (with --truth-only, default_path_truth.csv) to --out (default benchmarks/results/) and prints a mean, min and max per design.
"""
import argparse, functools, json, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from fcr.simulate import simulate, simulate_cells
from fcr.train import FCR, PLAIN_VAE
from fcr.baselines import LatentArithmetic
from fcr.metrics import mcc, leakage_matrix, largest_off_diagonal
from fcr.response import counterfactual_table
sys.path.insert(0, str(Path(__file__).parent))
from identifiability import pool_map, write_table, logged, add_run_options

DIMS = dict(n_latent_x=2, n_latent_t=2, n_latent_tx=3)
DESIGNS = {'default': (dict(cells_per_condition=500), ['cell_line']),
           'laplace2': (dict(cells_per_condition=250, prior='laplace', n_batches=2), ['cell_line', 'batch']),
           'low_rank': (dict(cells_per_condition=500, interaction_structure='low_rank'), ['cell_line'])}


def make_data(design, seed, cells=None):
    "Training cells (drug1 x line0 removed, registered) and fresh cells of the same process, with the design's covariate keys"
    kwargs, keys = DESIGNS[design]
    full = simulate(**(kwargs | ({'cells_per_condition': cells} if cells else {})), heldout=[('drug1', 'line0')], seed=seed, **DIMS)
    train = full[~full.obs['heldout'].to_numpy()].copy()
    FCR.setup_anndata(train, treatment_key='treatment', covariate_keys=keys)
    return train, simulate_cells(full, seed=seed + 1000), keys


def true_blocks(fresh):
    "The fresh cells of the seen combinations and their true blocks"
    seen = fresh[~fresh.obs['heldout'].to_numpy()]
    return seen, {k: seen.obsm[k] for k in ('z_x', 'z_t', 'z_tx')}


def truth_floor(truth, seed):
    "The true blocks scored against themselves as the learned ones are: what a perfectly identified model's matrix would show"
    return leakage_matrix(truth, truth, max_cells=1500, seed=seed).to_numpy()


def identifiability(model, fresh, seed):
    "MCC(z_tx) of the own block, aligned and raw; the aligned block R² matrix's diagonal minimum and off-diagonal maximum, and that maximum for the true blocks"
    seen, truth = true_blocks(fresh)
    aligned = model.get_latent_blocks(seen)
    r2, floor = leakage_matrix(aligned, truth, max_cells=1500, seed=seed).to_numpy(), truth_floor(truth, seed)
    return dict(mcc_tx=mcc(truth['z_tx'], aligned['z_tx'], split=True, seed=seed),
                mcc_tx_before_alignment=mcc(truth['z_tx'], model.get_latent_blocks(seen, aligned=False)['z_tx'], split=True, seed=seed),
                r2_diag_min=float(np.diag(r2).min()), r2_offdiag_max=largest_off_diagonal(r2),
                r2_offdiag_max_truth=largest_off_diagonal(floor), r2_offdiag_excess_max=largest_off_diagonal(r2 - floor))


def truth_only(job):
    "No training: the true blocks' own off-diagonal maximum on the fresh cells a run is scored on (the floor of the leakage target)"
    design, ds, ms, a = job
    return logged(dict(design=design, data_seed=ds, model_seed=ms, r2_offdiag_max_truth=largest_off_diagonal(truth_floor(true_blocks(make_data(design, ds, a.cells)[1])[1], ms))))


def prediction(model, vae, fresh, keys, seed):
    "Top-50-DEG R² and Pearson delta of the held-out combination(s), averaged, for FCR and the references; the weight of FCR's calibration"
    FCR.setup_anndata(fresh, treatment_key='treatment', covariate_keys=keys)
    held = fresh.obs[fresh.obs['heldout'].to_numpy()]
    combos = sorted({('drug1', '|'.join(r)) for r in held[keys].astype(str).itertuples(index=False)})
    cf, profiles = counterfactual_table(model, fresh, combos, seed=seed, references={'latent arithmetic': LatentArithmetic(vae)})
    g = cf.groupby('method')[['r2_top_deg', 'pearson_delta']].mean()
    short = {'FCR': 'fcr', 'additive shift': 'additive', 'context-weighted shift': 'context', 'latent arithmetic': 'arithmetic', 'control mean': 'control'}
    return {f'{k}_{short[m]}': float(g.loc[m, k]) for m in short for k in ('r2_top_deg', 'pearson_delta')} | {
            'calibration_weight_fcr': float(np.mean([p['calibration_weight'] for p in profiles.values()]))}


def run(job):
    "Train FCR (and, to predict, a plain VAE) with FCR.train's defaults on one data set and score them"
    design, ds, ms, a = job
    torch.set_num_threads(1)
    train, fresh, keys = make_data(design, ds, a.cells)
    t0 = time.time()
    fit_kw = json.loads(a.train) | ({'max_epochs': a.epochs} if a.epochs else {})
    model = FCR(train, **DIMS, **json.loads(a.model)).train(progress_bar=False, seed=ms, **fit_kw)
    row = dict(design=design, data_seed=ds, model_seed=ms, epochs=len(model.history), best_epoch=int(model.history[f"val_{model.train_params['monitor']}"].idxmin()),
               best_val_loss=float(model.history['val_loss'].min()), best_val_nelbo=float(model.history['val_nelbo'].min()),
               train_seconds=time.time() - t0) | identifiability(model, fresh, ms)
    if a.predict:
        model.predict_counterfactual = functools.partial(model.predict_counterfactual, unseen=a.unseen)
        vae = FCR(train, **DIMS, **PLAIN_VAE).train(progress_bar=False, seed=ms, **fit_kw)
        row |= prediction(model, vae, fresh, keys, ms)
    return logged(row)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--designs', nargs='+', default=list(DESIGNS), choices=list(DESIGNS))
    p.add_argument('--data-seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--model-seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--predict', action=argparse.BooleanOptionalAction, default=True, help='also score the held-out prediction (trains a plain VAE too)')
    p.add_argument('--unseen', default='additive', choices=['additive', 'network'], help="FCR's z_tx prior for the held-out combination (default: predict_counterfactual's)")
    p.add_argument('--cells', type=int, help="cells per condition (default: the design's)")
    p.add_argument('--epochs', type=int, help="maximum epochs (default: FCR.train's)")
    p.add_argument('--train', default='{}', help='JSON of further FCR.train arguments for FCR and the plain VAE (default: none, the defaults)')
    p.add_argument('--model', default='{}', help='JSON of further FCR arguments for FCR only, e.g. \'{"covariate_embedding": "expression"}\' (default: none, the defaults)')
    p.add_argument('--truth-only', action='store_true', help="train nothing: score the true blocks against themselves, each run's floor for the off-diagonal target")
    add_run_options(p, 'default_path_runs.csv')
    a = p.parse_args(argv)
    jobs = [(d, ds, ms, a) for d in a.designs for ds in a.data_seeds for ms in a.model_seeds]
    df = pd.DataFrame(pool_map(truth_only if a.truth_only else run, jobs, a.workers, 1))
    path = write_table(df, a.out, 'default_path_truth.csv' if a.truth_only else 'default_path_runs.csv')
    cols = [c for c in df.columns if c not in ('design', 'data_seed', 'model_seed')]
    print(df.groupby('design')[cols].agg(['mean', 'min', 'max']).T.round(3).to_string())
    print(f"wrote {path}")
    return df


if __name__ == '__main__': main()
