"""A report page in headless Chromium: the page with a probe script added, which writes what
it found into the document's title (the one thing --dump-dom reliably hands back)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: .ci/run installs it"
    return found


def probe_title(page: Path, script: str, folder: Path) -> tuple[str, subprocess.CompletedProcess]:
    """The page loaded with `script` (JavaScript run on load, setting document.title) added:
    the title it set, and Chromium's run (stdout: the page's DOM; stderr: console messages)."""
    probe = folder / "probe.html"
    probe.write_text(page.read_text().replace("</body>", f"<script>{script}</script></body>"))
    run = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return re.search(r"<title>(.*?)</title>", run.stdout).group(1), run
