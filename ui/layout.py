"""Small layout helpers shared by the screens: KPI cards and the date format of inputs.

Rules implemented:

- a KPI is a bordered ``st.metric``; its note (a share, "of 84") is grey with no arrow, since
  these numbers are states, not changes;
- date inputs show ``2020-02-15`` (ISO), as every table and file does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DATE_FORMAT = "YYYY-MM-DD"


def kpi(where: Any, label: str, value: str, note: str | None = None,
        trend: Sequence[float] | None = None, help: str | None = None) -> None:
    """One KPI card in ``where`` (a column or ``st``)."""
    where.metric(label, value, note, delta_color="off", delta_arrow="off", border=True,
                 chart_data=list(trend) if trend is not None else None, chart_type="bar",
                 help=help)
