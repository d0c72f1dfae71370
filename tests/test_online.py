"""Online areas without the internet: a recorded Overpass response served on 127.0.0.1, then
the same area again from osmnx's on-disk cache with the server gone."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import osmium
import pyrosm
import pytest

from planner.errors import GraphError
from planner.graph import load_street_graph
from planner.scenario import AreaSpec
from planner.settings import Settings

BBOX = (26.935, 60.522, 26.965, 60.538)  # inside pyrosm's bundled test extract


def recorded_overpass_response() -> bytes:
    """Overpass JSON for the walkable ways of the real OSM extract bundled with pyrosm."""
    nodes, ways = {}, []
    for obj in osmium.FileProcessor(pyrosm.get_data("test_pbf")).with_locations():
        if obj.is_node():
            nodes[obj.id] = {
                "type": "node",
                "id": obj.id,
                "lat": obj.location.lat,
                "lon": obj.location.lon,
            }
        elif obj.is_way() and "highway" in obj.tags:
            tags = {t.k: t.v for t in obj.tags}
            ways.append(
                {"type": "way", "id": obj.id, "nodes": [n.ref for n in obj.nodes], "tags": tags}
            )
    # The extract is clipped at its edge; Overpass never returns a way without its nodes.
    ways = [w for w in ways if all(ref in nodes for ref in w["nodes"])]
    elements = list(nodes.values()) + ways
    return json.dumps({"version": 0.6, "generator": "recorded", "elements": elements}).encode()


@pytest.fixture
def overpass_server():
    body = recorded_overpass_response()
    requests_seen = []
    # what the download (POST) and the geocoder (GET /nominatim/search) answer; tests may change it
    answer = {"status": 200, "places": []}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: bytes, kind: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            requests_seen.append(("GET", self.path))
            if self.path.startswith("/nominatim/search"):
                self._send(json.dumps(answer["places"]).encode(), "application/json")
                return
            status = (
                "Connected as: 1\nCurrent time: now\nAnnounced endpoint: none\n"
                "Rate limit: 2\n2 slots available now.\n"
            )
            self._send(status.encode(), "text/plain")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            requests_seen.append(("POST", self.path))
            if answer["status"] == 200:
                self._send(body, "application/json")
            else:
                self._send(b"<html>busy</html>", "text/html", answer["status"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.answer = answer
    yield f"http://127.0.0.1:{server.server_address[1]}/api", requests_seen, server
    server.shutdown()
    server.server_close()


def test_bbox_area_is_fetched_once_then_served_from_the_cache(overpass_server, tmp_path):
    url, seen, server = overpass_server
    settings = Settings(cache_dir=tmp_path, online_timeout_s=5, overpass_url=url)
    area = AreaSpec(source="bbox", bbox_deg=BBOX)
    first = load_street_graph(area, settings)
    assert ("POST", "/api/interpreter") in seen
    assert len(first.segments) > 50
    assert list((tmp_path / "osmnx").glob("*.json"))
    # the streets keep their lighting, which officers.avoid reads, as a local file's do
    assert (first.segments["lit"] == "no").sum() >= 1

    server.shutdown()
    server.server_close()
    posts_before = sum(1 for method, _ in seen if method == "POST")
    again = load_street_graph(area, settings)
    assert sum(1 for method, _ in seen if method == "POST") == posts_before
    assert len(again.segments) == len(first.segments)
    assert again.total_length_m == pytest.approx(first.total_length_m)


def nominatim_place(name: str, west: float, south: float, east: float, north: float) -> dict:
    """A Nominatim search result whose boundary is the box given (lon/lat)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "place_id": 1,
        "osm_type": "relation",
        "osm_id": 1,
        "lat": str((south + north) / 2),
        "lon": str((west + east) / 2),
        "display_name": name,
        "class": "boundary",
        "type": "administrative",
        "importance": 0.5,
        "boundingbox": [str(south), str(north), str(west), str(east)],
        "geojson": {"type": "Polygon", "coordinates": [ring]},
    }


