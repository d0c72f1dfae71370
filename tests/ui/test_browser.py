"""The app in a real headless Chromium against one running Streamlit server for the session.

Every test checks that a map really drew (the canvas has many distinct colours, not a blank
WebGL surface) and that every request the page made went to the local server. Screenshots go
to ``tests/screenshots/`` (git-ignored); ``scripts/refresh_screenshots.py`` copies the README's
images from there to ``docs/``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import gpxpy
import pytest
import yaml
from PIL import Image

from planner.errors import PlannerError
from planner.incidents import load_incidents
from planner.scenario import IncidentSpec
from tests.ui.conftest import ROOT, SCREENSHOTS, AppPage

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

TIMEOUT_MS = 240_000
MAP_CHART = "[data-testid='stDeckGlJsonChart']"
MAP_CANVAS = f"{MAP_CHART} canvas"  # a chart may hold two: deck.gl's and the base map's
LOOPBACK = {"127.0.0.1", "localhost"}
MIN_COLOURS = 50
#: What a street's tooltip says in the scenario map's pick mode.
STREET_TIP = "click to use this street"


def _colours(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=image.width * image.height))


def _drawn_map(app: AppPage, name: str, index: int = 0) -> int:
    """Distinct colours of a map canvas once deck.gl has drawn it (or after 60 s)."""
    canvas = app.page.locator(MAP_CHART).nth(index).locator("canvas").first
    canvas.wait_for(state="visible", timeout=TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    png = _drawn_canvas(app, canvas)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}_map.png").write_bytes(png)
    return _colours(png)


def _drawn_canvas(app: AppPage, canvas: Locator) -> bytes:
    """Screenshot of ``canvas`` once it shows more than a blank surface (or after 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        png = canvas.screenshot()
        if _colours(png) > MIN_COLOURS or time.monotonic() > deadline:
            return png
        app.page.wait_for_timeout(1000)


def _page_shot(app: AppPage, name: str, height_px: int = 1100) -> None:
    """Screenshot of the page from the top, in a window ``height_px`` tall.

    Streamlit scrolls inside its own container, so a full-page screenshot shows only the
    window: the window is made taller instead, then set back.
    """
    size = app.page.viewport_size
    app.page.set_viewport_size({"width": size["width"], "height": height_px})
    for chart in app.page.locator(MAP_CHART).all():  # each map drawn at the new size
        _drawn_canvas(app, chart.locator("canvas").first)  # (a screenshot scrolls to it)
    app.page.locator(MAP_CANVAS).first.scroll_into_view_if_needed()
    app.page.get_by_role("heading", name="Foot-patrol planner").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    app.page.screenshot(path=str(SCREENSHOTS / f"{name}_page.png"))
    app.page.set_viewport_size(size)


def _open(app: AppPage) -> None:
    app.page.goto(app.url)
    app.page.locator(MAP_CANVAS).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    _idle(app)  # the first run (it plans the default scenario) is over before any action


def _tab(app: AppPage, name: str) -> None:
    app.page.get_by_role("tab", name=name).click()
    _idle(app)


def _idle(app: AppPage) -> None:
    """Wait until the script run that the last action started has finished."""
    _settled(app.page)


def _settled(page: Page) -> None:
    """Wait until the page's script run has finished.

    The page says so on its app element (this app draws no status widget in its header).
    """
    page.wait_for_timeout(300)
    idle = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    idle.wait_for(timeout=TIMEOUT_MS)


def _upload(uploader: Locator, path: Path, taken: Locator | None = None) -> None:
    """Give ``path`` to a file uploader and wait until it lists the file, or shows ``taken``.

    A file the app opens or lists leaves the uploader at once, so ``taken`` is what shows it
    went where it should. A script run that redraws the page can replace the uploader's input
    while the file is set; the file is then set again (three tries), so that only an upload
    the app lost fails a test.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    listed = uploader.get_by_text(path.name)
    shown = listed if taken is None else listed.or_(taken)
    for _ in range(3):
        uploader.locator("input[type='file']").set_input_files(str(path))
        try:
            shown.first.wait_for(state="visible", timeout=10_000)
        except PlaywrightTimeoutError:
            continue
        return
    msg = f"the uploader never listed {path.name}"
    raise AssertionError(msg)


def _outside(app: AppPage) -> list[str]:
    """Requested URLs that leave this machine (data: and blob: URLs never do)."""
    return [
        url
        for url in app.requests
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname not in LOOPBACK
    ]


def _stays_local(app: AppPage) -> None:
    assert app.requests
    assert _outside(app) == []
    assert app.failed == []


def _officer_rows(app: AppPage):
    return app.page.locator("[data-testid='stTable'] tbody tr")


def _cut_short(app: AppPage, testid: str) -> list[str]:
    """Texts in the elements of ``testid`` that their boxes cut short (an ellipsis on screen)."""
    return app.page.locator(f"[data-testid='{testid}']").evaluate_all(
        """boxes => boxes.flatMap(box => [...box.querySelectorAll('*')])
            .filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent)"""
    )


def test_first_load_draws_the_default_plan_and_stays_local(app_page):
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    expect(_officer_rows(app_page)).to_have_count(4, timeout=TIMEOUT_MS)
    assert _drawn_map(app_page, "plan") > MIN_COLOURS
    _page_shot(app_page, "plan", 1500)
    box = page.locator(MAP_CANVAS).first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # tooltips
    page.wait_for_timeout(1000)
    assert page.get_by_text("Officers (4)").is_visible()
    assert any(urlsplit(u).path == "/app/static/blank-style.json" for u in app_page.requests)
    _stays_local(app_page)
    # a laptop window: the headline KPIs and the download buttons wrap to more rows rather
    # than cut their labels and file names
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(1000)
    assert page.locator("[data-testid='stMetric']").count() == 5
    assert _cut_short(app_page, "stMetric") == []
    assert page.locator("[data-testid='stDownloadButton']").count() >= 8
    assert _cut_short(app_page, "stDownloadButton") == []


def test_a_tab_clicked_while_a_new_page_draws_changes_nothing(app_page, chromium):
    """The Scenario tab clicked the moment it shows, before the sidebar's fields are drawn.

    The browser then sent the fields it had not drawn at their bare defaults: 0 officers, a
    0.1 s limit, or the first example, opened in place of the one shown.
    """
    from playwright.sync_api import expect

    _open(app_page)  # the default plan made: a new page draws at once, from the cache
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()  # a first visit: nothing of the page in the browser's cache
    page.goto(app_page.url)
    page.get_by_role("tab", name="Scenario").click()  # as soon as it can be clicked
    expect(page.get_by_text("Clicking a street will")).to_be_visible(timeout=TIMEOUT_MS)
    _settled(page)
    side = page.get_by_test_id("stSidebar")
    expect(side.get_by_role("spinbutton", name="Officers on foot")).to_have_value("4")
    expect(side.get_by_role("spinbutton", name="Solver time limit (s)")).to_have_value("1.50")
    expect(side.get_by_role("combobox")).to_have_value("helsinki_default")
    expect(side.get_by_role("button", name=re.compile("^Take back"))).to_have_count(0)
    expect(page.get_by_test_id("stAlert")).to_have_count(0)
    context.close()


def test_play_moves_the_time_slider_until_stopped(app_page):
    """The slider plays and stops; the table of what units do there stays open, at its time."""
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    thumb = page.locator("[data-testid='stSliderThumbValue']").first
    expect(thumb).to_have_text("20:00", timeout=TIMEOUT_MS)  # two hours into the shift
    doing = page.locator("[data-testid='stExpander'] details").filter(has_text="At 20:00")
    doing.locator("summary").click()
    expect(doing).to_have_attribute("open", "")
    page.get_by_text("Play the shift").click()
    expect(thumb).not_to_have_text("20:00", timeout=30_000)
    expect(thumb).not_to_have_text(thumb.inner_text(), timeout=30_000)  # and on again
    page.get_by_text("Play the shift").click()
    _idle(app_page)
    page.wait_for_timeout(1500)  # a rerun already on its way may still land
    stopped = thumb.inner_text()
    page.wait_for_timeout(3000)
    assert thumb.inner_text() == stopped
    assert stopped > "20:00"
    doing = page.locator("[data-testid='stExpander'] details").filter(has_text=f"At {stopped}")
    expect(doing).to_have_attribute("open", "")


def _three_officers(app: AppPage, time_limit_s: str | None = None) -> None:
    """Open the app, set three officers (and the time limit) and wait for the call to plan."""
    from playwright.sync_api import expect

    _open(app)
    page = app.page
    expect(_officer_rows(app)).to_have_count(4, timeout=TIMEOUT_MS)
    fields = {"Officers on foot": "3"}
    if time_limit_s is not None:
        fields = {"Solver time limit (s)": time_limit_s, **fields}
    for name, value in fields.items():
        field = page.get_by_role("spinbutton", name=name)
        field.fill(value)
        field.press("Enter")
    expect(page.get_by_text("press Plan to plan again")).to_be_visible(timeout=30_000)


def test_a_plan_pressed_for_three_officers_is_made_through_a_tab_clicked_meanwhile(app_page):
    """Plan makes the plan of the count changed; another tab clicked meanwhile does not stop it."""
    from playwright.sync_api import expect

    _three_officers(app_page, time_limit_s="6")
    page = app_page.page
    # a search that runs its 6 s, however fast the machine: not stopped by its iterations
    _tab(app_page, "Scenario")
    page.get_by_text("Risk, seed and name").click()
    page.get_by_text("Stop the route search after N iterations").click()
    _idle(app_page)
    expect(page.get_by_role("spinbutton", name="Iterations")).to_have_count(0)
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page.get_by_text("Planning:").first).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Staffing").click()
    # the page is drawn at once, the planning's progress above it (the search goes on)
    expect(page.get_by_role("button", name="Run comparison")).to_be_visible(timeout=5_000)
    expect(page.get_by_text("Planning:").first).to_be_visible()
    page.get_by_role("tab", name="Plan").click()
    expect(page.get_by_text("Officers (3)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(_officer_rows(app_page)).to_have_count(3)
    expect(page.get_by_text("Planning stopped")).to_have_count(0)
    expect(page.get_by_text("press Plan to plan again")).to_have_count(0)
    assert _drawn_map(app_page, "replanned") > MIN_COLOURS
    _stays_local(app_page)


def test_plan_pressed_on_the_scenario_tab_and_another_tab_clicked_at_once_plans_it(app_page):
    """The Plan tab clicked the moment Plan is pressed on the Scenario tab.

    The run it cut short left the station's blank "Called" name in the scenario, which was then
    refused as empty ("officers.station.name ... is empty"), and Plan did nothing until the
    Scenario tab was shown again.
    """
    from playwright.sync_api import expect

    _three_officers(app_page)
    _tab(app_page, "Scenario")
    page = app_page.page
    page.get_by_role("button", name="Plan", exact=True).click()
    page.get_by_role("tab", name="Plan").click()
    expect(page.get_by_text("Officers (3)")).to_be_visible(timeout=TIMEOUT_MS)
    _idle(app_page)
    page.wait_for_timeout(1000)  # a rerun on its way may still land
    _idle(app_page)
    expect(page.get_by_text("is empty")).to_have_count(0)
    expect(page.get_by_text("The scenario has an error")).to_have_count(0)


def test_the_rest_of_the_shift_is_replanned_from_the_plan_tab(app_page):
    from playwright.sync_api import expect

    app_page.page.clock.install()  # held for the click on the map (see _click_street)
    _open(app_page)
    page = app_page.page
    expect(_officer_rows(app_page)).to_have_count(4, timeout=TIMEOUT_MS)
    page.get_by_text("Re-plan the rest of the shift").click()
    _idle(app_page)  # a keyed section: opening it runs the page again
    units = page.locator("[data-testid='stMultiSelect']").filter(has_text="taken away")
    _choose_in_multiselect(app_page, units, "3", page.get_by_text("Officer 3 is at latitude"))
    # where the call took it: a street clicked on the section's map
    chart = page.locator(MAP_CHART).nth(1)
    assert _drawn_map(app_page, "replan_call", 1) > MIN_COLOURS
    spot = _street_under_the_pointer(app_page, chart, says="risk density")
    assert spot is not None, "no street under the pointer anywhere on the re-plan map"
    _click_street(app_page, spot, "risk density")
    placed = re.compile(r"Officer 3 placed on .+ \((60\.\d{5}), (24\.\d{5})\)")
    expect(page.get_by_text(placed)).to_be_visible(timeout=30_000)
    lat, lon = placed.search(page.get_by_text(placed).inner_text()).groups()
    fields = [page.get_by_label("Officer 3 is at latitude"), page.get_by_label("longitude")]
    for field, value in zip(fields, (lat, lon), strict=True):  # drawn with the note, or just after
        expect(field).to_have_value(value, timeout=10_000)
    section = page.locator("[data-testid='stExpander']").filter(has_text="Re-plan the rest")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=SCREENSHOTS / "replan_section.png")  # the form, its map and note
    page.get_by_role("button", name="Re-plan", exact=True).click()
    expect(page.get_by_text("Re-planned at 20:00: before then")).to_be_visible(timeout=TIMEOUT_MS)
    assert _drawn_map(app_page, "replanned_rest") > MIN_COLOURS
    _page_shot(app_page, "replanned_rest")
    _stays_local(app_page)


def test_a_reload_keeps_the_edited_scenario_and_the_plan_on_screen(app_page, tmp_path):
    """F5 starts a new Streamlit session: the page's edits and plan come back, not the example."""
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    officers = page.get_by_role("spinbutton", name="Officers on foot")
    officers.fill("3")
    officers.press("Enter")
    expect(page.get_by_text("press Plan to plan again")).to_be_visible(timeout=30_000)
    _idle(app_page)
    assert "?page=" in page.url
    page.reload()
    page.locator(MAP_CANVAS).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    _idle(app_page)
    officers = page.get_by_role("spinbutton", name="Officers on foot")
    expect(officers).to_have_value("3", timeout=30_000)
    expect(page.get_by_text("press Plan to plan again")).to_be_visible(timeout=30_000)
    expect(_officer_rows(app_page)).to_have_count(4)  # the plan on screen, not planned anew
    # an edit that makes the scenario invalid leaves the section it was made in open
    _tab(app_page, "Scenario")
    page.get_by_text("Dwell and revisit rules").click()
    shortest = page.get_by_role("spinbutton", name="Shortest stop (min)")
    shortest.fill("20")
    shortest.press("Enter")
    alert = page.get_by_test_id("stAlertContentError").get_by_text("exceeds max_minutes")
    expect(alert).to_be_visible(timeout=30_000)
    # and below the field, where it is mended
    note = page.locator(".stMarkdownColoredText").filter(has_text="dwell.min_minutes (20.0)")
    expect(note).to_be_visible()
    _idle(app_page)
    expect(page.get_by_role("spinbutton", name="Longest stop (min)")).to_be_visible()
    # a scenario file with an error opens in the YAML box, with the error, to fix and apply
    unfinished = tmp_path / "unfinished.yaml"
    example = (ROOT / "scenarios" / "helsinki_default.yaml").read_text()
    unfinished.write_text(example.replace("min_minutes: 10 ", "min_minutes: 30 "))
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="YAML")
    _upload(uploader, unfinished)
    expect(page.get_by_text("unfinished.yaml: invalid scenario")).to_be_visible(timeout=30_000)
    box = page.locator("[data-testid='stExpanderDetails'] textarea").first
    expect(box).to_have_value(re.compile(r"min_minutes: 30 "))
    _open(app_page)  # a new page opens the example as it is
    officers = page.get_by_role("spinbutton", name="Officers on foot")
    expect(officers).to_have_value("4", timeout=30_000)
    _stays_local(app_page)


