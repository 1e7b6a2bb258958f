"""Bounded work: a time limit and a memory cap that hold even inside C code.

sympy has no time limit of its own, and Python delivers a signal only
between bytecodes, so an alarm cannot stop ``2**(10**10)`` or a gmpy/mpmath
call that never returns to the interpreter. ``call_limited`` therefore runs
the work in a forked child process with an address-space cap, and the
parent kills it (SIGKILL) at the deadline: whatever the child is doing, the
parent answers on time. Forking costs a few milliseconds, and the child
inherits everything already imported, so small inputs stay fast.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

# What only some paths need (pickle, struct, select, re, traceback, fcntl) is imported
# where it is used: a small command pays for its one fork and nothing more.
from symjac.core.caps import (  # noqa: F401 (the defaults and sizes: re-exported)
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    MEMORY_ENV,
    NO_FORK_ENV,
    Limits,
    can_fork,
    memory_from_env,
    parse_size,
)
from symjac.core.errors import (  # noqa: F401 (format_size, time_message: re-exported)
    ChildBug,
    LimitError,
    SymjacError,
    classify,
    format_size,
    memory_message,
    time_message,
)

_READ_CHUNK = 1 << 20  # bytes read from the worker at a time


def cpu_count() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- one piece of work under resolved limits ---------------------------------------------


def run(fn: Callable[[], Any], limits: Limits, what: str = "the command") -> Any:
    """fn() under ``limits`` (resolved by the caller: symjac.core.caps.Limits.resolve).

    No limit: fn runs here, unbounded. ``limits.fork``: in a forked child
    (call_limited), a hard limit. Otherwise here, under an alarm and a cap
    (in_process). Work that is already inside limits (a worker's) is given
    ``caps.NONE`` by whoever started it, so nothing forks twice.
    """
    if limits.off:
        return fn()
    if limits.fork:
        return call_limited(fn, limits.timeout, limits.memory, what)
    return in_process(fn, limits.timeout, limits.memory, what)


def in_process(fn: Callable[[], Any], timeout: float | None, memory: int | None,
               what: str = "the command") -> Any:
    """fn() in this process under an alarm and an address-space cap; errors classified,
    as a child's would be. The alarm cannot stop a long C call: prefer call_limited."""
    with time_limit(timeout, what), memory_limit(memory):
        try:
            return fn()
        except Exception as e:
            raise classify(e, what, memory) from None


# -- in-process limits (the fallback, and for code already inside a child) --------------


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str = "the command"):
    """Raise LimitError in the main thread once `seconds` have passed (0 or None: no limit).

    An alarm is delivered between bytecodes only: it cannot stop a long C call.
    Use call_limited for a hard limit.
    """
    def _expired(signum, frame):
        raise LimitError(time_message(what, seconds or 0))

    armed, previous = False, None
    if seconds and 0 < seconds < 1e7 and hasattr(signal, "setitimer"):
        # signal.signal refuses outside the main thread: there, no alarm.
        with contextlib.suppress(ValueError):
            previous = signal.signal(signal.SIGALRM, _expired)
            armed = True
    if not armed:
        yield
        return
    # Fire again every 0.1 s until the block ends: code that catches Exception
    # broadly (inside sympy) may swallow the first one.
    assert seconds is not None  # armed only with a number of seconds
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _set_memory_cap(memory: int | None) -> None:
    """Lower the soft address-space limit of this process (never above the hard one)."""
    if not memory:
        return
    try:
        import resource
    except ImportError:  # not on this platform: no cap
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))


@contextlib.contextmanager
def memory_limit(memory: int | None):
    """Cap this process's address space for the block, then restore the previous cap."""
    try:
        import resource

        previous = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):
        yield
        return
    _set_memory_cap(memory)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, previous)


# -- the hard limit: a forked child --------------------------------------------------


