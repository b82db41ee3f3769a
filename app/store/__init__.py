"""SQLite persistence for jobs, segments and settings. Never imports Qt."""

from app.store.jobstore import JobStore, StoreError
from app.store.models import Job, JobState, SegmentRecord

__all__ = ["Job", "JobState", "JobStore", "SegmentRecord", "StoreError"]
