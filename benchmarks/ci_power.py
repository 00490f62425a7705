"""How much within-condition mixing do the benchmark's two checks see? The CI battery against the conditional leakage metric.

Both checks ask whether a learned block carries another block's information within a condition. This script answers how
much each one sees, on the TRUE latents, so with no model in the way: it mixes a known share of z_tx into z_x,

    z_x  <-  z_x + eps * sd(z_x | t, x) * w,    w: z_tx's first coordinates, standardised within each condition,

so that z_tx makes up eps² / (1 + eps²) of each mixed coordinate's within-condition variance, and scores the mixed blocks
exactly as `identifiability.py` scores a model: the conditional leakage z_x -> z_tx and the battery's test z_x ⟂ z_tx | t,x
(HSIC per condition, Fisher, Holm over the battery). eps = 0 is the truth itself: the leakage metric's floor and the
battery's calibration.

    python benchmarks/ci_power.py                 # data sets 0-2, eps 0-0.3 (about a minute per data set)
    python benchmarks/ci_power.py --max-cells 1200 4000   # the leakage metric at the full mode's resolution and a finer one

Writes ci_power.csv to --out (default benchmarks/results/).
"""
import argparse, json, sys
from pathlib import Path
import numpy as np
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from fcr.metrics import conditional_leakage, ci_battery

FULL = bench.MODES['full']
TEST = 'z_x ⟂ z_tx | t,x'


def mixed(truth, condition, eps):
    "The true blocks with eps of z_tx (standardised within each condition) added to z_x, scaled by z_x's within-condition sd"
    by = pd.Series(condition)
    def within(z, f): return pd.DataFrame(z).groupby(by.to_numpy()).transform(f).to_numpy()
    w = truth['z_tx'] - within(truth['z_tx'], 'mean')
    w = w / within(truth['z_tx'], 'std')
    d = truth['z_x'].shape[1]
    return truth | dict(z_x=truth['z_x'] + eps*within(truth['z_x'], 'std')*w[:, :d])


def score(ds, eps_grid, max_cells):
    "Both checks on data set ds's fresh seen cells, for each mixing strength; the leakage fitted on max_cells cells"
    _, fresh = bench.make_data(ds, FULL['cells_per_condition'])
    seen, truth, condition = bench.seen_cells(fresh)
    rows = []
    for eps in eps_grid:  # a few strengths
        blocks = mixed(truth, condition, eps)
        cond = conditional_leakage(blocks, truth, condition, max_cells=max_cells, seed=ds)
        ci = ci_battery(bench.ci_tests(blocks, seen), n_permutations=FULL['n_permutations'], seed=ds)
        rows.append(dict(data_seed=ds, max_cells=max_cells, eps=eps, mixed_variance_share=eps**2/(1 + eps**2), leakage_x_to_tx=float(cond.loc['z_x', 'z_tx']),
                         p_holm=float(ci.loc[TEST, 'p_holm']), reject=bool(ci.loc[TEST, 'reject']),
                         frac_strata_rejected=float(ci.loc[TEST, 'frac_strata_rejected'])))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--eps', type=float, nargs='+', default=[0., 0.05, 0.1, 0.15, 0.2, 0.3], help='mixing strengths')
    p.add_argument('--max-cells', type=int, nargs='+', default=[FULL['max_cells']], help="cells per fit of the leakage metric (default: the full mode's)")
    p.add_argument('--out', default='benchmarks/results', help='folder for ci_power.csv (default benchmarks/results/)')
    a = p.parse_args(argv)
    df = pd.DataFrame([r for n in a.max_cells for ds in a.data_seeds for r in score(ds, a.eps, n)])
    path = bench.write_table(df, a.out, 'ci_power.csv')
    print(df.groupby(['max_cells', 'eps'])[['mixed_variance_share', 'leakage_x_to_tx', 'p_holm', 'reject', 'frac_strata_rejected']].mean().round(4).to_string())
    print(f"Wrote {path}")


if __name__ == '__main__': main()
