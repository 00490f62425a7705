"""Does FCR's training keep the true latent axes once it has them? A warm start at the truth on the identifiability benchmark's data.

Cold-started FCR ends with z_t and z_tx mixed (MCC(z_tx) about 0.6 in the full mode). That can mean two things: the
objective is indifferent between the true axes and mixed ones, or the truth is a good solution that training from a random
start does not reach. This script separates them. For each data set it:

1. pre-trains FCR for --pretrain-epochs on its own objective plus --supervision times the squared distance between the
   encoder means and the TRUE latents, on the cells `FCR.train` will train on (its validation cells stay unseen, so the
   validation losses of warm and cold starts compare fairly; discriminators not stepped);
2. hands that state to the ordinary `FCR.train` (through a checkpoint with no finished epoch, so training starts at epoch 0
   with fresh optimisers, the full-mode settings and early stopping on the validation loss);
3. scores MCC(z_tx) and the conditional leakage z_t -> z_tx on fresh cells after each phase.

With --supervision 0 the same pre-training runs without the truth: the control that the extra epochs are not what helps.

    python benchmarks/warm_start.py                                  # data sets 0, 1, 2; supervision 10 and 0
    python benchmarks/warm_start.py --data-seeds 0 --supervision 10

Writes warm_start.csv to --out (default benchmarks/results/). Model seed k goes with data set k, as in tuning round 4.
"""
import argparse, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
sys.path.insert(0, str(Path(__file__).parent))
import identifiability as bench
from fcr.data import FCRDataset
from fcr.metrics import mcc, conditional_leakage
from fcr.train import _split

FULL = bench.MODES['full']
TRAIN = dict(max_epochs=FULL['max_epochs'], batch_size=FULL['batch_size'])


def score(model, seen, seed):
    "MCC(z_tx) and the conditional leakage of true z_tx into learned z_t, on fresh cells"
    truth, z = {b: seen.obsm[b] for b in bench.BLOCKS}, bench.latents(model, seen)
    leak = conditional_leakage({b: z[b] for b in bench.BLOCKS}, truth, seen.obs['condition'].astype(str).to_numpy(), max_cells=1200, seed=seed)
    return mcc(truth['z_tx'], z['z_tx'], split=True, seed=seed), float(leak.loc['z_t', 'z_tx'])


def pretrain(model, train, epochs, supervision, seed, params, targets=None):
    "Steps of FCR's autoencoder objective plus `supervision` x the squared distance of the encoder means to `targets` ({'z_x','z_t','z_tx'}, one row per cell of `train`; default: the true latents)"
    mod, cells = model.module, _split(train, model.registry, params['validation_size'], seed)[0]  # FCR.train's own training cells: the validation cells stay unseen
    ds = FCRDataset(train, pool_cells=cells)
    targets = {k: torch.as_tensor(np.asarray(train.obsm[f'z_{k}'] if targets is None else targets[f'z_{k}']), dtype=torch.float32)
               for k in ('x', 't', 'tx')}   # one row per cell of `train`
    opt = mod.make_optimizers(lr=params['lr'], weight_decay=params['weight_decay'])[0]
    rng = np.random.default_rng(seed)
    mod.train()
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(cells), len(cells) // TRAIN['batch_size']):
            b = ds.batch(idx, rng)
            q = mod.encode(b['y'], b['t'], b['x'])
            distance = sum(((q[k][0] - targets[k][idx])**2).sum(1).mean() for k in targets)
            mod.zero_grad(); (mod.loss(b)[0] + supervision*distance).backward(); opt.step()
    mod.eval()


def train_params(seed):
    "FCR.train's arguments as it records them in a checkpoint (it refuses a checkpoint written with others): the full mode's"
    return dict(max_epochs=TRAIN['max_epochs'], batch_size=TRAIN['batch_size'], lr=1e-3, weight_decay=4e-7, early_stopping=True, patience=20,
                validation_size=0.1, seed=seed, min_delta=1e-3, chunk_size=None, chunks_per_window=16, mixed_precision=False)


def train_from(model, seed):
    "`FCR.train` with the benchmark's full-mode settings, starting from the module's current state"
    params = train_params(seed)
    opt_ae, opt_d = model.module.make_optimizers(lr=params['lr'], weight_decay=params['weight_decay'])
    with tempfile.TemporaryDirectory() as tmp:
        torch.save(dict(params=params, module=model.module.state_dict(), opt_ae=opt_ae.state_dict(), opt_d=opt_d.state_dict(), rows=[], epoch=-1,
                        best=float('inf'), best_state=None, bad=0, rng=torch.get_rng_state(), stopped=False), f'{tmp}/checkpoint.pt')
        # the checkpoint's torch RNG state replaces the one FCR.train seeds: runs repeat exactly, given the pre-training before them
        model.train(**TRAIN, seed=seed, progress_bar=False, checkpoint_dir=tmp)


def run(cfg):
    seed = cfg['data_seed']
    train, fresh = bench.make_data(seed, FULL['cells_per_condition'])
    seen = fresh[~fresh.obs['heldout'].to_numpy()]
    torch.manual_seed(seed)
    model = bench.make_model('FCR', train, **bench.DIMS, **bench.FCR_KWARGS)
    t0 = time.time()
    pretrain(model, train, cfg['pretrain_epochs'], cfg['supervision_weight'], seed, train_params(seed))
    row = cfg | dict(model_seed=seed, pretrain_seconds=round(time.time() - t0))
    row['mcc_after_pretraining'], row['leak_zt_to_ztx_after_pretraining'] = score(model, seen, seed)
    t0 = time.time()
    train_from(model, seed)
    row |= dict(train_seconds=round(time.time() - t0), epochs=len(model.history), best_val_loss=float(model.history['val_loss'].min()))
    row['mcc_after_training'], row['leak_zt_to_ztx_after_training'] = score(model, seen, seed)
    return bench.logged(row)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--supervision', type=float, nargs='+', default=[10., 0.], help='weights of the distance to the truth in pre-training (0: the control)')
    p.add_argument('--pretrain-epochs', type=int, default=40)
    bench.add_run_options(p, 'warm_start.csv')
    a = p.parse_args(argv)
    cfgs = [dict(supervision_weight=w, data_seed=s, pretrain_epochs=a.pretrain_epochs) for w in a.supervision for s in a.data_seeds]
    df = pd.DataFrame(bench.pool_map(run, cfgs, a.workers, threads=1))
    path = bench.write_table(df, a.out, 'warm_start.csv')
    print(df.round(3).to_string(index=False)); print(f"Wrote {path}")


if __name__ == '__main__': main()