def call_limited(
    fn: Callable[[], Any],
    timeout: float | None = None,
    memory: int | None = None,
    what: str = "the command",
) -> Any:
    """fn() in a forked child under a hard time limit and a memory cap; its value, or its
    exception re-raised.

    fn's value must pickle. A SymjacError raised by fn is raised here;
    running out of time or memory raises LimitError; any other exception is
    raised here as ChildBug (with the child's traceback as text). timeout
    and memory of None (or 0) mean no limit: nothing is defaulted here (see
    Limits.resolve). Without os.fork, fn runs in this process (in_process).
    """
    if not hasattr(os, "fork"):
        return in_process(fn, timeout, memory, what)
    deadline = None
    if timeout and 0 < timeout < 1e7:
        deadline = time.monotonic() + timeout
    parent = os.getpid()
    _ready_to_fork()
    _reap()
    read_end, write_end = os.pipe()
    pid, watch = _fork(read_end, write_end)
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(read_end)
            _outlive_no_parent(parent, watch, timeout)
            _child(fn, write_end, memory, what)
        finally:
            os._exit(70)
    os.close(write_end)
    chunks: list[bytes] = []
    try:
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                _kill(pid)
                raise LimitError(time_message(what, timeout or 0))
            ready, _, _ = _select([read_end], None if wait is None else min(wait, 60))
            if ready:
                chunk = os.read(read_end, _READ_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        # With its answer in, the child need not be waited for while it exits (it
        # unmaps its memory first): it is reaped on the next call, or by init.
        reaped, status = os.waitpid(pid, os.WNOHANG if chunks else 0)
        if not reaped:
            _exiting.append(pid)
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(read_end)
        _unwatch(watch)
    data = b"".join(chunks)
    if not data:
        raise _death(status, what, memory)
    ok, payload = _unpickle(data)
    if ok:
        return payload
    raise payload


_exiting: list[int] = []  # children that gave their answer and were not yet reaped


def _reap() -> None:
    while _exiting:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_exiting.pop(), 0)


_WATCHED: set[int] = set()  # this process's ends of its live children's watch pipes


def _fork(*pipe: int) -> tuple[int, int]:
    """os.fork(), with a pipe that tells the child when this process is gone.

    (pid, fd): in the parent, fd is the pipe's write end, which only the
    parent holds (give it to _unwatch once done with the child); in the
    child (pid 0), fd is the read end, for die_with_parent. Should the fork
    fail, the caller's ``pipe`` is closed too.
    """
    import warnings

    watch_read, watch_write = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking a threaded process; the child only
            # computes and exits with os._exit, so the usual hazards do not apply.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except BaseException:
        _close(watch_read, watch_write, *pipe)
        raise
    if pid == 0:
        _close(watch_write, *_WATCHED)  # nor does it hold its siblings' watches
        _WATCHED.clear()
        return 0, watch_read
    os.close(watch_read)
    _WATCHED.add(watch_write)
    return pid, watch_write


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _unwatch(fd: int) -> None:
    """Done with a child: close its watch (a child still exiting then stops at once)."""
    if fd in _WATCHED:
        _WATCHED.discard(fd)
        _close(fd)


def _select(fds: list[int], wait: float | None) -> tuple[list, list, list]:
    import select

    return select.select(fds, [], [], wait)


def die_with_parent(parent: int, watch: int) -> None:
    """Call first thing in a worker: when the parent dies, of any signal, so does this process.

    ``watch`` is the read end of the pipe _fork made, whose write end only
    the parent holds. The kernel closes that end the moment the parent
    exits, even if it was SIGKILLed, and then signals the pipe's owner with
    SIGIO (O_ASYNC), whose default action on Linux ends the process, inside
    C code too. (PR_SET_PDEATHSIG would do the same, but through ctypes,
    which costs more to import than a small command takes to compute.)
    Elsewhere SIGIO is ignored by default, and a worker still stops at its
    CPU-time backstop. Signals the parent handles (SIGTERM, SIGHUP, SIGINT)
    are reset, so the parent alone decides how to stop.
    """
    sigio = getattr(signal, "SIGIO", None)
    for sig in (signal.SIGTERM, signal.SIGHUP, sigio):
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_DFL)
    if sigio is not None:
        with contextlib.suppress(Exception):  # a mask inherited from whoever started symjac
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {sigio})
    with contextlib.suppress(Exception):
        import fcntl

        fcntl.fcntl(watch, fcntl.F_SETOWN, os.getpid())
        fcntl.fcntl(watch, fcntl.F_SETFL, fcntl.fcntl(watch, fcntl.F_GETFL) | os.O_ASYNC)
    if os.getppid() != parent:  # it died before the watch was set
        os._exit(1)


