"""Maps of a plan that work with no internet.

Rules implemented:

- the base layer is China's provinces from ``data/geo/china_provinces.geojson`` (built by
  ``scripts/build_base_map.py``), drawn as a pydeck ``GeoJsonLayer``; the deck has no map
  provider and an inline style with no sources (``OFFLINE_STYLE``), so no tile server is ever
  asked for anything (``map_style=None`` would make Streamlit fetch CARTO's tiles);
- coach runs are blue paths, special trains red paths, feeder coaches (from a station to the
  employers) green; origins are orange dots sized by the people boarding there; the destination
  hub is a dark dot; each path's tooltip names the trip, vehicle, dates and load;
- the view fits what matters: the selected trip when one is picked, else every route of the
  plan with the hub (a plan with no routes: all of China); origin dots are small so they do
  not hide the routes.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pydeck as pdk

from planner.domain.model import Place, Plan, StopKind, Trip, VehicleKind
from planner.paths import DATA_DIR

BASE_MAP = DATA_DIR / "geo" / "china_provinces.geojson"

COACH_RGB = [31, 119, 180]
TRAIN_RGB = [214, 39, 40]
FEEDER_RGB = [44, 160, 44]
ORIGIN_RGB = [255, 127, 14]
HUB_RGB = [40, 40, 40]

#: A MapLibre style with one background layer and no sources, as a ``data:`` URL: nothing is
#: fetched from the network, and the sea is a pale blue around the provinces.
#: (``map_style=None`` would make Streamlit fetch CARTO's tiles.)
OFFLINE_STYLE = "data:application/json;charset=utf-8," + urllib.parse.quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [
                {"id": "sea", "type": "background", "paint": {"background-color": "#e4edf4"}}
            ],
        },
        separators=(",", ":"),
    )
)


@cache
def base_geojson(path: Path = BASE_MAP) -> dict[str, Any]:
    """The simplified provinces as a GeoJSON dict (cached for the process)."""
    return json.loads(path.read_text(encoding="utf-8"))


def base_layer() -> pdk.Layer:
    """China's provinces: light fill, grey outlines, no tiles."""
    return pdk.Layer(
        "GeoJsonLayer",
        data=base_geojson(),
        id="provinces",
        stroked=True,
        filled=True,
        get_fill_color=[236, 233, 224, 255],
        get_line_color=[150, 150, 150, 255],
        line_width_min_pixels=1,
        pickable=False,
    )


def trip_color(trip: Trip) -> list[int]:
    """Colour of a trip's path: train red, feeder coach green, direct coach blue."""
    if trip.kind is VehicleKind.TRAIN:
        return TRAIN_RGB
    if trip.parent_trip_id:
        return FEEDER_RGB
    return COACH_RGB


