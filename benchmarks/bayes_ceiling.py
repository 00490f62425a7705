"""How much of each true block could ANY method recover from the counts? A Bayes reference for the identifiability benchmark.

For cells of the benchmark's simulated data, the posterior mean E[z | y, t, x] under the TRUE generative model (true priors,
true mixing, true negative-binomial noise) is estimated by self-normalised importance sampling from the true prior. Its R²
against each true block and its MCC(z_tx) say what the observation noise leaves recoverable. The supervised MLP ceiling of
`identifiability.py` is a looser, learned version of the same question.

With few effective samples per cell (printed), the weighted mean is a noisy stand-in for the exact posterior mean, which
lowers R² and MCC. On the other side, it is given each cell's TRUE library size, which no method sees (methods see only
the observed total count, a close proxy at these depths). Read it as a reference for what is attainable, not a strict bound.

    python benchmarks/bayes_ceiling.py                       # 3 data seeds, 300 cells each, 20,000 prior draws per cell
    python benchmarks/bayes_ceiling.py --cells 100 --draws 5000

Prints a table and writes bayes_reference.csv to --out (default benchmarks/results/, gitignored).
"""
import argparse, sys
from pathlib import Path
import numpy as np
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from fcr.simulate import _proportions, simulated_codes
from fcr.metrics import mcc


def posterior_means(cells, n_draws, rng):
    "Importance-sampled E[z | y, t, x] of every cell of `cells` (an AnnData from fcr.simulate), and each cell's effective sample size"
    sim, params = cells.uns['simulation']['design'], cells.uns['simulation']['params']
    t, x, lib = simulated_codes(cells)
    if np.isnan(lib).any(): raise ValueError("Some cells' names are not those the simulator gave them, so their true library sizes are unknown; keep the simulated obs_names.")
    y, theta = np.asarray(cells.X, dtype=float), sim['dispersion']
    means, ess = [], []
    for i in range(cells.n_obs):  # one cell at a time: n_draws x genes per cell keeps memory flat
        z = np.hstack([params['mu_x'][x[i]] + params['sigma_x'][x[i]]*rng.standard_normal((n_draws, sim['n_latent_x'])),
                       params['mu_t'][t[i]] + params['sigma_t'][t[i]]*rng.standard_normal((n_draws, sim['n_latent_t'])),
                       params['mu_tx'][t[i], x[i]] + params['sigma_tx'][t[i], x[i]]*rng.standard_normal((n_draws, sim['n_latent_tx']))])
        mu = lib[i]*_proportions(z, params)
        log_w = (y[i]*np.log(mu) - (y[i] + theta)*np.log(theta + mu)).sum(1)   # NB log-likelihood up to terms free of z
        w = np.exp(log_w - log_w.max()); w /= w.sum()
        means.append(w @ z); ess.append(1/np.sum(w**2))
    return np.array(means), np.array(ess)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-seeds', type=int, default=3, help='simulated data sets (default 3, as the full benchmark)')
    p.add_argument('--cells', type=int, default=300, help='fresh cells scored per data set (default 300)')
    p.add_argument('--draws', type=int, default=20000, help='prior draws per cell (default 20,000)')
    p.add_argument('--out', default='benchmarks/results', help='folder for bayes_reference.csv (default benchmarks/results/)')
    a = p.parse_args(argv)
    rows, widths = [], [bench.DIMS[f'n_latent_{b[2:]}'] for b in bench.BLOCKS]
    for ds in range(a.data_seeds):
        _, fresh = bench.make_data(ds, bench.MODES['full']['cells_per_condition'])
        seen = fresh[~fresh.obs['heldout'].to_numpy()]
        rng = np.random.default_rng(ds)
        cells = seen[np.sort(rng.choice(seen.n_obs, a.cells, replace=False))]
        z_hat, ess = posterior_means(cells, a.draws, rng)
        ends = np.cumsum([0] + widths)
        row = dict(data_seed=ds, median_ess=float(np.median(ess)), ess_10th_percentile=float(np.percentile(ess, 10)))
        for b, s, e in zip(bench.BLOCKS, ends[:-1], ends[1:]):
            truth = cells.obsm[b]
            row[f'r2_{b}'] = float(1 - ((truth - z_hat[:, s:e])**2).sum(0).sum()/((truth - truth.mean(0))**2).sum(0).sum())
        row['mcc_tx'] = mcc(cells.obsm['z_tx'], z_hat[:, ends[2]:], split=True, seed=ds)
        rows.append(row)
        print({k: round(v, 3) for k, v in row.items()}, flush=True)
    df = pd.DataFrame(rows)
    Path(a.out).mkdir(parents=True, exist_ok=True); df.to_csv(Path(a.out)/'bayes_reference.csv', index=False)
    print(df.round(3).to_string(index=False))
    print('mean:', df.drop(columns='data_seed').mean().round(3).to_dict())
    return df


if __name__ == '__main__':
    main()
