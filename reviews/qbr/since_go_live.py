"""The QBR pack's "Since go-live" section: each KPI's quarter against its agreed baseline, and
the value delivered where a unit makes it money or time, each figure with its arithmetic
(docs/data-contract.md, "Baselines, improvement and value delivered")."""

from __future__ import annotations

from datetime import date

from kpis.baselines.improvement import VALUE_UNITS, change, delivered, total
from kpis.baselines.selectors import baselines_in_force
from kpis.models import Grain, MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY
from reviews.qbr.content import MONEY, NUMBER, PERCENT, TEXT, VALUE, Column, Section, Table
from reviews.qbr.sections import PackContext, section
from reviews.quarters import quarter_months
from rpo_portal import formats

TOTAL = "Total since go-live"


def first_month_after(go_live: date) -> str:
    """The first whole month from go-live: its own month when it goes live on the 1st."""
    if go_live.day == 1:
        return f"{go_live:%Y-%m}"
    year, month = go_live.year + go_live.month // 12, go_live.month % 12 + 1
    return f"{year}-{month:02d}"


def _source(item) -> str:
    if item.source == "computed":
        return (
            f"computed over {formats.period(f'{item.proposal.window_from:%Y-%m}')} to "
            f"{formats.period(f'{item.proposal.window_to:%Y-%m}')} (n = {formats.number(item.n)})"
        )
    detail = f": {item.source_detail}" if item.source_detail else ""
    return f"{item.get_source_display().lower()}{detail}"


@section("since_go_live")
def since_go_live(context: PackContext) -> Section:
    engagement = context.engagement
    currency = engagement.currency
    go_live = engagement.go_live_date
    title = "Since go-live"
    if go_live is None:
        # No table: its words are the PDF's, and Excel gets no empty sheet.
        return Section("since_go_live", title, "Summary", ["No go-live date is agreed yet."])
    in_force = {
        key[0]: item
        for key, item in baselines_in_force(engagement=engagement).items()
        if key[1:] == ("all", "all")
    }
    paragraphs = [
        f"Go-live: {formats.day(go_live)}. Each KPI's value for {formats.period(context.quarter)} "
        "against its agreed baseline (its value before go-live); the change is this quarter's "
        "value minus the baseline, both as shown. Counts (hires, requisitions filled) are "
        "volumes, not performance, and are not compared."
    ]
    if not in_force:
        paragraphs.append("No baseline is agreed yet.")
        return Section("since_go_live", title, "Summary", paragraphs)
    values = {
        v.kpi: v
        for v in MetricValue.objects.filter(
            engagement=engagement,
            version=DEFINITION_VERSION,
            grain=Grain.QUARTER,
            period=context.quarter,
            dimension="all",
            segment="all",
            kpi__in=list(in_force),
        )
    }
    rows, units = [], []
    for key, item in in_force.items():
        value = values.get(key)
        found = change(key, item.value, value.value if value else None, currency)
        rows.append(
            [
                KPI_BY_KEY[key].name,
                float(item.value),
                _source(item),
                value.value if value else None,
                float(found.delta) if found else None,
                float(found.relative) if found and found.relative is not None else None,
                found.verdict if found else "no value this quarter",
                found.arithmetic if found else "",
            ]
        )
        units.append(key)
    improvement = Table(
        "since_go_live",
        f"Improvement against the baseline, {context.quarter}",
        [
            Column("KPI", TEXT, 26),
            Column("Baseline", VALUE, 12, as_shown=True),
            Column("Baseline from", TEXT, 30),
            Column(context.quarter, VALUE, 12, as_shown=True),
            Column("Change", VALUE, 12, as_shown=True),
            Column("Change %", PERCENT, 10),
            Column("Verdict", TEXT, 12),
            Column("Arithmetic", TEXT, 36),
        ],
        rows,
        units,
        primary=True,
    )
    tables = [improvement]
    valued = [key for key in VALUE_UNITS if key in in_force]
    if valued:
        tables.append(_value_delivered(context, in_force, valued, go_live))
        paragraphs.append(
            "Value delivered: for each whole month from go-live to the quarter's end, "
            "(baseline − the month's value) × the month's n (hires for cost per hire and time "
            "to hire, requisitions filled for time to fill); money for cost per hire, days for "
            "the time KPIs. A negative figure is a loss against the baseline."
        )
    return Section("since_go_live", title, "Since go-live", paragraphs, tables)


def _value_delivered(context: PackContext, in_force: dict, valued: list[str], go_live: date):
    engagement, currency = context.engagement, context.engagement.currency
    first = first_month_after(go_live)
    last = quarter_months(context.quarter)[-1]
    months = MetricValue.objects.filter(
        engagement=engagement,
        version=DEFINITION_VERSION,
        grain=Grain.MONTH,
        dimension="all",
        segment="all",
        kpi__in=valued,
        period__gte=first,
        period__lte=last,
        value__isnull=False,
    ).order_by("kpi", "period")
    by_kpi: dict[str, list] = {key: [] for key in valued}
    for value in months:
        by_kpi[value.kpi].append(value)
    rows, units = [], []
    for key in valued:
        baseline = in_force[key].value
        money = KPI_BY_KEY[key].unit == "currency"
        items = []
        for value in by_kpi[key]:
            item = delivered(
                key,
                period=value.period,
                baseline=baseline,
                value=value.value,
                n=value.n,
                currency=currency,
            )
            items.append(item)
            amount = float(item.amount)
            rows.append(
                [
                    KPI_BY_KEY[key].name,
                    formats.period(value.period),
                    float(item.baseline),
                    float(item.value),
                    item.n,
                    amount if money else None,
                    None if money else amount,
                    item.arithmetic,
                ]
            )
            units.append(key)
        amount, arithmetic = total(key, items, currency)
        rows.append(
            [
                KPI_BY_KEY[key].name,
                TOTAL,
                None,
                None,
                sum(item.n for item in items),
                float(amount) if money else None,
                None if money else float(amount),
                arithmetic,
            ]
        )
        units.append(key)
    return Table(
        "value_delivered",
        f"Value delivered, {formats.period(first)} to {formats.period(last)}",
        [
            Column("KPI", TEXT, 22),
            Column("Month", TEXT, 16),
            Column("Baseline", VALUE, 12, as_shown=True),
            Column("Value", VALUE, 12, as_shown=True),
            Column("n", NUMBER, 8),
            Column(f"Money saved ({currency})", MONEY, 14),
            Column("Days saved", NUMBER, 10),
            Column("Arithmetic", TEXT, 44),
        ],
        rows,
        units,
    )
