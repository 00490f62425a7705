"""Out-of-core benchmark: one FCR training epoch over a sparse 1M-cell x 2,000-gene h5ad that stays on disk.

Builds the file chunk by chunk (never holding the matrix in memory), then, in a fresh process, opens it
backed (`anndata.read_h5ad(path, backed='r')`), registers it and trains one epoch of `FCR.train`, which
reads contiguous chunks of rows in shuffled order (`fcr.loader.epoch_order`). Prints the file size, the
time of each phase and the training process's peak RSS. Target: peak RSS under 3 GB.

    python benchmarks/out_of_core.py [--cells 1000000] [--genes 2000] [--density 0.1] [--keep PATH]

The design is the throughput benchmark's: 3 cell lines x 120 treatments plus controls (363 conditions).
The file is written to a temporary folder and removed afterwards, unless `--keep PATH` names where to put it
(an existing file there is reused, which skips the build).
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, h5py
from anndata.io import write_elem

def build(path, n_cells, n_genes, density, n_lines=3, n_treatments=120, chunk=20_000, seed=0):
    "Write a sparse count h5ad chunk by chunk: each condition has its own per-gene detection rates"
    rng = np.random.default_rng(seed)
    treatments = np.array(['control'] + [f'drug{i}' for i in range(1, n_treatments + 1)])
    t_code = rng.integers(0, len(treatments), n_cells)
    line_code = rng.integers(0, n_lines, n_cells)
    gene_rate = rng.gamma(0.5, density / 0.5, n_genes)                        # most genes rare, a few common
    effect = np.exp(rng.normal(0, 0.5, (len(treatments), n_lines, n_genes)))  # condition-specific rates
    effect[0] = np.exp(rng.normal(0, 0.3, (n_lines, n_genes)))
    p = np.clip(gene_rate * effect, 0, 0.95).astype(np.float32)
    obs = pd.DataFrame(dict(treatment=pd.Categorical.from_codes(t_code, treatments),
                            cell_line=pd.Categorical.from_codes(line_code, [f'line{i}' for i in range(n_lines)])),
                       index=pd.Index([f'cell{i}' for i in range(n_cells)]))
    with h5py.File(path, 'w') as f:
        f.attrs['encoding-type'], f.attrs['encoding-version'] = 'anndata', '0.1.0'
        write_elem(f, 'obs', obs)
        write_elem(f, 'var', pd.DataFrame(index=pd.Index([f'gene{j}' for j in range(n_genes)])))
        X = f.create_group('X')
        X.attrs['encoding-type'], X.attrs['encoding-version'], X.attrs['shape'] = 'csr_matrix', '0.1.0', (n_cells, n_genes)
        data = X.create_dataset('data', (0,), np.float32, maxshape=(None,), chunks=(1 << 20,))
        indices = X.create_dataset('indices', (0,), np.int32, maxshape=(None,), chunks=(1 << 20,))
        indptr = [np.zeros(1, np.int64)]
        for s in range(0, n_cells, chunk):
            e = min(s + chunk, n_cells)
            hit = rng.random((e - s, n_genes), dtype=np.float32) < p[t_code[s:e], line_code[s:e]]
            rows, cols = np.nonzero(hit)
            vals = rng.geometric(0.4, len(cols)).astype(np.float32)
            n0 = data.shape[0]
            data.resize((n0 + len(vals),)); data[n0:] = vals
            indices.resize((n0 + len(cols),)); indices[n0:] = cols
            indptr.append(n0 + np.cumsum(np.bincount(rows, minlength=e - s)))
        X.create_dataset('indptr', data=np.concatenate(indptr))
        for k in ('obsm', 'varm', 'obsp', 'varp', 'layers', 'uns'): write_elem(f, k, {})

def train_one_epoch(path, batch_size, chunk_size, chunks_per_window):
    "Open backed, register, train one epoch; print a JSON line of timings and peak RSS"
    import anndata as ad, torch
    from fcr import FCR
    t0 = time.perf_counter()
    adata = ad.read_h5ad(path, backed='r')
    t1 = time.perf_counter()
    FCR.setup_anndata(adata, 'treatment', 'cell_line', n_latent_tx=8)
    t2 = time.perf_counter()
    model = FCR(adata, n_latent_x=8, n_latent_t=8, n_latent_tx=8)
    model.train(max_epochs=1, batch_size=batch_size, chunk_size=chunk_size, chunks_per_window=chunks_per_window,
                validation_size=0.01, progress_bar=False, align=False)   # the epoch alone: the alignment after it is measured apart (research question 5)
    t3 = time.perf_counter()
    h = model.history.iloc[0]
    print(json.dumps(dict(cells=adata.n_obs, genes=adata.n_vars, open_s=t1 - t0, setup_s=t2 - t1, train_s=t3 - t2,
                          epoch_s=float(h['seconds']), train_loss=float(h['train_loss']), val_loss=float(h['val_loss']),
                          n_train=model.train_params['n_train'], threads=torch.get_num_threads(),
                          peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)), flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cells', type=int, default=1_000_000); ap.add_argument('--genes', type=int, default=2000)
    ap.add_argument('--density', type=float, default=0.1, help='mean fraction of non-zero entries')
    ap.add_argument('--batch-size', type=int, default=512)
    ap.add_argument('--chunk-size', type=int, default=2048); ap.add_argument('--chunks-per-window', type=int, default=16)
    ap.add_argument('--keep', help='write (or reuse) the h5ad here instead of a temporary folder')
    ap.add_argument('--train-only', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.train_only: return train_one_epoch(a.train_only, a.batch_size, a.chunk_size, a.chunks_per_window)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(a.keep) if a.keep else Path(tmp)/'out_of_core.h5ad'
        if not path.exists():
            t = time.perf_counter()
            build(path, a.cells, a.genes, a.density)
            print(f"built {path.name}: {a.cells:,} cells x {a.genes:,} genes, {path.stat().st_size / 2**30:.2f} GiB on disk, "
                  f"in {time.perf_counter() - t:.0f} s", flush=True)
        with h5py.File(path, 'r') as f:
            nnz, shape = f['X/data'].shape[0], tuple(f['X'].attrs['shape'])
        print(f"non-zero: {nnz:,} ({nnz / shape[0] / shape[1]:.1%}); a dense float32 copy would take {shape[0] * shape[1] * 4 / 2**30:.1f} GiB", flush=True)
        out = subprocess.run([sys.executable, __file__, '--train-only', str(path), '--batch-size', str(a.batch_size),
                              '--chunk-size', str(a.chunk_size), '--chunks-per-window', str(a.chunks_per_window)],
                             capture_output=True, text=True)
        if out.returncode: sys.exit(f"training failed:\n{out.stderr}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        steps = -(-r['n_train'] // a.batch_size)
        print(f"open backed {r['open_s']:.1f} s | setup_anndata (one pass over the file) {r['setup_s']:.1f} s | "
              f"FCR.train, 1 epoch ({r['n_train']:,} cells, {steps} steps, {r['threads']} threads) {r['train_s']:.0f} s, "
              f"of which the epoch with validation {r['epoch_s']:.0f} s ({r['n_train'] / r['epoch_s']:,.0f} cells/s)")
        print(f"losses: train {r['train_loss']:.1f}, validation {r['val_loss']:.1f}")
        print(f"peak RSS of the training process: {r['peak_rss_mb'] / 1024:.2f} GiB (target < 3 GiB)")
        print(json.dumps(r | dict(chunk_size=a.chunk_size, chunks_per_window=a.chunks_per_window, batch_size=a.batch_size)))

if __name__ == '__main__': main()
