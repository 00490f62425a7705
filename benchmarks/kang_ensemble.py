"""Kang: does averaging FCR's predictions over training seeds make its held-out cell-type predictions robust?

Single FCR runs predict Kang's held-out CD4T stimulated state about as well as the additive-shift baseline, above it in some
seeds and below in others (Pearson delta 0.65-0.79 against 0.753 over seeds 0-4). A run's seed decides which local optimum
training ends in. This script trains the Kang tutorial's FCR (2,000 genes, defaults, at most 150 epochs, one cell type's
stimulated cells held out) with --seeds, for CD4T and CD14+Mono, and scores with `fcr.metrics.counterfactual_table`:
  - every single run;
  - ensembles of disjoint consecutive groups of --ensemble-size seeds (their predicted cells averaged, cell by cell);
  - the control for what an ensemble averages: each run's predicted cells averaged over --ensemble-size count draws (the run
    repeated), which removes sampling noise but not the spread between runs;
  - every subset of --ensemble-size runs, from the single runs' predicted mean profiles (mean-profile scores only, so no
    E-distance): how often an ensemble of that size beats the additive shift.
Needs the data in FCR_DATA_DIR (or ../shared/data).

    python benchmarks/kang_ensemble.py                     # seeds 0-9, ensembles of 5
    python benchmarks/kang_ensemble.py --cell-types CD4T   # the committed results/kang_ensemble*.csv
    python benchmarks/kang_ensemble.py --seeds 0 1 2 --ensemble-size 3 --cell-types CD4T

Writes kang_ensemble.csv and kang_ensemble_subsets.csv to --out (default benchmarks/results/), and the trained models to
--out/kang_models/ (two runs at a time, one thread each). Models already saved there are reused, not trained again; training
seconds are the sum of the epochs' recorded times.
"""
import argparse, itertools, sys
from pathlib import Path
import numpy as np
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
import real_data_seeds as R
from identifiability import pool_map, write_table, logged
from fcr.data import setup_anndata
from fcr.train import FCR
from fcr.metrics import counterfactual_table, response_scores

SCORES = ['r2_all', 'r2_top_deg', 'pearson_delta', 'mse_top_deg', 'e_distance']


def training_cells(adata, cell_type):
    "The Kang cells without `cell_type`'s stimulated ones, set up as the tutorial does"
    held = (adata.obs['condition'] == 'stimulated').to_numpy() & (adata.obs['cell_type'] == cell_type).to_numpy()
    train = adata[~held].copy(); setup_anndata(train, 'condition', 'cell_type', likelihood='nb')
    return train


def train_one(job):
    "Train one run and save it in `folder`"
    cell_type, seed, epochs, folder = job
    model, secs = R.fit(training_cells(R.kang_genes(), cell_type), 'defaults', {}, seed, epochs)
    model.save(folder, overwrite=True)
    logged(dict(held_out=cell_type, seed=seed, secs=round(secs), epochs=len(model.history)))


def scores(models, adata, cell_type, seed, predictor, members):
    "counterfactual_table's rows for one predictor (a model or an ensemble), labelled"
    table, profiles = counterfactual_table(models, adata, [('stimulated', cell_type)], seed=seed)
    rows = [dict(held_out=cell_type, predictor=predictor if m == 'FCR' else m, members=members if m == 'FCR' else '')
            | {k: float(r[k]) for k in SCORES} for m, r in table.set_index('method').iterrows()]
    return rows, profiles[('stimulated', cell_type)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=list(range(10)))
    p.add_argument('--ensemble-size', type=int, default=5)
    p.add_argument('--cell-types', nargs='+', default=R.KANG_HELDOUT_TYPES)
    p.add_argument('--epochs', type=int, default=150, help='maximum epochs (default 150, as the tutorial)')
    p.add_argument('--out', default='benchmarks/results', help='folder for the CSVs and kang_models/')
    a = p.parse_args(argv)
    out = Path(a.out)
    folder = {(c, s): out/'kang_models'/f'{c}_{s}' for c in a.cell_types for s in a.seeds}
    pool_map(train_one, [(c, s, a.epochs, f) for (c, s), f in folder.items() if not (f/'model.pt').exists()], workers=2, threads=1)
    adata, k, rows, subsets = R.kang_genes(), a.ensemble_size, [], []
    for c in a.cell_types:
        train = training_cells(adata, c)
        models = {s: FCR.load(folder[c, s], train) for s in a.seeds}
        singles = {}
        for s in a.seeds:
            r, prof = scores(models[s], adata, c, s, 'single run', str(s))
            for x in r:
                if x['predictor'] == 'single run': x['train_seconds'] = round(float(models[s].history['seconds'].sum()))
            rows += r
            rows += [x for x in scores([models[s]]*k, adata, c, s, f'one run, {k} count draws', str(s))[0] if x['members']]
            singles[s] = prof
        groups = [a.seeds[i:i + k] for i in range(0, len(a.seeds) - k + 1, k)]
        for g in groups: rows += [x for x in scores([models[s] for s in g], adata, c, a.seeds[0], f'ensemble of {k}', ' '.join(map(str, g)))[0] if x['members']]
        ref = singles[a.seeds[0]]
        for g in itertools.combinations(a.seeds, k):
            mean_profile = np.mean([singles[s]['predictions']['FCR'] for s in g], 0)
            subsets.append(dict(held_out=c, members=' '.join(map(str, g))) | response_scores(ref['control'], ref['observed'], mean_profile, degs=ref['degs']))
    df = pd.DataFrame(rows).drop_duplicates(['held_out', 'predictor', 'members'])   # the baselines' rows repeat per call
    sub = pd.DataFrame(subsets)
    paths = [write_table(df, out, 'kang_ensemble.csv'), write_table(sub, out, 'kang_ensemble_subsets.csv')]
    print(df.round(3).to_string(index=False))
    base = df[df.predictor == 'additive shift'].set_index('held_out')
    for c, part in sub.groupby('held_out'):
        print(f"{c}: {len(part)} ensembles of {k} from single runs; above the additive shift on Pearson delta in "
              f"{(part.pearson_delta > base.loc[c, 'pearson_delta']).mean():.0%}, on top-50-DEG R² in {(part.r2_top_deg > base.loc[c, 'r2_top_deg']).mean():.0%}")
    print(f"Wrote {paths[0]} and {paths[1]}")


if __name__ == '__main__': main()
