"""Headless Chromium from Debian, driven by Selenium, for the browser tests and screenshots.

Both the browser and its driver are given by path, and Selenium Manager is told to
stay offline, so that nothing downloads a browser or driver of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("SEARCHSVC_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SEARCHSVC_CHROMEDRIVER", "/usr/bin/chromedriver"))
MISSING = f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian: apt-get install chromium chromium-driver)"


def available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def start(profile: Path, *, width: int = 1200, height: int = 900) -> Any:
    """A headless Chromium with a fresh profile in ``profile``, its console logged."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespaces for the sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
