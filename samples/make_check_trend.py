"""The README's weekly movement-check chart (samples/screenshots/check_trend.png): the report's
own chart (report_movement.weekly_svg) for eight constructed weekly checks whose weaker side
recovers from 40 % to 75 % in every movement alike (so the lines lie on one another),
rendered by headless Chromium. Run from the checkout: python samples/make_check_trend.py"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from facetension.checklog import load_checks  # noqa: E402
from facetension.report_movement import movement_json, weekly_svg  # noqa: E402

from test_checklog import a_check, save  # noqa: E402  (a constructed check, saved as the log does)

OUT = ROOT / "samples" / "screenshots" / "check_trend.png"
WEEKS = 8


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "log.db"
        for week in range(WEEKS):
            save(db, a_check(0.40 + 0.05 * week, synkinesis=2 if week < 4 else 1), day=7 * week)
        m = movement_json(load_checks(db))
        page = Path(tmp) / "chart.html"
        page.write_text(f"<html><body style='margin:0;background:#fff'>{weekly_svg(m['weekly'])}</body></html>")
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={OUT}",
             "--window-size=640,250", "--hide-scrollbars", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    print(OUT)


if __name__ == "__main__":
    main()
