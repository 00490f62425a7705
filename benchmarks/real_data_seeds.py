"""The real-data tutorials' protocols over seeds and settings, beyond the one run each tutorial shows.

`--data perturbench` follows nbs/tutorials/perturbench.ipynb: typed perturbations, the same four held-out combinations, FCR
trained with FCR.train's budget (--epochs caps it); the seen cells' blocks clustered against the cell line, the perturbation and their combination,
and the held-out combinations predicted from their lines' controls (top-50-DEG R² and Pearson delta averaged over the four, for
FCR and the three baselines that learn nothing).
`--data kang` follows nbs/tutorials/kang.ipynb: the 2,000 most variable genes (chosen without the held-out cells), one cell
type's stimulated cells held out per run (CD4T, then CD14+Mono), FCR trained with FCR.train's budget; the training cells' blocks
clustered against the cell type, the condition and their combination, and the held-out state predicted from that cell type's
controls (FCR against the additive and context-weighted shifts, `fcr.response.counterfactual_table`).
Blocks are clustered by Leiden with the resolution searched per label (`fcr.clustering.clustering_scores`); NMI is reported, and
beside it the share of each block's variance that lies between the label's groups (`fcr.clustering.label_variance_share`, columns
'share <block> <label>'): a block with cell-level variation inside the groups clusters worse.

`--plant-fold F` (PerturBench only) first plants a known perturbation x cell-line interaction in the counts
(`fcr.ground_truth.plant_interaction`, seed 0: every treated (perturbation, line) group gets 20 of the 50 genes most expressed in
its line's controls raised by (F - 1) x its line's control mean), so that z_tx has a line-specific part to find; the rows get a `fold` column and
go to perturbench_planted_runs.csv. F = 1 plants nothing (the counts are unchanged), a check that the planting path reproduces the plain runs.

A setting named `untrained` (or any setting run with --epochs 0) is not trained at all: FCR's encoders read the labels as well as
the expression, so an untrained model's blocks show what the labels alone give the clustering scores.
Needs the data in FCR_DATA_DIR (or ../shared/data).

    python benchmarks/real_data_seeds.py --data perturbench                      # defaults, seeds 1-4
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 --settings '{"untrained": {}, "label-free encoders": {"conditional_encoder": false}}'
    python benchmarks/real_data_seeds.py --data perturbench --seeds 0 1 2 3 4 --plant-fold 1 2 3  # a planted interaction (as committed)
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 2 3 4 --arithmetic            # with scGen's latent arithmetic beside FCR
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 2 3 4 --arithmetic --n-genes 0   # FCR.train's defaults, all genes
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 2 3 4 --arithmetic --n-genes 0 --no-clustering --models /tmp/kang   # the predictions only; models kept
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 2 3 4 --n-genes 0 --no-clustering --models /tmp/kang --unseen network --out /tmp  # the same models, the network's own z_tx prior
    python benchmarks/real_data_seeds.py --data kang --seeds 0 1 2 3 4 --n-genes 0 --no-clustering --models /tmp/kang --no-calibration --out /tmp  # the same models, FCR's own predictions (the committed tables' uncalibrated columns)

Writes <data>_runs.csv (Kang on all genes: kang_all_genes_runs.csv) to --out (default benchmarks/results/, gitignored); two runs at a time, one thread each.
"""
import argparse, functools, json, sys, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import scanpy as sc
import torch
from fcr.data import setup_anndata
from fcr.loader import add_split
from fcr.datasets import load_perturbench, load_kang2018
from fcr.ground_truth import plant_interaction
from fcr.train import FCR, PLAIN_VAE
from fcr.baselines import LatentArithmetic
from fcr.clustering import clustering_scores, label_variance_share
from fcr.response import counterfactual_table
sys.path.insert(0, str(Path(__file__).parent))
from identifiability import pool_map, write_table, logged

PERTURBENCH_HELDOUT = [('MAP2K6(CRISPRi)', 'A172'), ('SGK1(CRISPRi)', 'T98G'), ('MAPK1(CRISPRi)', 'U87MG'), ('TGFBR2(CRISPRi)', 'A172')]
KANG_HELDOUT_TYPES = ['CD4T', 'CD14+Mono']


def combined(treatment, covariate):
    "The labels of a run's cells: covariate, treatment and their combination 'treatment|covariate'"
    t, x = treatment.astype(str).to_numpy(), covariate.astype(str).to_numpy()
    return x, t, np.char.add(np.char.add(t, '|'), x)


def block_scores(model, cells, labels, seed, clustering):
    "NMI of each block's Leiden clusters against each label, and the between-group share of each block's variance, side by side (none without `clustering`)"
    if not clustering: return pd.DataFrame()
    blocks = model.get_latent_blocks(cells)
    shares = label_variance_share(blocks, labels).add_prefix('share ')
    return clustering_scores(blocks, labels, seed=seed).join(shares)