def _ready_to_fork() -> None:
    """Load, in the parent, what every child needs at once (fcntl, resource), so that
    children inherit it rather than each loading it again."""
    with contextlib.suppress(ImportError):
        import fcntl  # noqa: F401
        import resource  # noqa: F401


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP): unwinds like KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


@contextlib.contextmanager
def stop_on_signals():
    """SIGTERM and SIGHUP raise Stopped in the main thread, so cleanup runs.

    Workers are killed by the code that started them (its finally blocks),
    and a temporary output file is removed, before the process exits with
    128 + the signal's number.
    """
    def _stop(signum, frame):
        raise Stopped(signum)

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                previous[sig] = signal.signal(sig, _stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(sig, handler)


def _outlive_no_parent(parent: int, watch: int, timeout: float | None) -> None:
    """If the parent is killed (say by a grader's own timeout), the child must not run on."""
    die_with_parent(parent, watch)
    if timeout and 0 < timeout < 1e7:
        # A backstop in CPU seconds, should the parent be stopped rather than killed.
        with contextlib.suppress(Exception):
            import resource

            cpu = int(timeout) + 5
            _, hard = resource.getrlimit(resource.RLIMIT_CPU)
            if hard == resource.RLIM_INFINITY or cpu < hard:
                resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))


def _attempt(fn: Callable[[], Any], memory: int | None, what: str) -> bytes:
    """fn()'s value, or its exception as symjac.core.errors.classify says, serialised; never raises.

    A value of plain data (strings, numbers, tuples: a rendered command) goes
    by marshal, which needs no import; anything else, and every error, by
    pickle. Both ends are symjac's own processes.
    """
    try:
        value = fn()
    except BaseException as e:
        return _pickled(False, classify(e, what, memory), what, memory)
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:  # not plain data
        return _pickled(True, value, what, memory)
    except Exception as e:
        return _pickled(False, classify(e, what, memory), what, memory)


def _pickled(ok: bool, payload: Any, what: str, memory: int | None) -> bytes:
    import pickle

    try:
        return b"p" + pickle.dumps((ok, payload))
    except Exception as e:
        error = classify(e, what, memory)
        if isinstance(error, ChildBug):
            error = ChildBug(f"the result could not be passed on ({error.summary})", error.trace)
        return b"p" + pickle.dumps((False, error))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _child_signals() -> None:
    # An interrupt (or a request to stop) is the parent's to report; the child just stops.
    for sig in (signal.SIGINT, signal.SIGPIPE, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_DFL)


def _child(fn: Callable[[], Any], fd: int, memory: int | None, what: str) -> None:
    code = 0
    try:
        _child_signals()
        _set_memory_cap(memory)
        _write_all(fd, _attempt(fn, memory, what))
        os.close(fd)  # the answer is whole: the parent need not wait for the exit
    except BaseException:
        code = 70
    finally:
        os._exit(code)


# -- many jobs: one worker per batch ----------------------------------------------------

KILL_GRACE = 1.0  # seconds past a job's time limit before its worker is killed
_FRAME = "!II"  # job index within the batch, payload length (struct)


def _unpickle(data: bytes) -> tuple[bool, Any]:
    """(ok, value or exception) from what _attempt wrote."""
    try:
        if data[:1] == b"m":
            return True, marshal.loads(data[1:])
        import pickle

        ok, payload = pickle.loads(data[1:])
    except Exception as e:
        return False, ChildBug(f"the result could not be read ({type(e).__name__}: {e})", "")
    return ok, payload


