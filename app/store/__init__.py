"""SQLite persistence for jobs, segments and settings. Never imports Qt."""

from app.store.models import Job, JobState, SegmentRecord
from app.store.jobstore import JobStore, StoreError

__all__ = ["Job", "JobState", "JobStore", "SegmentRecord", "StoreError"]
