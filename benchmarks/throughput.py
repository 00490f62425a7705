#!/usr/bin/env python
"""Training-step throughput of FCR on simulated batches, against this machine's matmul peak.

Config: 2,000 genes, batch 512, 64 latent dims per block, 3 covariate levels x ~120
treatments (~356 (t, x) combinations in the data), 512 hidden units. The throughput targets (0.25 s <-> 40% and 0.7 s <-> 16% of
this machine's ~230 GFLOP/s peak) both mean ~23-25 GFLOP per step,
which is FCRModule at n_hidden=512 (22.1 GFLOP); fcr's default width, 128, gives 4.1 GFLOP (`--hidden 128`).
Reports the median step time (autoencoder step +
discriminator step: forward, backward, both optimisers), cells per second, the time share of each
phase and the top operators (torch.profiler), FLOPs per step (torch's FlopCounterMode, which counts
from operator shapes), achieved GFLOP/s as a fraction of the dense-matmul peak measured here, and
peak RSS. A sweep over the number of combinations (1, 36, 356, 3,000) checks that step time does not
grow with it.

    python benchmarks/throughput.py [--steps 20] [--threads N] [--hidden 512] [--compile] [--device cuda] [--bf16] [--out benchmarks/results/throughput.json]

`--compile` builds the model with `compile_likelihood=True` (torch.compile of the fused NB likelihood). The load
average before and after the run is recorded: on a shared machine the figures are only as good as the load.
Like `FCR.train`, it first calls `fcr.core.reuse_freed_memory`, so a step reuses the last step's memory (set
`FCR_SYSTEM_MALLOC=1` to measure with glibc's default allocation instead).
`--device cuda` runs on a GPU (timings synchronise the device); `--bf16` trains with `mixed_precision=True`
(bf16 autocast) and measures the matmul peak in bf16 too, so the fraction of peak stays like for like.
"""
import argparse, json, os, resource, statistics, sys, time
from pathlib import Path
import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode
from fcr.core import reuse_freed_memory
from fcr.model import FCRModule

DEVICE, MIXED = torch.device('cpu'), False   # set from the command line in main()

def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    "Dense matmul GFLOP/s on this device (float32, or bf16 with --bf16): the best of `repeats` n x n products"
    dtype = torch.bfloat16 if MIXED else torch.float32
    a, b = torch.randn(n, n, device=DEVICE, dtype=dtype), torch.randn(n, n, device=DEVICE, dtype=dtype)
    torch.matmul(a, b)
    best = min(_timed(lambda: torch.matmul(a, b)) for _ in range(repeats))
    return 2 * n**3 / best / 1e9

def _timed(f) -> float:
    "Seconds `f` takes, with the device's queue drained before and after"
    if DEVICE.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter(); f()
    if DEVICE.type == 'cuda': torch.cuda.synchronize()
    return time.perf_counter() - t0

def make_batch(n_genes: int, batch: int, n_cov: int, n_treat: int, gen: torch.Generator) -> dict:
    "A batch in fcr.loader's contract: a random (t, x) per cell over n_cov x (n_treat + control) combinations"
    t_id = torch.randint(0, n_treat + 1, (batch,), generator=gen)
    x = torch.randint(0, n_cov, (batch, 1), generator=gen)
    t = torch.zeros(batch, max(n_treat, 1)); treated = t_id > 0
    t[treated, (t_id[treated] - 1).clamp(max=t.shape[1] - 1)] = 1.
    rate = torch.rand(n_genes, generator=gen) * 2
    y, y0 = torch.poisson(rate.expand(batch, -1)), torch.poisson(rate.expand(batch, -1))
    b = dict(y=y, lib=y.sum(1), t=t, t_id=t_id, x=x, x_id=x[:, 0], y0=y0, lib0=y0.sum(1), idx=torch.arange(batch))
    return {k: v.to(DEVICE) for k, v in b.items()}

def build(n_genes, n_cov, n_treat, latent, **kw) -> FCRModule:
    return FCRModule(n_genes=n_genes, n_treatments=max(n_treat, 1), n_conditions=n_treat + 1, n_covariate_levels=[n_cov],
                     n_covariate_groups=n_cov, n_latent_x=latent, n_latent_t=latent, n_latent_tx=latent, **kw).to(DEVICE)

def step_times(mod, batches, steps: int) -> list:
    opt_ae, opt_d = mod.make_optimizers()
    mod.train()
    warm = 8 if mod.decoder.compile_likelihood else 3   # torch.compile traces and recompiles over the first ~5 steps
    for i in range(warm): mod.train_step(batches[i % len(batches)], opt_ae, opt_d, mixed_precision=MIXED)
    return [_timed(lambda b=batches[i % len(batches)]: mod.train_step(b, opt_ae, opt_d, mixed_precision=MIXED)) for i in range(steps)]

def phase_shares(mod, batch, steps: int = 5) -> dict:
    "Seconds per phase of one training step, timed separately: forward (loss), backward, optimiser steps, discriminator step"
    opt_ae, opt_d = mod.make_optimizers()
    acc = dict(forward=0., backward=0., optimizer=0., discriminator=0.)
    for _ in range(steps):
        for p in mod.disc_parameters(): p.requires_grad_(False)
        t0 = time.perf_counter(); total, _, z = mod.loss(batch); t1 = time.perf_counter()
        opt_ae.zero_grad(); total.backward(); t2 = time.perf_counter()
        opt_ae.step(); t3 = time.perf_counter()
        for p in mod.disc_parameters(): p.requires_grad_(True)
        if mod.adv: mod.disc_step(z, batch, opt_d)
        t4 = time.perf_counter()
        for k, v in zip(acc, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)): acc[k] += v
    tot = sum(acc.values())
    return {k: v / tot for k, v in acc.items()}

