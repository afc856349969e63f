"""A small linear model written once and solved by CP-SAT, a MIP solver or an LP solver.

Variables are integers by default; constraints are ``Σ coef·var (<=|==) rhs``; the objective
is minimised. ``solve_model`` returns values, the objective and a proven bound on the optimum.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

Terms = list[tuple[int, int]]

# Branch-and-bound nodes per unit of work limit. SCIP's first nodes are the costly ones (its
# root takes seconds on a large planning unit, and strong branching on the next few can take
# longer than the root); the root alone already improves the greedy start and gives most of
# the dual bound, so a unit of work buys few nodes.
NODES_PER_WORK = 10
# Under a work limit SCIP's root also stops after this many rounds of cuts (its default runs
# them until they stall): on the demo the work-limited plan takes 45 s instead of 107 s, the
# bound 0.3% lower (largest unit's bound model: 39 s -> 17 s, 2,428,081 -> 2,424,162 yuan).
ROOT_SEPARATION_ROUNDS = 10
# SCIP's primal heuristics (OR-Tools' SCIP 9/10), all switched off when only the dual bound
# matters: node-limited, the largest bound model took 120 s with them and 27 s without, for
# the same bound.
SCIP_HEURISTICS = (
    "adaptivediving",
    "alns",
    "bound",
    "clique",
    "coefdiving",
    "completesol",
    "conflictdiving",
    "crossover",
    "dins",
    "distributiondiving",
    "dps",
    "dualval",
    "farkasdiving",
    "feaspump",
    "fixandinfer",
    "fracdiving",
    "gins",
    "guideddiving",
    "indicator",
    "indicatordiving",
    "intdiving",
    "intshifting",
    "linesearchdiving",
    "localbranching",
    "locks",
    "lpface",
    "mpec",
    "multistart",
    "mutation",
    "nlpdiving",
    "objpscostdiving",
    "octane",
    "ofins",
    "oneopt",
    "padm",
    "proximity",
    "pscostdiving",
    "randrounding",
    "rens",
    "reoptsols",
    "repair",
    "rins",
    "rootsoldiving",
    "rounding",
    "scheduler",
    "shiftandpropagate",
    "shifting",
    "simplerounding",
    "subnlp",
    "trivial",
    "trivialnegation",
    "trustregion",
    "trysol",
    "twoopt",
    "undercover",
    "vbounds",
    "veclendiving",
    "zeroobj",
    "zirounding",
)

# SCIP settings of ``quick_root``.
SCIP_QUICK_ROOT = (
    "presolving/maxrounds = 0\n"
    "separating/maxrounds = 0\n"
    "separating/maxroundsroot = 0\n"
    "lp/pricing = s\n"
)


@dataclass
class LinModel:
    """Variables, constraints and an objective."""

    lb: list[int] = field(default_factory=list)
    ub: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    cons: list[tuple[Terms, str, int]] = field(default_factory=list)
    obj: dict[int, int] = field(default_factory=dict)

    def var(self, lb: int, ub: int, name: str, integer: bool = True) -> int:
        self.lb.append(int(lb))
        self.ub.append(int(ub))
        self.names.append(name)
        self.integer.append(integer)
        return len(self.lb) - 1

    def add_le(self, terms: Terms, rhs: int) -> None:
        if terms:
            self.cons.append((terms, "<=", int(rhs)))

    def add_eq(self, terms: Terms, rhs: int) -> None:
        self.cons.append((terms, "==", int(rhs)))

    def cost(self, var: int, coef: int) -> None:
        if coef:
            self.obj[var] = self.obj.get(var, 0) + int(coef)


@dataclass
class Solution:
    values: list[float]
    objective: float
    bound: float
    status: str
    wall_s: float
    det_time: float
    feasible: bool


def solve_model(
    m: LinModel,
    *,
    backend: str,
    time_limit_s: float,
    work_limit: float | None,
    seed: int,
    hint: Sequence[float] | None = None,
    dual_only: bool = False,
    quick_root: bool = False,
) -> Solution:
    """Solve with ``backend`` in {"cpsat", "scip", "highs", "lp"} ("lp" relaxes integrality).

    ``dual_only``: only the proven bound matters (SCIP runs none of its primal heuristics; on
    the largest bound model they took three quarters of a node-limited solve).
    ``quick_root``: SCIP branches at once (no presolving, no cutting planes, steepest-edge
    pricing), for a model whose few integers are best branched on (on the largest bound model
    with only its trains whole: 4 s instead of 6 s, same bound).

    With ``work_limit`` the CP-SAT search is bounded by deterministic time; a MIP backend by a
    node count (``work_limit`` × ``NODES_PER_WORK`` nodes, at least one; SCIP's root by
    ``ROOT_SEPARATION_ROUNDS`` rounds of cuts); the LP has no randomness.
    """
    if backend == "cpsat":
        sol = _cpsat(m, time_limit_s, work_limit, seed, hint)
    else:
        sol = _mp(m, backend, time_limit_s, work_limit, seed, hint, dual_only, quick_root)
    if not sol.feasible and hint is not None and is_feasible(m, hint):
        objective = objective_of(m, hint)
        return Solution(list(hint), objective, sol.bound, "HINT", sol.wall_s, sol.det_time, True)
    return sol


def solve_rins(
    m: LinModel,
    lp_values: Sequence[float],
    start: Sequence[float],
    *,
    time_limit_s: float,
    work_limit: float | None,
    seed: int,
    free: Collection[int] | None = None,
) -> Solution:
    """Relaxation-induced neighbourhood search (RINS): fix every integer variable on which a
    feasible ``start`` and the LP relaxation agree, and solve the MIP over the rest with SCIP.
    With ``free``, integer variables outside it keep their start values too (a neighbourhood).

    Its solutions are solutions of ``m`` (only bounds were tightened); on the planning models it
    finds in a second what SCIP on the whole model needs half a minute for, because most
    vehicle counts are 0 in both and what is left is small. The bound it reports is not a
    bound on ``m``.
    """
    lb = list(m.lb)
    ub = list(m.ub)
    for i, isint in enumerate(m.integer):
        if isint and (abs(lp_values[i] - start[i]) < 1e-6 or (free is not None and i not in free)):
            lb[i] = ub[i] = round(start[i])
    sub = LinModel(lb=lb, ub=ub, names=m.names, integer=m.integer, cons=m.cons, obj=m.obj)
    return solve_model(
        sub,
        backend="scip",
        time_limit_s=time_limit_s,
        work_limit=work_limit,
        seed=seed,
        hint=start,
    )


def is_feasible(m: LinModel, values: Sequence[float], tol: float = 1e-6) -> bool:
    """Whether ``values`` satisfy every bound, integrality and constraint of ``m``."""
    for lo, hi, v, ii in zip(m.lb, m.ub, values, m.integer, strict=True):
        if not (lo - tol <= v <= hi + tol) or (ii and abs(v - round(v)) > tol):
            return False
    for terms, sense, rhs in m.cons:
        lhs = sum(c * values[i] for i, c in terms)
        if (sense == "<=" and lhs > rhs + tol) or (sense == "==" and abs(lhs - rhs) > tol):
            return False
    return True


def objective_of(m: LinModel, values: Sequence[float]) -> float:
    """The objective value of ``values``."""
    return float(sum(c * values[i] for i, c in m.obj.items()))


def _cpsat(
    m: LinModel, tl: float, wl: float | None, seed: int, hint: Sequence[float] | None
) -> Solution:
    from ortools.sat.python import cp_model

    cp = cp_model.CpModel()
    xs = [cp.new_int_var(lo, hi, nm) for lo, hi, nm in zip(m.lb, m.ub, m.names, strict=True)]
    for terms, sense, rhs in m.cons:
        expr = cp_model.LinearExpr.weighted_sum([xs[i] for i, _ in terms], [c for _, c in terms])
        if sense == "<=":
            cp.add(expr <= rhs)
        else:
            cp.add(expr == rhs)
    keys = sorted(m.obj)
    cp.minimize(cp_model.LinearExpr.weighted_sum([xs[i] for i in keys], [m.obj[i] for i in keys]))
    if hint is not None:
        for x, v in zip(xs, hint, strict=True):
            cp.add_hint(x, round(v))
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = 1
    prm.random_seed = int(seed)
    prm.log_search_progress = bool(os.environ.get("JOBBUS_SOLVER_LOG"))
    if wl is not None:
        prm.max_deterministic_time = float(wl)
    else:
        prm.max_time_in_seconds = max(0.05, float(tl))
    st = solver.solve(cp)
    ok = st in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    vals: list[float] = [float(solver.value(x)) for x in xs] if ok else [0.0] * len(xs)
    return Solution(
        values=vals,
        objective=float(solver.objective_value) if ok else math.inf,
        bound=float(solver.best_objective_bound),
        status=solver.status_name(st),
        wall_s=float(solver.wall_time),
        det_time=float(solver.deterministic_time),
        feasible=ok,
    )


def _proto(m: LinModel, integer: bool) -> Any:
    """``m`` as an ``MPModelProto`` (minimised), built with whole rows at a time: handing
    the solver one proto is several times faster than a call per coefficient (the bound
    models hold hundreds of thousands of them). A variable repeated in a row is added up."""
    from ortools.linear_solver import linear_solver_pb2

    proto = linear_solver_pb2.MPModelProto()
    obj = m.obj
    add_var = proto.variable.add
    for i, (lo, hi, nm, isint) in enumerate(zip(m.lb, m.ub, m.names, m.integer, strict=True)):
        add_var(
            lower_bound=lo,
            upper_bound=hi,
            is_integer=integer and isint,
            name=nm,
            objective_coefficient=obj.get(i, 0),
        )
    add_row = proto.constraint.add
    for terms, sense, rhs in m.cons:
        row = add_row(lower_bound=-math.inf if sense == "<=" else rhs, upper_bound=rhs)
        index = [i for i, _ in terms]
        coef = [c for _, c in terms]
        if len(set(index)) < len(index):
            summed: dict[int, int] = {}
            for i, c in terms:
                summed[i] = summed.get(i, 0) + c
            index, coef = list(summed), list(summed.values())
        row.var_index.extend(index)
        row.coefficient.extend(coef)
    return proto


def _mp(
    m: LinModel,
    backend: str,
    tl: float,
    wl: float | None,
    seed: int,
    hint: Sequence[float] | None,
    dual_only: bool = False,
    quick_root: bool = False,
) -> Solution:
    import time

    from ortools.linear_solver import pywraplp

    name = {"scip": "SCIP", "highs": "HIGHS", "lp": "GLOP", "cbc": "CBC"}[backend]
    s = pywraplp.Solver.CreateSolver(name)
    if s is None:
        raise RuntimeError(f"solver {name} is not available")
    integer = backend != "lp"
    error = s.LoadModelFromProto(_proto(m, integer))
    if error:
        raise ValueError(f"linear model refused by {name}: {error}")
    xs = s.variables()
    obj = s.Objective()
    if integer and hint is not None:
        s.SetHint(xs, [float(v) for v in hint])
    if integer:
        settings = ""
        if backend == "scip" and dual_only:
            settings += "".join(f"heuristics/{h}/freq = -1\n" for h in SCIP_HEURISTICS)
        if backend == "scip" and quick_root:
            settings += SCIP_QUICK_ROOT
        if wl is not None:
            if backend == "scip":
                settings += (
                    f"limits/totalnodes = {max(1, int(wl * NODES_PER_WORK))}\n"
                    f"separating/maxroundsroot = {ROOT_SEPARATION_ROUNDS}\n"
                    f"randomization/randomseedshift = {seed}\n"
                )
        else:
            s.SetTimeLimit(max(10, int(tl * 1000)))
        if settings:
            s.SetSolverSpecificParametersAsString(settings)
    t0 = time.perf_counter()
    st = s.Solve()
    wall = time.perf_counter() - t0
    ok = st in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    if ok:
        vals = [
            round(x.solution_value()) if (ii and integer) else x.solution_value()
            for x, ii in zip(xs, m.integer, strict=True)
        ]
        objv = obj.Value()
        bound = obj.BestBound() if integer else objv
        if st == pywraplp.Solver.OPTIMAL and integer:
            bound = min(bound, objv) if bound > objv else bound
    else:
        vals, objv, bound = [0] * len(xs), math.inf, -math.inf
    status = {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.FEASIBLE: "FEASIBLE"}.get(
        st, f"STATUS{st}"
    )
    return Solution(vals, float(objv), float(bound), status, wall, 0.0, ok)
