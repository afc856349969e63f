"""The typed run statistics keep summary.json's keys and order, and read back."""

from __future__ import annotations

from planner.domain.stats import FeederRouting, RunStats, UnitStats


def _stats() -> RunStats:
    return RunStats(
        cost_by_component={"coach": 10.0, "self_return": 2.5},
        people_by_mode={"coach": 3},
        trips_by_kind={"coach": 1},
        vacancies_unfilled=0,
        people_per_trip=3.0,
        unmet_in_bound=0,
        feeder_routing=FeederRouting(2, ("timeout",)),
        units={"33/3301": UnitStats(coaches_merged=0, plan_status="OPTIMAL", groups=4, gap=0.1)},
        bound_method="LP",
    )


def test_summary_keys_come_in_the_order_summary_json_always_had() -> None:
    """The keys are those the dict of earlier versions had, in its order, unset ones left out."""
    assert list(_stats().as_dict()) == [
        "cost_by_component",
        "people_by_mode",
        "trips_by_kind",
        "vacancies_unfilled",
        "people_per_trip",
        "unmet_in_bound",
        "feeder_routing",
        "units",
        "bound_method",
    ]
    assert _stats().as_dict()["units"]["33/3301"] == {
        "coaches_merged": 0, "plan_status": "OPTIMAL", "groups": 4, "gap": 0.1,
    }


def test_statistics_read_back_from_summary_json_are_the_same() -> None:
    """``from_dict(as_dict())`` gives the statistics back; unknown keys are kept aside."""
    data = _stats().as_dict() | {"seed": 7}
    back = RunStats.from_dict(data)
    assert back.other == {"seed": 7}
    assert back.as_dict() == data
    assert back.feeder_routing == FeederRouting(2, ("timeout",))
