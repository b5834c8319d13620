"""What a fresh server's first page run imports before its title is on screen (issue 17: first paint ≤ 3 s;
timings in bench/page_speed.py). pandas costs ~0.6 s and is imported right after the title
(ui/st/page.title), never before it: app.py and the home page must not pull it in."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_home_path_imports_no_pandas():
    """app.py's imports and the home page's, in a fresh interpreter."""
    modules = set()
    for path in (ROOT / "app.py", ROOT / "views" / "home.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.update(f"{node.module}.{a.name}" if node.module in ("ui", "ui.st") else node.module
                               for a in node.names)
    code = "import sys\n" + "".join(f"import {m}\n" for m in sorted(modules)) + "print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False", "pandas is imported before the first title"


def test_views_draw_their_title_through_page_title():
    """page.title imports pandas before any chart can be drawn (see its comment), so every page uses it."""
    offenders = [p.name for p in (ROOT / "views").glob("*.py") if "st.title(" in p.read_text(encoding="utf-8")]
    assert offenders == []
