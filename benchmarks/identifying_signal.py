"""How strongly does FCR's objective prefer the true axes of z_tx? The identifying signal of a simulated design, in nats per cell.

FCR's decoder can undo any invertible linear map M of its latents, so the reconstruction term cannot tell the true
(z_t, z_tx) from a mixed version M (z_t, z_tx). Only the conditional prior can: it is a diagonal Gaussian per treatment
for z_t and per (treatment, covariate) for z_tx (one shared by all controls), and a mixed latent fits those families
worse. In the ideal limit (infinite data, exact posteriors, priors free per condition, which FCR's embeddings allow) the
objective's loss for using M instead of the truth is

    L(M) = sum over prior groups g of w_g * 0.5 * sum_i log Var_g[(M u)_i]  -  log|det M|  -  (the same at M = I),

where Var_g is the variance of coordinate i pooled over the cells of group g (a Gaussian fitted by moments), per training
cell. L >= 0, and L = 0 exactly for the truth up to per-coordinate scaling and permutation within blocks: that is the
identifiability theorem, made quantitative. L >= 0 relies on two properties of fcr's simulator: z_t's parameters do not
depend on the cell line, and every line's controls share z_tx ~ N(0, I) (so the pooled groups are Gaussian);
`design_moments` checks both. FCR's objective also scores each cell's paired control, whose latents are N(0, I); that
adds 0.5 sum_i log (M M^T)_ii - log|det M| >= 0 per cell (0 for rotations), which L leaves out: L is a lower bound on
the ideal loss per (cell, paired control) item of FCR's objective. For each target MCC m, the script finds (numerically, several restarts) the smallest L of a
map whose z_tx block scores MCC(z_tx) <= m against the truth: the frontier L*(m), the nats per cell that the objective
gives up by settling at MCC m. A frontier near zero means the objective is nearly flat between the truth and a mixed
solution, so anything else that prefers some orientation (the decoder's inductive bias, the diagonal posteriors,
minibatch noise) can decide where training ends.

It uses the simulator's true parameters only: no training. With --runs it reads committed FCR runs (the benchmark's
full mode and tuning rounds) and sets each design's frontier beside the MCC those runs reached.

    python benchmarks/identifying_signal.py                      # the designs of the tuning rounds, 3 data seeds
    python benchmarks/identifying_signal.py --targets 0.6 0.85

Caveats, printed with the table: the posterior approximation (diagonal Gaussians) and the decoder's architecture also
prefer some orientations, by amounts this calculation does not see; and only linear maps are searched.
"""
import argparse, sys
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from scipy.optimize import linear_sum_assignment
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from fcr.simulate import simulate

RESULTS = Path(__file__).parent.parent/'nbs'/'tutorials'/'results'
# The simulated designs of the tuning rounds (all at 500 cells per condition unless the setting says otherwise):
# setting name in the committed CSVs -> simulator arguments and the factor applied to z_tx's log-scales.
DESIGNS = {
    'defaults (3 lines x 4 drugs, a = 0.5)': dict(n_cell_lines=3, n_treatments=4, interaction=0.5, spread=1.),
    'a = 1': dict(n_cell_lines=3, n_treatments=4, interaction=1., spread=1.),
    '3 lines x 8 drugs': dict(n_cell_lines=3, n_treatments=8, interaction=0.5, spread=1.),
    '6 lines x 8 drugs': dict(n_cell_lines=6, n_treatments=8, interaction=0.5, spread=1.),
    '3 lines x 16 drugs': dict(n_cell_lines=3, n_treatments=16, interaction=0.5, spread=1.),
    'log-scales doubled': dict(n_cell_lines=3, n_treatments=4, interaction=0.5, spread=2.),
    'log-scales tripled': dict(n_cell_lines=3, n_treatments=4, interaction=0.5, spread=3.),
}
# Committed FCR runs with the benchmark's default model on each design, by the setting names their CSVs use.
RUN_SETTINGS = {
    'defaults (3 lines x 4 drugs, a = 0.5)': ['defaults, a=0.5', 'at most 500 epochs', 'defaults (3 lines x 4 drugs, 500 cells per condition)'],
    'a = 1': ['simulator at a=1'],
    '3 lines x 8 drugs': ['simulator with 8 drugs (27 conditions)'],
    '6 lines x 8 drugs': ['6 lines x 8 drugs, 500 cells per condition'],
    '3 lines x 16 drugs': ['3 lines x 16 drugs, 250 cells per condition'],
    'log-scales doubled': ['log-scales of z_tx prior doubled', 'log-scales of z_tx prior doubled (re-run, one process per run)'],
    'log-scales tripled': ['log-scales of z_tx prior tripled (re-run, one process per run)'],
}


