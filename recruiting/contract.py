"""The import contract (docs/data-contract.md section 1): every kind's columns and rules, once.

Each kind of record an engagement imports is declared here: its columns (type, required,
length, choices, range, default, the kind a reference points at, whether the column is
private), the rules that compare columns of one row, and its key. The rest is derived from
it: the importer's validation (`recruiting.importing`), the API's record serializers, filters
and bulk row schemas, the record pages, the generator's columns and the docs' tables
(`contract_docs`); a test checks it against the models' fields and CHECK constraints.

Adding a column: declare it here and add the model field (and its migration).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from recruiting import models as m

# --- Columns ------------------------------------------------------------------------------------

# How a column may be filtered in the API's record lists: `exact` (text; a reference by the
# other record's external_id), `choice`, `bool`, `range` (dates: _after / _before) and `months`
# (month_from / month_to).
FILTERS = ("exact", "choice", "bool", "range", "months")


@dataclass(frozen=True)
class Column:
    name: str
    # text, email, enum, date, month, period (`YYYY-MM` or `YYYY-Qn`), currency (ISO 4217),
    # bool, int, decimal, ref, number (see NUMBER)
    type: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    above: int | None = None  # a number's exclusive lower bound ("more than")
    default: str | None = None
    ref: str | None = None  # the kind a `ref` column points at
    # Accepted, stored and counted, but never shown or served per record (only aggregated).
    private: bool = False
    # The referenced record must be a hire (its kind's `hire` column is given).
    ref_hire: bool = False
    filter: str | None = None  # one of FILTERS: how the API's list filters by it
    kpi: bool = False  # read by the KPI computation (kpis.compute)
    doc: str = ""  # the rule as docs/data-contract.md states it
    required_doc: str | None = None  # the "required" cell of the docs, when not yes/no
    field: str | None = None  # the model field, when it is not named as the column

    @property
    def field_name(self) -> str:
        """The model field: a reference `x_id` is the foreign key `x`."""
        if self.field:
            return self.field
        return self.name.removesuffix("_id") if self.type == "ref" else self.name

    def range_reason(self, value) -> str | None:
        """Why a number is out of the column's `above`..`maximum` range, or None."""
        low = self.above is not None and value <= self.above
        high = self.maximum is not None and value > self.maximum
        if not (low or high):
            return None
        if self.above is not None and self.maximum is not None:
            return f"Must be more than {self.above} and at most {self.maximum}."
        if self.above is not None:
            return f"Must be more than {self.above}."
        return f"Must be at most {self.maximum}."


# A `number` (the SLA schedule's thresholds and percentages): a decimal that may be negative,
# with at most this many digits before the point and after it (numeric(18, 6)).
NUMBER_DIGITS = 12
NUMBER_DECIMALS = 6


# --- Rules between the columns of one row -----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule between the columns of a row; a row that breaks it gets `reason` on `at`."""

    column: str
    reason: str = ""
    at: str = ""  # the column the error is reported on, `column` when blank

    @property
    def error_column(self) -> str:
        return self.at or self.column


@dataclass(frozen=True, kw_only=True)
class OnOrAfter(Rule):
    """A date, when given, is not before another's (when that is given)."""

    earlier: str

    def __post_init__(self):
        if not self.reason:
            object.__setattr__(self, "reason", f"Must be on or after {self.earlier}.")


@dataclass(frozen=True, kw_only=True)
class InOrder(Rule):
    """Stage dates after `column`, each on or after it and every earlier stage given."""

    stages: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Needs(Rule):
    """When `column` is given, `needs` must be given (or, with `value`, equal it)."""

    needs: str
    value: str | None = None


@dataclass(frozen=True, kw_only=True)
class NotBoth(Rule):
    """At most one of `column` and `other` is given."""

    other: str


@dataclass(frozen=True, kw_only=True)
class RequiredWhen(Rule):
    """`column` is required when the column `when` holds one of `values`, and refused (must be
    blank) when it holds another value (`refused`, the reason then)."""

    when: str
    values: tuple[str, ...]
    refused: str


