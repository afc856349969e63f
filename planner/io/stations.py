"""The ``extra_stations`` cell of a fleet row (docs/FORMATS-EXTENSIONS.md): the further
stations a special train boards at, in calling order after ``origin_station``.

Format: ``name@lat,lon`` entries separated by ``;`` (full-width ``；``, ``，``, ``＠`` are
read as their ASCII forms), e.g. ``凯里南站@26.52,107.93;都匀东站@26.26,107.52``. A train
boards at no more than three stations in all; no station twice (the origin included);
latitude in −90…90 and longitude in −180…180.
"""

from __future__ import annotations

from planner.messages import Message, msg

MAX_BOARDING_STATIONS = 3
_WIDE = str.maketrans({"；": ";", "，": ",", "＠": "@"})


def parse_extra_stations(
    text: str, origin: str | None
) -> tuple[tuple[tuple[str, float, float], ...], list[Message]]:
    """The stations of an ``extra_stations`` cell and the problems found (empty: none).

    Parameters
    ----------
    text
        The cell as written (blank: no extra station).
    origin
        The row's ``origin_station``, which no extra station may repeat.
    """
    out: list[tuple[str, float, float]] = []
    problems: list[Message] = []
    seen = {origin} if origin else set()
    entries = [e.strip() for e in text.translate(_WIDE).split(";") if e.strip()]
    for entry in entries:
        name, at, coords = entry.partition("@")
        parts = coords.split(",")
        name = name.strip()
        if not name or not at or len(parts) != 2:
            problems.append(msg("problem.extra_stations_format", raw=entry))
            continue
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            problems.append(msg("problem.extra_stations_coordinate", name=name, raw=coords))
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(msg("problem.extra_stations_coordinate", name=name, raw=coords))
            continue
        if name in seen:
            problems.append(msg("problem.extra_stations_duplicate", name=name))
            continue
        seen.add(name)
        out.append((name, lat, lon))
    if len(entries) + 1 > MAX_BOARDING_STATIONS:
        problems.append(
            msg("problem.extra_stations_too_many", count=len(entries) + 1,
                most=MAX_BOARDING_STATIONS)
        )
    return tuple(out), problems
