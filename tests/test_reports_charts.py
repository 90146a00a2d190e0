"""The report's charts are drawn with Pillow: valid PNGs of the figures' size, the same bytes
for the same figures, and no matplotlib imported to make a report."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime

from PIL import Image

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.rendering.reports import charts
from conaig_flow.services.reports import reports
from tests.conftest import REPO
from tests.reports_script import play_history


def test_the_three_charts_are_pngs_700_pixels_wide_and_the_same_for_the_same_figures(sqlite_app: App, clock: FixedClock) -> None:
    play_history(sqlite_app, clock)
    report = reports.progress_report(sqlite_app, reports.parse_as_of("2023-01-31"), number=1)
    drawn = charts.all_charts(report.progress)
    assert [c.key for c in drawn] == ["objetivos", "responsables", "cronologia"]
    for chart in drawn:
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG" and image.width == 700 and 200 < image.height < 1000
        colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=100_000) or []}
        assert len(colours) > 10  # text, bars and lines were drawn, not a blank canvas
    assert [c.png for c in charts.all_charts(report.progress)] == [c.png for c in drawn]
    # the approved-on-time colour of the bars is in the objectives chart
    objectives = Image.open(io.BytesIO(drawn[0].png)).convert("RGB")
    assert (0x1B, 0x78, 0x37) in {c for _, c in objectives.getcolors(maxcolors=100_000) or []}


SCRIPT = """
import sys, tempfile
from datetime import datetime
from pathlib import Path
from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.rendering.reports import FORMATS, render
from conaig_flow.services import plans
from conaig_flow.services.reports import reports
from conaig_flow.store.definitions import default_plan_file
tmp = Path(tempfile.mkdtemp())
app = bootstrap(Settings.from_env({}, home=tmp, db_url=f"sqlite:///{tmp / 'c.db'}"),
                clock=FixedClock(datetime(2022, 7, 4, 9, 0, tzinfo=LIMA)))
plans.init(app, default_plan_file())
report = reports.progress_report(app, reports.parse_as_of("2022-06-30"), number=1)
for fmt in FORMATS:
    assert render(report, fmt)
print("matplotlib" in sys.modules)
"""


def test_rendering_a_report_in_every_format_does_not_import_matplotlib() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_report_before_the_plan_starts_still_draws_its_three_charts(sqlite_app: App) -> None:
    sqlite_app.clock = FixedClock(datetime(2021, 1, 1, 9, 0, tzinfo=LIMA))
    report = reports.progress_report(sqlite_app, reports.parse_as_of("2021-01-01"), number=1)
    for chart in charts.all_charts(report.progress):
        assert Image.open(io.BytesIO(chart.png)).width == 700
