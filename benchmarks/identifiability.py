"""Identifiability benchmark: FCR against baselines and its own ablations, on simulated data with ground truth.

Every model of `fcr.baselines.MODELS` is trained by FCR's loop on the same simulated cells, over model seeds x
dataset seeds, and scored on *fresh* cells of the same process:
  - MCC(z_tx), Pearson and Spearman (Hungarian matching fitted on one half, scored on the other);
  - whole-latent R² of every true block, and for factorised models the block R² matrix and the conditional
    leakage matrix (oracle beside them);
  - the conditional-independence battery (HSIC per stratum, Fisher, Holm);
  - ground-truth counterfactual accuracy on seen and held-out combinations (each control cell keeps its noises).
Sweeps: MCC(z_tx) against the number of distinct z_tx priors, and counterfactual error against the interaction a.

    python benchmarks/identifiability.py --quick            # minutes
    python benchmarks/identifiability.py                    # full mode, 3 model seeds x 3 dataset seeds
    python benchmarks/identifiability.py --no-sweeps --models FCR,iVAE --fcr-kwargs '{"w_adv": 0.5}'
    python benchmarks/identifiability.py --noise deep       # the same design with 10x deeper, near-Poisson counts

Writes runs.csv, summary.csv, ci.csv, matrices.json, sweep_*.csv, config.json and figures to --out
(default benchmarks/results/, gitignored) and prints a mean ± std table.
"""
import argparse, json, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from pathlib import Path
import numpy as np
import pandas as pd
import torch
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from fcr.simulate import simulate, simulate_cells
from fcr.ground_truth import counterfactual_expression
from fcr.train import FCR
from fcr.baselines import MODELS, make_model
from fcr.data import sufficient_variability
from fcr.metrics import mcc, leakage_matrix, conditional_leakage
from fcr.independence import ci_battery
from fcr.response import log_normalize, response_scores
from fcr.plotting import plot_heatmap

BLOCKS = ('z_x', 'z_t', 'z_tx')
DIMS = dict(n_latent_x=2, n_latent_t=2, n_latent_tx=3)
HELDOUT = [('drug1', 'line0'), ('drug3', 'line2')]
# FCR's settings for this benchmark (module kwargs); the ablations share them, minus the switch they ablate.
FCR_KWARGS = dict(n_hidden=128)
# What every model shares: the architecture widths and the KL weight.
SHARED_KWARGS = ('n_hidden', 'n_layers', 'embed_dim', 'beta', 'likelihood')
MODES = {
    'quick': dict(cells_per_condition=150, max_epochs=60, batch_size=512, model_seeds=[0, 1], data_seeds=[0],
                  sweep_tx_treatments=[1, 2, 3, 5], sweep_interaction=[0., 1.], sweep_models=['FCR', 'additive'], sweep_seeds=[0],
                  max_cells=1000, n_permutations=100, noise='default'),
    'full':  dict(cells_per_condition=500, max_epochs=250, batch_size=256, model_seeds=[0, 1, 2], data_seeds=[0, 1, 2],
                  sweep_tx_treatments=[1, 2, 3, 4, 6], sweep_interaction=[0., 0.5, 1.], sweep_models=['FCR', 'additive'], sweep_seeds=[0, 1],
                  max_cells=1200, n_permutations=100, noise='default'),
}


# How noisy the counts are. 'default' is the benchmark's design: median library size 1,000 and negative-binomial inverse
# dispersion 5, at which even a supervised MLP recovers z_t and z_tx with R² of only about 0.8. 'deep' has ten times the
# library size and ten times the inverse dispersion (near-Poisson): it asks which missed targets are the noise's and which the model's.
NOISE = {'default': dict(depth=1000., dispersion=5.), 'deep': dict(depth=10000., dispersion=50.)}


