"""Per-job plans kept beside the jobs: when a job may start and what runs when it completes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.store.jobstore import JobStore

ACTIONS = ("open", "folder", "run")


@dataclass(frozen=True, slots=True)
class OnComplete:
    """Open the file, show it in its folder, or run `argv` ({file} in an item: the path)."""

    action: str
    argv: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"not an action: {self.action!r}")
        if self.action == "run" and not self.argv:
            raise ValueError("a command to run needs at least the program")

    def to_json(self) -> str:
        return json.dumps({"action": self.action, "argv": list(self.argv)})

    @classmethod
    def from_json(cls, text: str) -> OnComplete | None:
        """None for anything unreadable (a bad row is never fatal)."""
        try:
            data = json.loads(text)
            argv = data.get("argv", [])
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                return None
            return cls(str(data["action"]), tuple(argv))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


class JobPlans:
    """Reads and writes the job_plans table through the store's one connection."""

    def __init__(self, store: JobStore) -> None:
        self._store = store

    def start_times(self) -> dict[int, float]:
        with self._store._lock:
            rows = self._store._conn.execute(
                "SELECT job_id, start_at FROM job_plans WHERE start_at IS NOT NULL"
            ).fetchall()
        return {int(r[0]): float(r[1]) for r in rows}

    def on_complete_all(self) -> dict[int, OnComplete]:
        with self._store._lock:
            rows = self._store._conn.execute(
                "SELECT job_id, on_complete FROM job_plans WHERE on_complete IS NOT NULL"
            ).fetchall()
        plans = {int(r[0]): OnComplete.from_json(str(r[1])) for r in rows}
        return {k: v for k, v in plans.items() if v is not None}

    def set_start_at(self, job_id: int, when: float | None) -> None:
        self._write(job_id, "start_at", when)

    def set_on_complete(self, job_id: int, plan: OnComplete | None) -> None:
        self._write(job_id, "on_complete", None if plan is None else plan.to_json())

    def _write(self, job_id: int, column: str, value: float | str | None) -> None:
        assert column in ("start_at", "on_complete")  # never from input: a fixed column name
        with self._store._lock:
            conn = self._store._conn
            conn.execute("INSERT OR IGNORE INTO job_plans (job_id) VALUES (?)", (job_id,))
            conn.execute(f"UPDATE job_plans SET {column} = ? WHERE job_id = ?", (value, job_id))
            conn.execute(
                "DELETE FROM job_plans WHERE start_at IS NULL AND on_complete IS NULL"
                " AND job_id = ?",
                (job_id,),
            )