def _yaml_box_text(app: AppPage) -> str:
    """The text of the Scenario tab's YAML box."""
    _tab(app, "Scenario")
    expander = app.page.get_by_text("Scenario as YAML (edit and apply)")
    expander.click()
    box = app.page.locator("[data-testid='stExpanderDetails'] textarea").first
    box.wait_for(state="visible", timeout=30_000)
    text = box.input_value()
    expander.click()
    return text


def test_quick_edits_leave_the_scenario_whole_and_the_yaml_box_in_step(app_page):
    """Edits faster than a run interrupt runs: no field falls back to a widget default."""
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    before = _yaml_box_text(app_page)
    officers = page.get_by_role("spinbutton", name="Officers on foot")
    for count in ("5", "6", "3", "7", "4"):
        officers.fill(count)
        officers.press("Enter")
        page.wait_for_timeout(150)
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page.get_by_text("Officers (4)")).to_be_visible(timeout=TIMEOUT_MS)
    _idle(app_page)
    assert _yaml_box_text(app_page) == before  # four officers again, every other field kept


def test_a_scenario_applied_on_the_editor_redraws_its_switches(app_page):
    """Fields the scenario implies (a meal break or none, the station's kind) follow the file.

    Streamlit's page keeps a widget's last value: drawn from it, an edit made after opening
    another scenario brought back the meal break and the point station of the one before.
    """
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    data = yaml.safe_load(_yaml_box_text(app_page))
    del data["officers"]["meal_break"]
    data["officers"]["station"] = {"police": "any"}
    expander = page.get_by_text("Scenario as YAML (edit and apply)")
    expander.click()
    box = page.locator("[data-testid='stExpanderDetails'] textarea").first
    box.wait_for(state="visible", timeout=30_000)
    box.fill(yaml.safe_dump(data, sort_keys=False))
    page.get_by_role("button", name="Apply YAML").click()
    _idle(app_page)
    expander.click()
    expect(page.get_by_role("checkbox", name="Meal break", exact=True)).not_to_be_checked()
    expect(page.get_by_role("radio", name="OSM police station")).to_be_checked()
    pace = page.get_by_role("spinbutton", name="Pace (m/s)")
    pace.fill("1.1")
    pace.press("Enter")
    _idle(app_page)
    saved = yaml.safe_load(_yaml_box_text(app_page))
    assert saved["officers"]["pace_m_per_s"] == 1.1
    assert "meal_break" not in saved["officers"]  # the edit changed the pace alone
    assert saved["officers"]["station"] == {"police": "any"}