def make_data(seed, cells, n_treatments=4, n_cell_lines=3, interaction=0.5, heldout=HELDOUT, noise='default'):
    "Training cells (held-out combinations removed, registered) and fresh cells of the same process"
    full = simulate(n_cell_lines=n_cell_lines, n_treatments=n_treatments, cells_per_condition=cells, interaction=interaction,
                    heldout=heldout or None, seed=seed, **DIMS, **NOISE[noise])
    train = full[~full.obs['heldout'].to_numpy()].copy()
    FCR.setup_anndata(train, treatment_key='treatment', covariate_keys=['cell_line'])
    fresh = simulate_cells(full, seed=seed + 1000)
    return train, fresh


def model_kwargs(name, fcr_kwargs):
    "FCR's tuned kwargs for FCR and its ablations; only the shared architecture for the other baselines"
    return fcr_kwargs if name.startswith('FCR') else {k: v for k, v in fcr_kwargs.items() if k in SHARED_KWARGS}


def train_model(name, train, seed, epochs, fcr_kwargs, batch_size=512):
    model = make_model(name, train, **DIMS, **model_kwargs(name, fcr_kwargs))
    t0 = time.time()
    model.train(max_epochs=epochs, batch_size=batch_size, seed=seed, progress_bar=False, align=name.startswith('FCR'))  # baselines keep their own axes
    return model, time.time() - t0


def latents(model, cells):
    z = model.get_latent_blocks(cells)
    return z | {'all': np.hstack(list(z.values()))}


def counterfactual_scores(model, fresh, heldout):
    "Ground-truth counterfactual accuracy: each fresh control cell of x under treatment t, predicted vs true mean counts"
    t_lab, x_lab = fresh.obs['treatment'].astype(str).to_numpy(), fresh.obs['cell_line'].astype(str).to_numpy()
    rows = []
    for x in np.unique(x_lab):  # a loop over a few cell lines and drugs
        ctrl = fresh[(t_lab == 'control') & (x_lab == x)]
        base = log_normalize(counterfactual_expression(ctrl, 'control'))
        for t in sorted(set(t_lab) - {'control'}):
            true = log_normalize(counterfactual_expression(ctrl, t))
            pred = log_normalize(model.predict_counterfactual(ctrl, treatment=t).X)
            s = response_scores(base.mean(0), true.mean(0), pred.mean(0))
            rows.append(dict(treatment=t, cell_line=x, heldout=(t, x) in heldout, cf_cell_mse=float(((pred - true)**2).mean()),
                             cf_pearson_delta=s['pearson_delta'], cf_r2_top=s['r2_top_deg']))
    df = pd.DataFrame(rows)
    out = {}
    for flag, tag in ((False, 'seen'), (True, 'heldout')):
        part = df[df.heldout == flag]
        if len(part): out |= {f'{k}_{tag}': float(part[k].mean()) for k in ('cf_cell_mse', 'cf_pearson_delta', 'cf_r2_top')}
    return out


def ci_tests(z, cells):
    t, x = cells.obs['treatment'].astype(str).to_numpy(), cells.obs['cell_line'].astype(str).to_numpy()
    tx = np.char.add(np.char.add(t, '|'), x)
    return {'z_x ⟂ t | x': (z['z_x'], t, x), 'z_t ⟂ x | t': (z['z_t'], x, t), 'z_x ⟂ z_tx | t,x': (z['z_x'], z['z_tx'], tx),
            'z_t ⟂ z_tx | t,x': (z['z_t'], z['z_tx'], tx), 'z_tx ⟂ t | x (expect reject)': (z['z_tx'], t, x)}


def seen_cells(fresh):
    "The fresh cells of the combinations seen in training, their true blocks and their condition labels"
    seen = fresh[~fresh.obs['heldout'].to_numpy()]
    return seen, {b: seen.obsm[b] for b in BLOCKS}, seen.obs['condition'].astype(str).to_numpy()


