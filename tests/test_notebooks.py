"""Every notebook in nbs/ runs as its own pytest item.

Cells marked `#| eval: false` never run. Cells marked with a flag from `tst_flags` in settings.ini
(`slow`) are skipped unless the flag is named in `FCR_TEST_FLAGS`, e.g. `FCR_TEST_FLAGS=slow make test`.
"""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_nb

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'

def _notebooks():
    "Notebooks nbdev would test: none under a folder or file that starts with `_` or `.`"
    return sorted(p for p in NBS.rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))

SKIP_FLAGS = get_config(path=ROOT).get('tst_flags', '').split()
FORCE_FLAGS = os.environ.get('FCR_TEST_FLAGS', '').split()

def test_there_are_notebooks(): assert _notebooks(), f"no notebooks found under {NBS}"

@pytest.mark.parametrize('nb', _notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_notebook(nb):
    ok, secs = run_nb(nb, skip_flags=SKIP_FLAGS, force_flags=FORCE_FLAGS, showerr=True, basepath=ROOT)
    assert ok, f"{nb.relative_to(ROOT)} failed after {secs:.1f}s: its traceback is in the captured stderr above."
