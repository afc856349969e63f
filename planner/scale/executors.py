"""Executors: one way to run a function over many items, in this process, in a local process
pool or on a Ray cluster, with results in input order.

Rules implemented here:

- ``map_ordered(fn, items, shared=…, on_done=…)`` calls ``fn(item, shared)`` for every item
  (``fn(item)`` when no ``shared`` is given) and returns the results in the order of ``items``,
  whatever order they finish in; the results do not depend on the executor, so a deterministic
  ``fn`` gives the same list in-process, in a pool and on Ray;
- ``on_done(index, result)`` is called in the calling process as each item finishes (in the
  order they finish), so the caller can write results and show progress while the rest run;
- an exception raised by ``fn`` stops the map and is raised again in the caller (the items
  already done have been passed to ``on_done``);
- ``ProcessPool`` sends ``shared`` to each worker process once (the pool's initializer), not
  once per item, and keeps its processes for the next map over the same ``shared`` (forked on
  Linux, so they inherit it);
- ``RayExecutor`` puts ``shared`` in Ray's object store once (``ray.put``) and passes the
  reference to every task; a task whose worker process dies is retried (``max_retries``) on
  another worker. ``address=None`` starts a local Ray with ``num_cpus`` CPUs (or joins the Ray
  already started in this process); an address is first probed with a short TCP connect, and
  one that does not answer is refused (``ExecutorUnavailable``) before Ray is asked to join it.
  Ray is an optional dependency (``pip install 'jobbus[scale]'``): without it ``RayExecutor``
  raises ``ExecutorUnavailable`` saying so.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from planner.errors import JobbusError

OnDone = Callable[[int, Any], None]
_NO_SHARED: Any = object()

#: How long a cluster address may take to accept a TCP connection before it is refused.
CONNECT_TIMEOUT_S = 5.0
#: How many times Ray runs a task again after its worker process died.
RAY_MAX_RETRIES = 3


class ExecutorUnavailable(JobbusError):
    """The executor asked for cannot run here (Ray missing, a cluster that does not answer)."""


class Executor(Protocol):
    """Runs ``fn`` over items; see the module docstring."""

    name: str
    workers: int  # how many items run at once

    def map_ordered(
        self,
        fn: Callable[..., Any],
        items: Sequence[Any],
        *,
        shared: Any = _NO_SHARED,
        on_done: OnDone | None = None,
    ) -> list[Any]: ...

    def close(self) -> None: ...


def _call(fn: Callable[..., Any], item: Any, has_shared: bool, shared: Any) -> Any:
    return fn(item, shared) if has_shared else fn(item)


class InProcess:
    """Runs the items one after another in this process."""

    name = "in-process"
    workers = 1

    def map_ordered(
        self,
        fn: Callable[..., Any],
        items: Sequence[Any],
        *,
        shared: Any = _NO_SHARED,
        on_done: OnDone | None = None,
    ) -> list[Any]:
        out = []
        for i, item in enumerate(items):
            result = _call(fn, item, shared is not _NO_SHARED, shared)
            if on_done is not None:
                on_done(i, result)
            out.append(result)
        return out

    def close(self) -> None:
        return None


# --- a local process pool ----------------------------------------------------------------------

_worker_shared: tuple[bool, Any] = (False, None)


def _pool_init(has_shared: bool, shared: Any) -> None:
    global _worker_shared
    _worker_shared = (has_shared, shared)


def _pool_call(fn: Callable[..., Any], item: Any) -> Any:
    return _call(fn, item, *_worker_shared)


class ProcessPool:
    """Runs the items in ``workers`` local processes (``concurrent.futures``).

    The processes are started once and kept (until ``close``) while the ``shared`` value is the
    same object, so a plan's units and then their bounds run on the same workers. On Linux they
    are forked: they start in a fraction of a second and inherit ``shared`` instead of
    unpickling it; elsewhere they are spawned."""

    name = "process-pool"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: cf.ProcessPoolExecutor | None = None
        self._shared: Any = _NO_SHARED

    def _pool_for(self, shared: Any) -> cf.ProcessPoolExecutor:
        if self._pool is not None and self._shared is shared:
            return self._pool
        self.close()
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_pool_init,
            initargs=(shared is not _NO_SHARED, None if shared is _NO_SHARED else shared),
        )
        self._shared = shared
        return self._pool

    def map_ordered(
        self,
        fn: Callable[..., Any],
        items: Sequence[Any],
        *,
        shared: Any = _NO_SHARED,
        on_done: OnDone | None = None,
    ) -> list[Any]:
        results: list[Any] = [None] * len(items)
        if not items:
            return results
        pool = self._pool_for(shared)
        index = {pool.submit(_pool_call, fn, item): i for i, item in enumerate(items)}
        try:
            for fut in cf.as_completed(index):
                i = index[fut]
                results[i] = fut.result()
                if on_done is not None:
                    on_done(i, results[i])
        except BaseException:
            for fut in index:
                fut.cancel()
            self.close()
            raise
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        self._shared = _NO_SHARED


# --- Ray ---------------------------------------------------------------------------------------


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ExecutorUnavailable(
            "Ray is not installed: install the scale extra (pip install 'jobbus[scale]') "
            "or plan without --ray"
        ) from None
    return ray


def _probe(address: str, timeout_s: float) -> None:
    """Refuse an address whose host:port does not accept a TCP connection within the timeout."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port_text = hostport.rpartition(":")
    if not host or not port_text.isdigit():
        raise ExecutorUnavailable(f"Ray address {address!r} is not HOST:PORT")
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ExecutorUnavailable(
            f"the Ray cluster at {address} does not answer ({exc.strerror or exc}); "
            "check the address, or plan without --ray"
        ) from None