def run_batches(
    work: Callable[[Any], Any],
    batches: Sequence[Sequence[Any]],
    on_result: Callable[[int, int, bool, Any], None],
    limits: Limits,
    workers: int = 1,
    budget: float | None = None,
    what: Callable[[Any], str] = lambda job: "the job",
    tick: Callable[[], None] | None = None,
) -> None:
    """work(job) for every job of every batch, each batch in one forked worker.

    Up to ``workers`` workers run at once; a worker does its batch's jobs in
    order, each under ``limits.timeout`` seconds (an alarm first, so the
    worker goes on to the next job, then SIGKILL after a grace, and a fresh
    worker takes the rest of the batch) and the whole batch under ``budget``
    seconds: jobs not reached in time get a LimitError. The worker's address
    space is capped at ``limits.memory`` bytes. ``on_result(batch, job, ok,
    value)`` is called in the parent once per job, ``value`` being work's
    value (ok) or the exception (a SymjacError, LimitError, or ChildBug), as
    call_limited raises them. Without ``limits.fork``, jobs run here under
    the alarm and the cap.
    """
    timeout, memory = limits.timeout, limits.memory
    budget = budget if budget and 0 < budget < 1e7 else None
    from functools import partial

    if not limits.fork:
        for b, batch in enumerate(batches):
            start = time.monotonic()
            for j, job in enumerate(batch):
                if budget is not None and time.monotonic() - start > budget:
                    on_result(b, j, False, LimitError(budget_message(budget)))
                    continue
                with time_limit(timeout, what(job)), memory_limit(memory):
                    ok, value = _unpickle(_attempt(partial(work, job), memory, what(job)))
                on_result(b, j, ok, value)
        return
    pending: list[tuple[int, int, float | None]] = [
        (b, 0, None) for b in range(len(batches)) if batches[b]]
    pending.reverse()
    running: dict[int, _Worker] = {}  # read fd -> worker
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                b, first, began = pending.pop()
                w = _Worker.start(work, batches[b], b, first, timeout, memory, what, budget,
                                  began)
                running[w.fd] = w
            now = time.monotonic()
            wait_for = min([0.2, *(w.deadline(now) - now for w in running.values())])
            ready, _, _ = _select(list(running), max(0.0, wait_for))
            for fd in list(running):
                w = running[fd]
                if fd in ready:
                    w.read()
                    for j, ok, value in w.frames():
                        on_result(w.batch, j, ok, value)
                done = w.next >= len(batches[w.batch])
                if not done and not w.eof and time.monotonic() < w.deadline(time.monotonic()):
                    continue
                del running[fd]
                w.stop()
                if done:
                    continue
                job = batches[w.batch][w.next]
                if w.eof:
                    on_result(w.batch, w.next, False, _death(w.status, what(job), memory))
                elif w.over_budget(time.monotonic()):
                    for j in range(w.next, len(batches[w.batch])):
                        on_result(w.batch, j, False, LimitError(budget_message(budget or 0)))
                    continue
                else:
                    on_result(w.batch, w.next, False, LimitError(
                        time_message(what(job), timeout or 0).replace(" (raise", " and was stopped"
                                                                  " (raise")))
                if w.next + 1 < len(batches[w.batch]):
                    # A fresh worker takes the rest, with what is left of the budget.
                    pending.append((w.batch, w.next + 1, w.began))
            if tick:
                tick()
    finally:
        for w in running.values():
            w.stop()


def budget_message(budget: float) -> str:
    return (f"the time budget of {budget:g} s for this batch ran out before this job "
            "(raise it with --budget)")


