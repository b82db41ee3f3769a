"""Per job, when it completes: open the file, show its folder, or run a command.

A command is an argument list run without a shell: the file's path goes into each `{file}` of
an argument (or, with none, as one more argument at the end), so spaces, quotes and `;` in a
file name are just characters of one argument. Opening and running are the caller's
(app/system.py): the engine decides, it never starts a process itself.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from app.engine.events import EngineEvent, EventKind
from app.store.models import JobState
from app.store.plans import JobPlans, OnComplete
from app.store.secrets import split_userinfo

if TYPE_CHECKING:
    from app.engine.engine import Engine

log = logging.getLogger("tether.oncomplete")

PLACEHOLDER = "{file}"


def command_argv(argv: Sequence[str], path: str) -> list[str]:
    """The argument list to run for the completed file at `path` (pure)."""
    if any(PLACEHOLDER in arg for arg in argv):
        return [arg.replace(PLACEHOLDER, path) for arg in argv]
    return [*argv, path]


def parse_command(text: str) -> tuple[str, ...]:
    """A command line as the user typed it, split like a POSIX shell would (quotes work) but
    never run by one. ValueError when empty or badly quoted."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise ValueError(f"cannot read the command: {exc}") from None
    if not argv:
        raise ValueError("the command is empty")
    return argv


Runner = Callable[[list[str], str | None], None]


class CompletionActions:
    """Runs each job's plan once, when the engine reports it completed."""

    def __init__(
        self,
        engine: Engine,
        plans: JobPlans | None = None,
        *,
        opener: Callable[[str], None],
        runner: Runner,
    ) -> None:
        self._engine = engine
        self._store = plans
        self._plans: dict[int, OnComplete] = dict(plans.on_complete_all()) if plans else {}
        self._opener = opener
        self._runner = runner
        self._done: set[int] = set()
        self._expected: dict[str, OnComplete] = {}  # URL -> plan, for jobs about to be added

    def expect(self, urls: Sequence[str], plan: OnComplete | None) -> None:
        """The next jobs added for these URLs get `plan` (the Add dialog's choice: the jobs
        don't exist yet when it is made). A new call forgets what an earlier one left."""
        self._expected = {}
        if plan is not None:
            for url in urls:
                self._expected[split_userinfo(url.strip())[0]] = plan

    def attach(self) -> None:
        # Jobs completed before this session are not "completing" now.
        self._done = {j.id for j in self._engine.jobs() if j.state is JobState.COMPLETED}
        self._engine.add_listener(self._on_event)

    def detach(self) -> None:
        self._engine.remove_listener(self._on_event)

    def plan(self, job_id: int) -> OnComplete | None:
        return self._plans.get(job_id)

    def plans(self) -> Mapping[int, OnComplete]:
        return self._plans

    def set_plan(self, job_id: int, plan: OnComplete | None) -> None:
        if plan is None:
            self._plans.pop(job_id, None)
        else:
            self._plans[job_id] = plan
        if self._store is not None:
            self._store.set_on_complete(job_id, plan)

    def _on_event(self, event: EngineEvent) -> None:
        if event.kind is EventKind.ADDED and event.job is not None and self._expected:
            plan = self._expected.pop(event.job.url, None)
            if plan is not None:
                self.set_plan(event.job_id, plan)
            return
        if event.kind is EventKind.REMOVED:
            self._plans.pop(event.job_id, None)
            self._done.discard(event.job_id)
            return
        job = event.job
        if event.kind is not EventKind.CHANGED or job is None:
            return
        if job.state is not JobState.COMPLETED:
            self._done.discard(job.id)  # restarted ("download again"): it may complete again
            return
        if job.id in self._done:
            return
        self._done.add(job.id)
        plan = self._plans.get(job.id)
        if plan is None or job.path is None:
            return
        with contextlib.suppress(Exception):
            self._engine.store.add_log(job.id, f"when done: {plan.action}")
        try:
            if plan.action == "open":
                self._opener(job.path)
            elif plan.action == "folder":
                self._opener(job.dest_dir)
            else:
                self._runner(command_argv(plan.argv, job.path), job.dest_dir)
        except OSError as exc:
            log.warning("job %d: the action when done failed: %s", job.id, exc)
            with contextlib.suppress(Exception):
                self._engine.store.add_log(job.id, f"the action when done failed: {exc}")