def evaluate(model, fresh, cfg, seed, full_eval=True):
    "Every score of one trained model on fresh cells"
    seen, truth, condition = seen_cells(fresh)
    ood = fresh[fresh.obs['heldout'].to_numpy()]
    z = latents(model, seen)
    zt = z['z_tx'] if model.tx_block == 'tx' else z['all']
    row = dict(mcc_tx_pearson=mcc(truth['z_tx'], zt, split=True, seed=seed), mcc_tx_spearman=mcc(truth['z_tx'], zt, 'spearman', split=True, seed=seed),
               mcc_tx_all_coords=mcc(truth['z_tx'], z['all'], split=True, seed=seed))  # like-for-like: every model matched over its whole latent
    if ood.n_obs:
        zo = latents(model, ood)
        row['mcc_tx_heldout_combos'] = mcc(ood.obsm['z_tx'], zo['z_tx'] if model.tx_block == 'tx' else zo['all'], split=True, seed=seed)
    if not full_eval: return row, None, None
    whole = leakage_matrix({'all': z['all']}, truth, max_cells=cfg['max_cells'], seed=seed).loc['all']
    row |= {f'r2_all_to_{b}': float(whole[b]) for b in BLOCKS}
    row['r2_all_min'] = float(whole.min())
    row |= counterfactual_scores(model, fresh, set(HELDOUT))
    mats, ci = None, None
    if model.factorised:
        learned = {b: z[b] for b in BLOCKS}
        r2 = leakage_matrix(learned, truth, max_cells=cfg['max_cells'], seed=seed)
        dr = conditional_leakage(learned, truth, condition, max_cells=cfg['max_cells'], seed=seed)
        mats = dict(r2=r2, cond=dr)
        row |= dict(r2_diag_min=float(np.diag(r2).min())) | leakage_summary(dr)
        ci = ci_battery(ci_tests(learned, seen), n_permutations=cfg['n_permutations'], seed=seed)
        for name, r in ci.iterrows(): row[f'ci_reject: {name}'] = bool(r['reject'])
    return row, mats, ci


def leakage_summary(cond):
    "The conditional leakage matrix's two summaries: its smallest diagonal entry (recovery) and largest off-diagonal one (leakage)"
    m = cond.to_numpy()
    return dict(cond_diag_min=float(np.diag(m).min()), cond_offdiag_max=float((m - np.diag(np.diag(m))).max()))


def oracle(fresh, cfg, seed):
    _, truth, condition = seen_cells(fresh)
    return dict(r2=leakage_matrix(truth, truth, max_cells=cfg['max_cells'], seed=seed),
                cond=conditional_leakage(truth, truth, condition, max_cells=cfg['max_cells'], seed=seed))


def supervised_ceiling(train, fresh, seed, max_cells=MODES['full']['max_cells']):
    """Scores of a supervised MLP from log-normalised expression to the true latent, fitted on the training cells and scored
    on fresh cells: MCC(z_tx), the R² of every true block (averaged over its coordinates, as `evaluate`'s) and the conditional
    leakage of its predicted blocks. How much of each block the counts carry, and how much leakage an estimate fitted to the
    truth still shows: a reference for the unsupervised models, not a bound (the MLP is not the best predictor)"""
    from sklearn.neural_network import MLPRegressor
    from sklearn.metrics import r2_score
    seen, truth, condition = seen_cells(fresh)
    reg = MLPRegressor(hidden_layer_sizes=(256, 256), max_iter=300, early_stopping=True, random_state=seed)
    reg.fit(np.asarray(log_normalize(train.X)), np.hstack([train.obsm[b] for b in BLOCKS]))
    pred = np.split(reg.predict(np.asarray(log_normalize(seen.X))), np.cumsum([truth[b].shape[1] for b in BLOCKS])[:-1], axis=1)
    r2 = {f'r2_all_to_{b}': float(r2_score(truth[b], p)) for b, p in zip(BLOCKS, pred)}
    cond = conditional_leakage(dict(zip(BLOCKS, pred)), truth, condition, max_cells=max_cells, seed=seed)
    return (dict(mcc_tx_pearson=mcc(truth['z_tx'], pred[-1], split=True, seed=seed)) | r2 | dict(r2_all_min=min(r2.values()))
            | leakage_summary(cond))


