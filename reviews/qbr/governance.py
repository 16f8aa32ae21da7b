"""The pack's SLA, decision and risk sections.

The SLA section reads what the SLA pages read (`sla.selectors`): the stored outcomes of the
clauses in force, the recorded breaches with their status, and the credit ledger with each
line's arithmetic and the quarter's net, worked out by `sla.evaluation` as on the ledger page;
nothing is computed again here. Decisions are the quarter's entries of the decision log;
risks are the open register with the heat map's counts.
"""

from __future__ import annotations

from decimal import Decimal

from engagements.terms_selectors import terms_schedule
from kpis.registry import KPI_BY_KEY
from kpis.templatetags.kpis_tags import plain
from reviews import selectors
from reviews.heatmap import level_of
from reviews.qbr.content import DATE, MONEY, NUMBER, TEXT, VALUE, Column, Section, Table
from reviews.qbr.sections import PackContext, section
from reviews.quarters import quarter_end, quarter_start
from rpo_portal import formats
from sla import evaluation as ev
from sla import selectors as sla_selectors
from sla.breaches import selectors as breach_selectors
from sla.models import BreachStatus


def _money(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _kpi_name(key: str) -> str:
    return KPI_BY_KEY[key].name if key in KPI_BY_KEY else key


# --- SLA: outcomes, breaches, credits ---------------------------------------------------------


@section("sla")
def sla(context: PackContext) -> Section:
    engagement, quarter = context.engagement, context.quarter
    start, end = quarter_start(quarter), quarter_end(quarter)
    outcomes = _outcomes(context, start, end)
    breaches = _breaches(context, start, end)
    book = sla_selectors.ledger(engagement=engagement)
    credits = _credits(context, book)
    money = sla_selectors.quarter_money(ledger=book, quarter=quarter)
    currency = engagement.currency
    # The quarter's terms: those in force then, not today's (engagements.terms).
    terms = terms_schedule(engagement=engagement)
    quarter_fee, at_risk_pct = terms.quarter_fee(start), terms.at_risk_pct(start)
    at_risk = (
        f"; at risk {plain(at_risk_pct)} % of the quarter's fee" if at_risk_pct is not None else ""
    )
    earlier = (
        sla_selectors.unresolved_breaches(engagement=engagement)
        .filter(period_end__lt=start)
        .count()
    )
    paragraphs = [
        f"{formats.counted(len(outcomes.rows), 'clause outcome')} in {quarter}, "
        f"{formats.counted(sum(1 for row in outcomes.rows if row[7] == 'Breach'), 'breach')}; "
        f"{formats.counted(len(breaches.rows), 'breach')} recorded for its periods"
        + (f", and {earlier} from earlier quarters still unresolved." if earlier else "."),
        f"Net for {quarter}: {money.net:,.2f} {currency} (service credits owed "
        f"{money.credits:,.2f}, bonuses earned {money.bonuses:,.2f}). Fee for {quarter} "
        f"{quarter_fee:,.2f} {currency}, the monthly fees in force in its three months"
        f"{at_risk}. "
        "Each credit is the period's fee times the rate (base, or repeat after a breach in the "
        "period before), limited by the caps; a waived or excused breach carries none, and a "
        "credit earned back does not count in the net.",
    ]
    net = Table(
        "sla_net",
        f"Net {quarter} ({currency})",
        [Column("Measure", TEXT, 30), Column(f"Amount ({currency})", MONEY, 16)],
        [
            ["Service credits owed", _money(money.credits)],
            ["Bonuses earned", _money(money.bonuses)],
            ["Net (bonuses minus credits)", _money(money.net)],
        ],
    )
    tables = [outcomes, breaches, credits, net]
    return Section("sla", "SLA outcomes and credits", "SLA", paragraphs, tables)


def _outcomes(context: PackContext, start, end) -> Table:
    found = sla_selectors.outcomes(engagement=context.engagement).filter(
        period_start__gte=start, period_end__lte=end
    )
    rows, units = [], []
    for outcome in found:
        clause = outcome.clause
        rows.append(
            [
                clause.key,
                _kpi_name(clause.kpi),
                clause.get_kind_display(),
                outcome.period,
                float(clause.threshold),
                _money(outcome.shown_value),
                outcome.n,
                outcome.get_outcome_display(),
                _yes(outcome.closed),
            ]
        )
        units.append(clause.kpi)
    return Table(
        "sla_outcomes",
        f"Outcomes per clause and period, {context.quarter}",
        [
            Column("Clause", TEXT, 22),
            Column("KPI", TEXT, 26),
            Column("Kind", TEXT, 8),
            Column("Period", TEXT, 10),
            Column("Threshold", VALUE, 12),
            Column("Value", VALUE, 12, as_shown=True),
            Column("n", NUMBER, 8),
            Column("Outcome", TEXT, 14),
            Column("Period closed", TEXT, 10),
        ],
        rows,
        units,
        primary=True,
    )


def _breaches(context: PackContext, start, end) -> Table:
    found = breach_selectors.breaches_of(engagement=context.engagement).filter(
        period_end__gte=start, period_end__lte=end
    )
    rows, units = [], []
    for breach in found:
        rows.append(
            [
                breach.clause.key,
                breach.period,
                breach.value,
                float(breach.threshold),
                breach.n,
                breach.get_status_display(),
                breach.opened_at.date().isoformat(),
                _yes(breach.relief_pending),
            ]
        )
        units.append(breach.clause.kpi)
    return Table(
        "sla_breaches",
        f"Breaches of {context.quarter}'s periods, with their status",
        [
            Column("Clause", TEXT, 22),
            Column("Period", TEXT, 10),
            Column("Value", VALUE, 12, as_shown=True, exact_beside=True),
            Column("Threshold", VALUE, 12),
            Column("n", NUMBER, 8),
            Column("Status", TEXT, 20),
            Column("Opened", DATE, 12),
            Column("Relief claim pending", TEXT, 12),
        ],
        rows,
        units,
    )


def _arithmetic(line: ev.LedgerLine, fee: Decimal) -> str:
    """The line's working, as the ledger page writes it."""
    gross = f"{fee:.2f} × {plain(line.rate)} % = {line.gross}"
    if line.forgone:
        return f"{gross}; {BreachStatus(line.status).label.lower()}: no credit"
    caps = "; ".join(line.cap_notes) or "no cap"
    return f"{gross}; {caps}"


def _earn_back(line: ev.LedgerLine) -> str:
    if line.earned_back:
        return "earned back by " + ", ".join(line.earned_back_by)
    if line.earn_back_due:
        plural = "s" if line.earn_back_due != 1 else ""
        return f"after {line.earn_back_due} met period{plural}: not (yet)"
    return ""


def _credits(context: PackContext, book: sla_selectors.Ledger) -> Table:
    engagement, quarter = context.engagement, context.quarter
    rows: list[list] = []
    net = Decimal("0.00")
    for label, lines, quarter_net in book.quarters():
        if label != quarter:
            continue
        net = quarter_net
        for line in lines:
            fee = line.fee
            rows.append(
                [
                    line.clause,
                    line.period.key,
                    line.event.capitalize(),
                    BreachStatus(line.status).label if line.status else "",
                    f"{plain(line.rate)} % ({line.rate_reason})",
                    _money(fee),
                    _money(line.gross),
                    _arithmetic(line, fee),
                    _money(line.amount),
                    _earn_back(line),
                    _money(line.counts_in_net),
                ]
            )
    rows.append([f"Net {quarter}", "", "", "", "", None, None, "", None, "", _money(net)])
    return Table(
        "sla_credits",
        f"Credit ledger {quarter} ({engagement.currency}): each line's arithmetic and the net",
        [
            Column("Clause", TEXT, 22),
            Column("Period", TEXT, 10),
            Column("Event", TEXT, 8),
            Column("Breach status", TEXT, 14),
            Column("Rate", TEXT, 14),
            Column("Period fee", MONEY, 12),
            Column("Gross", MONEY, 12),
            Column("Arithmetic", TEXT, 48),
            Column("Amount", MONEY, 12),
            Column("Earn-back", TEXT, 24),
            Column("In net", MONEY, 12),
        ],
        rows,
    )


# --- decisions --------------------------------------------------------------------------------


@section("decisions")
def decisions(context: PackContext) -> Section:
    quarter = context.quarter
    found = selectors.decisions_search(
        engagement=context.engagement,
        date_from=quarter_start(quarter),
        date_to=quarter_end(quarter),
    )
    rows = [
        [
            decision.decided_on.isoformat(),
            decision.title,
            decision.rationale,
            str(decision.decided_by),
            decision.get_party_display(),
            str(decision.meeting) if decision.meeting else "",
            _kpi_name(decision.kpi) if decision.kpi else "",
        ]
        for decision in found
    ]
    table = Table(
        "decisions",
        f"Decisions of {quarter}",
        [
            Column("Decided on", DATE, 12),
            Column("Decision", TEXT, 44),
            Column("Rationale", TEXT, 56),
            Column("Decided by", TEXT, 26),
            Column("Party", TEXT, 10),
            Column("Meeting", TEXT, 30),
            Column("KPI", TEXT, 22),
        ],
        rows,
        primary=True,
    )
    text = f"{formats.counted(len(rows), 'decision')} recorded in {quarter}, newest first."
    return Section("decisions", "Decisions", "Decisions", [text], [table])


# --- risks ------------------------------------------------------------------------------------


@section("risks")
def risks(context: PackContext) -> Section:
    found = list(selectors.risks_of(engagement=context.engagement))
    rows = [
        [
            risk.title,
            risk.get_category_display(),
            risk.likelihood,
            risk.impact,
            risk.score,
            level_of(risk.score)[0],
            risk.get_treatment_display(),
            str(risk.owner),
            risk.get_status_display(),
            risk.next_review_on.isoformat(),
            _yes(risk.is_due_for_review(context.today)),
            risk.mitigation,
        ]
        for risk in found
    ]
    register = Table(
        "risks",
        "Open risks, highest score first",
        [
            Column("Risk", TEXT, 40),
            Column("Category", TEXT, 14),
            Column("Likelihood", NUMBER, 10),
            Column("Impact", NUMBER, 8),
            Column("Score", NUMBER, 8),
            Column("Level", TEXT, 9),
            Column("Treatment", TEXT, 10),
            Column("Owner", TEXT, 26),
            Column("Status", TEXT, 11),
            Column("Next review", DATE, 12),
            Column("Review due", TEXT, 8),
            Column("Mitigation", TEXT, 50),
        ],
        rows,
        primary=True,
    )
    grid = selectors.heat_map(engagement=context.engagement)
    heat_map = Table(
        "risk_heat_map",
        "Heat map: open risks by impact (rows) and likelihood (columns)",
        [Column("Impact", TEXT, 40), *(Column(f"Likelihood {n}", NUMBER, 12) for n in range(1, 6))],
        [[f"Impact {impact}", *grid[impact - 1]] for impact in range(5, 0, -1)],
        in_pdf=False,  # the PDF draws it
    )
    levels = dict.fromkeys(("critical", "high", "medium", "low"), 0)
    for row in rows:
        levels[row[5]] += 1
    text = (
        f"{formats.counted(len(rows), 'open risk')}: "
        + ", ".join(f"{count} {name}" for name, count in levels.items())
        + f"; {sum(1 for row in rows if row[10] == 'yes')} due for review on "
        f"{formats.day(context.today)}."
    )
    return Section("risks", "Risks", "Risks", [text], [register, heat_map], heat_map=grid)
