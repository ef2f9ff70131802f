"""What the app loads when it starts: every command (an export of a million
rows, say) pays for it, so the article importer's libraries wait until an
import needs them."""

import subprocess
import sys

IMPORTER_LIBRARIES = ("requests", "urllib3", "trafilatura", "lxml", "markdown_it", "bleach")


def test_creating_the_app_leaves_the_importers_libraries_unloaded(tmp_path):
    """Fault: about half a second of imports at every start, for commands that never fetch a page."""
    script = (
        "import sys; from annotator import create_app; "
        f"create_app({{'TESTING': True, 'DATABASE': {str(tmp_path / 'db.sqlite3')!r}}}); "
        f"print(sorted(m for m in {IMPORTER_LIBRARIES!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