def mean_std(df, by, cols):
    g = df.groupby(by, sort=False)[cols]
    m, s = g.mean(), g.std().fillna(0)
    return pd.DataFrame({c: [f'{a:.3f} ± {b:.3f}' if np.isfinite(a) else '—' for a, b in zip(m[c], s[c])] for c in cols}, index=m.index)


def pool_map(fn, jobs, workers, threads):
    "fn over jobs, in order: in this process, or `workers` at a time, each job in a fresh process with `threads` torch threads"
    if workers <= 1: return [fn(j) for j in jobs]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context('spawn'), initializer=torch.set_num_threads, initargs=(threads,),
                             max_tasks_per_child=1) as ex:   # nothing a job leaves in its process can reach the next one
        return list(ex.map(fn, jobs))


def logged(row):
    "Print a finished run's row as one JSON line, so that a long benchmark's log shows its progress; the row"
    print(json.dumps(row), flush=True)
    return row


def add_run_options(p, table, workers=2):
    "The options the one-table benchmark scripts share: how many runs at once, and the folder for `table`"
    p.add_argument('--workers', type=int, default=workers, help='one run per fresh process, this many at a time')
    p.add_argument('--out', default='benchmarks/results', help=f'folder for {table} (default benchmarks/results/)')


def write_table(df, folder, name):
    "Write `df` to folder/name as CSV, creating the folder; the path written"
    path = Path(folder)/name
    path.parent.mkdir(parents=True, exist_ok=True); df.to_csv(path, index=False)
    return path


def grid_job(job):
    "Train and score one (dataset seed, model, model seed) cell of the main grid"
    ds, name, ms, cfg, fcr_kwargs = job
    train, fresh = make_data(ds, cfg['cells_per_condition'], noise=cfg['noise'])
    model, secs = train_model(name, train, ms, cfg['max_epochs'], fcr_kwargs, cfg['batch_size'])
    t0 = time.time()
    row, m, ci = evaluate(model, fresh, cfg, ms)
    row = dict(model=name, data_seed=ds, model_seed=ms, epochs=len(model.history), best_val_loss=float(model.history['val_loss'].min()), best_val_nelbo=float(model.history['val_nelbo'].min()),
               train_seconds=secs, eval_seconds=time.time() - t0) | row  # best_val_*: can restarts be chosen without the truth?
    print(f"  {name:26s} data {ds} seed {ms}: MCC(z_tx) {row['mcc_tx_pearson']:.3f}, whole R² min {row['r2_all_min']:.2f}, "
          f"held-out cf MSE {row.get('cf_cell_mse_heldout', np.nan):.4f}  ({secs:.0f}s train, {row['eval_seconds']:.0f}s eval)", flush=True)
    return row, m, ci


def main_grid(cfg, models, fcr_kwargs, out, log, workers=1, threads=1):
    runs, mats, cis, oracles = [], {}, [], []
    for ds in cfg['data_seeds']:
        train, fresh = make_data(ds, cfg['cells_per_condition'], noise=cfg['noise'])
        orc = oracle(fresh, cfg, ds); oracles.append(orc)
        t0 = time.time()
        ceiling = supervised_ceiling(train, fresh, ds, cfg['max_cells'])
        runs.append(dict(model='supervised ceiling', data_seed=ds, model_seed=0, train_seconds=time.time() - t0) | ceiling)
        log(f"  supervised ceiling (MLP from expression to the true latent) data {ds}: MCC(z_tx) {ceiling['mcc_tx_pearson']:.3f}, "
            f"R² min {ceiling['r2_all_min']:.2f}")
    jobs = [(ds, name, ms, cfg, fcr_kwargs) for ds in cfg['data_seeds'] for name in models for ms in cfg['model_seeds']]
    for (ds, name, ms, *_), (row, m, ci) in zip(jobs, pool_map(grid_job, jobs, workers, threads)):
        runs.append(row)
        if m is not None: mats.setdefault(name, []).append(m)
        if ci is not None: cis.append(ci.reset_index(names='test').assign(model=name, data_seed=ds, model_seed=ms))
    runs = pd.DataFrame(runs)
    runs.to_csv(out/'runs.csv', index=False)
    ci = pd.concat(cis) if cis else pd.DataFrame()
    ci.to_csv(out/'ci.csv', index=False)
    avg = lambda ms, k: pd.concat([m[k] for m in ms]).groupby(level=0, sort=False).mean().loc[list(BLOCKS)]
    matrices = {name: {k: avg(ms, k).round(4).to_dict() for k in ('r2', 'cond')} for name, ms in mats.items()}
    matrices['oracle'] = {k: avg(oracles, k).round(4).to_dict() for k in ('r2', 'cond')}
    (out/'matrices.json').write_text(json.dumps(matrices, indent=1))
    return runs, ci, matrices


