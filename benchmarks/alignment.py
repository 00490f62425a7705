"""Aligning the learned latent with FCR's prior families after training (`fcr.align`): the identifiability benchmark's scores before and after.

Tuning round 5 found that FCR's objective prefers the true latent axes by less than one nat per cell, too little for
training to find them from a random start, and that training keeps them once it has them. `fcr.align.fit_alignment` finds
the orientation that objective's prior part prefers directly: the linear map of the training cells' posterior means that
FCR's prior families (z_x per cell line, z_t per treatment, z_tx per condition) fit best, from 8 starts, keeping the lowest
cost. It needs the labels only, never the truth. This script trains models exactly as the full mode does (same data, seeds
and settings, so FCR's unaligned scores reproduce the full mode's runs), fits the alignment on each model's training cells,
and scores the model before and after on fresh cells with the full mode's `evaluate`: MCC(z_tx), the conditional leakage
matrix, whole-latent R², the CI battery. The alignment changes only the reported latents: counterfactual scores are the same.

The plain VAE, the iVAE and the additive model have no blocks of their own; their 7 coordinates are aligned the same way (the map mixes all
coordinates, so how they are split going in does not matter). They show how much of the gain is the alignment's and how much
is FCR's training.

    python benchmarks/alignment.py                                # FCR: data sets 0-2 x model seeds 0-2; baselines: data set k, seed k
    python benchmarks/alignment.py --models additive              # one model only (the committed CSV's additive rows were run so)
    python benchmarks/alignment.py --models FCR --data-seeds 0 --model-seeds 0

Writes alignment_runs.csv to --out (default benchmarks/results/).
"""
import argparse, json, sys, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from warm_start import FULL
from fcr.align import fit_alignment
from fcr.data import encode_cells

SCORES = ['mcc_tx_pearson', 'mcc_tx_heldout_combos', 'r2_all_min', 'cond_diag_min', 'cond_offdiag_max', 'cf_cell_mse_heldout']


class Aligned:
    "A trained model whose reported latent blocks are re-oriented by an alignment; scored as a factorised model"
    tx_block, factorised = 'tx', True
    def __init__(self, model, alignment): self.model, self.alignment = model, alignment
    def get_latent_blocks(self, cells): return self.alignment.transform(self.model.get_latent_blocks(cells))
    def __getattr__(self, name): return getattr(self.model, name)   # counterfactuals and the rest: the model's own


def run(cfg):
    "Train one model as the full mode does, align it on its training cells, score both on fresh cells"
    name, ds, ms = cfg['model'], cfg['data_seed'], cfg['model_seed']
    train, fresh = bench.make_data(ds, FULL['cells_per_condition'])
    model, secs = bench.train_model(name, train, ms, FULL['max_epochs'], bench.FCR_KWARGS, FULL['batch_size'])
    t0 = time.time()
    codes = encode_cells(train, model.registry)
    alignment = fit_alignment(model.get_latent_blocks(train), codes['t_id'], codes['x_id'], seed=ms)
    align_secs = time.time() - t0
    rows = []
    for aligned, scored in ((False, model), (True, Aligned(model, alignment))):
        row, _, ci = bench.evaluate(scored, fresh, FULL, ms)
        rows.append(dict(model=name, data_seed=ds, model_seed=ms, aligned=aligned, train_seconds=round(secs), align_seconds=round(align_secs, 1),
                         alignment_cost_before=alignment.cost_before, alignment_cost_after=alignment.cost_after,
                         start_costs=json.dumps([round(float(c), 4) for c in alignment.start_costs])) | row)
    print(f"{name:10s} data {ds} seed {ms}: MCC(z_tx) {rows[0]['mcc_tx_pearson']:.3f} -> {rows[1]['mcc_tx_pearson']:.3f}, "
          f"cond. off-diagonal max {rows[0].get('cond_offdiag_max', float('nan')):.3f} -> {rows[1]['cond_offdiag_max']:.3f} "
          f"({secs:.0f}s train, {align_secs:.0f}s align)", flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='+', default=['FCR', 'plain VAE', 'iVAE', 'additive'])
    p.add_argument('--data-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--model-seeds', type=int, nargs='+', default=[0, 1, 2], help="FCR's model seeds; each baseline trains data set k with seed k")
    bench.add_run_options(p, 'alignment_runs.csv')
    a = p.parse_args(argv)
    jobs = [dict(model=m, data_seed=d, model_seed=s) for m in a.models for d in a.data_seeds
            for s in (a.model_seeds if m == 'FCR' else [d])]
    runs = pd.DataFrame([r for rows in bench.pool_map(run, jobs, a.workers, threads=1) for r in rows])
    path = bench.write_table(runs, a.out, 'alignment_runs.csv')
    print(bench.mean_std(runs, ['model', 'aligned'], SCORES).to_string())
    print(f"Wrote {path}")


if __name__ == '__main__': main()
