"""Synthetic recruiting data in the format of docs/data-contract.md section 1.

The rows are what a user's file holds (column -> text, or None for a blank cell), so they go
through the same importer as an ATS export: `write_csv` writes the seven files, `generate_rows`
returns them in memory. The data is deterministic for its `DataSpec` (same seed, size, window
and scope: same rows, so importing it again changes nothing) and realistic enough to exercise
every KPI: stage dates in order, offers accepted and declined, hires starting after acceptance,
rejections and withdrawals, self-identified diversity, filled, cancelled and open requisitions
with on-hold days, surveys from candidates and hiring managers, quality reviews of hires, costs
in every category each month, a hiring plan sliced by department, and market benchmarks (a
quarterly survey per job family and a monthly time-to-fill index) kept for the engagement.

Everything is generated one requisition at a time and streamed, so a million applications need
no more memory than a hundred.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from recruiting import contract

# In the order they must be imported (references point only to earlier kinds), with the
# contract's columns in its order.
KINDS = tuple(contract.KIND_ORDER)
COLUMNS = {kind: contract.KINDS[kind].column_names for kind in KINDS}
APPLICATION_DATES = [c.name for c in contract.KINDS["applications"].columns if c.type == "date"]

Row = dict[str, str | None]

DEFAULT_DEPARTMENTS = ("Engineering", "Sales", "Operations", "Finance", "Marketing")
DEFAULT_JOB_FAMILIES = ("Software", "Support", "Management", "Analytics")
DEFAULT_LOCATIONS = ("New York", "Austin", "London", "Berlin", "Remote")
REGION_LOCATIONS = {
    "north america": ("New York", "Austin", "Toronto", "Chicago"),
    "emea": ("London", "Berlin", "Dublin", "Warsaw"),
    "europe": ("London", "Berlin", "Dublin", "Warsaw"),
    "apac": ("Singapore", "Sydney", "Bangalore", "Tokyo"),
    "latam": ("Sao Paulo", "Mexico City", "Bogota"),
}
FAMILY_TITLES = {
    "software": ("Software Engineer", "Data Engineer", "QA Engineer", "Site Reliability Engineer"),
    "support": ("Support Specialist", "Customer Success Manager", "Technical Support Engineer"),
    "management": ("Engineering Manager", "Team Lead", "Program Manager", "Director"),
    "analytics": ("Data Analyst", "Business Analyst", "Data Scientist"),
}
LEVELS = ("Junior", "", "", "Senior", "Senior", "Staff", "Principal")
RECRUITERS = ("Alex Kim", "Jordan Patel", "Maria Silva", "Tom Becker", "Aisha Bello", "Li Wei")

PRIORITIES = (("low", 15), ("normal", 52), ("high", 23), ("critical", 7), (None, 3))
SOURCES = (
    ("job_board", 30),
    ("career_site", 20),
    ("referral", 11),
    ("sourced", 16),
    ("agency", 8),
    ("internal", 7),
    ("other", 8),
)
# Referrals and internal moves convert better, so they are over-represented among hires.
HIRE_SOURCES = (
    ("job_board", 20),
    ("career_site", 17),
    ("referral", 22),
    ("sourced", 17),
    ("agency", 10),
    ("internal", 11),
    ("other", 3),
)
CANDIDATE_SCORES = tuple(zip(range(11), (2, 1, 1, 2, 2, 4, 6, 10, 18, 26, 28), strict=True))
HIRED_CANDIDATE_SCORES = tuple(zip(range(11), (0, 0, 0, 1, 1, 2, 3, 8, 17, 30, 38), strict=True))
MANAGER_SCORES = ((1, 3), (2, 6), (3, 18), (4, 44), (5, 29))
RATINGS = ((1, 4), (2, 10), (3, 34), (4, 36), (5, 16))

# Monthly cost of each category: (per requisition opened, per hire, fixed per month per 100
# requisitions of the whole window). Sums to a cost per hire of a few thousand, like SHRM's
# published averages.
COST_RATES = {
    "advertising": (380, 0, 0),
    "agency_fees": (0, 650, 0),
    "rpo_fees": (0, 1400, 600),
    "assessment": (90, 40, 0),
    "background_checks": (0, 75, 0),
    "travel": (40, 120, 0),
    "relocation": (0, 280, 0),
    "signing_bonus": (0, 330, 0),
    "referral_bonus": (0, 210, 0),
    "recruiter_compensation": (0, 900, 2200),
    "recruiting_tools": (0, 0, 900),
    "hiring_manager_time": (60, 350, 0),
    "overhead": (0, 180, 500),
}


@dataclass(frozen=True)
class Scope:
    """The segment values the data uses: the engagement's scope when it names one."""

    departments: tuple[str, ...] = DEFAULT_DEPARTMENTS
    locations: tuple[str, ...] = DEFAULT_LOCATIONS
    job_families: tuple[str, ...] = DEFAULT_JOB_FAMILIES
    currency: str = "USD"  # of the market's salary figures


