#!/usr/bin/env python
"""Make README.md from nbs/index.ipynb without Quarto.

Markdown cells are copied as they are. Code cells are shown as Python blocks, without their `#|`
directives; `#| hide` cells are left out and `#| echo: false` shows only the outputs. Text outputs
become plain blocks, and PNG figures are written to readme_files/ and linked.

    python tools/make_readme.py           # write README.md and readme_files/
    python tools/make_readme.py --check   # exit 1, saying what differs, if they are out of date
"""
import base64, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, README, FIGS = ROOT/'nbs'/'index.ipynb', ROOT/'README.md', ROOT/'readme_files'
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"
_directive = re.compile(r'^\s*#\|\s*(.*)$')

def _directives(src: str) -> dict:
    "The `#| key: value` lines of a code cell, as a dict"
    out = {}
    for line in src.splitlines():
        m = _directive.match(line)
        if not m: continue
        key, _, val = m.group(1).partition(':')
        out[key.strip()] = val.strip()
    return out

def _text(x) -> str: return ''.join(x) if isinstance(x, list) else x

def render(nb: dict) -> tuple[str, dict]:
    "README text and {file name: PNG bytes} for a notebook"
    parts, figs = [], {}
    for i, cell in enumerate(nb['cells']):
        src = _text(cell['source'])
        if cell['cell_type'] == 'markdown':
            parts.append(src.strip())
            continue
        d = _directives(src)
        if 'hide' in d or d.get('include') == 'false' or 'default_exp' in d: continue
        code = '\n'.join(l for l in src.splitlines() if not _directive.match(l)).strip()
        if code and d.get('echo') != 'false': parts.append(f"```python\n{code}\n```")
        if d.get('output') == 'false': continue
        for j, out in enumerate(cell.get('outputs', [])):
            data = out.get('data', {})
            if out.get('output_type') == 'stream': parts.append(f"```\n{_text(out['text']).rstrip()}\n```")
            elif 'image/png' in data:
                name = f"cell{i}_out{j}.png"
                figs[name] = base64.b64decode(_text(data['image/png']))
                parts.append(f"![](readme_files/{name})")
            elif 'text/markdown' in data: parts.append(_text(data['text/markdown']).strip())
            elif 'text/plain' in data: parts.append(f"```\n{_text(data['text/plain']).rstrip()}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n', figs

def main(check: bool) -> int:
    text, figs = render(json.loads(NB.read_text(encoding='utf-8')))
    have = {p.name: p.read_bytes() for p in FIGS.glob('*.png')} if FIGS.exists() else {}
    if check:
        problems = []
        if not README.exists() or README.read_text(encoding='utf-8') != text: problems.append('README.md')
        problems += [f'readme_files/{n}' for n in sorted(set(figs) | set(have)) if figs.get(n) != have.get(n)]
        if problems:
            print(f"Out of date with nbs/index.ipynb: {problems}. Run `python tools/make_readme.py` and commit the result.")
            return 1
        print("README.md is in sync with nbs/index.ipynb.")
        return 0
    README.write_text(text, encoding='utf-8')
    FIGS.mkdir(exist_ok=True)
    for n in set(have) - set(figs): (FIGS/n).unlink()
    for n, b in figs.items(): (FIGS/n).write_bytes(b)
    print(f"Wrote README.md and {len(figs)} figure(s) in readme_files/.")
    return 0

if __name__ == '__main__': sys.exit(main('--check' in sys.argv[1:]))
