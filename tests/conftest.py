"Shared pytest setup: headless plotting, the `slow` flag, and a docs site built once per session."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest

os.environ.setdefault('MPLBACKEND', 'Agg')
ROOT = Path(__file__).resolve().parent.parent
FLAGS = os.environ.get('FCR_TEST_FLAGS', '').split()

def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long-running; runs only with FCR_TEST_FLAGS=slow (make test-slow)')

def pytest_collection_modifyitems(config, items):
    if 'slow' in FLAGS: return
    skip = pytest.mark.skip(reason='slow: run with FCR_TEST_FLAGS=slow (make test-slow)')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)

@pytest.fixture(scope='session')
def root() -> Path: return ROOT

@pytest.fixture(scope='session')
def site(tmp_path_factory) -> Path:
    "Build the docs site from a copy of the project (the working tree is never touched); return its _docs/"
    proj = tmp_path_factory.mktemp('site')
    for f in ('settings.ini', '_quarto.yml', 'README.md'): shutil.copy(ROOT/f, proj/f)
    shutil.copytree(ROOT/'nbs', proj/'nbs', symlinks=True, ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    shutil.copytree(ROOT/'tools', proj/'tools')
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}  # set by nbdev's notebook runner; it disables nbdev's export
    res = subprocess.run([sys.executable, proj/'tools'/'build_docs.py', '--check'], cwd=proj, env=env, capture_output=True, text=True)
    assert res.returncode == 0, f"the docs build failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return proj/'_docs'