class _Worker:
    """One forked worker doing batch[first:], and the parent's view of it."""

    def __init__(self, pid: int, fd: int, watch: int, batch: int, first: int, timeout, budget,
                 began):
        self.pid, self.fd, self.watch, self.batch = pid, fd, watch, batch
        self.next = first  # the job it is on
        self.timeout, self.budget = timeout, budget
        # A restarted batch keeps its first start, for the budget.
        self.began = time.monotonic() if began is None else began
        self.job_started = time.monotonic()
        self.buffer = b""
        self.eof = False
        self.status = 0

    @classmethod
    def start(cls, work, jobs, batch, first, timeout, memory, what, budget, began) -> _Worker:
        _ready_to_fork()
        parent = os.getpid()
        read_end, write_end = os.pipe()
        cpu = None
        if timeout:
            cpu = timeout * (len(jobs) - first) + 5
        if budget:
            cpu = budget + 5 if cpu is None else min(cpu, budget + 5)
        from functools import partial
        from struct import pack

        pid, watch = _fork(read_end, write_end)
        if pid == 0:
            code = 0
            try:
                os.close(read_end)
                _outlive_no_parent(parent, watch, cpu)
                _child_signals()
                _set_memory_cap(memory)
                for j in range(first, len(jobs)):
                    job = jobs[j]
                    with time_limit(timeout, what(job)):
                        data = _attempt(partial(work, job), memory, what(job))
                    _write_all(write_end, pack(_FRAME, j, len(data)) + data)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end, watch, batch, first, timeout, budget, began)

    def deadline(self, now: float) -> float:
        ends = [now + 3600.0]
        if self.timeout:
            ends.append(self.job_started + self.timeout + KILL_GRACE)
        if self.budget:
            ends.append(self.began + self.budget + KILL_GRACE)
        return min(ends)

    def over_budget(self, now: float) -> bool:
        return bool(self.budget) and now >= self.began + self.budget

    def read(self) -> None:
        try:
            chunk = os.read(self.fd, _READ_CHUNK)
        except OSError:
            chunk = b""
        if chunk:
            self.buffer += chunk
        else:
            self.eof = True

    def frames(self):
        from struct import calcsize, unpack_from

        size = calcsize(_FRAME)
        while len(self.buffer) >= size:
            j, n = unpack_from(_FRAME, self.buffer)
            if len(self.buffer) < size + n:
                return
            data = self.buffer[size : size + n]
            self.buffer = self.buffer[size + n :]
            self.next = j + 1
            self.job_started = time.monotonic()
            ok, value = _unpickle(data)
            yield j, ok, value

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            _, self.status = os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        _unwatch(self.watch)