def test_bad_incident_file_shows_the_loader_message(app_page, tmp_path):
    from playwright.sync_api import expect

    from ui.draft import page_words

    bad = tmp_path / "crimes.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(PlannerError) as err:
        load_incidents(IncidentSpec(path=bad))
    tail = page_words(str(err.value)).removeprefix(str(bad))  # saved elsewhere, keys named
    _open(app_page)
    page = app_page.page
    _tab(app_page, "Scenario")
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="incident file")
    _upload(uploader, bad)
    alert = page.locator("[data-testid='stAlertContentError']").filter(has_text="crimes.csv")
    expect(alert).to_be_visible(timeout=60_000)
    assert alert.inner_text().strip().endswith(tail.strip()[-80:])
    assert "matches no known incident schema" in alert.inner_text()
    # The page stays usable: the pick map of the Scenario tab draws.
    assert _drawn_map(app_page, "scenario") > MIN_COLOURS
    _page_shot(app_page, "scenario")
    _stays_local(app_page)


def _choose_in_multiselect(app: AppPage, select: Locator, option: str, done: Locator) -> None:
    """Choose ``option`` in the multiselect ``select`` and wait until ``done`` shows.

    A run that the last action started may begin only after a busy page's short wait and draw
    the multiselect again, closing its list before the option is clicked; the list is then
    opened again once that run has ended (three tries).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    choice = app.page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        _idle(app)
        try:
            select.locator("input").click()
            choice.click(timeout=10_000)
        except PlaywrightTimeoutError:
            continue
        finally:
            app.page.keyboard.press("Escape")
        done.wait_for(timeout=TIMEOUT_MS)
        return
    msg = f"the multiselect's list never offered {option!r}"
    raise AssertionError(msg)


def _choose_in_grid(app: AppPage, grid: Locator, column: int, option: str, done: Locator) -> None:
    """Choose ``option`` in the first row's selectbox cell ``column`` (from 0) of a data editor.

    The grid is a canvas: its first cell is clicked, the arrow keys move to the cell, Enter opens
    its list, the option is typed and Enter chooses it. A busy page takes a click or a key late,
    so each step waits until the grid shows it took the last one: the cell selected in the
    grid's hidden table, then the typed option the list's active one. The option is not clicked:
    the list is drawn anew, scrolled back to its top, soon after the pointer reaches it; on a
    busy page that falls between the press of the button and its release, and the release, on
    another option of the new list, chooses nothing. A choice that does not close the list is
    tried again, once the page's run has ended, until ``done`` shows (four tries).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    page = app.page
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        _idle(app)  # not into a page a run is drawing again
        expect(grid).to_have_count(1)  # a table a rerun replaces lingers a moment beside it
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        try:
            page.mouse.click(box["x"] + 30, box["y"] + 52)  # the first row, under the header
            for col in range(column + 1):
                if col:
                    page.keyboard.press("ArrowRight")
                cell = grid.get_by_test_id(f"glide-cell-{col}-0")
                expect(cell).to_have_attribute("aria-selected", "true", timeout=15_000)
            page.keyboard.press("Enter")  # opens the cell's list
            choice.wait_for(timeout=15_000)
            page.keyboard.type(option)  # the list keeps the options holding the text
            expect(page.locator(".glide-select input")).to_have_attribute(
                "aria-activedescendant", choice.get_attribute("id") or "", timeout=15_000
            )
            page.keyboard.press("Enter")
            choice.wait_for(state="hidden", timeout=15_000)  # chosen: the list has closed
            done.wait_for(timeout=TIMEOUT_MS)  # a busy machine's run: not cut by another try
        except (PlaywrightTimeoutError, AssertionError):
            page.keyboard.press("Escape")
            page.wait_for_timeout(1_000)
            continue
        return
    msg = f"choosing {option!r} in the grid never showed {done}"
    raise AssertionError(msg)


