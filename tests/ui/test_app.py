"""The Streamlit app: headless with AppTest, and in a real Chromium against a running server.

AppTest runs the script in-process (it does not draw maps: the deck spec is checked as JSON);
the browser tests check that the map really draws, that the page makes no request beyond the
local server, and that downloads work.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import gpxpy
import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from planner.errors import InfeasibleError
from tests.ui.conftest import ROOT, SCREENSHOTS, AppPage
from ui.map import BLANK_STYLE, MAX_LABELS, RISK_CLASSES, risk_classes

# AppTest resolves a relative path against the calling file, not the working folder.
APP = str(ROOT / "ui" / "app.py")
TIMEOUT_S = 180
LAYERS = {
    "post-reach": "ScatterplotLayer",
    "streets": "PathLayer",
    "routes": "PathLayer",
    "dwells": "ScatterplotLayer",
    "posts": "ScatterplotLayer",
    "stations": "ScatterplotLayer",
    "street-names": "TextLayer",
}
METRICS = ["Presence (risk x min)", "Risk covered by posts", "Hot spots dosed", "Routes gap"]
MAP_CANVAS = "[data-testid='stDeckGlJsonChart'] canvas"
LOOPBACK = {"127.0.0.1", "localhost"}


# ---------------------------------------------------------------------------------------------
# Display helpers (no pipeline run)


def test_risk_classes_split_segments_by_percentile():
    classes = risk_classes(np.arange(100, dtype=float))
    assert np.bincount(classes).tolist() == [50, 25, 15, 7, 3]
    assert classes.max() == len(RISK_CLASSES) - 1


def test_risk_classes_of_no_segments_is_empty():
    assert risk_classes(np.zeros(0)).shape == (0,)


def test_blank_style_needs_no_server():
    style = json.loads((ROOT / "ui" / "static" / "blank-style.json").read_text())
    assert style["version"] == 8
    assert style["sources"] == {}
    assert [layer["type"] for layer in style["layers"]] == ["background"]
    assert BLANK_STYLE == "/app/static/blank-style.json"


# ---------------------------------------------------------------------------------------------
# AppTest: the script headless (the first load plans the default scenario, ~25 s)


@pytest.fixture(scope="module")
def first_load() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    return at


def _deck(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def _layer(spec: dict, layer_id: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


@pytest.mark.slow
def test_first_load_plans_the_default_scenario(first_load):
    assert not first_load.exception
    assert not first_load.error
    assert [m.label for m in first_load.metric] == METRICS
    plan = first_load.session_state["plan"]
    assert plan.scenario.name == "helsinki_default"
    assert first_load.table[0].value["officer"].tolist() == [1, 2, 3, 4]
    downloads = [b.proto.label for b in first_load.get("download_button")]
    assert downloads == list(plan_file_names(len(plan.routes)))


def plan_file_names(officers: int) -> list[str]:
    gpx = [f"officer_{n}.gpx" for n in range(1, officers + 1)]
    return ["plan.geojson", *gpx, "schedule.csv", "kpis.json", "routes.json"]


@pytest.mark.slow
def test_map_has_every_layer_and_the_local_style(first_load):
    spec = _deck(first_load)
    plan = first_load.session_state["plan"]
    assert spec["mapStyle"] == "/app/static/blank-style.json"
    assert {layer["id"]: layer["@@type"] for layer in spec["layers"]} == LAYERS
    streets = _layer(spec, "streets")["data"]
    assert len(streets) == len(plan.graph.segments)
    assert len({tuple(s["color"]) for s in streets}) == len(RISK_CLASSES)
    assert 0 < len(_layer(spec, "routes")["data"]) <= len(plan.routes)
    assert len(_layer(spec, "dwells")["data"]) == len(plan.kpis["hotspot_dosage"])
    reach = _layer(spec, "post-reach")
    assert len(reach["data"]) == len(plan.posts) == plan.scenario.posts.count
    assert {p["radius"] for p in reach["data"]} == {plan.scenario.posts.visibility_radius_m}
    assert reach["radiusUnits"] == "meters"
    assert _layer(spec, "routes")["widthUnits"] == "pixels"
    assert _layer(spec, "street-names")["characterSet"] == "auto"
    names = [label["name"] for label in _layer(spec, "street-names")["data"]]
    assert 0 < len(names) <= MAX_LABELS
    assert len(names) == len(set(names))


@pytest.mark.slow
def test_map_payload_stays_small(first_load):
    assert len(first_load.get("deck_gl_json_chart")[0].proto.json) < 5_000_000


@pytest.mark.slow
def test_changing_officers_replans_only_when_plan_is_pressed(first_load):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()  # the default scenario again: a cache hit after first_load
    at.sidebar.number_input(key="officers").set_value(3)
    at.sidebar.number_input(key="time_limit_s").set_value(2.0)
    at.run()
    assert len(at.session_state["plan"].routes) == 4
    assert any("press Plan" in info.value for info in at.info)

    at.sidebar.button[0].click().run()
    assert not at.exception
    plan = at.session_state["plan"]
    assert len(plan.routes) == 3
    assert plan.scenario.solver.time_limit_s == 2.0
    assert at.table[0].value["officer"].tolist() == [1, 2, 3]
    assert "Officers (3)" in [h.value for h in at.subheader]
    assert not any("press Plan" in info.value for info in at.info)


@pytest.mark.slow
def test_planner_error_is_shown_and_the_page_stays_usable(first_load, monkeypatch):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    message = "helsinki_default.yaml: the shift is too short to leave the station; lengthen it"

    def infeasible(*args, **kwargs):
        raise InfeasibleError(message)

    monkeypatch.setattr("planner.pipeline.run", infeasible)
    at.sidebar.number_input(key="officers").set_value(7)  # not cached: the pipeline runs
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
    assert len(at.session_state["plan"].routes) == 4  # the previous plan is still shown
    assert [m.label for m in at.metric] == METRICS


# ---------------------------------------------------------------------------------------------
# Real browser: one Streamlit server for the session, a new browser context per test


def _colours(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=image.width * image.height))


def _drawn_map(app: AppPage, name: str, min_colours: int = 50) -> bytes:
    """Screenshot of the map canvas once deck.gl has drawn it (or after 60 s)."""
    canvas = app.page.locator(MAP_CANVAS).first
    canvas.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    deadline = time.monotonic() + 60
    while True:
        png = canvas.screenshot()
        if _colours(png) > min_colours or time.monotonic() > deadline:
            break
        app.page.wait_for_timeout(1000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}_map.png").write_bytes(png)
    app.page.screenshot(path=str(SCREENSHOTS / f"{name}_page.png"), full_page=True)
    return png


def _open(app: AppPage) -> None:
    app.page.goto(app.url)
    app.page.locator(MAP_CANVAS).first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)


def _outside(app: AppPage) -> list[str]:
    """Requested URLs that leave this machine (data: and blob: URLs never do)."""
    return [
        url
        for url in app.requests
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname not in LOOPBACK
    ]


def _officer_rows(app: AppPage):
    return app.page.locator("[data-testid='stTable'] tbody tr")


@pytest.mark.browser
def test_first_load_draws_the_map(app_page):
    _open(app_page)
    png = _drawn_map(app_page, "first_load")
    assert _colours(png) > 50
    assert app_page.page.get_by_text("Officers (4)").is_visible()
    assert not _outside(app_page)


@pytest.mark.browser
def test_page_requests_nothing_beyond_the_local_server(app_page):
    _open(app_page)
    _drawn_map(app_page, "requests")
    box = app_page.page.locator(MAP_CANVAS).first.bounding_box()
    app_page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    app_page.page.wait_for_timeout(1500)
    assert app_page.requests
    assert _outside(app_page) == []
    assert app_page.failed == []
    assert any(urlsplit(u).path == "/app/static/blank-style.json" for u in app_page.requests)


@pytest.mark.browser
def test_changing_officers_and_pressing_plan_replans(app_page):
    from playwright.sync_api import expect

    _open(app_page)
    page = app_page.page
    expect(_officer_rows(app_page)).to_have_count(4, timeout=TIMEOUT_S * 1000)
    officers = page.get_by_role("spinbutton", name="Officers on foot")
    officers.fill("3")
    officers.press("Enter")
    limit = page.get_by_role("spinbutton", name="Solver time limit (s)")
    limit.fill("2")
    limit.press("Enter")
    expect(page.get_by_text("press Plan to plan again")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page.get_by_text("Officers (3)")).to_be_visible(timeout=TIMEOUT_S * 1000)
    expect(_officer_rows(app_page)).to_have_count(3)
    expect(page.get_by_text("press Plan to plan again")).to_have_count(0)
    assert _colours(_drawn_map(app_page, "replanned")) > 50
    assert not _outside(app_page)


@pytest.mark.browser
def test_gpx_downloads_parse_with_track_points(app_page, tmp_path):
    _open(app_page)
    page = app_page.page
    buttons = page.locator("[data-testid='stDownloadButton']").filter(has_text=".gpx")
    buttons.first.wait_for(timeout=TIMEOUT_S * 1000)
    points = {}
    for i in range(buttons.count()):
        with page.expect_download() as download:
            buttons.nth(i).locator("button").click()
        name = download.value.suggested_filename
        target = tmp_path / name
        download.value.save_as(target)
        gpx = gpxpy.parse(Path(target).read_text(encoding="utf-8"))
        assert len(gpx.tracks) == 1
        points[name] = sum(len(s.points) for t in gpx.tracks for s in t.segments)
    assert sorted(points) == [f"officer_{n}.gpx" for n in range(1, 5)]
    assert max(points.values()) > 1
    assert not _outside(app_page)
