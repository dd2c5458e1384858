"""Screenshots of the search page for the README: on the seed article, and on RUWA.

    .venv/bin/python tests/screenshots.py [--out tests/screenshots] [--data ../shared/data]

Each shot starts ``searchsvc serve`` over a temporary index and loads the page in
headless Chromium (see ``tests/chromium.py``). The seed index is what the README's
first command serves; RUWA is indexed from ``../shared/data`` (never copied into the
repository) and skipped when it is absent.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import chromium
from test_server_e2e import start_serve

REPO = Path(__file__).resolve().parent.parent
RUWA = Path("ruwa_ukraine_war_news") / "ruwa.jsonl"
WIDTH = 1000


def shoot(index_dir: Path, work: Path, path: str, out: Path, height: int) -> None:
    """Serve ``index_dir``, load ``path`` and save the visible page as ``out``."""
    from selenium.webdriver.common.by import By

    process, port = start_serve(index_dir, work / f"{out.stem}.log")
    driver = chromium.start(work / f"profile-{out.stem}", width=WIDTH, height=height)
    try:
        # The window's size includes the browser's own bars: set the page's exactly.
        metrics = {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(f"http://127.0.0.1:{port}{path}")
        # Show how the first hit matched.
        for details in driver.find_elements(By.CSS_SELECTOR, ".hit details")[:1]:
            driver.execute_script("arguments[0].open = true", details)
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
        print(
            f"{out.relative_to(REPO) if out.is_relative_to(REPO) else out}: {out.stat().st_size // 1024} KiB"
        )
    finally:
        driver.quit()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "screenshots")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    if not chromium.available():
        print(chromium.MISSING, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="searchsvc-shots-") as tmp:
        work = Path(tmp)
        # An empty index: serve indexes the seed articles into it, as the README's first command does.
        shoot(work / "seeds-index", work, "/?q=Pokrovsk", args.out / "page-seeds.png", height=820)
        ruwa = args.data / RUWA
        if not ruwa.exists():
            print(f"skipping RUWA: {ruwa} is absent", file=sys.stderr)
            return 0
        index_dir = work / "ruwa-index"
        command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index_dir), "index", str(ruwa)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shoot(index_dir, work, "/?q=Slavyansk", args.out / "page-ruwa.png", height=980)
    return 0


if __name__ == "__main__":
    sys.exit(main())
