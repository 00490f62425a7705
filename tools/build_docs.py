#!/usr/bin/env python
"""Build the documentation site into _docs/.

With a `quarto` binary on PATH this is plain `nbdev_docs`. Without one (Quarto cannot be installed on
every machine), it runs the same steps as `nbdev_proc_nbs` (nbdev.yml, module index, sidebar, then the
notebook processors into _proc/), minus nbdev's attempt to download Quarto, and renders _proc/ with the
pure-Python `smalldocs`, which reads the same _quarto.yml.

    python tools/build_docs.py [--check]   # --check also runs `smalldocs check` (broken links etc.)
"""
import os, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def _use_output_file_names(proc: Path):
    "Rename processed notebooks to the page names nbdev gives Quarto (`output-file`), so links agree under both"
    import json, yaml
    renames = {}
    for nb_path in sorted(proc.rglob('*.ipynb')):
        nb = json.loads(nb_path.read_text(encoding='utf-8'))
        raw = next((c for c in nb['cells'] if c['cell_type'] == 'raw'), None)
        if raw is None: continue
        fm = yaml.safe_load(''.join(raw['source']).strip().strip('-')) or {}
        out = fm.pop('output-file', None)
        if not out: continue
        raw['source'] = '---\n' + yaml.safe_dump(fm, sort_keys=False) + '---\n'
        new = nb_path.with_name(Path(out).with_suffix('.ipynb').name)
        nb_path.write_text(json.dumps(nb, indent=1), encoding='utf-8')
        if new != nb_path:
            nb_path.rename(new)
            renames[str(nb_path.relative_to(proc))] = str(new.relative_to(proc))
    sidebar = proc/'sidebar.yml'
    if sidebar.exists():
        text = sidebar.read_text(encoding='utf-8')
        for old, new in renames.items(): text = text.replace(old, new)
        sidebar.write_text(text, encoding='utf-8')

def build(check: bool = False) -> Path:
    os.chdir(ROOT)
    if shutil.which('quarto'):
        subprocess.run([BIN/'nbdev_docs'], check=True)
        return ROOT/'_docs'
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    import nbdev.doclinks
    cfg = get_config()
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
    proc_nbs(cfg.nbs_path, force=True, n_workers=0)
    proc = ROOT/'_proc'
    _use_output_file_names(proc)
    subprocess.run([BIN/'smalldocs', 'render', '--quiet', str(proc)], check=True)
    built = proc/cfg.doc_path.name
    shutil.rmtree(cfg.doc_path, ignore_errors=True)
    shutil.move(str(built), str(cfg.doc_path))
    if check: check_links(proc)
    return cfg.doc_path

def check_links(proc: Path):
    "Run `smalldocs check`; fail on broken links. Quarto-only keys it ignores (kept for real Quarto) are only listed."
    res = subprocess.run([BIN/'smalldocs', 'check', str(proc)], capture_output=True, text=True)
    findings = [l for l in (res.stdout + res.stderr).splitlines() if l.strip()]
    broken = [l for l in findings if 'broken link' in l]
    for l in findings: print('  smalldocs check:', l)
    if broken: sys.exit(f"{len(broken)} broken link(s) in the docs site: fix them in the notebooks.")

if __name__ == '__main__':
    out = build(check='--check' in sys.argv[1:])
    print(f"Docs site built in {out}/ (open {out}/index.html).")