def _ray_task(fn: Callable[..., Any], item: Any, has_shared: bool, shared: Any) -> Any:
    return _call(fn, item, has_shared, shared)


class RayExecutor:
    """Runs the items as Ray tasks: on a local Ray (``address=None``) or a cluster."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        num_cpus: int | None = None,
        *,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        max_retries: int = RAY_MAX_RETRIES,
    ) -> None:
        ray = _import_ray()
        self.max_retries = max_retries
        self.started = False
        self.workers = num_cpus or 1
        if ray.is_initialized():
            self.workers = _cluster_cpus(ray)
            return  # join the Ray this process already runs (a test's, a notebook's)
        if address is not None:
            _probe(address, connect_timeout_s)
        try:
            if address is None:
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except ConnectionError as exc:
            raise ExecutorUnavailable(f"cannot join the Ray cluster at {address}: {exc}") from None
        self.started = True
        self.workers = _cluster_cpus(ray)

    def map_ordered(
        self,
        fn: Callable[..., Any],
        items: Sequence[Any],
        *,
        shared: Any = _NO_SHARED,
        on_done: OnDone | None = None,
    ) -> list[Any]:
        ray = _import_ray()
        task = ray.remote(max_retries=self.max_retries)(_ray_task)
        has_shared = shared is not _NO_SHARED
        # Once, in the object store; every task gets the reference, not a copy.
        shared_ref = ray.put(shared if has_shared else None)
        refs = [task.remote(fn, item, has_shared, shared_ref) for item in items]
        index = {ref: i for i, ref in enumerate(refs)}
        results: list[Any] = [None] * len(items)
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    i = index[ref]
                    results[i] = ray.get(ref)
                    if on_done is not None:
                        on_done(i, results[i])
        except BaseException:
            for ref in pending:
                ray.cancel(ref)
            raise
        return results

    def close(self) -> None:
        if self.started:
            _import_ray().shutdown()
            self.started = False


def _cluster_cpus(ray: Any) -> int:
    """The CPUs of the Ray cluster this process is joined to (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def make_executor(
    ray_address: str | None = None, workers: int | None = None, *, use_ray: bool = False
) -> InProcess | ProcessPool | RayExecutor:
    """The executor for the command-line options: Ray when ``use_ray`` (``ray_address``: a
    cluster, ``None``: a local Ray with ``workers`` CPUs), a process pool for ``workers`` > 1,
    else in-process."""
    if use_ray:
        return RayExecutor(ray_address, workers)
    if workers is not None and workers > 1:
        return ProcessPool(workers)
    return InProcess()
