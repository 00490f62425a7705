"""Repository hygiene, as upstream nbdev CI checks it: the library is what the notebooks export, the
notebooks are clean, and README.md is what nbs/index.ipynb says."""
import filecmp, os, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def _nbdev(cmd: str, cwd: Path):
    "Run an nbdev command in `cwd`. nbdev's notebook runner sets IN_TEST, which makes nbdev_export a no-op: drop it"
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}
    subprocess.run([BIN/cmd], cwd=cwd, env=env, check=True, capture_output=True)

def _copy_project(dest: Path) -> Path:
    "Copy what nbdev needs (settings, notebooks, library) into `dest`, so checks never touch the working tree"
    shutil.copy(ROOT/'settings.ini', dest/'settings.ini')
    shutil.copy(ROOT/'_quarto.yml', dest/'_quarto.yml')
    shutil.copytree(ROOT/'nbs', dest/'nbs', symlinks=True, ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_proc'))
    shutil.copytree(ROOT/'fcr', dest/'fcr', ignore=shutil.ignore_patterns('__pycache__'))
    return dest

def _py_files(d: Path) -> set: return {p.relative_to(d) for p in d.rglob('*.py') if '__pycache__' not in p.parts}

def test_library_matches_notebooks(tmp_path):
    "nbdev_export must leave fcr/ unchanged: the notebooks are the source"
    proj = _copy_project(tmp_path)
    shutil.rmtree(proj/'fcr')
    _nbdev('nbdev_export', proj)
    have, want = _py_files(ROOT/'fcr'), _py_files(proj/'fcr')
    extra, missing = sorted(map(str, have - want)), sorted(map(str, want - have))
    changed = sorted(str(p) for p in have & want if not filecmp.cmp(ROOT/'fcr'/p, proj/'fcr'/p, shallow=False))
    assert not (extra or missing or changed), (
        "fcr/ is out of sync with nbs/. fcr/*.py is generated: never edit it by hand. Make the change in the "
        "notebook named at the top of each file, run `nbdev_export`, and commit both.\n"
        f"  differs from the export: {changed}\n  not produced by any notebook: {extra}\n  exported but missing: {missing}")

def test_notebooks_are_clean(tmp_path):
    "nbdev_clean must leave every notebook unchanged"
    proj = _copy_project(tmp_path)
    _nbdev('nbdev_clean', proj)
    dirty = sorted(str(p.relative_to(proj)) for p in (proj/'nbs').rglob('*.ipynb')
                   if not filecmp.cmp(p, ROOT/p.relative_to(proj), shallow=False))
    assert not dirty, f"These notebooks are not clean: run `nbdev_clean` and commit them: {dirty}"

def test_readme_matches_index():
    "README.md (and its figures) must be what tools/make_readme.py makes from nbs/index.ipynb"
    res = subprocess.run([sys.executable, ROOT/'tools'/'make_readme.py', '--check'], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr

def _module_imports():
    "For every module of fcr/: the notebook it is exported from, and the (module, names) it imports from other fcr modules"
    out = {}
    for py in sorted((ROOT/'fcr').glob('*.py')):
        if py.name == '_modidx.py': continue
        text = py.read_text(encoding='utf-8')
        nb = re.search(r'File to edit: \.\./nbs/(\S+)\.ipynb', text).group(1)
        imports = [(m, [n.strip().split(' as ')[0] for n in names.split(',')])
                   for m, names in re.findall(r'^\s*from (?:fcr\.|\.)(\w+) import ([^\n#]+)', text, flags=re.M)]
        out[py.stem] = nb, imports
    return out

def test_modules_import_only_earlier_lessons():
    "Each module imports only modules whose notebooks come before its own (so nbs/ reads in order), and no private name crosses modules"
    mods = _module_imports()
    for mod, (nb, imports) in mods.items():
        for other, names in imports:
            if mod == '__init__' or other not in mods: continue
            assert mods[other][0] < nb, f"fcr.{mod} ({nb}) imports fcr.{other} ({mods[other][0]}), a later lesson: move what it needs earlier"
            private = [n for n in names if n.startswith('_')]
            assert not private, f"fcr.{mod} imports private {private} from fcr.{other}: make them public and documented"