def test_a_place_name_is_held_to_the_online_size_limit_before_its_streets_are_asked(
    overpass_server, tmp_path
):
    url, seen, server = overpass_server
    base = url.removesuffix("/api")
    settings = Settings(
        cache_dir=tmp_path, online_timeout_s=5, overpass_url=url, nominatim_url=base + "/nominatim"
    )
    server.answer["places"] = [nominatim_place("Kymenlaakso", 26.0, 60.3, 28.0, 61.3)]
    with pytest.raises(
        GraphError, match=r"area\.place 'Kymenlaakso' covers [\d,]+ km2; .*: name a smaller place"
    ):
        load_street_graph(AreaSpec(source="place", place="Kymenlaakso"), settings)
    assert ("GET", "/nominatim/search") in [(m, p.split("?")[0]) for m, p in seen]
    assert not [m for m, _ in seen if m == "POST"]  # no street was asked for
    server.answer["places"] = [nominatim_place("Kotka centre", *BBOX)]
    graph = load_street_graph(AreaSpec(source="place", place="Kotka centre"), settings)
    assert ("POST", "/api/interpreter") in seen
    assert len(graph.segments) > 50


def test_uncached_bbox_without_network_fails_with_advice(tmp_path):
    settings = Settings(
        cache_dir=tmp_path, online_timeout_s=3, overpass_url="http://127.0.0.1:9/api"
    )
    with pytest.raises(GraphError, match=r"could not be reached.*use a local extract"):
        load_street_graph(AreaSpec(source="bbox", bbox_deg=BBOX), settings)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, r"server 127\.0\.0\.1:\d+ is busy \(HTTP 429\); try again in a few minutes"),
        (504, r"is busy \(HTTP 504\)"),
        (500, r"answered with an error .*500.*use a local extract"),
    ],
)
def test_a_busy_or_failing_server_stops_at_once_with_the_reason(
    overpass_server, tmp_path, status, message
):
    url, seen, server = overpass_server
    server.answer["status"] = status
    settings = Settings(cache_dir=tmp_path, online_timeout_s=5, overpass_url=url)
    with pytest.raises(GraphError, match=message):  # osmnx alone retries 429 / 504 forever
        load_street_graph(AreaSpec(source="bbox", bbox_deg=BBOX), settings)
    assert sum(1 for method, _ in seen if method == "POST") == 1


def test_an_unwritable_cache_is_named_not_blamed_on_the_network(overpass_server, tmp_path):
    url, _seen, _server = overpass_server
    (tmp_path / "osmnx").write_text("a file where the cache folder should be")
    settings = Settings(cache_dir=tmp_path, online_timeout_s=5, overpass_url=url)
    with pytest.raises(GraphError, match=r"cannot write the download cache in .*osmnx"):
        load_street_graph(AreaSpec(source="bbox", bbox_deg=BBOX), settings)


def test_online_areas_say_they_bring_streets_only(overpass_server, tmp_path):
    from planner.coverage import street_pieces
    from planner.errors import PlannerWarning, ScenarioError
    from planner.graph import osm_features
    from planner.risk import terrain_risk
    from planner.scenario_patrol import StationSpec
    from planner.stations import resolve_station

    url, _seen, _server = overpass_server
    settings = Settings(cache_dir=tmp_path, online_timeout_s=5, overpass_url=url)
    area = AreaSpec(source="bbox", bbox_deg=BBOX)
    graph = load_street_graph(area, settings)
    features = osm_features(area, graph)
    assert len(features) == 0
    with pytest.warns(PlannerWarning, match="online areas bring their streets only"):
        terrain_risk(graph, features, street_pieces(graph), 100, 0.1)
    with pytest.raises(ScenarioError, match="online areas bring their streets only"):
        resolve_station(StationSpec(police="any"), graph, features, "station")
