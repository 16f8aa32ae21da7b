"""The forecast's input: the columns it reads of each table, and the windows that bound what
it reads (docs/data-contract.md, "Hiring forecast")."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

WINDOW_DAYS = 365  # the trailing window of the observed conversions and lags
MAX_LAG = 365  # lags are counted up to this many days; later ones count as this

REQUISITION_COLUMNS = [
    "engagement_id",
    "id",
    "department",
    "location",
    "job_family",
    "openings",
    "opened_on",
    "filled_on",
    "cancelled_on",
]
APPLICATION_COLUMNS = [
    "engagement_id",
    "requisition_id",
    "applied_on",
    "screened_on",
    "interviewed_on",
    "offered_on",
    "offer_outcome",
    "offer_decided_on",
    "started_on",
    "rejected_on",
    "withdrawn_on",
]
PLAN_COLUMNS = ["engagement_id", "month", "department", "location", "job_family", "planned_hires"]


@dataclass
class Frames:
    """The forecast's input tables (columns as above) for one or more engagements."""

    requisitions: pd.DataFrame
    applications: pd.DataFrame
    plan: pd.DataFrame