def test_an_offence_type_put_in_a_category_is_kept_in_the_zip_saved_with_its_file(
    app_page, tmp_path
):
    from playwright.sync_api import expect

    local = tmp_path / "local.csv"
    local.write_text(
        "Month,Crime type,Longitude,Latitude\n"
        "2026-01,Gubbins,24.9414,60.1686\n"
        "2026-01,Robbery,24.9420,60.1690\n",
        encoding="utf-8",
    )
    _open(app_page)
    page = app_page.page
    _tab(app_page, "Scenario")
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="incident file")
    line = page.get_by_text("local.csv (uk_police): 2 rows read, 2 kept")
    _upload(uploader, local, line)
    line.wait_for(timeout=60_000)
    expect(uploader.get_by_text("local.csv")).to_have_count(0)  # listed, not on the uploader
    assert (
        "1 row loaded of 1 unmapped offence type weighted as 'other' (choose their "
        "category in the table of offence types below" in line.inner_text()
    )
    _idle(app_page)
    page.get_by_text("Offence types and their harm categories").click()
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text="offence type")
    grid.wait_for(timeout=30_000)
    mapped = page.get_by_text("(0 types here)")  # read again, Gubbins mapped
    _choose_in_grid(app_page, grid, 3, "robbery", mapped)  # Gubbins's category
    _idle(app_page)
    expect(grid).to_have_count(1)  # the table before the choice has gone
    grid.screenshot(path=str(SCREENSHOTS / "offence_types.png"))
    saved = yaml.safe_load(_yaml_box_text(app_page))
    assert saved["incidents"][0]["type_categories"] == {"Gubbins": "robbery"}
    # saved with its file, the scenario opens again as it was
    bundle = tmp_path / "bundle.zip"
    with page.expect_download() as download:
        page.get_by_role("button", name="Save with its files (.zip)").click()
    download.value.save_as(bundle)
    assert download.value.suggested_filename == "helsinki_default.zip"
    with zipfile.ZipFile(bundle) as archive:
        assert archive.read("local.csv") == local.read_bytes()
        inside = yaml.safe_load(archive.read("helsinki_default.yaml"))
    assert inside["incidents"][0]["path"] == "local.csv"
    assert inside["incidents"][0]["type_categories"] == {"Gubbins": "robbery"}
    tabs = page.get_by_test_id("stTabs")  # the sidebar says it too, once drawn again
    opened = tabs.get_by_text("Editing: bundle.zip")
    _upload(page.locator("[data-testid='stFileUploader']").filter(has_text="YAML"), bundle, opened)
    expect(opened).to_be_visible(timeout=30_000)
    expect(page.get_by_text("local.csv (auto)")).to_be_visible()
    _stays_local(app_page)