def scope_for(engagement) -> Scope:
    """The engagement's departments and job families, and locations in its regions."""
    locations: list[str] = []
    for region in engagement.regions or ():
        for location in REGION_LOCATIONS.get(region.strip().lower(), (region,)):
            if location not in locations:
                locations.append(location)
    return Scope(
        departments=tuple(engagement.departments) or DEFAULT_DEPARTMENTS,
        locations=tuple(locations) or DEFAULT_LOCATIONS,
        job_families=tuple(engagement.job_families) or DEFAULT_JOB_FAMILIES,
        currency=engagement.currency or "USD",
    )


@dataclass(frozen=True)
class DataSpec:
    requisitions: int
    seed: int = 0
    months: int = 24
    end: date = field(default_factory=timezone.localdate)
    scope: Scope = Scope()
    # On average; the total is exactly requisitions x this (pairs of requisitions balance).
    applications_per_requisition: int = 10
    # Market benchmarks kept for the engagement (off: it sees only its provider's shared ones).
    market_benchmarks: bool = True

    def __post_init__(self) -> None:
        if self.requisitions < 0 or self.months < 1 or self.applications_per_requisition < 1:
            raise ValueError("requisitions >= 0, months >= 1, applications_per_requisition >= 1")
        scope = self.scope
        if not (scope.departments and scope.locations and scope.job_families):
            raise ValueError("the scope needs at least one department, location and job family")

    @property
    def start(self) -> date:
        """The first day of the window's first month."""
        month_index = self.end.year * 12 + self.end.month - 1 - (self.months - 1)
        return date(month_index // 12, month_index % 12 + 1, 1)


def _month_starts(spec: DataSpec) -> list[int]:
    start = spec.start
    index = start.year * 12 + start.month - 1
    return [date(i // 12, i % 12 + 1, 1).toordinal() for i in range(index, index + spec.months)]


class _Dates:
    """ISO text of date ordinals, cached: formatting dates is the generator's hot path."""

    def __init__(self) -> None:
        self._text: dict[int, str] = {}

    def __call__(self, ordinal: int | None) -> str | None:
        if ordinal is None:
            return None
        text = self._text.get(ordinal)
        if text is None:
            text = self._text[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


def _weighted(pairs):
    values = [value for value, _ in pairs]
    cumulative = []
    total = 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def _by_rank(values: tuple[str, ...]):
    """Earlier-listed segments are bigger, as in most organizations."""
    return _weighted([(value, 1 / math.sqrt(rank)) for rank, value in enumerate(values, 1)])


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


class _Generator:
    def __init__(self, spec: DataSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - synthetic data, not secrets
        self.text = _Dates()
        self.end = spec.end.toordinal()
        self.month_starts = _month_starts(spec)
        # Hiring grows a little over the window and peaks in spring and autumn; the last
        # month counts only its days up to the end.
        ends = [*self.month_starts[1:], self.end + 1]
        self.month_weights = [
            (1 + 0.3 * i / max(1, spec.months - 1))
            * (1 + 0.2 * math.sin(2 * math.pi * (date.fromordinal(m).month - 3) / 6))
            * (ends[i] - m)
            for i, m in enumerate(self.month_starts)
        ]
        scope = spec.scope
        self.departments = _by_rank(scope.departments)
        self.locations = _by_rank(scope.locations)
        self.job_families = _by_rank(scope.job_families)
        self.priorities = _weighted(PRIORITIES)
        self.sources = _weighted(SOURCES)
        self.hire_sources = _weighted(HIRE_SOURCES)
        self.candidate_scores = _weighted(CANDIDATE_SCORES)
        self.hired_candidate_scores = _weighted(HIRED_CANDIDATE_SCORES)
        self.manager_scores = _weighted(MANAGER_SCORES)
        self.ratings = _weighted(RATINGS)
        self.candidates = max(1, int(spec.requisitions * spec.applications_per_requisition * 0.85))
        self.survey_count = 0
        self.opened_by_month: Counter[int] = Counter()
        self.hires_by_month: Counter[int] = Counter()
        self.hires_by_month_department: Counter[tuple[int, str]] = Counter()
        self._balance = 0

    def pick(self, weighted):
        values, cumulative = weighted
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def month_of(self, ordinal: int) -> int:
        """Index of the window month holding the date."""
        day = date.fromordinal(ordinal)
        first = self.spec.start
        return (day.year - first.year) * 12 + day.month - first.month

    # -- requisitions -------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[str, Row]]:
        for number in range(1, self.spec.requisitions + 1):
            yield from self.requisition(number)
        yield from self.costs()
        yield from self.hiring_plan()
        if self.spec.market_benchmarks:
            yield from self.market_benchmarks()

    def application_count(self, number: int, openings: int) -> int:
        """Pairs of requisitions get mean + d and mean - d, so the total is exact."""
        mean = self.spec.applications_per_requisition
        if number == self.spec.requisitions and number % 2 == 1:
            count = mean  # the last, unpaired one
        elif number % 2 == 1:
            self._balance = self.rng.randint(-(mean // 2), mean // 2)
            count = mean + self._balance
        else:
            count = mean - self._balance
        return max(count, openings, 1)

    def requisition(self, number: int) -> Iterator[tuple[str, Row]]:
        rng = self.rng
        month = rng.choices(range(len(self.month_starts)), weights=self.month_weights)[0]
        month_start = self.month_starts[month]
        next_start = (
            self.month_starts[month + 1] if month + 1 < len(self.month_starts) else self.end + 1
        )
        opened = min(rng.randrange(month_start, next_start), self.end)
        self.opened_by_month[month] += 1
        department = self.pick(self.departments) if rng.random() > 0.02 else None
        location = self.pick(self.locations) if rng.random() > 0.03 else None
        job_family = self.pick(self.job_families) if rng.random() > 0.04 else None
        priority = self.pick(self.priorities)
        openings = rng.choices((1, 2, 3), weights=(82, 13, 5))[0]
        on_hold = 0 if rng.random() < 0.85 else rng.randint(3, 45)
        speed = {"critical": 0.7, "high": 0.85, "low": 1.2}.get(priority or "normal", 1.0)
        days_to_fill = on_hold + max(
            12, min(240, round(rng.lognormvariate(math.log(34), 0.45) * speed))
        )
        filled = cancelled = None
        if rng.random() < 0.07:
            cancelled = opened + rng.randint(5, 90)
            if cancelled > self.end:
                cancelled = None
        else:
            filled = opened + days_to_fill
            if filled > self.end:
                filled = None
        external_id = f"R-{number:06d}"
        family = job_family or "General"
        titles = FAMILY_TITLES.get(family.lower(), (f"{family} Specialist", f"{family} Lead"))
        title = f"{rng.choice(LEVELS)} {rng.choice(titles)}".strip()
        text = self.text
        yield (
            "requisitions",
            {
                "external_id": external_id,
                "title": title,
                "department": department,
                "location": location,
                "job_family": job_family,
                "priority": priority,
                "openings": str(openings),
                "opened_on": text(opened),
                "on_hold_days": str(on_hold),
                "filled_on": text(filled),
                "cancelled_on": text(cancelled),
                "hiring_manager": f"hm{rng.randint(1, 40)}@client.example",
                "recruiter": rng.choice(RECRUITERS),
            },
        )
        yield from self.applications(
            number, external_id, opened, filled, cancelled, openings, department or ""
        )
        if filled is not None and rng.random() < 0.6:
            responded = filled + rng.randint(2, 21)
            if responded <= self.end:
                # Slow fills disappoint hiring managers.
                score = self.pick(self.manager_scores)
                if filled - opened - on_hold > 60 and score > 1 and rng.random() < 0.5:
                    score -= 1
                yield self.survey("hiring_manager", external_id, None, responded, score)

    # -- applications -------------------------------------------------------------------
    def applications(self, number, requisition_id, opened, filled, cancelled, openings, department):
        rng = self.rng
        close = filled or cancelled or self.end
        count = self.application_count(number, openings)
        # Decision dates of accepted offers: the last opening's is the requisition's filled_on.
        accepted: list[int] = []
        if filled is not None:
            accepted = sorted(rng.randint(opened, filled) for _ in range(openings - 1)) + [filled]
        elif cancelled is None and openings > 1 and self.end - opened > 30:
            accepted = sorted(
                rng.randint(opened + 20, self.end) for _ in range(rng.randint(0, openings - 1))
            )
        accepted = accepted[:count]
        for index in range(count):
            application_id = f"A-{number:06d}-{index + 1:02d}"
            if index < len(accepted):
                stages = self.hire(accepted[index], opened)
            else:
                stages = self.candidate(opened, close, filled is None and cancelled is None)
            diverse = rng.random()
            row = dict.fromkeys(COLUMNS["applications"])
            row.update(
                stages,
                external_id=application_id,
                requisition_id=requisition_id,
                candidate_id=f"C-{rng.randrange(self.candidates):07d}",
                diverse=_bool(None if diverse < 0.3 else diverse < 0.55),
            )
            started = row.pop("_started")
            if started is not None:
                month = self.month_of(started)
                self.hires_by_month[month] += 1
                self.hires_by_month_department[(month, department)] += 1
            last = row.pop("_last")
            yield "applications", self.dated(row)
            yield from self.candidate_survey(row, application_id, requisition_id, last, started)
            if started is not None:
                yield from self.quality(application_id, started)

    def dated(self, row: dict) -> Row:
        text = self.text
        for column in APPLICATION_DATES:
            row[column] = text(row.get(column))
        return row

    def hire(self, decided: int, opened: int) -> dict:
        rng = self.rng
        gaps = [rng.randint(1, 6), rng.randint(3, 14), rng.randint(2, 10), rng.randint(0, 5)]
        room = decided - opened
        if sum(gaps) > room:
            gaps = [gap * room // sum(gaps) for gap in gaps]
        offered = decided - gaps[3]
        interviewed = offered - gaps[2]
        screened = interviewed - gaps[1]
        applied = screened - gaps[0]
        started = decided + rng.randint(14, 35)
        if started > self.end:
            started = None
        return {
            "source": self.pick(self.hire_sources),
            "applied_on": applied,
            "screened_on": screened,
            "interviewed_on": interviewed,
            "offered_on": offered,
            "offer_outcome": "accepted",
            "offer_decided_on": decided,
            "started_on": started,
            "_started": started,
            "_last": started or decided,
        }

    def candidate(self, opened: int, close: int, still_open: bool) -> dict:
        """An applicant who was not hired: dropped out at some stage, or still in process."""
        rng = self.rng
        end = self.end
        applied = rng.randint(opened, max(opened, close - 3))
        row: dict = {"source": self.pick(self.sources), "applied_on": applied}
        last = applied
        # (stage, chance of reaching it, gap in days after the previous stage)
        for column, chance, low, high in (
            ("screened_on", 0.65, 1, 7),
            ("interviewed_on", 0.45, 3, 14),
            ("offered_on", 0.12, 2, 10),
        ):
            day = last + rng.randint(low, high)
            if rng.random() >= chance or day > end or (day > close and not still_open):
                break
            row[column] = last = day
        if "offered_on" in row:
            row["offer_outcome"] = "declined"
            row["offer_decided_on"] = last = min(last + rng.randint(1, 7), end)
        # A declined offer ends the application; others are rejected or withdraw, unless
        # their requisition is still open and they moved recently.
        if "offer_outcome" not in row and not (still_open and end - last < 21):
            stop = last if still_open else max(last, close)
            day = min(stop + rng.randint(0, 10), end)
            row["withdrawn_on" if rng.random() < 0.12 else "rejected_on"] = day
        row["_started"] = None
        row["_last"] = last
        return row

    # -- surveys and quality reviews ----------------------------------------------------
    def survey(self, respondent, requisition_id, application_id, responded, score):
        self.survey_count += 1
        return (
            "surveys",
            {
                "external_id": f"S-{self.survey_count:07d}",
                "respondent": respondent,
                "requisition_id": requisition_id,
                "application_id": application_id,
                "responded_on": self.text(responded),
                "score": str(score),
            },
        )

    def candidate_survey(self, row, application_id, requisition_id, last, started):
        rng = self.rng
        if row.get("screened_on") is None or rng.random() >= 0.22:
            return
        responded = last + rng.randint(1, 14)
        if responded > self.end:
            return
        hired = started is not None or row.get("offer_outcome") == "accepted"
        score = self.pick(self.hired_candidate_scores if hired else self.candidate_scores)
        link = rng.random()
        if link < 0.85:
            yield self.survey("candidate", None, application_id, responded, score)
        elif link < 0.95:
            # Both links given: the application's wins, and it agrees with the requisition.
            yield self.survey("candidate", requisition_id, application_id, responded, score)
        else:
            yield self.survey("candidate", None, None, responded, score)

    def quality(self, application_id: str, started: int):
        rng = self.rng
        reviewed = started + rng.randint(90, 120)
        if reviewed > self.end or rng.random() >= 0.75:
            return
        retained = rng.random()
        yield (
            "quality",
            {
                "external_id": f"Q-{application_id}",
                "application_id": application_id,
                "reviewed_on": self.text(reviewed),
                "meets_expectations": _bool(rng.random() < 0.78),
                "rating": None if rng.random() < 0.1 else str(self.pick(self.ratings)),
                "retained_90d": _bool(None if retained < 0.15 else retained < 0.92),
            },
        )

    # -- costs and the hiring plan -------------------------------------------------------
    def costs(self) -> Iterator[tuple[str, Row]]:
        rng = self.rng
        fixed_units = max(1.0, self.spec.requisitions / 100 / self.spec.months * 12)
        for month, first in enumerate(self.month_starts):
            label = date.fromordinal(first).strftime("%Y-%m")
            opened = self.opened_by_month[month]
            hires = self.hires_by_month[month]
            for category, (per_opened, per_hire, fixed) in COST_RATES.items():
                amount = (
                    per_opened * opened + per_hire * hires + fixed * fixed_units
                ) * rng.uniform(0.8, 1.2)
                yield (
                    "costs",
                    {
                        "external_id": f"K-{label}-{category}",
                        "month": label,
                        "category": category,
                        "amount": f"{amount:.2f}",
                        "note": None,
                    },
                )

    def hiring_plan(self) -> Iterator[tuple[str, Row]]:
        rng = self.rng
        for month, first in enumerate(self.month_starts):
            label = date.fromordinal(first).strftime("%Y-%m")
            for department in self.spec.scope.departments:
                hires = self.hires_by_month_department[(month, department)]
                planned = max(0, round(hires * rng.uniform(0.85, 1.25) + rng.uniform(-0.5, 1)))
                yield "hiring_plan", self.plan_row(label, department, planned)
            # Demand not assigned to a department yet.
            unassigned = self.hires_by_month_department[(month, "")]
            yield "hiring_plan", self.plan_row(label, None, unassigned + rng.randint(0, 1))

    def market_benchmarks(self) -> Iterator[tuple[str, Row]]:
        """A market survey for each quarter of the window (every job family's time to fill
        and median salary, the market's offer acceptance and applicants per opening) and a
        monthly time-to-fill index. Its own random numbers, so the other kinds' rows stay
        the same for a seed."""
        rng = random.Random(f"market-{self.spec.seed}")  # noqa: S311 - not for security
        scope = self.spec.scope
        months = [date.fromordinal(first) for first in self.month_starts]
        quarters = list(dict.fromkeys(f"{m.year}-Q{(m.month - 1) // 3 + 1}" for m in months))

        def row(period, metric, value, job_family=None, currency=None) -> Row:
            return {
                "period": period,
                "job_family": job_family,
                "location": None,
                "metric": metric,
                "value": f"{value:.2f}" if metric == "salary_median" else f"{value:.1f}",
                "currency": currency,
                "source": "Market survey" if "-Q" in period else "Time-to-fill index",
                "note": None,
            }

        for quarter in quarters:
            yield "market_benchmarks", row(quarter, "time_to_fill_days", rng.uniform(34, 48))
            yield "market_benchmarks", row(quarter, "offer_acceptance_rate", rng.uniform(78, 92))
            yield "market_benchmarks", row(quarter, "applicants_per_opening", rng.uniform(18, 45))
            for number, family in enumerate(dict.fromkeys(scope.job_families)):
                days = rng.uniform(30, 60)
                yield "market_benchmarks", row(quarter, "time_to_fill_days", days, family)
                salary = (55_000 + 9_000 * number) * rng.uniform(0.95, 1.08)
                yield (
                    "market_benchmarks",
                    row(quarter, "salary_median", salary, family, scope.currency),
                )
        for month in months:
            label = month.strftime("%Y-%m")
            yield "market_benchmarks", row(label, "time_to_fill_days", rng.uniform(33, 50))

    @staticmethod
    def plan_row(month: str, department: str | None, planned: int) -> Row:
        return {
            "month": month,
            "department": department,
            "location": None,
            "job_family": None,
            "planned_hires": str(planned),
        }


def generate(spec: DataSpec) -> Iterator[tuple[str, Row]]:
    """(kind, row) pairs, each row referring only to rows yielded before it."""
    return _Generator(spec).rows()


def generate_rows(spec: DataSpec) -> dict[str, list[Row]]:
    """Every row, by kind (for small sizes; `write_csv` streams)."""
    rows: dict[str, list[Row]] = {kind: [] for kind in KINDS}
    for kind, row in generate(spec):
        rows[kind].append(row)
    return rows


def write_csv(spec: DataSpec, directory: Path) -> dict[str, int]:
    """Write `<kind>.csv` for every kind into `directory`; returns the row count by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(KINDS, 0)
    with ExitStack() as stack:
        writers = {}
        for kind in KINDS:
            path = directory / f"{kind}.csv"
            writers[kind] = csv.writer(
                stack.enter_context(open(path, "w", newline="", encoding="utf-8"))
            )
            writers[kind].writerow(COLUMNS[kind])
        for kind, row in generate(spec):
            writers[kind].writerow([row.get(c) for c in COLUMNS[kind]])
            counts[kind] += 1
    return counts


class GeneratedDataRejected(Exception):
    """The importer refused generated rows: a generator bug, so nothing was imported."""

    def __init__(self, kind: str, errors: list[dict]) -> None:
        self.kind = kind
        self.errors = errors
        super().__init__(f"{kind}: {len(errors)} errors, the first: {errors[:3]}")


def generated_data_import(*, actor, engagement, spec: DataSpec, source: str = "command") -> dict:
    """Generate the data and import it through the importer, as files a user would upload.

    All files or none: a rejected file rolls back the ones imported before it. Returns the
    importer's result per kind; importing the same spec again leaves every row unchanged.
    """
    from recruiting.services import files_import

    with tempfile.TemporaryDirectory() as directory, transaction.atomic():
        counts = write_csv(spec, Path(directory))
        # A spec without market benchmarks writes that file's header alone: not imported.
        kinds = [k for k in KINDS if counts[k] or k != "market_benchmarks"]
        results = files_import(
            actor=actor,
            engagement=engagement,
            files=[(f"{kind}.csv", Path(directory) / f"{kind}.csv", kind) for kind in kinds],
            source=source,
        )
        for result in results:
            if not result.ok:
                raise GeneratedDataRejected(result.kind, result.errors)
    return {result.kind: result for result in results}