def conditions_job(job):
    "One point of the sufficient-variability sweep: 2 cell lines x k drugs, one model"
    k, ds, name, cfg, fcr_kwargs = job
    train, fresh = make_data(ds, cfg['cells_per_condition'], n_treatments=k, n_cell_lines=2, heldout=[], noise=cfg['noise'])
    design = sufficient_variability(train.obs['condition'].astype(str).to_numpy(), DIMS['n_latent_tx'])
    model, secs = train_model(name, train, ds, cfg['max_epochs'], fcr_kwargs, cfg['batch_size'])
    row, _, _ = evaluate(model, fresh, cfg, ds, full_eval=False)
    print(f"  conditions sweep: {name} {2*k + 1} z_tx priors, seed {ds}: MCC {row['mcc_tx_pearson']:.3f}", flush=True)
    return dict(model=name, n_treatments=k, n_tx_priors=2*k + 1, n_conditions=design['n_conditions'], seed=ds, train_seconds=secs) | row


def sweep_conditions(cfg, fcr_kwargs, out, log, workers=1, threads=1):
    "MCC(z_tx) against the number of distinct z_tx priors: 2 cell lines x k drugs gives 2k + 1 (controls share one)"
    jobs = [(k, ds, name, cfg, fcr_kwargs) for k in cfg['sweep_tx_treatments'] for ds in cfg['sweep_seeds'] for name in ('FCR', 'iVAE')]
    df = pd.DataFrame(pool_map(conditions_job, jobs, workers, threads)); df.to_csv(out/'sweep_conditions.csv', index=False)
    return df


def interaction_job(job):
    "One point of the interaction sweep: held-out counterfactual error (and MCC) of one model at interaction a"
    a, ds, name, cfg, fcr_kwargs = job
    train, fresh = make_data(ds, cfg['cells_per_condition'], interaction=a, noise=cfg['noise'])
    model, secs = train_model(name, train, ds, cfg['max_epochs'], fcr_kwargs, cfg['batch_size'])
    ident, _, _ = evaluate(model, fresh, cfg, ds, full_eval=False)  # MCC too: does a drug-only part of z_tx's prior (a < 1) blur the blocks?
    row = dict(model=name, interaction=a, seed=ds, train_seconds=secs) | counterfactual_scores(model, fresh, set(HELDOUT)) | ident
    print(f"  interaction sweep: {name} a={a} seed {ds}: held-out cf MSE {row['cf_cell_mse_heldout']:.4f}, MCC(z_tx) {row['mcc_tx_pearson']:.3f}", flush=True)
    return row


def sweep_interaction(cfg, fcr_kwargs, out, log, workers=1, threads=1):
    "Ground-truth counterfactual error on held-out combinations against the interaction knob a"
    jobs = [(a, ds, name, cfg, fcr_kwargs) for a in cfg['sweep_interaction'] for ds in cfg['sweep_seeds'] for name in cfg['sweep_models']]
    df = pd.DataFrame(pool_map(interaction_job, jobs, workers, threads)); df.to_csv(out/'sweep_interaction.csv', index=False)
    return df