def _download(app: AppPage, label: str, target: Path) -> str:
    """Open the plan, press the download button whose label holds ``label``, save the file.

    Returns the file name the app suggested.
    """
    _open(app)
    button = app.page.locator("[data-testid='stDownloadButton']").filter(has_text=label)
    button.wait_for(timeout=TIMEOUT_MS)
    with app.page.expect_download() as download:
        button.locator("button").click()
    download.value.save_as(target)
    return download.value.suggested_filename


def test_gpx_zip_download_parses_with_a_track_per_officer(app_page, tmp_path):
    target = tmp_path / "gpx.zip"
    named = _download(app_page, "_gpx.zip", target)
    assert re.fullmatch(r"helsinki_default_\d{4}-\d\d-\d\d_1800_\d+-officers_gpx\.zip", named)
    points = {}
    with zipfile.ZipFile(target) as archive:
        for name in archive.namelist():
            gpx = gpxpy.parse(archive.read(name).decode("utf-8"))
            assert len(gpx.tracks) == 1
            assert any(w.type == "dwell" for w in gpx.waypoints)  # a waypoint per stop
            points[name] = sum(len(s.points) for t in gpx.tracks for s in t.segments)
    assert sorted(points) == [f"officer_{n}.gpx" for n in range(1, 5)]
    assert min(points.values()) > 1
    assert _drawn_map(app_page, "download") > MIN_COLOURS
    _stays_local(app_page)