def prediction_columns(model, adata, heldout, seed, methods, reference=None, calibrate=True):
    "Top-50-DEG R² and Pearson delta of each method, averaged over the held-out combinations, as columns '<method> <score>', and the weight of FCR's calibration"
    references = {'latent arithmetic': LatentArithmetic(reference)} if reference is not None else {}
    methods = tuple(methods) + tuple(references)
    table, profiles = counterfactual_table(model, adata, heldout, seed=seed, references=references, calibrate=calibrate)
    pred = table.groupby('method').mean(numeric_only=True)
    weight = {'FCR calibration_weight': round(float(np.mean([p['calibration_weight'] for p in profiles.values()])), 3)}   # predict_counterfactual's, averaged
    return {f'{m} {s}': round(float(pred.loc[m, s]), 3) for m in methods for s in ('r2_top_deg', 'pearson_delta')} | weight


def budget(epochs): return {'max_epochs': epochs} if epochs else {}   # None: FCR.train's own budget


def fit(adata, setting, kwargs, seed, epochs, opts):
    """An FCR on `adata` (`kwargs` for FCR, and under 'train' for FCR.train), trained for at most `epochs` (none for the 'untrained' setting), and its training seconds.
    With opts['model_path'], a model saved there is loaded instead of trained (0 seconds), and a trained one is saved there; its predictions use opts['unseen']."""
    path = opts.get('model_path')
    if path and (Path(path)/'model.pt').exists(): model, secs = FCR.load(path, adata), 0.
    else:
        torch.manual_seed(seed)
        kwargs = dict(kwargs); train_kw = kwargs.pop('train', {})
        model, t0 = FCR(adata, **kwargs), time.time()
        if setting != 'untrained' and epochs != 0: model.train(seed=seed, progress_bar=False, **budget(epochs) | train_kw)
        secs = time.time() - t0
        if path: model.save(path)
    model.predict_counterfactual = functools.partial(model.predict_counterfactual, unseen=opts.get('unseen', 'additive'))
    return model, secs


def reference_vae(adata, seed, epochs, arithmetic, train_kw=None):
    "With --arithmetic, a plain VAE trained like FCR (with the setting's FCR.train arguments), for scGen's latent arithmetic; else None"
    return FCR(adata, **PLAIN_VAE).train(seed=seed, progress_bar=False, align=False, **budget(epochs) | (train_kw or {})) if arithmetic else None


def perturbench_data(fold=None):
    "The PerturBench tutorial's data, registered and split; with a `fold`, with an interaction of that fold planted first (seed 0)"
    adata = load_perturbench(typed=True, setup=fold is None)
    if fold is not None:
        with warnings.catch_warnings():  # the log1p layer is not carried over: nothing here reads it
            warnings.filterwarnings('ignore', 'plant_interaction copies only')
            adata = plant_interaction(adata, 'perturbation_typed', 'cell_type', fold=fold, seed=0)[0]
        setup_anndata(adata, 'perturbation_typed', 'cell_type', dose_key='dose', likelihood='nb')
    add_split(adata, heldout=PERTURBENCH_HELDOUT, seed=0)
    return adata


def perturbench_run(setting, kwargs, seed, epochs, _, fold, arithmetic, n_genes, opts):
    "One PerturBench run: NMI and share of each block of the seen cells against the cell line, the perturbation and their combination, and the prediction scores"
    adata = perturbench_data(fold)
    model, secs = fit(adata, setting, kwargs, seed, epochs, opts)
    seen = adata[adata.obs['fcr_split'].to_numpy() != 'heldout']
    line, pert, combo = combined(seen.obs['perturbation_typed'], seen.obs['cell_type'])
    scores = block_scores(model, seen, {'cell line': line, 'perturbation': pert, 'combination': combo}, seed, opts['clustering'])
    return model, secs, scores, prediction_columns(model, adata, PERTURBENCH_HELDOUT, seed, ('FCR', 'control mean', 'additive shift', 'context-weighted shift'), reference_vae(adata, seed, epochs, arithmetic, kwargs.get('train')), opts.get('calibrate', True))


def kang_genes(n_genes=2000):
    "The Kang tutorial's data: the `n_genes` most variable genes (0: all 6,998), chosen without the stimulated cells of either held-out cell type"
    full = load_kang2018(setup=False)
    if not n_genes: return full
    held_any = (full.obs['condition'] == 'stimulated').to_numpy() & full.obs['cell_type'].isin(KANG_HELDOUT_TYPES).to_numpy()
    hvg = sc.pp.highly_variable_genes(full[~held_any], layer='log1p', n_top_genes=n_genes, inplace=False)
    return full[:, hvg['highly_variable'].to_numpy()].copy()


def kang_training(adata, cell_type):
    "A registered copy of Kang's `adata` without `cell_type`'s stimulated cells"
    held = (adata.obs['condition'] == 'stimulated').to_numpy() & (adata.obs['cell_type'] == cell_type).to_numpy()
    train = adata[~held].copy(); setup_anndata(train, 'condition', 'cell_type', likelihood='nb')
    return train