def _sweep_plot(sweep, x, y, xlabel, ylabel, title, path, threshold=None):
    "Mean ± std of `y` against `x`, one line per model, saved to `path`"
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for m, g in sweep.groupby('model'):
        s = g.groupby(x)[y].agg(['mean', 'std']).fillna(0)
        ax.errorbar(s.index, s['mean'], s['std'], marker='o', capsize=3, label=m)
    if threshold is not None: ax.axvline(threshold, ls='--', c='grey', lw=1, label='2·d_tx + 1')
    ax.set_xlabel(xlabel); ax.set_ylabel(ylabel); ax.set_title(title); ax.legend()
    fig.savefig(path, dpi=80, bbox_inches='tight'); plt.close(fig)


def figures(runs, matrices, sweep_c, sweep_i, out):
    for name in ('FCR', 'oracle'):
        if name not in matrices: continue
        for k, title, lo in (('r2', 'R² of true block (columns) from learned block (rows)', 0), ('cond', 'conditional ΔR² beyond (t, x) labels', -.1)):
            fig = plot_heatmap(pd.DataFrame(matrices[name][k]).rename_axis(index='learned', columns='true'), f'{name}: {title}', lo, 1)
            fig.savefig(out/f'heatmap_{name}_{k}.png', dpi=80, bbox_inches='tight'); plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    order = list(dict.fromkeys(runs.model))
    ax.boxplot([runs.loc[runs.model == m, 'mcc_tx_pearson'] for m in order], showmeans=True)
    ax.set_xticks(range(1, len(order) + 1), order, rotation=30, ha='right')
    ax.axhline(0.85, ls='--', c='grey', lw=1); ax.set_ylabel('MCC(z_tx), Pearson'); ax.set_title('Recovery of z_tx on fresh cells, by model')
    fig.savefig(out/'mcc_by_model.png', dpi=80, bbox_inches='tight'); plt.close(fig)
    if sweep_c is not None:
        _sweep_plot(sweep_c, 'n_tx_priors', 'mcc_tx_pearson', 'distinct z_tx priors (t, x)', 'MCC(z_tx)', 'Sufficient variability',
                    out/'mcc_vs_conditions.png', threshold=2*DIMS['n_latent_tx'] + 1)
    if sweep_i is not None:
        _sweep_plot(sweep_i, 'interaction', 'cf_cell_mse_heldout', 'interaction a', 'held-out counterfactual MSE', 'Counterfactuals vs interaction',
                    out/'cf_vs_interaction.png')
        _sweep_plot(sweep_i, 'interaction', 'mcc_tx_pearson', 'interaction a', 'MCC(z_tx)', 'Identifiability vs interaction', out/'mcc_vs_interaction.png')