def design_moments(n_cell_lines, n_treatments, interaction, spread, seed):
    "Per training condition: the prior group of z_t and of z_tx, and the true means and variances of u = (z_t, z_tx)"
    sim = simulate(n_cell_lines=n_cell_lines, n_treatments=n_treatments, cells_per_condition=1, interaction=interaction,
                   heldout=bench.HELDOUT, seed=seed, **bench.DIMS)
    p, held = sim.uns['simulation']['params'], sim.uns['simulation']['design']['heldout']
    lines, drugs = [f'line{j}' for j in range(n_cell_lines)], ['control'] + [f'drug{i}' for i in range(1, n_treatments + 1)]
    held = {(a, b) for a, b in held}
    conds = [(t, x) for t in range(n_treatments + 1) for x in range(n_cell_lines) if (drugs[t], lines[x]) not in held]
    t, x = np.array(conds).T
    sigma_tx = np.exp(spread*np.log(p['sigma_tx']))
    mean = np.hstack([p['mu_t'][t], p['mu_tx'][t, x]])
    var = np.hstack([p['sigma_t'][t], sigma_tx[t, x]])**2
    group_tx = np.where(t == 0, -1, t*n_cell_lines + x)  # every control shares one z_tx prior
    if not (np.allclose(p['mu_tx'][0], 0) and np.allclose(sigma_tx[0], 1)):
        raise ValueError("The controls' z_tx differs between cell lines, so FCR's shared control prior is misspecified and L can be negative.")
    return dict(t=t, group_tx=group_tx, mean=mean, var=var)


def _pooled_log_var(mean, var, groups):
    "Per group and coordinate: log of the variance pooled over the group's conditions (equal cells per condition)"
    codes = torch.as_tensor(np.unique(groups, return_inverse=True)[1])
    onehot = torch.nn.functional.one_hot(codes).to(mean.dtype)
    share = onehot/onehot.sum(0)
    m1, m2 = share.T @ mean, share.T @ (var + mean**2)
    return (m2 - m1**2).log(), onehot.sum(0)/len(groups)


def penalty(M, d, dt):
    "L(M): nats per training cell the ideal objective loses when the latent is M u instead of u (0 at the truth; paired controls not counted)"
    mean, var = torch.as_tensor(d['mean']), torch.as_tensor(d['var'])
    def fit(M):
        m = mean @ M.T
        v = torch.einsum('ij,cj,ij->ci', M, var, M)  # diagonal of M diag(var_c) M^T, per condition
        lt, wt = _pooled_log_var(m[:, :dt], v[:, :dt], d['t'])
        lx, wx = _pooled_log_var(m[:, dt:], v[:, dt:], d['group_tx'])
        return 0.5*(wt @ lt.sum(1) + wx @ lx.sum(1)) - torch.linalg.slogdet(M)[1]
    return fit(M) - fit(torch.eye(len(M), dtype=M.dtype))


def correlations(M, d, dt):
    "|corr| of each learned z_tx coordinate (rows) with each true z_tx coordinate (columns), pooled over the training conditions"
    mean, var = torch.as_tensor(d['mean']), torch.as_tensor(d['var'])
    C = torch.diag(var.mean(0)) + mean.T @ mean/len(mean) - torch.outer(mean.mean(0), mean.mean(0))
    cross = (M @ C)[dt:, dt:]
    sd_hat, sd = torch.diagonal(M @ C @ M.T)[dt:].sqrt(), torch.diagonal(C)[dt:].sqrt()
    return (cross/sd_hat[:, None]/sd[None]).abs()


def mcc_of(M, d, dt):
    "MCC(z_tx) of the map: mean |corr| under the best one-to-one matching"
    c = correlations(M, d, dt).detach().numpy()
    r, k = linear_sum_assignment(-c)
    return float(c[r, k].mean())


