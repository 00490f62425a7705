"""Data-loading benchmark: one epoch of FCR batches over 100k simulated cells x 2,000 genes.

Prints batches/s and cells/s for one epoch (batch 512, shuffled, paired controls) from a sparse
in-memory AnnData, from the same data backed on disk (`read_h5ad(path, backed='r')`), and from a
dense in-memory copy, plus setup time and peak memory. Target: the in-memory epoch under 5 s.

    python benchmarks/data_loading.py [--cells 100000] [--genes 2000] [--batch-size 512] [--no-dense]
"""
import argparse, resource, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, scipy.sparse as sp, anndata as ad, psutil, torch
from fcr.data import setup_anndata
from fcr.loader import FCRDataset, AnnDataLoader

def simulated(n_cells, n_genes, seed=0, stride=10):
    "Sparse counts (one gene in `stride` expressed per cell) with 20 drugs, some combinations, 5 lines x 2 batches"
    rng = np.random.default_rng(seed)
    per_row = n_genes // stride
    cols = (np.arange(per_row) * stride + rng.integers(0, stride, (n_cells, per_row))).ravel().astype(np.int32)
    data = (rng.poisson(2.0, n_cells * per_row) + 1).astype(np.float32)
    X = sp.csr_matrix((data, cols, np.arange(0, n_cells * per_row + 1, per_row)), shape=(n_cells, n_genes))
    drugs = np.array(['control'] + [f'drug{i}' for i in range(1, 21)] + ['drug1+drug2', 'drug3+drug4'])
    p = np.r_[0.1, np.full(22, 0.9 / 22)]
    treat = rng.choice(drugs, n_cells, p=p)
    dose = np.where(np.char.find(treat, '+') >= 0, '1+0.5', '1')
    obs = pd.DataFrame(dict(treatment=pd.Categorical(treat), dose=dose, cell_line=pd.Categorical(rng.choice([f'line{i}' for i in range(5)], n_cells)),
                            batch=pd.Categorical(rng.choice(['b0', 'b1'], n_cells))), index=[f'c{i}' for i in range(n_cells)])
    return ad.AnnData(X, obs=obs, var=pd.DataFrame(index=[f'gene{j}' for j in range(n_genes)]))

def rss_mb(): return psutil.Process().memory_info().rss / 2**20
def peak_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # Linux: kB

def epoch(adata, label, batch_size):
    t0 = time.perf_counter()
    ds = FCRDataset(adata)
    t1 = time.perf_counter()
    n_batches = n_cells = 0
    for b in AnnDataLoader(ds, batch_size=batch_size, seed=0):
        n_batches += 1; n_cells += len(b['idx'])
    t2 = time.perf_counter()
    secs = t2 - t1
    print(f"{label:<18} dataset build {t1 - t0:5.2f} s | epoch {secs:5.2f} s: {n_batches / secs:7.1f} batches/s, "
          f"{n_cells / secs:9.0f} cells/s | rss {rss_mb():6.0f} MB, peak {peak_mb():6.0f} MB", flush=True)
    return secs

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cells', type=int, default=100_000); ap.add_argument('--genes', type=int, default=2000)
    ap.add_argument('--batch-size', type=int, default=512); ap.add_argument('--no-dense', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(1)
    t = time.perf_counter()
    adata = simulated(a.cells, a.genes)
    print(f"simulated {a.cells} cells x {a.genes} genes, {adata.X.nnz / a.cells / a.genes:.0%} non-zero, in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    setup_anndata(adata, 'treatment', ['cell_line', 'batch'], dose_key='dose', likelihood='nb')
    print(f"setup_anndata      {time.perf_counter() - t:5.2f} s")
    epoch(adata, 'in-memory sparse', a.batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'bench.h5ad'
        adata.write_h5ad(path)
        backed = ad.read_h5ad(path, backed='r')
        epoch(backed, 'backed sparse', a.batch_size)
        backed.file.close()
    if not a.no_dense:
        adata.X = adata.X.toarray()
        epoch(adata, 'in-memory dense', a.batch_size)

if __name__ == '__main__': main()