@dataclass(frozen=True, kw_only=True)
class RangeWhen(Rule):
    """A number column's range when the column `when` holds `value`."""

    when: str
    value: str
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Reasons:
    """How a kind words the errors of its header and of a blank required cell. `unknown` is
    formatted with the column's `name`, the `kind` and its `columns`."""

    missing: str = "Required column is missing."
    blank: str = "Required: this cell is blank."
    unknown: str = "Unknown column for {kind}; the columns are: {columns}."


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("external_id",)
    rules: tuple[Rule, ...] = ()
    hire: str | None = None  # the column whose value makes a record a hire
    reasons: Reasons = Reasons()
    title: str = ""  # the label, for a kind that is not one of the ATS imports

    def unknown_reason(self, name: str) -> str:
        return self.reasons.unknown.format(
            name=name, kind=self.name, columns=", ".join(self.column_names)
        )

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        """The columns a record page, an API record or an export may show per record."""
        return tuple(c for c in self.columns if not c.private)

    @property
    def ref_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "ref"]

    @property
    def kpi_columns(self) -> list[str]:
        """The table's columns the KPI computation reads: the id and the `kpi` columns."""
        return ["id", *(c.name for c in self.columns if c.kpi)]

    @property
    def label(self) -> str:
        return self.title or m.ImportKind(self.name).label


def _id(doc: str = "") -> Column:
    return Column("external_id", "text", required=True, max_length=100, doc=doc)


def _segment(doc: str) -> tuple[Column, ...]:
    return tuple(
        Column(n, "text", max_length=200, filter="exact", doc=doc)
        for n in ("department", "location", "job_family")
    )


def _choice(name: str, choices: type, doc: str, required: bool = False, **more) -> Column:
    """A column of one of a model's TextChoices, filtered by choice."""
    return Column(
        name,
        "enum",
        required=required,
        choices=tuple(choices.values),
        filter="choice",
        doc=doc,
        **more,
    )


def _ref(name: str, ref: str, required: bool, doc: str, **more) -> Column:
    return Column(
        name, "ref", required=required, max_length=100, ref=ref, filter="exact", doc=doc, **more
    )