def test_briefing_prints_one_a4_page_per_unit(app_page, chromium, tmp_path):
    target = tmp_path / "briefing.html"
    named = _download(app_page, "briefing.html", target)
    assert re.fullmatch(r"helsinki_default_\d{4}-\d\d-\d\d_1800_\d+-officers_briefing\.html", named)
    # the shift's figures, then each of the four units on its own page
    assert _printed_pages(chromium, target) == 1 + 4
    # repeated should a page run over, with the plan it belongs to
    assert target.read_text().count(": timetable (helsinki_default, app preview") == 4


def _printed_pages(chromium, html: Path) -> int:
    """Print an HTML file to PDF in Chromium as a user would (A4, the file's own margins)."""
    printed = chromium.new_page()
    try:
        printed.goto(html.as_uri())
        pdf = printed.pdf(prefer_css_page_size=True)
    finally:
        printed.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_a_first_page_with_posts_places_a_zone_and_areas_prints_on_one_sheet(chromium, tmp_path):
    from planner.export import write_plan
    from planner.pipeline import run
    from planner.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios/helsinki_default.yaml")
    places = {
        "must_cover": [{"lat": 60.164, "lon": 24.942, "name": "Old Church Park"}],
        "forbidden": [{"lat": 60.1706, "lon": 24.9427, "radius_m": 60, "name": "Demo zone"}],
    }
    busy = scenario.model_copy(
        update={
            "officers": scenario.officers.model_copy(update={"count": 3}),
            "places": type(scenario.places).model_validate(places),
            "solver": scenario.solver.model_copy(update={"route_iterations": 30}),
        }
    )
    plan = run(busy)
    assert len(plan.posts) == 6 and len(plan.kpis["neighbourhoods"]["areas"]) == 5
    write_plan(plan, tmp_path)
    # the shift's figures, posts, the zone and the areas on one sheet, then each unit's page
    assert _printed_pages(chromium, tmp_path / "briefing.html") == 1 + 3


