"""The docs site as a person sees it: served on localhost and opened in headless Chromium.

Needs Debian's `chromium` (`make docs-check` installs it where missing); skipped with a reason otherwise.
Screenshots go to $FCR_SCREENSHOT_DIR when set (nothing generated is committed)."""
import base64, functools, http.server, io, json, os, re, shutil, subprocess, threading
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: run `make docs-check`, which installs Debian's chromium")]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--window-size=1280,1000']

class _Server(http.server.ThreadingHTTPServer):
    "A localhost server for the built site that remembers every path it served successfully"
    def __init__(self, root: Path):
        self.served = []
        served = self.served
        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a): pass
            def send_response(self, code, message=None):
                if code == 200: served.append(self.path.split('?')[0])
                super().send_response(code, message)
        super().__init__(('127.0.0.1', 0), functools.partial(Handler, directory=str(root)))

@pytest.fixture(scope='module')
def server(site):
    srv = _Server(site)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()

def _chromium(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={tmp_path/"profile"}', *args], capture_output=True, text=True, timeout=120)

def _open(server, tmp_path, page: str) -> tuple[str, Path]:
    "The DOM after scripts ran, and a screenshot, of `page` as Chromium renders it"
    url = f'http://127.0.0.1:{server.server_address[1]}/{page}'
    dom = _chromium(tmp_path, '--virtual-time-budget=5000', '--dump-dom', url).stdout
    shots = Path(os.environ.get('FCR_SCREENSHOT_DIR', tmp_path)); shots.mkdir(parents=True, exist_ok=True)
    shot = shots/(page.replace('/', '_').replace('.html', '') + '.png')
    _chromium(tmp_path, f'--screenshot={shot}', url)
    return dom, shot

def _check_page(server, tmp_path, page: str, title: str):
    before = len(server.served)
    dom, shot = _open(server, tmp_path, page)
    assert re.search(rf'<title>[^<]*{re.escape(title)}', dom), f"{page}: the title {title!r} is not in the rendered page"
    assert 'core.html' in dom and ('sidebar' in dom or '<nav' in dom), f"{page}: no navigation in the rendered page"
    imgs = re.findall(r'<img[^>]+src="([^"]+)"', dom)
    assert imgs, f"{page}: no figure in the rendered page"
    from PIL import Image
    inline = [Image.open(io.BytesIO(base64.b64decode(s.split(',', 1)[1]))) for s in imgs if s.startswith('data:image/png;base64,')]
    fetched = server.served[before:]
    files = [s for s in imgs if not s.startswith('data:') and Path(s).name in ' '.join(fetched)]
    assert any(min(im.size) > 50 for im in inline) or files, f"{page}: no figure was loaded: {[s[:60] for s in imgs[:3]]}; fetched {fetched[:10]}"
    pixels = np.asarray(Image.open(shot).convert('L'), dtype=float)
    assert pixels.std() > 10, f"{page}: the screenshot {shot} is blank"

def test_index_in_browser(server, tmp_path): _check_page(server, tmp_path, 'index.html', 'fcr')

def test_tutorial_in_browser(server, site, tmp_path):
    pages = sorted(p.relative_to(site).as_posix() for p in (site/'tutorials').glob('*.html') if p.name != 'index.html')
    if not pages: pytest.skip('no tutorial pages yet')
    page = pages[0]
    nb = json.loads((ROOT/'nbs'/page.replace('.html', '.ipynb')).read_text(encoding='utf-8'))
    title = next(l[2:].strip() for c in nb['cells'] if c['cell_type'] == 'markdown' for l in ''.join(c['source']).splitlines() if l.startswith('# '))
    _check_page(server, tmp_path, page, title)

def test_math_renders_offline(server, tmp_path):
    "The theory page's formulas come out as KaTeX nodes, from the site's own copy of KaTeX, with no raw TeX delimiters left"
    before = len(server.served)
    dom, _ = _open(server, tmp_path, 'theory.html')
    assert any(p.endswith('site_libs/katex/katex.min.js') for p in server.served[before:]), "the page did not load the bundled KaTeX"
    assert dom.count('class="katex"') >= 5, "the theory page has (almost) no rendered math"
    text = re.sub(r'<annotation[^>]*>.*?</annotation>', ' ', dom, flags=re.S)   # KaTeX keeps the source TeX in a hidden annotation
    text = re.sub(r'<(script|style)[^>]*>.*?</\1>', ' ', text, flags=re.S)
    text = re.sub(r'<[^>]+>', ' ', text)
    assert '\\(' not in text and '\\[' not in text, "raw TeX delimiters are left on the theory page"