_DATE = "date"
_STAGES = (
    "dates; each is on or after applied_on and on or after the stage before it, when that is given"
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "requisitions",
            m.Requisition,
            (
                _id("text of up to 100 characters"),
                Column("title", "text", required=True, max_length=300, doc="text"),
                *_segment("text; these are three of the segment dimensions"),
                _choice(
                    "priority",
                    m.Priority,
                    "one of `low`, `normal`, `high`, `critical`; `normal` when blank",
                    default="normal",
                ),
                Column(
                    "openings",
                    "int",
                    minimum=1,
                    default="1",
                    doc="whole number of at least 1; 1 when blank",
                ),
                Column("opened_on", "date", required=True, filter="range", doc=_DATE),
                Column(
                    "on_hold_days",
                    "int",
                    minimum=0,
                    default="0",
                    doc="whole number of at least 0; 0 when blank: how long the requisition "
                    "was on hold",
                ),
                Column(
                    "filled_on",
                    "date",
                    filter="range",
                    doc="date the offer for the last opening was accepted; not before opened_on",
                ),
                Column(
                    "cancelled_on",
                    "date",
                    filter="range",
                    doc="date, not before opened_on; a requisition is never both filled and "
                    "cancelled",
                ),
                Column("hiring_manager", "email", max_length=254, doc="an e-mail address"),
                Column("recruiter", "text", max_length=200, filter="exact", doc="text"),
            ),
            rules=(
                OnOrAfter("filled_on", earlier="opened_on"),
                OnOrAfter("cancelled_on", earlier="opened_on"),
                NotBoth(
                    "filled_on",
                    "A requisition cannot be both filled and cancelled.",
                    at="cancelled_on",
                    other="cancelled_on",
                ),
            ),
        ),
        Kind(
            "applications",
            m.Application,
            (
                _id(),
                _ref(
                    "requisition_id",
                    "requisitions",
                    True,
                    "a requisition of the same engagement",
                    kpi=True,
                ),
                Column(
                    "candidate_id",
                    "text",
                    required=True,
                    max_length=100,
                    filter="exact",
                    doc="a pseudonymous key for the candidate: never a name or an e-mail address",
                ),
                _choice(
                    "source",
                    m.Source,
                    "one of `job_board`, `career_site`, `referral`, `sourced`, `agency`, "
                    "`internal`, `other`",
                    required=True,
                    kpi=True,
                ),
                Column("applied_on", "date", required=True, filter="range", doc=_DATE, kpi=True),
                Column("screened_on", "date", doc=_STAGES, kpi=True),
                Column("interviewed_on", "date", doc=_STAGES, kpi=True),
                Column("offered_on", "date", doc=_STAGES, kpi=True),
                _choice(
                    "offer_outcome",
                    m.OfferOutcome,
                    "`accepted` or `declined`; only with offered_on",
                    kpi=True,
                ),
                Column(
                    "offer_decided_on",
                    "date",
                    filter="range",
                    doc="date, on or after offered_on",
                    required_doc="with offer_outcome",
                    kpi=True,
                ),
                Column(
                    "started_on",
                    "date",
                    filter="range",
                    kpi=True,
                    doc="the hire's first day; only for an accepted offer, on or after "
                    "offer_decided_on",
                ),
                Column("rejected_on", "date", doc="dates, on or after applied_on"),
                Column("withdrawn_on", "date", doc="dates, on or after applied_on", kpi=True),
                Column(
                    "diverse",
                    "bool",
                    private=True,
                    kpi=True,
                    doc="boolean the candidate gave about themselves; the product shows it "
                    "only as counts",
                ),
            ),
            rules=(
                InOrder(
                    "applied_on",
                    "Must be on or after applied_on and every earlier stage given.",
                    stages=("screened_on", "interviewed_on", "offered_on"),
                ),
                OnOrAfter("rejected_on", earlier="applied_on"),
                OnOrAfter("withdrawn_on", earlier="applied_on"),
                Needs("offer_outcome", "Needs offered_on.", needs="offered_on"),
                Needs(
                    "offer_outcome",
                    "Required when offer_outcome is given.",
                    at="offer_decided_on",
                    needs="offer_decided_on",
                ),
                Needs("offer_decided_on", "Needs offer_outcome.", needs="offer_outcome"),
                OnOrAfter("offer_decided_on", earlier="offered_on"),
                Needs(
                    "started_on",
                    "A start date needs offer_outcome accepted.",
                    needs="offer_outcome",
                    value=m.OfferOutcome.ACCEPTED,
                ),
                OnOrAfter("started_on", earlier="offer_decided_on"),
            ),
            hire="started_on",
        ),
        Kind(
            "surveys",
            m.Survey,
            (
                _id(),
                _choice(
                    "respondent",
                    m.Respondent,
                    "`candidate` or `hiring_manager`",
                    required=True,
                ),
                _ref(
                    "requisition_id",
                    "requisitions",
                    False,
                    "references to records of the same engagement",
                ),
                _ref(
                    "application_id",
                    "applications",
                    False,
                    "references to records of the same engagement",
                ),
                Column("responded_on", "date", required=True, filter="range", doc=_DATE),
                Column(
                    "score",
                    "int",
                    required=True,
                    minimum=0,
                    maximum=10,
                    doc='a candidate answers 0-10 ("how likely are you to recommend us"); a '
                    "hiring manager 1-5; whole numbers",
                ),
            ),
            rules=(
                RangeWhen(
                    "score",
                    "A hiring manager's score is from 1 to 5.",
                    when="respondent",
                    value=m.Respondent.HIRING_MANAGER,
                    minimum=1,
                    maximum=5,
                ),
            ),
        ),
        Kind(
            "quality",
            m.QualityReview,
            (
                _id(),
                _ref(
                    "application_id",
                    "applications",
                    True,
                    "an application that is a hire",
                    ref_hire=True,
                ),
                Column("reviewed_on", "date", required=True, filter="range", doc=_DATE),
                Column(
                    "meets_expectations",
                    "bool",
                    required=True,
                    filter="bool",
                    doc="boolean: the hire performs at or above what was expected before "
                    "hiring (ISO/TS 30411)",
                ),
                Column("rating", "int", minimum=1, maximum=5, doc="whole number 1-5"),
                Column("retained_90d", "bool", filter="bool", doc="boolean"),
            ),
        ),
        Kind(
            "costs",
            m.Cost,
            (
                _id(),
                Column("month", "month", required=True, filter="months", doc="`YYYY-MM`"),
                _choice(
                    "category",
                    m.CostCategory,
                    "external: "
                    + ", ".join(f"`{c}`" for c in m.EXTERNAL_COST_CATEGORIES)
                    + "; internal: "
                    + ", ".join(f"`{c}`" for c in m.INTERNAL_COST_CATEGORIES),
                    required=True,
                ),
                Column(
                    "amount",
                    "decimal",
                    required=True,
                    minimum=0,
                    doc="decimal of at least 0, in the engagement's currency",
                ),
                Column("note", "text", doc="text"),
            ),
        ),
        Kind(
            "hiring_plan",
            m.HiringPlanLine,
            (
                Column("month", "month", required=True, filter="months", doc="`YYYY-MM`"),
                *_segment(
                    "the slice of demand the row plans for; blank means the row is not split "
                    "by that dimension"
                ),
                Column(
                    "planned_hires",
                    "int",
                    required=True,
                    minimum=0,
                    doc="whole number of at least 0",
                ),
            ),
            key=("month", "department", "location", "job_family"),
        ),
        Kind(
            "market_benchmarks",
            m.MarketBenchmark,
            (
                Column(
                    "period",
                    "period",
                    required=True,
                    max_length=7,
                    doc="`YYYY-MM` (a month) or `YYYY-Qn` (a quarter, n from 1 to 4): the period "
                    "the figure describes",
                ),
                Column(
                    "job_family",
                    "text",
                    max_length=200,
                    filter="exact",
                    doc="text; blank means every job family (the whole market)",
                ),
                Column(
                    "location",
                    "text",
                    max_length=200,
                    filter="exact",
                    doc="text; blank means every location",
                ),
                _choice(
                    "metric",
                    m.MarketMetric,
                    "one of " + ", ".join(f"`{v}`" for v in m.MarketMetric.values),
                    required=True,
                ),
                Column(
                    "value",
                    "decimal",
                    required=True,
                    minimum=0,
                    doc="decimal of at least 0 with at most 2 places: days, a percentage "
                    "(0-100) for `offer_acceptance_rate`, applicants, or an amount of money",
                ),
                Column(
                    "currency",
                    "currency",
                    max_length=3,
                    required_doc="for `salary_median` only",
                    doc="ISO 4217 code (e.g. `EUR`); required for `salary_median`, refused for "
                    "every other metric",
                ),
                Column(
                    "source",
                    "text",
                    required=True,
                    max_length=200,
                    doc="text: who published the figure (shown beside it)",
                ),
                Column("note", "text", doc="text"),
            ),
            key=("period", "job_family", "location", "metric"),
            rules=(
                RequiredWhen(
                    "currency",
                    "Required for salary_median: the figure is money.",
                    when="metric",
                    values=tuple(m.MONEY_METRICS),
                    refused="Only salary_median has a currency: leave it blank for this metric.",
                ),
                RangeWhen(
                    "value",
                    "A rate is a percentage from 0 to 100.",
                    when="metric",
                    value=m.MarketMetric.OFFER_ACCEPTANCE_RATE,
                    minimum=0,
                    maximum=100,
                ),
            ),
        ),
    )
}
# Column names shown to nobody per record, whatever the kind (an upload's preview included).
PRIVATE_COLUMNS = frozenset(c.name for kind in KINDS.values() for c in kind.columns if c.private)
# References point backwards in this order, so a multi-file upload is written in it.
KIND_ORDER = list(KINDS)


def kind_from_file_name(file_name: str) -> str | None:
    """`requisitions.csv`, `Hiring-Plan.xlsx`, `2026-03 applications.csv` -> the kind."""
    stem = re.sub(r"[^a-z]+", "_", PurePath(file_name or "").stem.lower()).strip("_")
    if stem in KINDS:
        return stem
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem.endswith(kind) or stem.startswith(kind):
            return kind
    return None


def kind_from_header(header: list[str]) -> str | None:
    """The one kind whose columns include every column of the header and all its required ones."""
    names = {h.strip().lower() for h in header}
    fits = [
        k.name
        for k in KINDS.values()
        if names <= set(k.column_names) and {c.name for c in k.columns if c.required} <= names
    ]
    return fits[0] if len(fits) == 1 else None


# --- Kinds uploaded apart from the ATS data, with their own pages -------------------------------

# Declared by the app that owns them (sla: the SLA schedule, `sla.schedule_kind`) in its
# `AppConfig.ready`, in this contract's terms, so the docs list them with the ATS kinds.
UPLOAD_KINDS: dict[str, Kind] = {}