def frontier(d, target, dt, restarts=6, steps=1500, seed=0):
    "Smallest L(M) over maps whose z_tx block has MCC <= target (a smooth upper bound on MCC is constrained)"
    g = torch.Generator().manual_seed(seed)
    n, best = d['mean'].shape[1], (np.inf, np.nan)
    for _ in range(restarts):
        M = (torch.eye(n, dtype=torch.float64) + 0.5*torch.randn(n, n, generator=g, dtype=torch.float64)).requires_grad_()
        opt = torch.optim.Adam([M], lr=0.01)
        for step in range(steps):
            soft_mcc = (0.02*torch.logsumexp(correlations(M, d, dt)/0.02, 1)).mean()  # >= the row-wise max >= MCC
            loss = penalty(M, d, dt) + 1e3*torch.relu(soft_mcc - target)**2
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            L, m = float(penalty(M, d, dt)), mcc_of(M, d, dt)
        if m <= target + 0.01 and L < best[0]: best = (L, m)
    return best


def random_rotation_penalty(d, dt, n=200, seed=0):
    "Median L of uniformly random rotations of the z_tx block alone (z_t untouched): what a fully unidentified z_tx costs"
    rng, dtx = np.random.default_rng(seed), d['mean'].shape[1] - dt
    out = []
    for _ in range(n):
        q, r = np.linalg.qr(rng.standard_normal((dtx, dtx)))
        M = np.eye(dt + dtx); M[dt:, dt:] = q*np.sign(np.diag(r))
        M = torch.as_tensor(M)
        out.append((float(penalty(M, d, dt)), mcc_of(M, d, dt)))
    L, m = np.array(out).T
    return float(np.median(L)), float(np.median(m))


def measured_mcc(design):
    "Per data seed: mean and number of committed FCR runs (default model) on this design"
    frames = [pd.read_csv(RESULTS/f) for f in ('identifiability_tuning_round3.csv', 'identifiability_tuning_round4.csv')]
    runs = pd.concat(frames)
    runs = runs[runs['setting'].isin(RUN_SETTINGS[design])][['data_seed', 'mcc_tx_pearson']]
    if design.startswith('defaults'):
        full = pd.read_csv(RESULTS/'identifiability_full_runs.csv')
        runs = pd.concat([runs, full[full['model'] == 'FCR'][['data_seed', 'mcc_tx_pearson']]])
    return runs.groupby('data_seed')['mcc_tx_pearson'].agg(['mean', 'size'])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--targets', type=float, nargs='+', default=[0.6, 0.7, 0.85], help='MCC(z_tx) levels of the frontier')
    p.add_argument('--restarts', type=int, default=6, help='random starts of each frontier search')
    p.add_argument('--out', default='benchmarks/results', help='folder for identifying_signal.csv (default benchmarks/results/)')
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    dt, rows = bench.DIMS['n_latent_t'], []
    for name, design in DESIGNS.items():
        runs = measured_mcc(name)
        for seed in a.data_seeds:
            d = design_moments(**design, seed=seed)
            row = dict(design=name, data_seed=seed, n_tx_priors=len(np.unique(d['group_tx'])))
            row['L_random_rotation'], row['mcc_random_rotation'] = random_rotation_penalty(d, dt)
            best = (np.inf, np.nan)
            for m in sorted(a.targets):  # a map allowed at a lower target is allowed at a higher one: keep the frontier monotone
                best = min(best, frontier(d, m, dt, a.restarts))
                row[f'L_at_mcc_{m}'], row[f'mcc_reached_{m}'] = best
            if seed in runs.index: row['fcr_mcc_measured'], row['fcr_runs'] = runs.loc[seed, 'mean'], int(runs.loc[seed, 'size'])
            rows.append(row); print(pd.DataFrame([row]).round(4).to_string(index=False, header=len(rows) == 1), flush=True)
    df = pd.DataFrame(rows)
    path = bench.write_table(df, a.out, 'identifying_signal.csv')
    have = df.dropna(subset=['fcr_mcc_measured'])
    for m in a.targets:
        print(f"Spearman correlation over {len(have)} (design, data seed) units between L*({m}) and FCR's measured MCC: "
              f"{have[f'L_at_mcc_{m}'].corr(have['fcr_mcc_measured'], method='spearman'):.2f}")
    print("Caveats: the diagonal posteriors and the decoder's architecture also prefer orientations, by amounts not counted here; "
          "only linear maps are searched, and the frontier is found numerically (a smallest value found, not a proven minimum).")
    print(f"Wrote {path}")


if __name__ == '__main__': main()
