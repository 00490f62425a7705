"""PerturBench clustering of FCR's blocks over seeds and weight settings (issue 7's clustering targets, beyond one run).

Each run follows the tutorial's protocol (nbs/tutorials/perturbench.ipynb): typed perturbations, the same four held-out
combinations, FCR trained for at most 150 epochs, Leiden clusters of each block of the seen cells scored by NMI against
the cell line, the perturbation and their combination (`fcr.metrics.clustering_scores`, resolution searched per label).
Needs perturbench_devel.h5ad in FCR_DATA_DIR (or ../shared/data).

    python benchmarks/perturbench_seeds.py                                   # defaults, seeds 1-4
    python benchmarks/perturbench_seeds.py --seeds 0 --settings '{"w_sim=1": {"w_sim": 1.0}, "w_adv=1": {"w_adv": 1.0}}'

Writes perturbench_runs.csv to --out (default benchmarks/results/, gitignored); two runs at a time, one thread each.
"""
import argparse, json, time, multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from fcr.data import load_perturbench, add_split
from fcr.train import FCR
from fcr.metrics import clustering_scores

HELDOUT = [('MAP2K6(CRISPRi)', 'A172'), ('SGK1(CRISPRi)', 'T98G'), ('MAPK1(CRISPRi)', 'U87MG'), ('TGFBR2(CRISPRi)', 'A172')]


def run(job):
    "Train one FCR and return the NMI of each block against each label"
    setting, kwargs, seed, epochs = job
    torch.set_num_threads(1); torch.manual_seed(seed)
    adata = load_perturbench(typed=True, setup=True); add_split(adata, heldout=HELDOUT, seed=0)
    t0 = time.time()
    model = FCR(adata, **kwargs).train(max_epochs=epochs, seed=seed, progress_bar=False)
    secs = time.time() - t0
    seen = adata[adata.obs['fcr_split'].to_numpy() != 'heldout']
    blocks = model.get_latent_blocks(seen)
    line, pert = seen.obs['cell_type'].astype(str).to_numpy(), seen.obs['perturbation_typed'].astype(str).to_numpy()
    labels = {'cell line': line, 'perturbation': pert, 'combination': np.char.add(np.char.add(pert, '|'), line)}
    scores = clustering_scores(blocks, labels, seed=seed)
    row = dict(setting=setting, seed=seed, epochs=len(model.history), secs=round(secs), val=float(model.history['val_loss'].min()))
    row |= {f'{b} {k}': round(float(scores.loc[b, f'NMI {k}']), 3) for b in blocks for k in labels}
    print(json.dumps(row), flush=True)
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3, 4], help='seeds (default 1 2 3 4)')
    p.add_argument('--settings', default='{"defaults": {}}', help='JSON {name: FCR kwargs} (default: the defaults)')
    p.add_argument('--epochs', type=int, default=150, help='maximum epochs (default 150, as the tutorial)')
    p.add_argument('--out', default='benchmarks/results', help='folder for perturbench_runs.csv')
    a = p.parse_args(argv)
    jobs = [(name, kw, s, a.epochs) for name, kw in json.loads(a.settings).items() for s in a.seeds]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context('spawn')) as ex:
        df = pd.DataFrame(list(ex.map(run, jobs)))
    Path(a.out).mkdir(parents=True, exist_ok=True); df.to_csv(Path(a.out)/'perturbench_runs.csv', index=False)
    print(df.to_string(index=False))


if __name__ == '__main__':
    main()
