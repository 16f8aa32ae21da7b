"""SLA evaluation and service credits as pure functions: values in, outcomes and amounts out.

The rules are the data contract's SLA section (docs/data-contract.md): a clause's periods,
open and closed periods, the value rounded as shown before it is compared, the outcome of
each period, and the credit ledger (rate, gross, caps per quarter, earn-back, net). Nothing
here reads or writes the database, so every rule is tested with numbers worked out by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from engagements.terms import TermsSchedule

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

MET, BREACH, BONUS, WARNING, OPEN = "met", "breach", "bonus", "warning", "open"
NO_DATA, SUPPRESSED, SMALL_SAMPLE = "no_data", "suppressed", "small_sample"
CREDIT = "credit"
# Breach statuses that forgo the credit (amount 0, no earn-back, no repeat after them).
FORGONE = frozenset({"waived", "excused"})


@dataclass(frozen=True)
class ClauseTerms:
    key: str
    grain: str  # month | quarter
    kind: str  # credit | bonus
    direction: str  # the KPI's: "higher" or "lower" is better
    decimals: int  # the KPI's shown precision
    threshold: Decimal
    effective_from: date
    pct: Decimal
    effective_to: date | None = None
    min_n: int = 1
    grace_days: int = 0
    repeat_pct: Decimal | None = None
    cap_pct: Decimal | None = None
    earn_back: int | None = None

    @property
    def is_credit(self) -> bool:
        return self.kind == CREDIT


class StoredValue(NamedTuple):
    """A stored KPI value: blank `value` only when suppressed. (A named tuple: an
    evaluation builds one for every stored value it reads.)"""

    value: float | None
    n: int
    suppressed: bool = False


@dataclass(frozen=True)
class Period:
    key: str  # 2025-03 or 2025-Q1
    start: date
    end: date

    @property
    def quarter(self) -> str:
        """The calendar quarter that contains the period (a month's credit counts there)."""
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"


class PeriodOutcome(NamedTuple):
    """(A named tuple, like StoredValue: an evaluation builds one for every period of every
    clause.)"""

    period: Period
    closed: bool
    outcome: str
    value: float | None = None  # exact, as stored
    n: int | None = None
    shown: Decimal | None = None  # as compared


# --- periods ----------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def period_containing(day: date, grain: str) -> Period:
    if grain == "month":
        start = day.replace(day=1)
        return Period(f"{day:%Y-%m}", start, _month_end(day.year, day.month))
    quarter = (day.month - 1) // 3
    start = date(day.year, quarter * 3 + 1, 1)
    return Period(f"{day.year}-Q{quarter + 1}", start, _month_end(day.year, quarter * 3 + 3))


def period_after(period: Period, grain: str) -> Period:
    return period_containing(period.end + timedelta(days=1), grain)


def clause_periods(terms: ClauseTerms, as_of: date) -> list[Period]:
    """Every period of the clause's grain whose last day lies in its effective range, up to
    the period containing `as_of`. A clause starting after `as_of` has none yet."""
    return list(_periods(terms.grain, terms.effective_from, terms.effective_to, as_of))


@lru_cache(maxsize=4096)
def _periods(grain: str, effective_from: date, effective_to: date | None, as_of: date):
    """The periods of `clause_periods`, worked out once for every clause with these dates
    (Periods are immutable, so the tuple is shared)."""
    periods = []
    if effective_from > as_of:
        return ()
    period = period_containing(effective_from, grain)
    last = period_containing(as_of, grain)
    while period.start <= last.start:
        if effective_to is not None and period.end > effective_to:
            break
        periods.append(period)
        period = period_after(period, grain)
    return tuple(periods)


def is_closed(period: Period, grace_days: int, as_of: date) -> bool:
    return as_of > period.end + timedelta(days=grace_days)


# --- outcomes ---------------------------------------------------------------------------------


def shown_value(value: float, decimals: int) -> Decimal:
    """The value as the parties see it: rounded half away from zero to the KPI's precision."""
    return Decimal(repr(value)).quantize(_quantum(decimals), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=16)
def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def is_worse(shown: Decimal, threshold: Decimal, direction: str) -> bool:
    return shown > threshold if direction == "lower" else shown < threshold


def is_better(shown: Decimal, threshold: Decimal, direction: str) -> bool:
    return shown < threshold if direction == "lower" else shown > threshold


def period_outcome(
    terms: ClauseTerms,
    period: Period,
    stored: StoredValue | None,
    as_of: date,
    closed: bool | None = None,
) -> PeriodOutcome:
    """The period's outcome; `closed` when the caller has worked it out already."""
    if closed is None:
        closed = is_closed(period, terms.grace_days, as_of)
    if stored is None:
        return PeriodOutcome(period, closed, NO_DATA if closed else OPEN)
    value, n = stored.value, stored.n
    if stored.suppressed:
        return PeriodOutcome(period, closed, SUPPRESSED if closed else OPEN, value, n)
    shown = shown_value(value, terms.decimals)
    if n < terms.min_n:  # too few to judge: no warning while open
        outcome = SMALL_SAMPLE if closed else OPEN
    elif terms.kind == CREDIT:
        worse = is_worse(shown, terms.threshold, terms.direction)
        outcome = (BREACH if worse else MET) if closed else (WARNING if worse else OPEN)
    elif closed:
        outcome = BONUS if is_better(shown, terms.threshold, terms.direction) else MET
    else:
        outcome = OPEN
    return PeriodOutcome(period, closed, outcome, value, n, shown)


def clause_outcomes(
    terms: ClauseTerms, values: Mapping[str, StoredValue], as_of: date
) -> list[PeriodOutcome]:
    """The outcome of every period of the clause, given its stored values by period key."""
    # is_closed for every period at once: closed when its end is before this day.
    closes_before = as_of - timedelta(days=terms.grace_days)
    return [
        period_outcome(terms, period, values.get(period.key), as_of, period.end < closes_before)
        for period in clause_periods(terms, as_of)
    ]


# --- credits and bonuses ----------------------------------------------------------------------


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


CAP_NAMES = {"clause": "clause cap", "at_risk": "at-risk cap"}


@dataclass
class CapStep:
    """What one cap left of a gross amount: the room before, and what the line took."""

    cap: str  # "clause" or "at_risk"
    limit: Decimal
    room_before: Decimal

    def describe(self) -> str:
        return f"{CAP_NAMES[self.cap]} {self.limit}: {self.room_before} left"


@dataclass
class LedgerLine:
    clause: str
    period: Period
    event: str  # breach | bonus
    status: str  # the breach's status ("" for a bonus)
    rate: Decimal
    rate_reason: str  # base | repeat
    gross: Decimal
    amount: Decimal = Decimal("0.00")
    caps: list[CapStep] = field(default_factory=list)
    earned_back: bool = False
    earned_back_by: list[str] = field(default_factory=list)
    earn_back_due: int | None = None  # k, for a credit that can still be earned back
    fee: Decimal = Decimal("0.00")  # the period's fee under the terms in force then

    @property
    def quarter(self) -> str:
        return self.period.quarter

    @property
    def forgone(self) -> bool:
        return self.status in FORGONE

    @property
    def cap_notes(self) -> list[str]:
        return [cap.describe() for cap in self.caps]

    @property
    def counts_in_net(self) -> Decimal:
        """Positive for a bonus, negative for a credit still owed."""
        if self.event == BONUS:
            return self.amount
        return Decimal("0.00") if self.earned_back else -self.amount


def _gross(fee: Decimal, rate: Decimal) -> Decimal:
    return cents(fee * rate / HUNDRED)


def _clause_lines(
    terms: ClauseTerms,
    outcomes: list[PeriodOutcome],
    breaches: Mapping[str, str],
    schedule: TermsSchedule,
) -> list[LedgerLine]:
    """The clause's breach and bonus lines in period order, with rate and gross."""
    lines = []
    previous_breach_counts = False
    for index, outcome in enumerate(outcomes):
        period = outcome.period
        if terms.is_credit and period.key in breaches:
            fee = schedule.period_fee(period.start, period.end)
            status = breaches[period.key]
            repeat = previous_breach_counts
            rate = terms.repeat_pct if repeat and terms.repeat_pct is not None else terms.pct
            line = LedgerLine(
                clause=terms.key,
                period=period,
                event=BREACH,
                status=status,
                rate=rate,
                rate_reason="repeat" if repeat else "base",
                gross=_gross(fee, rate),
                fee=fee,
            )
            if not line.forgone and terms.earn_back:
                _apply_earn_back(line, outcomes[index + 1 :], terms.earn_back)
            lines.append(line)
            previous_breach_counts = status not in FORGONE
            continue
        previous_breach_counts = False
        if not terms.is_credit and outcome.outcome == BONUS:
            fee = schedule.period_fee(period.start, period.end)
            lines.append(
                LedgerLine(
                    clause=terms.key,
                    period=period,
                    event=BONUS,
                    status="",
                    rate=terms.pct,
                    rate_reason="base",
                    gross=_gross(fee, terms.pct),
                    fee=fee,
                )
            )
    return lines


def _apply_earn_back(line: LedgerLine, following: list[PeriodOutcome], k: int) -> None:
    """Earned back when each of the k periods right after is closed and met, none skipped."""
    line.earn_back_due = k
    after = following[:k]
    if len(after) == k and all(o.closed and o.outcome == MET for o in after):
        line.earned_back = True
        line.earned_back_by = [o.period.key for o in after]


def _apply_caps(
    lines: list[LedgerLine],
    clauses: Mapping[str, ClauseTerms],
    schedule: TermsSchedule,
) -> None:
    """Reduce each gross to what the clause's cap and the at-risk cap leave, per quarter, in
    order of the period's last day then clause key (as plain text). A quarter's caps use its
    fee and at-risk % under the terms in force then."""
    # (quarter, clause) -> the clause cap's room left; (quarter,) -> the at-risk cap's
    room: dict[tuple[str, ...], Decimal] = {}
    for line in sorted(lines, key=lambda line: (line.period.end, line.clause)):
        if line.forgone:
            continue
        terms = clauses[line.clause]
        amount = line.gross
        quarter_fee = schedule.quarter_fee(line.period.start)
        at_risk_pct = schedule.at_risk_pct(line.period.start)
        limits = []
        if terms.cap_pct is not None:
            limits.append(("clause", (line.quarter, line.clause), terms.cap_pct))
        if line.event == BREACH and at_risk_pct is not None:
            limits.append(("at_risk", (line.quarter,), at_risk_pct))
        for cap, room_key, pct in limits:
            limit = cents(quarter_fee * pct / HUNDRED)
            left = room.setdefault(room_key, limit)
            line.caps.append(CapStep(cap, limit, left))
            amount = min(amount, left)
        for _, room_key, _ in limits:
            room[room_key] -= amount
        line.amount = amount


def credit_ledger(
    *,
    clauses: Mapping[str, ClauseTerms],
    outcomes: Mapping[str, list[PeriodOutcome]],
    breaches: Mapping[tuple[str, str], str],
    monthly_fee: Decimal | None = None,
    at_risk_pct: Decimal | None = None,
    schedule: TermsSchedule | None = None,
) -> list[LedgerLine]:
    """Every recorded breach's credit and every bonus, in clause then period order.

    `outcomes` are each clause's period outcomes (clause_outcomes); `breaches` the status of
    each recorded breach by (clause key, period key): a breach stays in the ledger even when
    its period's value has since changed. The fees and the at-risk % are the `schedule`'s
    terms in force for each period, or `monthly_fee` and `at_risk_pct` throughout.
    """
    if schedule is None:
        if monthly_fee is None:
            raise TypeError("credit_ledger needs a schedule or a monthly fee")
        schedule = TermsSchedule.constant(monthly_fee, at_risk_pct)
    lines = []
    for key, terms in clauses.items():
        recorded = {
            period: status for (clause, period), status in breaches.items() if clause == key
        }
        lines.extend(_clause_lines(terms, outcomes.get(key, []), recorded, schedule))
    _apply_caps(lines, clauses, schedule)
    return sorted(lines, key=lambda line: (line.clause, line.period.end))


def quarter_nets(lines: Iterable[LedgerLine]) -> dict[str, Decimal]:
    """Net per quarter: bonuses minus credits not earned back (waived and excused are 0)."""
    nets: dict[str, Decimal] = {}
    for line in lines:
        nets[line.quarter] = nets.get(line.quarter, Decimal("0.00")) + line.counts_in_net
    return dict(sorted(nets.items()))
