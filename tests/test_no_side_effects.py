"""Nothing is left behind on failure: a `setup_anndata` or `FCR(...)` that raises leaves the AnnData exactly as it was."""
import copy
import numpy as np
import pytest
import fcr
from fcr.simulate import simulate

def state(a):
    "Everything a call could touch: values, labels and their dtypes, names, uns, layers and obsm"
    return dict(X=np.array(a.X, dtype=float), obs=a.obs.copy(deep=True), var=a.var.copy(deep=True), uns=copy.deepcopy(dict(a.uns)),
                layers={k: np.array(v) for k, v in a.layers.items()}, obsm={k: np.array(v) for k, v in a.obsm.items()},
                names=(a.obs_names.tolist(), a.var_names.tolist()), dtypes=a.obs.dtypes.to_dict())

def assert_same(before, after):
    np.testing.assert_array_equal(before['X'], after['X'])
    assert before['obs'].equals(after['obs']) and before['var'].equals(after['var'])
    assert before['names'] == after['names'] and before['dtypes'] == after['dtypes']
    assert before['uns'].keys() == after['uns'].keys() and before['uns'].get('fcr') == after['uns'].get('fcr')
    assert before['layers'].keys() == after['layers'].keys() and all(np.array_equal(before['layers'][k], after['layers'][k]) for k in before['layers'])
    assert before['obsm'].keys() == after['obsm'].keys() and all(np.array_equal(before['obsm'][k], after['obsm'][k]) for k in before['obsm'])

def _floats(a, value):
    a.X = a.X.astype(float); a.X[0, 0] = value
def _no_controls(a): a.obs['treatment'] = a.obs['treatment'].astype(str).replace('control', 'drug1')
def _ghost_level(a): a.obs['cell_line'] = a.obs['cell_line'].cat.add_categories(['ghost'])
def _line_without_controls(a):
    a.obs['cell_line'] = a.obs['cell_line'].astype(str)
    a.obs.loc[(a.obs['cell_line'] == 'line0') & (a.obs['treatment'] == 'control'), 'cell_line'] = 'line1'
def _bad_split(a): a.obs['split'] = 'weird'
def _non_integer(a): a.X = a.X.astype(float) + 0.5

SETUP_FAILURES = {  # name: (how the data is broken, setup_anndata arguments beyond the usual ones)
    'missing obs key': (None, dict(treatment_key='drug')),
    'NaN counts': (lambda a: _floats(a, np.nan), {}),
    'negative counts': (lambda a: _floats(a, -1.), {}),
    'no control cells': (_no_controls, {}),
    'unused category': (_ghost_level, {}),
    'covariate group without controls': (_line_without_controls, {}),
    'unknown split value': (_bad_split, dict(split_key='split')),
    'non-integer values for a count likelihood': (_non_integer, dict(likelihood='nb')),
}

@pytest.fixture(scope='module')
def simulated(): return simulate(cells_per_condition=10, n_genes=20, seed=0)

@pytest.mark.parametrize('case', list(SETUP_FAILURES))
@pytest.mark.parametrize('registered', [False, True], ids=['fresh', 'already registered'])
def test_failed_setup_leaves_adata_alone(simulated, case, registered):
    breaks, kwargs = SETUP_FAILURES[case]
    a = simulated.copy()
    if registered: fcr.FCR.setup_anndata(a, treatment_key='treatment', covariate_keys=['cell_line'])
    if breaks: breaks(a)
    before = state(a)
    with pytest.raises((ValueError, KeyError)):
        fcr.FCR.setup_anndata(a, **(dict(treatment_key='treatment', covariate_keys=['cell_line']) | kwargs))
    assert_same(before, state(a))

@pytest.mark.parametrize('kwargs', [dict(likelihood='poisson'), dict(n_latent_tx=0), dict(n_latent_x=1.5), dict(not_an_argument=1)],
                         ids=['unknown likelihood', 'zero width', 'fractional width', 'unknown argument'])
def test_failed_model_leaves_adata_alone(simulated, kwargs):
    a = simulated.copy()
    fcr.FCR.setup_anndata(a, treatment_key='treatment', covariate_keys=['cell_line'])
    before = state(a)
    with pytest.raises((ValueError, TypeError)): fcr.FCR(a, **kwargs)
    assert_same(before, state(a))

def test_unregistered_model_leaves_adata_alone(simulated):
    a = simulated.copy(); before = state(a)
    with pytest.raises(KeyError, match='setup_anndata'): fcr.FCR(a)
    assert_same(before, state(a))
