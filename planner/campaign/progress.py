"""A campaign run's progress: a line per destination done and one status line.

Rules implemented here:

- ``line`` is told one line per destination done (or found already planned), as before;
- ``status``, when given, is told the status line again whenever something changes:
  destinations done/total, the units done/total of the destination being planned (when its
  planner runs in this process: it reports each unit through ``plan_scenario``'s progress
  callback, ``planner.optimise.pipeline.UNIT_MESSAGE``), people planned of the people of the
  campaign, and the running cost and lower bound of the destinations done;
- on a process pool or Ray the destinations are planned in other processes and their planners'
  progress is not sent back (a message per unit across processes is not worth its cost): the
  status line moves as each destination is done, without units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from planner.messages import msg

Report = Callable[[str], None]

# "Planning unit 3/7: …" (units one after another), "Planning 7 units on 2 workers" (at once).
_IN_TURN = re.compile(r"^Planning unit (\d+)/(\d+):")
_AT_ONCE = re.compile(r"^Planning (\d+) units on ")
_UNITS_PLANNED = ("Bounding", "Bounded", "Plan ready")


def units_of(message: str, last: tuple[int, int] | None) -> tuple[int, int] | None:
    """(units done, units) as the planner's progress ``message`` tells them (``last``: what
    the messages before it told; ``None``: not known yet)."""
    if m := _IN_TURN.match(message):
        return int(m[1]) - 1, int(m[2])
    if m := _AT_ONCE.match(message):
        return 0, int(m[1])
    if last is not None and message.startswith(_UNITS_PLANNED):
        return last[1], last[1]
    return last


@dataclass
class CampaignProgress:
    """What the status line says; ``figures`` of each destination done come from its
    summary.json (``people``, ``people_planned``, ``cost``, ``lower_bound``)."""

    destinations: int
    people: int
    line: Report
    status: Report | None = None
    lang: str = "zh"
    done: dict[int, dict[str, Any]] = field(default_factory=dict)
    running: dict[str, tuple[int, int]] = field(default_factory=dict)

    def destination_done(self, i: int, code: str, figures: dict[str, Any], text: str) -> None:
        """Destination ``i`` (``code``) is planned (or was already): its line, then the status."""
        self.done[i] = figures
        self.running.pop(code, None)
        self.line(text)
        self.show()

    def planner_progress(self, code: str) -> Callable[[float, str], None]:
        """A ``plan_scenario`` progress callback for destination ``code`` planned here."""

        def progress(_fraction: float, message: str) -> None:
            units = units_of(message, self.running.get(code))
            if units is not None and units != self.running.get(code):
                self.running[code] = units
                self.show()

        return progress

    def text(self) -> str:
        """The status line, in ``lang``."""
        parts = [msg("campaign_cli.status_destinations", done=len(self.done), n=self.destinations)]
        parts += [
            msg("campaign_cli.status_units", dest=code, done=d, n=n)
            for code, (d, n) in self.running.items()
        ]
        planned = sum(int(f["people_planned"]) for f in self.done.values())
        parts += [
            msg("campaign_cli.status_people", planned=planned, people=self.people),
            msg("campaign_cli.status_cost",
                cost=sum(float(f["cost"]) for f in self.done.values())),
            msg("campaign_cli.status_bound",
                bound=sum(float(f["lower_bound"]) for f in self.done.values())),
        ]
        return " | ".join(p.render(self.lang) for p in parts)

    def show(self) -> None:
        if self.status is not None:
            self.status(self.text())
