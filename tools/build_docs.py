#!/usr/bin/env python
"""Build the documentation site into _docs/.

With a `quarto` binary on PATH this is plain `nbdev_docs`. Without one (Quarto cannot be installed on
every machine), it runs the same steps as `nbdev_proc_nbs` (nbdev.yml, module index, sidebar, then the
notebook processors into _proc/), minus nbdev's attempt to download Quarto, and renders _proc/ with the
pure-Python `smalldocs`, which reads the same _quarto.yml.

Math renders offline: KaTeX, the renderer smalldocs' pages load, is taken from the npm registry at build time
(`npm pack`, cached in ~/.cache/fcr-docs) and copied into the site, and every page points at that copy instead
of the CDN. Nothing is fetched when the pages are viewed.

    python tools/build_docs.py [--check]   # --check also runs `smalldocs check` (broken links etc.)
"""
import os, re, shutil, subprocess, sys, tarfile
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
    bundle_katex(Path(cfg.doc_path))
    if check: check_links(proc)
    return cfg.doc_path

def katex_tarball(version: str) -> Path:
    "The npm registry's katex package at `version`, downloaded once with `npm pack` into ~/.cache/fcr-docs"
    cache = Path(os.environ.get('XDG_CACHE_HOME', Path.home()/'.cache'))/'fcr-docs'
    tgz = cache/f'katex-{version}.tgz'
    if tgz.exists(): return tgz
    if not shutil.which('npm'): sys.exit("Bundling KaTeX for offline math needs npm (Node.js) to fetch the katex package once: install Node.js, or put "
                                         f"the npm registry's katex-{version}.tgz into {cache}/.")
    cache.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(['npm', 'pack', f'katex@{version}', '--silent', '--pack-destination', str(cache)], capture_output=True, text=True)
    if res.returncode or not tgz.exists(): sys.exit(f"npm pack katex@{version} failed, so the site's math could not be bundled:\n{res.stderr[-1500:]}")
    return tgz

def bundle_katex(site: Path):
    "Copy KaTeX (scripts, styles, fonts) into site/site_libs/katex and point every page at it instead of smalldocs' CDN address"
    from smalldocs.layout import KATEX   # e.g. https://cdn.jsdelivr.net/npm/katex@0.16.11/dist
    version = re.search(r'katex@([\d.]+)', KATEX).group(1)
    pages = [p for p in site.rglob('*.html') if KATEX in p.read_text(encoding='utf-8')]
    if not pages: return
    dest = site/'site_libs'/'katex'
    shutil.rmtree(dest, ignore_errors=True)
    with tarfile.open(katex_tarball(version)) as tar:
        for m in tar.getmembers():
            rel = m.name.removeprefix('package/dist/')
            if m.isfile() and rel != m.name and (rel.startswith('fonts/') or rel in ('katex.min.js', 'katex.min.css', 'contrib/auto-render.min.js')):
                (dest/rel).parent.mkdir(parents=True, exist_ok=True)
                (dest/rel).write_bytes(tar.extractfile(m).read())
    for p in pages:
        local = Path(os.path.relpath(dest, p.parent)).as_posix()
        p.write_text(p.read_text(encoding='utf-8').replace(KATEX, local), encoding='utf-8')

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