def headroom(megabytes: int) -> int:
    """An address-space cap of what this process uses now plus `megabytes` (bytes)."""
    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return used + megabytes * 1024 * 1024


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def _death(status: int, what: str, memory: int | None) -> SymjacError | ChildBug:
    """The child ended without a result: killed by the system, most likely for memory."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGINT:
            raise KeyboardInterrupt
        return LimitError(
            f"{what} was stopped by {name}, most likely for running out of memory "
            f"(the memory limit{' of ' + format_size(memory) if memory else ''}; "
            "raise it with --max-memory)"
        )
    if os.WEXITSTATUS(status) == 70 and memory:
        # The child could not even report what stopped it: under a memory cap, that is
        # the cap (1 MiB leaves no room to build a message).
        return LimitError(memory_message(what, memory))
    return ChildBug(f"the worker process exited with status {os.WEXITSTATUS(status)}", "")


# -- one worker, reused across calls (the library's) -------------------------------------

_LENGTH = "!Q"  # the length of one message between a reused worker and its parent (struct)


class ReusedWorker:
    """One forked worker process, started on the first call and reused by the next ones.

    ``call(fn, args, kwargs, limits, what)`` sends fn (a module-level
    function, pickled by reference: never code or text to evaluate) and its
    arguments to the worker, which runs it under the memory cap and answers;
    the parent kills it (SIGKILL) at the deadline, inside C code too. The
    worker keeps what it imported and cached, so a call costs a round trip
    through a pipe, not a fork. It is replaced (the next call starts a fresh
    one) after a limit is hit, after it dies, or when the caller's process
    has forked since it was started (os.getpid() changed): a forked copy of
    the caller never talks to its parent's worker.
    """

    def __init__(self) -> None:
        import threading

        self.pid = 0
        self.owner = 0  # the pid of the process that started it
        self.send = self.receive = self.watch = -1
        self.lock = threading.Lock()  # one job at a time on the pipe, whatever the threads

    # -- the caller's side --

    def call(self, fn: Callable[..., Any], args: tuple, kwargs: dict, limits: Limits,
             what: str = "the command") -> Any:
        """fn(*args, **kwargs) under ``limits`` (resolved by the caller)."""
        from functools import partial

        if not limits.fork:  # no limit (here, unbounded), or no fork: as run() does
            return run(partial(fn, *args, **kwargs), limits, what)
        import pickle

        job = pickle.dumps((fn, args, kwargs, limits.timeout, limits.memory, what))
        with self.lock:  # a thread waiting here has not started its time yet
            return self._call(job, limits, what)

    def _call(self, job: bytes, limits: Limits, what: str) -> Any:
        from struct import pack

        deadline = None
        if limits.timeout:
            deadline = time.monotonic() + limits.timeout
        if not self.alive():
            self.start()
        try:
            try:
                _write_all(self.send, pack(_LENGTH, len(job)) + job)
            except OSError:  # it died between calls (killed from outside): once more
                self.stop()
                self.start()
                _write_all(self.send, pack(_LENGTH, len(job)) + job)
            data = self._answer(deadline, limits.timeout, what)
        except BaseException:
            self.stop()  # a limit, an interrupt: the worker may be mid-work
            raise
        if data is None:
            status = self.stop()
            raise _death(status, what, limits.memory)
        ok, payload = _unpickle(data)
        if ok:
            return payload
        if isinstance(payload, LimitError | ChildBug):
            self.stop()  # out of memory (its heap may be a mess), or a bug: start afresh
        raise payload

    def alive(self) -> bool:
        if not self.pid:
            return False
        if self.owner != os.getpid():  # the caller forked: that worker is its parent's
            _close(self.send, self.receive)
            _WATCHED.discard(self.watch)
            _close(self.watch)
            self.pid = 0
            return False
        return True

    def _answer(self, deadline: float | None, timeout: float | None, what: str) -> bytes | None:
        from struct import calcsize, unpack

        buffer = b""
        size = calcsize(_LENGTH)
        want = None
        while want is None or len(buffer) < size + want:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise LimitError(time_message(what, timeout or 0))
            ready, _, _ = _select([self.receive], None if wait is None else min(wait, 60))
            if not ready:
                continue
            chunk = os.read(self.receive, _READ_CHUNK)
            if not chunk:
                return None
            buffer += chunk
            if want is None and len(buffer) >= size:
                (want,) = unpack(_LENGTH, buffer[:size])
        return buffer[size:]

    def start(self) -> None:
        _ready_to_fork()
        parent = os.getpid()
        jobs_read, jobs_write = os.pipe()
        answers_read, answers_write = os.pipe()
        pid, watch = _fork(jobs_read, jobs_write, answers_read, answers_write)
        if pid == 0:
            try:
                _close(jobs_write, answers_read)
                die_with_parent(parent, watch)
                _child_signals()
                _serve(jobs_read, answers_write)
            finally:
                os._exit(70)
        _close(jobs_read, answers_write)
        self.pid, self.owner, self.watch = pid, parent, watch
        self.send, self.receive = jobs_write, answers_read

    def stop(self) -> int:
        """Kill the worker (if this process owns one); its exit status."""
        status = 0
        if self.pid and self.owner == os.getpid():
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                _, status = os.waitpid(self.pid, 0)
            _close(self.send, self.receive)
            _unwatch(self.watch)
        self.pid = 0
        return status


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, _READ_CHUNK))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _serve(jobs: int, answers: int) -> None:
    """The reused worker's loop: a job in, its answer out, until the parent closes the pipe."""
    import pickle
    from functools import partial
    from struct import calcsize, pack, unpack

    size = calcsize(_LENGTH)
    while True:
        header = _read_exact(jobs, size)
        if header is None:
            os._exit(0)
        data = _read_exact(jobs, unpack(_LENGTH, header)[0])
        if data is None:
            os._exit(0)
        try:
            fn, args, kwargs, timeout, memory, what = pickle.loads(data)
        except Exception as e:  # a function this process does not have (defined after it forked)
            answer = _pickled(False, ChildBug(f"the job could not be read ({type(e).__name__}: "
                                              f"{e})", ""), "the job", None)
            _write_all(answers, pack(_LENGTH, len(answer)) + answer)
            continue
        _job_memory(memory)
        _cpu_backstop(timeout)
        answer = _attempt(partial(fn, *args, **kwargs), memory, what)
        _write_all(answers, pack(_LENGTH, len(answer)) + answer)


def _job_memory(memory: int | None) -> None:
    """This job's soft address-space cap (None: as high as the hard limit allows), lifting
    or lowering a previous job's."""
    with contextlib.suppress(Exception):
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if not memory:
            memory = hard
        elif hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))


def _cpu_backstop(timeout: float | None) -> None:
    """A CPU-time backstop for this job, should the parent be stopped rather than killed."""
    with contextlib.suppress(Exception):
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if not timeout or timeout >= 1e7:
            resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(usage.ru_utime + usage.ru_stime + timeout) + 5
        if hard == resource.RLIM_INFINITY or cpu < hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