def top_ops(mod, batch, n: int = 8) -> list:
    opt_ae, opt_d = mod.make_optimizers()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(3): mod.train_step(batch, opt_ae, opt_d)
    ev = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in ev)
    return [(e.key, e.self_cpu_time_total / total) for e in ev[:n]]

def step_flops(mod, batch) -> int:
    opt_ae, opt_d = mod.make_optimizers()
    with FlopCounterMode(display=False) as fc: mod.train_step(batch, opt_ae, opt_d)
    return fc.get_total_flops()

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=20); ap.add_argument('--genes', type=int, default=2000)
    ap.add_argument('--batch', type=int, default=512); ap.add_argument('--latent', type=int, default=64)
    ap.add_argument('--hidden', type=int, default=512, help="hidden width of every MLP (FCRModule's n_hidden; default 512, the issue's configuration; fcr's default is 128)")
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    ap.add_argument('--compile', action='store_true', help='compile_likelihood=True (torch.compile of the NB likelihood)')
    ap.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    ap.add_argument('--bf16', action='store_true', help='mixed_precision=True: bf16 autocast for the forward passes')
    ap.add_argument('--out', default='benchmarks/results/throughput.json')
    a = ap.parse_args()
    global DEVICE, MIXED
    DEVICE, MIXED = torch.device(a.device), a.bf16
    if a.threads: torch.set_num_threads(a.threads)
    reused = reuse_freed_memory()   # as FCR.train does: the step users get (FCR_SYSTEM_MALLOC=1 measures without)
    load_before = os.getloadavg()
    torch.manual_seed(0); gen = torch.Generator().manual_seed(0)
    peak = matmul_peak()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {DEVICE}; freed memory reused: {reused}; dense {'bf16' if MIXED else 'float32'} matmul peak: {peak:.1f} GFLOP/s")
    n_cov, n_treat = 3, 118   # 3 x (118 + control) = 357 combinations
    kw = dict(n_hidden=a.hidden) | (dict(compile_likelihood=True) if a.compile else {})
    mod = build(a.genes, n_cov, n_treat, a.latent, **kw)
    batches = [make_batch(a.genes, a.batch, n_cov, n_treat, gen) for _ in range(4)]
    times = step_times(mod, batches, a.steps)
    med = statistics.median(times)
    flops = step_flops(mod, batches[0])
    gflops = flops / med / 1e9
    shares = phase_shares(mod, batches[0])
    ops = top_ops(mod, batches[0])
    print(f"\nmain config: {a.genes} genes, batch {a.batch}, latent {a.latent}/block, hidden {a.hidden}, {n_cov} x ({n_treat}+1) = {n_cov*(n_treat+1)} combinations")
    print(f"  median step {med*1e3:.1f} ms (min {min(times)*1e3:.1f}, max {max(times)*1e3:.1f}) over {a.steps} steps; {a.batch/med:,.0f} cells/s")
    print(f"  {flops/1e9:.2f} GFLOP per step -> {gflops:.1f} GFLOP/s = {100*gflops/peak:.0f}% of the matmul peak")
    print('  time share: ' + ', '.join(f'{k} {100*v:.0f}%' for k, v in shares.items()))
    print('  top operators (self CPU): ' + ', '.join(f'{k} {100*v:.0f}%' for k, v in ops))
    sweep = []
    print("\ncombinations sweep (same model size per step except the treatment tables; two interleaved rounds, the lower median kept,"
          " so a burst of load from other processes does not land on one setting only):")
    settings = ((1, 1), (3, 11), (3, 118), (3, 999))
    runs = {s: (build(a.genes, *s, a.latent, **kw), [make_batch(a.genes, a.batch, *s, gen) for _ in range(3)]) for s in settings}
    best = {s: float('inf') for s in settings}
    for _ in range(2):
        for s in settings: best[s] = min(best[s], statistics.median(step_times(*runs[s], max(5, a.steps // 2))))
    for (n_cov_s, n_treat_s), t_med in best.items():
        combos = 1 if n_treat_s == 1 and n_cov_s == 1 else n_cov_s * (n_treat_s + 1)
        sweep.append(dict(combinations=combos, median_step_s=t_med))
        print(f"  {combos:5d} combinations: median step {t_med*1e3:.1f} ms")
    ratio = sweep[-1]['median_step_s'] / sweep[0]['median_step_s']
    print(f"  step time at {sweep[-1]['combinations']} vs {sweep[0]['combinations']} combination(s): {ratio:.2f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    res = dict(config=dict(genes=a.genes, batch=a.batch, latent=a.latent, hidden=a.hidden, covariates=n_cov, treatments=n_treat, threads=torch.get_num_threads(),
                           compile_likelihood=a.compile, device=str(DEVICE), bf16=MIXED, reuse_freed_memory=reused), load_avg_before=load_before, load_avg_after=os.getloadavg(),
               matmul_peak_gflops=peak, median_step_s=med, step_times_s=times, cells_per_s=a.batch/med, gflop_per_step=flops/1e9,
               achieved_gflops=gflops, fraction_of_peak=gflops/peak, phase_shares=shares, top_ops=ops, sweep=sweep,
               sweep_ratio_max_vs_1=ratio, peak_rss_mb=rss, torch=torch.__version__)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2))
    print(f"written {a.out}")

if __name__ == '__main__': main()
