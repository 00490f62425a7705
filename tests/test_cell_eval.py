"""fcr's predictions in cell-eval's hands: `cell_eval_inputs` → .h5ad files → cell-eval's MetricsEvaluator, on a small simulated hold-out.
Skipped when the `eval` extra is absent (`pip install 'fcr-sc[eval]'`; `make install` installs it with the dev extras)."""
import warnings
import numpy as np
import pytest
cell_eval = pytest.importorskip('cell_eval', reason="cell-eval is not installed: pip install 'fcr-sc[eval]'")
import fcr
from fcr.simulate import simulate
from fcr.response import cell_eval_inputs, counterfactual_table

def test_round_trip_agrees_with_fcr(tmp_path):
    adata = simulate(cells_per_condition=60, n_genes=50, heldout=[('drug1', 'line0')], seed=0)
    train = adata[~adata.obs['heldout'].to_numpy()].copy()
    fcr.FCR.setup_anndata(train, treatment_key='treatment', covariate_keys=['cell_line'])
    model = fcr.FCR(train, n_latent_x=2, n_latent_t=2, n_latent_tx=3, n_hidden=32).train(max_epochs=5, progress_bar=False)
    fcr.FCR.setup_anndata(adata, treatment_key='treatment', covariate_keys=['cell_line'])
    pred, real = cell_eval_inputs(model, adata, ['drug1'], 'line0')
    pred.write_h5ad(tmp_path/'pred.h5ad'); real.write_h5ad(tmp_path/'real.h5ad')
    evaluator = cell_eval.MetricsEvaluator(str(tmp_path/'pred.h5ad'), str(tmp_path/'real.h5ad'), control_pert='control', pert_col='treatment',
                                           outdir=str(tmp_path/'cell-eval'), num_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results, _ = evaluator.compute(profile='full', write_csv=False, skip_metrics=['pearson_edistance', 'clustering_agreement'])  # both need 2+ perturbations
    row = results.to_pandas().set_index('perturbation').loc['drug1']
    assert {'overlap_at_N', 'pearson_delta', 'mse', 'discrimination_score_l1'} <= set(row.index)
    ours = counterfactual_table(model, adata, [('drug1', 'line0')])[0].set_index('method').loc['FCR', 'pearson_delta']
    np.testing.assert_allclose(row['pearson_delta'], ours, atol=1e-4)   # the same Pearson delta: same cells, same controls, same seed