SUMMARY_COLS = ['mcc_tx_pearson', 'mcc_tx_all_coords', 'mcc_tx_spearman', 'mcc_tx_heldout_combos', 'r2_all_min', 'cond_diag_min', 'cond_offdiag_max',
                'cf_cell_mse_seen', 'cf_cell_mse_heldout', 'cf_pearson_delta_heldout', 'train_seconds']


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='quick mode (minutes): fewer cells, epochs, seeds and sweep points')
    p.add_argument('--out', default='benchmarks/results', help='results folder (default benchmarks/results/, gitignored)')
    p.add_argument('--models', default=','.join(MODELS), help=f'comma-separated subset of {list(MODELS)}')
    p.add_argument('--model-seeds', type=int, help='number of model seeds (default: quick 2, full 3)')
    p.add_argument('--data-seeds', type=int, help='number of dataset seeds (default: quick 1, full 3)')
    p.add_argument('--epochs', type=int, help='maximum epochs per model (default: quick 60, full 250)')
    p.add_argument('--cells', type=int, help='cells per condition (default: quick 150, full 500)')
    p.add_argument('--batch-size', type=int, help='cells per training step (default: quick 512, full 256)')
    p.add_argument('--noise', choices=list(NOISE), default='default', help="count noise of the simulated design: 'default', or 'deep' (10x library size and inverse dispersion)")
    p.add_argument('--fcr-kwargs', default='{}', help='JSON of FCRModule kwargs for FCR and its ablations (tuning)')
    p.add_argument('--no-sweeps', action='store_true', help='skip both sweeps')
    p.add_argument('--threads', type=int, default=1, help='torch threads per training process (default 1)')
    p.add_argument('--workers', type=int, default=1, help='train this many models at once, each in its own process (default 1)')
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = dict(MODES['quick' if a.quick else 'full'])
    if a.model_seeds: cfg['model_seeds'] = list(range(a.model_seeds))
    if a.data_seeds: cfg['data_seeds'] = list(range(a.data_seeds))
    if a.epochs: cfg['max_epochs'] = a.epochs
    if a.cells: cfg['cells_per_condition'] = a.cells
    if a.batch_size: cfg['batch_size'] = a.batch_size
    cfg['noise'] = a.noise
    models = [m.strip() for m in a.models.split(',')]
    unknown = [m for m in models if m not in MODELS]
    if unknown: p.error(f"unknown models {unknown}; choose from {list(MODELS)}")
    fcr_kwargs = FCR_KWARGS | json.loads(a.fcr_kwargs)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, flush=True)
    t_start = time.time()
    (out/'config.json').write_text(json.dumps(dict(mode='quick' if a.quick else 'full', models=models, fcr_kwargs=fcr_kwargs, dims=DIMS,
                                                   heldout=HELDOUT, threads=a.threads, workers=a.workers) | cfg, indent=1))
    log(f"identifiability benchmark ({'quick' if a.quick else 'full'}): {len(models)} models x {len(cfg['model_seeds'])} model seeds x "
        f"{len(cfg['data_seeds'])} dataset seeds, {cfg['cells_per_condition']} cells per condition, {cfg['max_epochs']} epochs, {a.noise} noise")
    runs, ci, matrices = main_grid(cfg, models, fcr_kwargs, out, log, a.workers, a.threads)
    t_main = time.time() - t_start
    sweep_c = sweep_i = None
    if not a.no_sweeps:
        sweep_c = sweep_conditions(cfg, fcr_kwargs, out, log, a.workers, a.threads)
        sweep_i = sweep_interaction(cfg, fcr_kwargs, out, log, a.workers, a.threads)
    figures(runs, matrices, sweep_c, sweep_i, out)
    cols = [c for c in SUMMARY_COLS if c in runs]
    summary = mean_std(runs, 'model', cols)
    summary.insert(0, 'runs', runs.groupby('model', sort=False).size())
    summary.to_csv(out/'summary.csv')
    total = time.time() - t_start
    (out/'timing.json').write_text(json.dumps(dict(main_grid_seconds=t_main, total_seconds=total), indent=1))
    with pd.option_context('display.width', 250, 'display.max_columns', 30):
        print(f"\nmean ± std over {len(cfg['model_seeds'])} model seeds x {len(cfg['data_seeds'])} dataset seeds (fresh cells):")
        print(summary.to_string())
        if matrices.get('FCR'):
            print('\nFCR conditional leakage ΔR² (rows learned, columns true):'); print(pd.DataFrame(matrices['FCR']['cond']).round(3).to_string())
            print('oracle:'); print(pd.DataFrame(matrices['oracle']['cond']).round(3).to_string())
        if len(ci): print('\nCI battery, fraction of runs rejecting (Holm, 0.05):'); print(ci.groupby(['model', 'test'], sort=False).reject.mean().unstack().round(2).to_string())
    print(f"\ndone in {total:.0f}s (main grid {t_main:.0f}s). Results in {out}/")
    return summary


if __name__ == '__main__':
    main()
