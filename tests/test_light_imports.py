"""`import advisor` and `advisor advise` must not pull in torch, transformers or chromadb."""

import subprocess
import sys

HEAVY = ("torch", "transformers", "chromadb", "sentence_transformers", "streamlit", "plotly")

PROBE = f"""
import sys
from click.testing import CliRunner
import advisor
from advisor.cli import main
result = CliRunner().invoke(main, ["advise", "-"], input="failure_mode: knowledge\\n")
assert result.exit_code == 0, result.output
heavy = [m for m in {HEAVY!r} if m in sys.modules]
print(",".join(heavy) or "none")
"""


def test_advise_stays_light():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "none"


APP_PROBE = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.run()
assert not at.exception, at.exception
print(",".join(m for m in ("torch", "transformers", "chromadb", "sentence_transformers")
               if m in sys.modules) or "none")
"""


def test_the_first_page_renders_without_torch():
    from conftest import ROOT

    out = subprocess.run(
        [sys.executable, "-c", APP_PROBE, str(ROOT / "app.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "none"
