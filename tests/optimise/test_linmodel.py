"""The solver layer: RINS keeps the start's agreed counts and finds the cheaper rest."""

from __future__ import annotations

import pytest

from planner.optimise.linmodel import LinModel, is_feasible, objective_of, solve_model, solve_rins


def _two_counties() -> tuple[LinModel, list[float]]:
    """Two counties of 30 and 20 people, each with a big coach (45 seats, 900 yuan) and a small
    one (25 seats, 450) on offer, or coming alone at 100 each. The start hires a big coach for
    each county; the cheapest is 900 for the 30 and a small coach for the 20."""
    m = LinModel()
    big = [m.var(0, 2, f"big_{c}") for c in "ab"]
    small = [m.var(0, 2, f"small_{c}") for c in "ab"]
    ride = [m.var(0, n, f"ride_{c}", integer=False) for c, n in zip("ab", (30, 20), strict=True)]
    alone = [m.var(0, n, f"alone_{c}", integer=False) for c, n in zip("ab", (30, 20), strict=True)]
    for i, n in enumerate((30, 20)):
        m.add_le([(ride[i], 1), (big[i], -45), (small[i], -25)], 0)
        m.add_eq([(ride[i], 1), (alone[i], 1)], n)
        m.cost(big[i], 90_000)
        m.cost(small[i], 45_000)
        m.cost(alone[i], 10_000)
    start = [0.0] * len(m.lb)
    start[big[0]] = start[big[1]] = 1
    start[ride[0]], start[ride[1]] = 30, 20
    return m, start


def test_rins_improves_a_feasible_start_and_stays_feasible() -> None:
    """RINS answers with a plan of the whole model, cheaper than the start where it can be."""
    m, start = _two_counties()
    assert is_feasible(m, start)
    lp = solve_model(m, backend="lp", time_limit_s=5, work_limit=None, seed=0)
    sol = solve_rins(m, lp.values, start, time_limit_s=5, work_limit=None, seed=0)
    assert sol.feasible and is_feasible(m, sol.values)
    assert objective_of(m, sol.values) == 135_000 < objective_of(m, start) == 180_000


def test_rins_keeps_the_counts_the_start_and_the_lp_agree_on() -> None:
    """A count the LP and the start share is fixed: with county a's big coach agreed, RINS
    only decides county b."""
    m, start = _two_counties()
    lp_values = list(start)
    lp_values[m.names.index("small_b")] = 0.8  # the LP disagrees about county b only
    lp_values[m.names.index("big_b")] = 0.0
    sol = solve_rins(m, lp_values, start, time_limit_s=5, work_limit=None, seed=0)
    assert sol.values[m.names.index("big_a")] == 1
    assert sol.values[m.names.index("small_a")] == 0
    assert sol.values[m.names.index("small_b")] == 1


def test_rins_in_a_neighbourhood_leaves_the_rest_as_started() -> None:
    """With ``free`` (one county's coaches), the other county keeps its start however much
    cheaper it could be: a large unit is improved one prefecture at a time."""
    m, start = _two_counties()
    lp = solve_model(m, backend="lp", time_limit_s=5, work_limit=None, seed=0)
    free = {m.names.index("big_b"), m.names.index("small_b")}
    sol = solve_rins(m, lp.values, start, time_limit_s=5, work_limit=None, seed=0, free=free)
    assert is_feasible(m, sol.values)
    assert sol.values[m.names.index("big_a")] == 1 and sol.values[m.names.index("small_a")] == 0
    assert sol.values[m.names.index("small_b")] == 1 and sol.values[m.names.index("big_b")] == 0


@pytest.mark.parametrize("quick_root", [False, True])
def test_a_bound_only_solve_proves_the_optimum_from_a_poor_start(quick_root: bool) -> None:
    """With only the bound wanted (no primal heuristics) and everyone coming alone as the
    start, SCIP still proves the optimum (900 + 450 yuan) as its bound, above the LP's; also
    when it branches at once (``quick_root``: no presolving, no cuts, a speed setting only)."""
    m, _start = _two_counties()
    everyone_alone = [0.0] * len(m.lb)
    for i, name in enumerate(m.names):
        if name.startswith("alone_"):
            everyone_alone[i] = m.ub[i]
    assert is_feasible(m, everyone_alone)
    lp = solve_model(m, backend="lp", time_limit_s=5, work_limit=None, seed=0)
    for work_limit in (None, 1.0):
        sol = solve_model(
            m,
            backend="scip",
            time_limit_s=5,
            work_limit=work_limit,
            seed=0,
            hint=everyone_alone,
            dual_only=True,
            quick_root=quick_root,
        )
        assert sol.feasible
        assert lp.bound < sol.bound <= 135_000 + 1e-6
        assert sol.bound == pytest.approx(135_000)


@pytest.mark.parametrize("backend", ["lp", "scip"])
def test_a_variable_named_twice_in_one_row_counts_twice(backend: str) -> None:
    """Rules may add the same variable to a row more than once (a coach's seats in two
    capacity terms): the solver sees the sum, ``2·x ≤ 5`` lets ``x`` reach 2 (whole) or 2.5."""
    m = LinModel()
    x = m.var(0, 10, "x", integer=backend == "scip")
    m.add_le([(x, 1), (x, 1)], 5)
    m.cost(x, -1)
    sol = solve_model(m, backend=backend, time_limit_s=5, work_limit=None, seed=0)
    assert sol.status == "OPTIMAL"
    assert sol.values[x] == pytest.approx(2.5 if backend == "lp" else 2)
