"""The documentation site builds (nbdev processing + smalldocs, or nbdev_docs where Quarto exists), every
notebook has its page with its headings, exported names have their API reference, and no link is broken."""
import html, importlib, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def _notebooks():
    nbs = ROOT/'nbs'
    return sorted(p for p in nbs.rglob('*.ipynb') if not any(s.startswith(('_', '.')) for s in p.relative_to(nbs).parts))

def _page(nb: Path) -> Path:
    "The page nbdev names for a notebook: its file name without the leading number, e.g. 00_core → core.html"
    rel = nb.relative_to(ROOT/'nbs')
    return rel.with_name(re.sub(r'^\d+[a-z]?_', '', rel.stem) + '.html')

def _headings(nb: Path) -> list:
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    md = '\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'markdown')
    in_code, out = False, []
    for line in md.splitlines():
        if line.startswith('```'): in_code = not in_code
        m = None if in_code else re.match(r'^(#{1,3})\s+(.+?)\s*$', line)
        if m: out.append(m.group(2))
    return out

def _exported(nb: Path) -> list:
    "Public functions and classes a notebook exports (from its module's __all__)"
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    m = next((re.search(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source'])) for c in cells
              if c['cell_type'] == 'code' and 'default_exp' in ''.join(c['source'])), None)
    if not m or m.group(1) == '__init__': return []
    mod = importlib.import_module(f'fcr.{m.group(1)}')
    return [n for n in getattr(mod, '__all__', []) if callable(getattr(mod, n))]  # constants get no show_doc entry

def _text(path: Path) -> str:
    "Visible text of an HTML page, tags stripped and entities decoded"
    text = html.unescape(re.sub(r'<[^>]+>', ' ', path.read_text(encoding='utf-8')))
    return text.translate(str.maketrans({'’': "'", '‘': "'", '“': '"', '”': '"'}))  # typographic quotes

def test_index_page(site): assert (site/'index.html').exists()

@pytest.mark.parametrize('nb', _notebooks(), ids=lambda p: str(p.relative_to(ROOT/'nbs')))
def test_page_has_headings_and_api(site, nb):
    page = site/_page(nb)
    assert page.exists(), f"no page {page.name} for {nb.name}; pages: {sorted(str(p.relative_to(site)) for p in site.rglob('*.html'))}"
    text = ' '.join(_text(page).split())
    for h in _headings(nb):
        parts = [' '.join(re.sub(r'[`*]', '', p).split()) for p in re.split(r'\$[^$]*\$', h)]  # math renders differently: check the words around it
        assert all(p in text for p in parts if p), f"heading {h!r} of {nb.name} is not on {page.name}"
    for name in _exported(nb):
        assert re.search(rf'\b{re.escape(name)}\b', text), f"{name} (exported by {nb.name}) has no API entry on {page.name}"

def test_sidebar_lists_every_notebook(site):
    index = (site/'index.html').read_text(encoding='utf-8')
    for nb in _notebooks():
        if nb.name != 'index.ipynb': assert _page(nb).name in index, f"{_page(nb)} is missing from the sidebar"

def test_math_is_bundled(site):
    "Math renders offline: KaTeX (scripts, styles, fonts) ships inside the site and no page loads anything from a CDN"
    katex = site/'site_libs'/'katex'
    assert (katex/'katex.min.js').exists() and (katex/'contrib'/'auto-render.min.js').exists() and list((katex/'fonts').glob('*.woff2'))
    assert 'site_libs/katex/katex.min.js' in (site/'theory.html').read_text(encoding='utf-8')
    for page in site.rglob('*.html'):
        remote = re.findall(r'(?:src|href)="(https?://[^"]*(?:cdn|unpkg)[^"]*)"', page.read_text(encoding='utf-8'))
        assert not remote, f"{page.relative_to(site)} loads {remote[:3]} from a CDN: bundle it into the site instead"