def trip_rows(trips: Iterable[Trip], labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per trip for the path layer: ``path`` ([lon, lat] per stop), colour, tooltip."""
    labels = labels or {}
    rows = []
    for trip in trips:
        path = [[s.lon, s.lat] for s in trip.stops if _finite(s.lat, s.lon)]
        if len(path) < 2:
            continue
        rows.append(
            {
                "trip_id": trip.trip_id,
                "path": path,
                "color": trip_color(trip),
                "width": 2 + min(trip.load, 1000) ** 0.5 / 4,
                "tip": (
                    f"{trip.trip_id} · {trip.vehicle}<br/>"
                    f"{trip.depart:%Y-%m-%d} → {trip.arrive:%Y-%m-%d}<br/>"
                    f"{labels.get('load', 'load')}: {trip.load}/{trip.capacity}"
                ),
            }
        )
    return rows


def origin_rows(trips: Iterable[Trip], plan: Plan | None = None) -> list[dict[str, Any]]:
    """One row per pickup or boarding station: position, people boarding there, tooltip."""
    boarding: dict[str, int] = {}
    if plan is not None:
        for a in plan.assignments:
            boarding[a.pickup_stop] = boarding.get(a.pickup_stop, 0) + 1
    rows: dict[tuple[float, float], dict[str, Any]] = {}
    for trip in trips:
        if trip.parent_trip_id:
            continue  # a feeder starts at a station already drawn as the train's end
        for stop in trip.stops:
            if stop.kind is StopKind.DROPOFF or not _finite(stop.lat, stop.lon):
                continue
            key = (round(stop.lat, 3), round(stop.lon, 3))
            row = rows.setdefault(
                key, {"position": [stop.lon, stop.lat], "name": stop.name, "people": 0}
            )
            row["people"] += boarding.get(stop.name, 0) or boarding.get(stop.ref, 0)
    for row in rows.values():
        row["radius"] = 3 + math.sqrt(max(row["people"], 1)) * 0.6
        row["tip"] = f"{row['name']}: {row['people']}"
    return list(rows.values())


def plan_deck(
    plan: Plan | None,
    destination: Place | None = None,
    labels: dict[str, str] | None = None,
    highlight: str | None = None,
) -> pdk.Deck:
    """The map of a plan: base layer, routes, origins and the hub.

    Parameters
    ----------
    plan
        The plan to draw (``None``: the base map and the hub only).
    destination
        The hub every trip ends at.
    labels
        Translated words used in tooltips (``{"load": "载客"}``).
    highlight
        A trip id drawn thicker and in front of the others.
    """
    layers: list[pdk.Layer] = [base_layer()]
    trips = plan.trips if plan is not None else ()
    paths = trip_rows(trips, labels)
    if highlight:
        for row in paths:
            if row["trip_id"] == highlight:
                row["width"] = 8
                row["color"] = [0, 0, 0]
        paths.sort(key=lambda r: r["trip_id"] == highlight)
    if paths:
        layers.append(
            pdk.Layer(
                "PathLayer",
                data=paths,
                id="trips",
                get_path="path",
                get_color="color",
                get_width="width",
                width_units='"pixels"',
                width_min_pixels=1,
                pickable=True,
                cap_rounded=True,
                joint_rounded=True,
            )
        )
    origins = origin_rows(trips, plan)
    if origins:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=origins,
                id="origins",
                get_position="position",
                get_radius="radius",
                radius_units='"pixels"',
                get_fill_color=[*ORIGIN_RGB, 220],
                get_line_color=[255, 255, 255],
                stroked=True,
                line_width_min_pixels=1,
                pickable=True,
            )
        )
    if destination is not None:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=[
                    {
                        "position": [destination.lon, destination.lat],
                        "tip": destination.name,
                    }
                ],
                id="hub",
                get_position="position",
                get_radius=9,
                radius_units='"pixels"',
                get_fill_color=HUB_RGB,
                pickable=True,
            )
        )
    return CompactDeck(
        layers=layers,
        initial_view_state=fit_view(_focus(paths, highlight, destination)),
        map_style=OFFLINE_STYLE,
        map_provider=None,
        tooltip={"html": "{tip}"},
    )


CHINA_VIEW = (34.0, 106.5, 2.7)  # latitude, longitude, zoom: all of China


def _focus(paths: list[dict[str, Any]], highlight: str | None,
           destination: Place | None) -> list[list[float]]:
    """The [lon, lat] points the view must show: the highlighted trip's path if it has one,
    else every path and the hub."""
    chosen = [p["path"] for p in paths if p["trip_id"] == highlight] if highlight else []
    points = [pt for path in (chosen or [p["path"] for p in paths]) for pt in path]
    if not chosen and points and destination is not None and _finite(destination.lat,
                                                                      destination.lon):
        points.append([destination.lon, destination.lat])
    return points


def fit_view(points: list[list[float]], width_px: int = 540, height_px: int = 520,
             margin: float = 0.15) -> pdk.ViewState:
    """A view showing every [lon, lat] of ``points`` with a margin on a map of about
    ``width_px`` × ``height_px`` (规划's map column at 1366 px; no points: all of China)."""
    if not points:
        lat, lon, zoom = CHINA_VIEW
        return pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    y_min, y_max = _mercator_y(min(lats)), _mercator_y(max(lats))
    span_x = max(max(lons) - min(lons), 0.05) * (1 + 2 * margin) / 360
    span_y = max(y_max - y_min, 0.05 / 360) * (1 + 2 * margin)
    zoom = min(math.log2(width_px / 512 / span_x), math.log2(height_px / 512 / span_y))
    centre_y = (y_min + y_max) / 2
    centre_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * centre_y))))
    return pdk.ViewState(latitude=centre_lat, longitude=(min(lons) + max(lons)) / 2,
                         zoom=round(min(max(zoom, 2.5), 11.0), 2))


def _mercator_y(lat: float) -> float:
    """Web Mercator y of ``lat`` in [0, 1] (0 at the top)."""
    s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
    return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


_BASE_SLOT = "__jobbus_base_layer__"


@cache
def base_layer_json() -> str:
    """The base layer as deck JSON, made once per process: serialising the provinces' outlines
    through pydeck takes about a second, the rest of a plan's map a few milliseconds."""
    spec = json.loads(pdk.Deck(layers=[base_layer()], map_provider=None).to_json())
    return json.dumps(spec["layers"][0], ensure_ascii=False, separators=(",", ":"))


class CompactDeck(pdk.Deck):
    """A deck whose JSON has no indentation (pydeck indents by 2, which makes the base map's
    outlines four times larger on the wire) and whose base layer is serialised once per
    process (:func:`base_layer_json`), not on every rerun."""

    def to_json(self) -> str:
        layers = list(self.layers)
        self.layers = [layer for layer in layers if getattr(layer, "id", None) != "provinces"]
        try:
            spec = json.loads(super().to_json())
        finally:
            self.layers = layers
        if len(self.layers) > len(spec["layers"]):
            spec["layers"].insert(0, _BASE_SLOT)
        text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
        return text.replace(f'"{_BASE_SLOT}"', base_layer_json(), 1)


def _finite(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon)
