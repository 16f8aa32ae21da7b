"""The KPI catalogue of docs/data-contract.md section 3, definition version 1.

Stored values carry the version of the definition that produced them; a change to a
definition is a new version here, never an edit of version 1.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFINITION_VERSION = 1

GRAINS = ("month", "quarter")
DIMENSIONS = ("department", "location", "job_family", "priority")
SOURCE = "source"
NONE_SEGMENT = "(none)"
ALL = "all"


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    unit: str  # days, percent, currency, score, rating, count
    direction: str  # "higher" or "lower" is better
    event_date: str
    formula: str
    standard: str = ""
    by_source: bool = False  # (S): also segmented by application source
    version: int = DEFINITION_VERSION
    all_only: bool = False  # segment `all` only
    only: tuple[str, ...] | None = None  # these dimensions only (besides `all`)

    @property
    def decimals(self) -> int:
        return 2 if self.unit == "currency" else 0 if self.unit == "count" else 1

    @property
    def dimensions(self) -> tuple[str, ...]:
        if self.all_only:
            return ()
        if self.only is not None:
            return self.only
        if self.key == "plan_attainment":  # the hiring plan has no priority or source
            return ("department", "location", "job_family")
        return (*DIMENSIONS, SOURCE) if self.by_source else DIMENSIONS


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "time_to_fill",
        "Time to fill",
        "days",
        "lower",
        "requisition filled_on",
        "median of (filled_on - opened_on) over requisitions filled in the period; "
        "minus on_hold_days when the engagement's metric policy excludes on-hold days",
        "SHRM: calendar days from opening to offer acceptance",
    ),
    Kpi(
        "time_to_hire",
        "Time to hire",
        "days",
        "lower",
        "offer_decided_on of accepted offers",
        "median of (offer_decided_on - applied_on) over offers accepted in the period",
        by_source=True,
    ),
    Kpi(
        "offer_acceptance_rate",
        "Offer acceptance rate",
        "percent",
        "higher",
        "offer_decided_on",
        "100 x accepted / (accepted + declined) offers decided in the period",
        by_source=True,
    ),
    Kpi(
        "cost_per_hire",
        "Cost per hire",
        "currency",
        "lower",
        "cost month; hire started_on",
        "(sum of all external and internal costs in the period) / (hires in the period)",
        "ANSI/SHRM 06001.2012 (ISO/TS 30407) cost per hire",
        all_only=True,
    ),
    Kpi(
        "quality_of_hire",
        "Quality of hire",
        "percent",
        "higher",
        "review reviewed_on",
        "100 x reviews meeting expectations / reviews",
        "ISO/TS 30411 quality of hire",
        by_source=True,
    ),
    Kpi(
        "retention_90d",
        "90-day retention",
        "percent",
        "higher",
        "review reviewed_on (rows with retained_90d given)",
        "100 x retained / reviews with retained_90d given",
        by_source=True,
    ),
    Kpi(
        "candidate_nps",
        "Candidate NPS",
        "score",
        "higher",
        "candidate survey responded_on",
        "100 x (promoters (9-10) - detractors (0-6)) / responses",
        "Net Promoter Score",
        by_source=True,
    ),
    Kpi(
        "hiring_manager_satisfaction",
        "Hiring manager satisfaction",
        "rating",
        "higher",
        "hiring-manager survey responded_on",
        "mean score (1-5) of hiring-manager responses",
    ),
    Kpi(
        "diversity_hire_rate",
        "Diversity hire rate",
        "percent",
        "higher",
        "hire started_on (rows with diverse given)",
        "100 x diverse hires / hires with diverse given; suppressed (value blank) when fewer "
        "than 5 rows, to protect individuals",
        by_source=True,
    ),
    Kpi(
        "interview_to_offer_rate",
        "Interview-to-offer rate",
        "percent",
        "higher",
        "interviewed_on",
        "100 x (of those interviewed in the period, how many have an offered_on, in that "
        "period or later) / interviewed",
        by_source=True,
    ),
    Kpi(
        "hires",
        "Hires",
        "count",
        "higher",
        "started_on",
        "number of hires (applications with started_on)",
        by_source=True,
    ),
    Kpi(
        "requisitions_filled",
        "Requisitions filled",
        "count",
        "higher",
        "filled_on",
        "number of requisitions filled",
    ),
    Kpi(
        "open_requisition_age",
        "Open requisition age",
        "days",
        "lower",
        "the period's last day, or as_of for the current period (at)",
        "median of (at - opened_on) over requisitions opened on or before at and neither "
        "filled nor cancelled on or before it",
    ),
    Kpi(
        "plan_attainment",
        "Hiring plan attainment",
        "percent",
        "higher",
        "hire started_on; plan month",
        "100 x hires / planned hires of the plan's segment; undefined when planned is 0",
    ),
)


# --- the process KPIs (data-contract.md section 8): funnel, stage times, sources ---------------

# The funnel's stages, in order; an application has reached a stage when it has that stage's
# date or a later one (a stage skipped in the data counts as passed).
STAGES = ("applied", "screened", "interviewed", "offered", "accepted", "started")
# The stages a candidate can withdraw at: reached, and not yet the next (or the decision).
WITHDRAWAL_STAGES = ("applied", "screened", "interviewed", "offered")
# Costs whose category pays for one source's hires; every other category is not attributed.
COST_ATTRIBUTION = {"referral_bonus": "referral", "agency_fees": "agency"}
# (key, from, to, the two date columns) of each stage time.
STAGE_TIMES = (
    ("days_applied_to_screened", "applied", "screened", "applied_on", "screened_on"),
    ("days_screened_to_interviewed", "screened", "interviewed", "screened_on", "interviewed_on"),
    ("days_interviewed_to_offered", "interviewed", "offered", "interviewed_on", "offered_on"),
    ("days_offered_to_decided", "offered", "decided", "offered_on", "offer_decided_on"),
    ("days_decided_to_started", "decided", "started", "offer_decided_on", "started_on"),
)
# (key, from, to) of each conversion of the applications cohort.
CONVERSIONS = (
    ("applied_to_screened_rate", "applied", "screened"),
    ("screened_to_interviewed_rate", "screened", "interviewed"),
    ("offered_to_accepted_rate", "offered", "accepted"),
    ("accepted_to_started_rate", "accepted", "started"),
    ("applied_to_started_rate", "applied", "started"),
)
_COHORT = "applied_on (the application cohort)"


def _conversion(key: str, start: str, end: str) -> Kpi:
    name = (
        "Application yield"
        if key == "applied_to_started_rate"
        else (f"{start.capitalize()}-to-{end} conversion")
    )
    return Kpi(
        key,
        name,
        "percent",
        "higher",
        _COHORT,
        f"100 x applications of the period that reached {end} / those that reached {start}, "
        "as of the as-of date; a skipped stage counts as passed",
        by_source=True,
    )


def _stage_time(key: str, start: str, end: str, since: str, until: str) -> Kpi:
    return Kpi(
        key,
        f"Days from {start} to {end}",
        "days",
        "lower",
        _COHORT,
        f"median of ({until} - {since}) over the applications of the period with both dates; "
        "an application that skipped either stage is not counted",
        by_source=True,
    )


def _withdrawal(stage: str) -> Kpi:
    after = "decided" if stage == "offered" else STAGES[STAGES.index(stage) + 1]
    return Kpi(
        f"withdrawal_rate_{stage}",
        f"Withdrawals at {stage}",
        "percent",
        "lower",
        _COHORT,
        f"100 x applications of the period that reached {stage}, not {after}, and have a "
        f"withdrawn_on / those that reached {stage}",
        by_source=True,
    )


PROCESS_KPIS: tuple[Kpi, ...] = (
    *(_conversion(*conversion) for conversion in CONVERSIONS),
    *(_stage_time(*stage) for stage in STAGE_TIMES),
    Kpi(
        "time_to_first_screen",
        "Time to first screen",
        "days",
        "lower",
        "the requisition's first screened_on",
        "median of (first screened_on of the requisition's applications - opened_on) over "
        "requisitions first screened in the period",
    ),
    Kpi(
        "applications",
        "Applications",
        "count",
        "higher",
        "applied_on",
        "number of applications",
        by_source=True,
    ),
    Kpi(
        "hire_share",
        "Share of hires",
        "percent",
        "higher",
        "started_on",
        "100 x hires of the segment / hires of the period (segment all)",
        by_source=True,
    ),
    Kpi(
        "source_cost_per_hire",
        "Cost per hire by source",
        "currency",
        "lower",
        "cost month; hire started_on",
        "(costs attributed to the source: referral_bonus to referral, agency_fees to agency) / "
        "(the source's hires); segment all: those costs / the hires of those sources",
        only=(SOURCE,),
    ),
    *(_withdrawal(stage) for stage in WITHDRAWAL_STAGES),
    Kpi(
        "requisition_fill_rate",
        "Requisition fill rate",
        "percent",
        "higher",
        "the requisition's closing date (filled_on or cancelled_on)",
        "100 x requisitions filled / requisitions closed (filled or cancelled) in the period",
    ),
)

KPIS = (*KPIS, *PROCESS_KPIS)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}
KPI_CHOICES = [(kpi.key, kpi.name) for kpi in KPIS]
SUPPRESSION_MIN_ROWS = 5  # diversity_hire_rate


def get_kpi(key: str) -> Kpi:
    return KPI_BY_KEY[key]
