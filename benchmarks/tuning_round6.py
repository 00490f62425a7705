"""Tuning round 6 of the identifiability benchmark: an explicit independence penalty, and encoders that do not read the labels.

Round 5 left one idea untried: penalise the dependence between the encoder means of z_t and z_tx *within* each
(treatment, cell line) condition directly, more strongly than the permutation discriminators do. Under FCR's prior the
blocks are independent given the condition, and within a condition every block is Gaussian, so for Gaussian latents
independence is zero correlation. The penalty is the squared within-condition correlation between every coordinate of the
z_t means and every coordinate of the z_tx means, averaged over the batch's conditions (cells and their paired controls,
controls grouped by cell line; conditions with fewer than 8 items in the batch are skipped). `--within` adds half the squared
correlations between different z_tx coordinates (the rotation inside z_tx). The penalty is added to the autoencoder's loss
with weight `--weights`; it is wired in here, on the module instance, not in `fcr` (it did not help; see the tutorial).

The second setting, `conditional_encoder=False`, is an option of `fcr` itself: encoders that read h(y) only, so the
z_tx posterior cannot take label information the prior then explains away.

Settings run on the round-4 seed pairs (data set k with model seed k, full-mode settings) and are scored like them:
MCC(z_tx) and the conditional leakage of true z_tx into learned z_t, on fresh cells. `objective_at_best` is the validation
loss at the best epoch without the penalty, comparable with the other rounds' `best_val_loss`.

    python benchmarks/tuning_round6.py                       # penalty 1 and 10, with and without --within; label-free encoders
    python benchmarks/tuning_round6.py --weights 10 --data-seeds 0

Writes tuning_round6.csv to --out (default benchmarks/results/).
"""
import argparse, sys, time, types
from pathlib import Path
import pandas as pd
import torch
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from warm_start import FULL, TRAIN, score


def within_group_correlation(a, b, groups, exclude_diagonal=False, min_items=8):
    "Size-weighted mean over groups of the summed squared within-group correlations between the columns of `a` and of `b`"
    n_groups = int(groups.max()) + 1
    n = torch.bincount(groups, minlength=n_groups).to(a)
    def group_mean(v): return torch.zeros((n_groups,) + v.shape[1:], dtype=v.dtype).index_add_(0, groups, v) / n.clamp(min=1).view(-1, *[1]*(v.dim() - 1))
    ac, bc = a - group_mean(a)[groups], b - group_mean(b)[groups]
    corr2 = group_mean(ac[:, :, None] * bc[:, None, :])**2 / (group_mean(ac**2)[:, :, None] * group_mean(bc**2)[:, None, :] + 1e-6)
    if exclude_diagonal: corr2 = corr2 * (1 - torch.eye(a.shape[1], dtype=a.dtype))
    weight = n * (n >= min_items)
    return (corr2.sum((1, 2)) * weight).sum() / weight.sum().clamp(min=1)


def add_independence_penalty(module, weight, within=False):
    "Add `weight` x the within-condition correlation penalty between the z_t and z_tx means to this module's loss"
    encode, loss = module.encode, module.loss
    def encode_and_keep(self, y, t, x):
        self._posteriors = encode(y, t, x)
        return self._posteriors
    def penalised_loss(self, batch):
        total, terms, z = loss(batch)
        ids = torch.cat([batch['t_id'] * (int(batch['x_id'].max()) + 1) + batch['x_id'], batch['x_id']])  # the controls: one group per cell line
        groups = torch.unique(ids, return_inverse=True)[1]
        mean_t, mean_tx = self._posteriors['t'][0], self._posteriors['tx'][0]
        penalty = within_group_correlation(mean_t, mean_tx, groups)
        if within: penalty = penalty + within_group_correlation(mean_tx, mean_tx, groups, exclude_diagonal=True) / 2
        terms['independence'], terms['loss'] = penalty.detach(), (total + weight*penalty).detach()
        return total + weight*penalty, terms, z
    module.encode, module.loss = types.MethodType(encode_and_keep, module), types.MethodType(penalised_loss, module)


def run(cfg):
    "Train and score one setting on data set k with model seed k"
    seed = cfg['data_seed']
    train, fresh = bench.make_data(seed, FULL['cells_per_condition'])
    model = bench.make_model('FCR', train, **bench.DIMS, **(bench.FCR_KWARGS | cfg['fcr_kwargs']))
    if cfg['penalty']: add_independence_penalty(model.module, cfg['penalty'], cfg['within'])
    t0 = time.time()
    model.train(**TRAIN, seed=seed, progress_bar=False)
    h = model.history.loc[model.history['val_loss'].idxmin()]
    row = dict(setting=cfg['setting'], data_seed=seed, model_seed=seed, train_seconds=round(time.time() - t0), epochs=len(model.history),
               best_val_loss=float(h['val_loss']), objective_at_best=float(h['val_loss'] - cfg['penalty']*h.get('val_independence', 0.)))
    row['mcc_tx'], row['leak_zt_to_ztx'] = score(model, fresh[~fresh.obs['heldout'].to_numpy()], seed)
    return bench.logged(row)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--weights', type=float, nargs='+', default=[1., 10.], help='weights of the independence penalty')
    p.add_argument('--within', type=int, nargs='+', default=[0, 1], help='1: also decorrelate the z_tx coordinates among themselves')
    p.add_argument('--no-label-free', action='store_true', help='skip the conditional_encoder=False runs')
    bench.add_run_options(p, 'tuning_round6.csv')
    a = p.parse_args(argv)
    settings = [dict(setting=f"independence penalty {w:g}{' (+ inside z_tx)' if wi else ''}", penalty=w, within=bool(wi), fcr_kwargs={})
                for w in a.weights for wi in a.within]
    if not a.no_label_free: settings.append(dict(setting='label-free encoders', penalty=0., within=False, fcr_kwargs=dict(conditional_encoder=False)))
    runs = pd.DataFrame(bench.pool_map(run, [s | dict(data_seed=d) for s in settings for d in a.data_seeds], a.workers, threads=1))
    bench.write_table(runs, a.out, 'tuning_round6.csv')
    print(runs.round(3).to_string(index=False))
    print(runs.groupby('setting', sort=False)[['mcc_tx', 'leak_zt_to_ztx', 'objective_at_best']].mean().round(3).to_string())


if __name__ == '__main__': main()
