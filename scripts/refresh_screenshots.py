"""Copy the README's app screenshots from the browser tests' output to ``docs/``.

The browser tests (``pytest tests/ui/test_browser.py``) write their screenshots to
``tests/screenshots/`` (git-ignored). Run them, then this script:

    .venv/bin/python -m pytest tests/ui/test_browser.py
    .venv/bin/python scripts/refresh_screenshots.py

It refuses screenshots older than ``--max-age-h`` hours (stale images) or with a blank map.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
DOCS = ROOT / "docs"

#: README image -> screenshot written by the browser tests.
CHOSEN = {
    "app.png": "plan_page.png",
    "app_staffing.png": "staffing_page.png",
}
MIN_COLOURS = 500

log = logging.getLogger("refresh_screenshots")


def colours(path: Path) -> int:
    """Distinct colours of an image (a blank page or map has few)."""
    image = Image.open(path).convert("RGB")
    return len(image.getcolors(maxcolors=image.width * image.height))


def refresh(max_age_h: float) -> int:
    """Copy every chosen screenshot; return the number of problems found."""
    problems = 0
    for target, source in CHOSEN.items():
        path = SCREENSHOTS / source
        if not path.is_file():
            log.error("%s: missing; run the browser tests first", path)
            problems += 1
            continue
        age_h = (time.time() - path.stat().st_mtime) / 3600
        if age_h > max_age_h:
            log.error("%s: %.1f h old; run the browser tests again", path, age_h)
            problems += 1
            continue
        if colours(path) < MIN_COLOURS:
            log.error("%s: only %d colours; the map did not draw", path, colours(path))
            problems += 1
            continue
        shutil.copyfile(path, DOCS / target)
        log.info("docs/%s <- tests/screenshots/%s", target, source)
    return problems


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-age-h", type=float, default=24.0, help="oldest screenshot taken")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(1 if refresh(args.max_age_h) else 0)


if __name__ == "__main__":
    main()
