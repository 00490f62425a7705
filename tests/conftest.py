"Shared pytest setup: headless plotting, and the repository root."
import os
from pathlib import Path
import pytest

os.environ.setdefault('MPLBACKEND', 'Agg')
ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='session')
def root() -> Path: return ROOT