def test_staffing_comparison_of_two_levels(app_page):
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    limit = page.get_by_role("spinbutton", name="Solver time limit (s)")
    limit.fill("0.5")
    limit.press("Enter")
    _idle(app_page)
    _tab(app_page, "Staffing")
    counts = page.locator("[data-testid='stMultiSelect']").filter(has_text="Officer counts")
    for value in ("8", "6"):
        counts.get_by_role("button", name=f"Remove {value}").click()
        _idle(app_page)
    expect(counts.get_by_role("button", name="Remove 2")).to_be_visible()
    expect(counts.get_by_role("button", name="Remove 4")).to_be_visible()
    expect(counts.get_by_role("button", name="Remove 6")).to_have_count(0)
    page.get_by_role("button", name="Run comparison").click()
    expect(page.get_by_text("Comparing staffing levels")).to_be_visible(timeout=60_000)
    _tab(app_page, "Plan")  # the comparison goes on while another tab is looked at
    _tab(app_page, "Staffing")
    expect(page.get_by_text("Two plans side by side")).to_be_visible(timeout=TIMEOUT_MS)
    maps = page.locator(MAP_CHART)
    expect(maps).to_have_count(2, timeout=60_000)
    assert _drawn_map(app_page, "staffing_left", 0) > MIN_COLOURS
    assert _drawn_map(app_page, "staffing_right", 1) > MIN_COLOURS
    table = page.locator("[data-testid='stDataFrame']").first
    expect(table).to_be_visible()
    _page_shot(app_page, "staffing", 1900)
    _stays_local(app_page)
    # a laptop window: the three charts wrap to a second row rather than shrink
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(3)
    page.set_viewport_size({"width": 1024, "height": 1100})
    page.wait_for_timeout(1000)
    boxes = [charts.nth(i).bounding_box() for i in range(3)]
    assert min(box["width"] for box in boxes) >= 250
    assert round(boxes[0]["y"]) == round(boxes[1]["y"]) < round(boxes[2]["y"])


def _street_under_the_pointer(
    app: AppPage,
    chart: Locator,
    rows: range = range(3, 18),
    says: str = STREET_TIP,
) -> tuple[float, float] | None:
    """Move the pointer over the map until a street's tooltip (``says``) shows; return where."""
    box = chart.bounding_box()
    assert box is not None
    tip = app.page.locator(".deck-tooltip").filter(has_text=says)
    for pause_ms in (80, 400):  # a busy machine draws the tooltip later: a slower second pass
        for row in rows:
            for col in range(3, 18):
                x, y = box["x"] + box["width"] * col / 20, box["y"] + box["height"] * row / 20
                app.page.mouse.move(x, y)
                app.page.wait_for_timeout(pause_ms)
                if _tip_at(tip, x, y):
                    return x, y
    return None


def _tip_at(tip: Locator, x: float, y: float) -> bool:
    """Whether the tooltip shows at the pointer, at (x, y).

    deck.gl puts the tooltip's corner where the pointer is when it picks; a busy page may show
    the tooltip of the pointer's last place only after it moved on, off the street.
    """
    box = tip.bounding_box() if tip.is_visible() else None
    return box is not None and abs(box["x"] - x) <= 2 and abs(box["y"] - y) <= 2