def kang_run(setting, kwargs, seed, epochs, cell_type, fold, arithmetic, n_genes, opts):
    "One Kang run without `cell_type`'s stimulated cells: NMI and share of each block of the training cells, and the prediction scores (`fold` must be None)"
    adata = kang_genes(n_genes)
    train = kang_training(adata, cell_type)
    model, secs = fit(train, setting, kwargs, seed, epochs, opts)
    ct, cond, combo = combined(train.obs['condition'], train.obs['cell_type'])
    scores = block_scores(model, train, {'cell type': ct, 'condition': cond, 'combination': combo}, seed, opts['clustering'])
    return model, secs, scores, prediction_columns(model, adata, [('stimulated', cell_type)], seed, ('FCR', 'additive shift', 'context-weighted shift'), reference_vae(train, seed, epochs, arithmetic, kwargs.get('train')), opts.get('calibrate', True))


PROTOCOLS = {'perturbench': (perturbench_run, [None]), 'kang': (kang_run, KANG_HELDOUT_TYPES)}


def run(job):
    "One run of a protocol; a row of the CSV"
    data, setting, kwargs, seed, epochs, held_out, fold, arithmetic, n_genes, opts = job
    if opts['models']: opts = opts | dict(model_path=str(Path(opts['models'])/'_'.join(str(v) for v in (data, n_genes if data == 'kang' else None, setting, held_out, fold, seed) if v is not None).replace(' ', '-')))
    model, secs, scores, extra = PROTOCOLS[data][0](setting, kwargs, seed, epochs, held_out, fold, arithmetic, n_genes, opts)
    row = dict(setting=setting, seed=seed) | (dict(held_out=held_out) if held_out else {}) | (dict(fold=fold) if fold is not None else {})
    row |= dict(epochs=len(model.history), secs=round(secs), val=float(model.history['val_loss'].min()) if len(model.history) else np.nan)
    row |= {f'{b} {c[4:]}': round(float(scores.loc[b, c]), 3) for b in scores.index for c in scores.columns if c.startswith('NMI ')}
    row |= {f'share {b} {c[6:]}': round(float(scores.loc[b, c]), 3) for b in scores.index for c in scores.columns if c.startswith('share ')} | extra
    return logged(row)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', choices=list(PROTOCOLS), required=True, help='which tutorial protocol')
    p.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3, 4], help='seeds (default 1 2 3 4; the tutorials ran seed 0)')
    p.add_argument('--settings', default='{"defaults": {}}', help='JSON {name: FCR kwargs, with FCR.train kwargs under "train"} (default: the defaults); "untrained" is not trained')
    p.add_argument('--epochs', type=int, help="maximum epochs (default: FCR.train's budget for the data)")
    p.add_argument('--plant-fold', type=float, nargs='+', help='PerturBench only: plant an interaction of each of these folds first (1: plant nothing, as a check)')
    p.add_argument('--arithmetic', action='store_true', help="also train a plain VAE per run and score scGen's latent arithmetic on it")
    p.add_argument('--n-genes', type=int, default=2000, help='Kang only: the most variable genes kept (default 2000, as the tutorial; 0: all 6,998)')
    p.add_argument('--no-clustering', action='store_true', help='skip the Leiden clustering of the blocks (the prediction scores only; much faster on Kang with all genes)')
    p.add_argument('--models', help='folder of one saved FCR per run (FCR.save): a run whose model is there loads it instead of training, and a trained one is saved there')
    p.add_argument('--unseen', default='additive', choices=['additive', 'network'], help="FCR's z_tx prior for the held-out combinations (default: predict_counterfactual's)")
    p.add_argument('--no-calibration', action='store_true', help="FCR's own predictions, without predict_counterfactual's calibration (the uncalibrated columns of the committed tables)")
    p.add_argument('--out', default='benchmarks/results', help='folder for <data>_runs.csv')
    a = p.parse_args(argv)
    if a.data != 'perturbench' and a.plant_fold: p.error('--plant-fold is for --data perturbench only')
    jobs = [(a.data, name, kw, s, a.epochs, h, f, a.arithmetic, a.n_genes, dict(clustering=not a.no_clustering, models=a.models, unseen=a.unseen, calibrate=not a.no_calibration)) for f in a.plant_fold or [None] for name, kw in json.loads(a.settings).items() for s in a.seeds for h in PROTOCOLS[a.data][1]]
    df = pd.DataFrame(pool_map(run, jobs, workers=2, threads=1))
    name = f'{a.data}_planted_runs.csv' if a.plant_fold else f'{a.data}_all_genes_runs.csv' if a.data == 'kang' and not a.n_genes else f'{a.data}_runs.csv'
    write_table(df, a.out, name)
    print(df.to_string(index=False))


if __name__ == '__main__':
    main()