def _click_street(app: AppPage, spot: tuple[float, float], says: str) -> None:
    """Click the street at ``spot`` with the page's clock held, and wait for it to reach the app.

    deck.gl takes a press for a click only when it is let go within 250 ms by the page's
    clock, and the press's own pick of the streets (software WebGL, no GPU) takes 300-500 ms
    on a busy machine: the click was then dropped. A user's click with a GPU takes a few
    milliseconds; holding the clock (the page must have installed Playwright's clock) for the
    click gives the same. The clock runs on at once after. A busy page may still drop a click,
    as it may a user's on a slow laptop: the pointer then goes off the street and back, the
    street's tooltip (``says``) shows there again, and the click is made again (three tries).
    """
    from playwright.sync_api import Error as PlaywrightError

    tip = app.page.locator(".deck-tooltip").filter(has_text=says)
    sent = app.sent
    for attempt in range(3):
        if attempt:  # the pick under the pointer made afresh
            app.page.mouse.move(spot[0] + 60, spot[1] + 60)
            app.page.wait_for_timeout(300)
            app.page.mouse.move(*spot)
            deadline = time.monotonic() + 10
            while not _tip_at(tip, *spot) and time.monotonic() < deadline:
                app.page.wait_for_timeout(200)
        for ahead_ms in (20, 200, 2000):  # a busy page's clock may pass a time set too close
            now_ms = app.page.evaluate("Date.now()")
            try:
                at = dt.datetime.fromtimestamp((now_ms + ahead_ms) / 1000, dt.UTC)
                app.page.clock.pause_at(at)
                break
            except PlaywrightError as exc:
                if "fast-forward to the past" not in str(exc) or ahead_ms == 2000:
                    raise
        app.page.mouse.click(*spot)
        app.page.clock.resume()
        deadline = time.monotonic() + 10
        while app.sent == sent and time.monotonic() < deadline:
            app.page.wait_for_timeout(100)
        if app.sent > sent:
            _idle(app)
            return
    msg = f"three clicks on the street at {spot} never reached the app"
    raise AssertionError(msg)


def test_a_click_on_a_street_of_the_scenario_map_adds_a_place(app_page):
    from playwright.sync_api import expect

    app_page.page.clock.install()  # held for each click (see _click_street)
    _open(app_page)
    _tab(app_page, "Scenario")
    page = app_page.page
    page.get_by_text("add a must-cover place").click()
    _idle(app_page)
    chart = page.locator(MAP_CHART).filter(visible=True).first
    assert _drawn_map(app_page, "pick", 0) > MIN_COLOURS
    chart.scroll_into_view_if_needed()
    spot = _street_under_the_pointer(app_page, chart)
    assert spot is not None, "no street under the pointer anywhere on the map"
    _click_street(app_page, spot, STREET_TIP)
    done = page.get_by_text(re.compile(r"Done: add a must-cover place on .+ \(60\.\d+, 24\.\d+\)"))
    expect(done).to_be_visible(timeout=30_000)
    # and a no-go zone, on a street far from it (the map's other end)
    page.get_by_text("add a forbidden zone (100 m)").click()
    _idle(app_page)
    spot = _street_under_the_pointer(app_page, chart, range(17, 2, -1))
    assert spot is not None
    _click_street(app_page, spot, STREET_TIP)
    done = page.get_by_text(re.compile(r"Done: add a forbidden zone on .+ \(60\.\d+, 24\.\d+\)"))
    expect(done).to_be_visible(timeout=30_000)
    text = _yaml_box_text(app_page)
    assert "must_cover:" in text and "forbidden:" in text
    # or by its coordinates: the fields are empty again once it is added
    radius = page.get_by_label("Radius (m)", exact=True)
    if not radius.is_visible():
        page.get_by_text("Must-cover and forbidden places").click()
        _idle(app_page)
    form = page.locator("[data-testid='stForm']").filter(has=radius)
    typed = {"Name": "Esplanadi event", "Lat": "60.16780", "Lon": "24.94500"}
    for label, value in typed.items():  # each field left with Tab, as typed by hand
        field = form.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")  # a number field takes its value as it is left
    form.get_by_role("button", name="Add").click()
    _idle(app_page)
    expect(form.get_by_label("Name", exact=True)).to_have_value("")
    assert [form.get_by_label(c, exact=True).input_value() for c in ("Lat", "Lon")] == ["", ""]
    assert "name: Esplanadi event" in _yaml_box_text(app_page)
