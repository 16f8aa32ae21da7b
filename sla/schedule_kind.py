"""The SLA schedule file's kind (`sla_schedule`), declared in the import contract's terms.

Its columns, checks and refusals are those of the data imports (`recruiting.contract`); the
file is read by `sla.schedule` and documented with the ATS kinds (`UPLOAD_KINDS`, filled in
`SlaConfig.ready`).
"""

from __future__ import annotations

from kpis.models import Grain
from recruiting.contract import Column, Kind, Reasons
from sla import models as sla_models

SLA_SCHEDULE = Kind(
    "sla_schedule",
    sla_models.SlaClause,
    (
        Column(
            "clause",
            "text",
            required=True,
            max_length=100,
            field="key",
            doc="text of up to 100 characters, unique in the engagement: the clause's key",
        ),
        Column("kpi", "text", required=True, max_length=40, doc="a KPI key of section 3"),
        Column(
            "grain", "enum", required=True, choices=tuple(Grain.values), doc="`month` or `quarter`"
        ),
        Column(
            "dimension",
            "text",
            max_length=20,
            doc="blank or `all` (the default), or a dimension the KPI is computed for (`source` "
            "only for (S) KPIs; `cost_per_hire` only `all`)",
        ),
        Column(
            "segment",
            "text",
            max_length=200,
            required_doc="with a dimension",
            doc="the segment's value (`(none)` allowed; for `priority` one of its four values); "
            "blank or `all` when the dimension is `all` (any case)",
        ),
        Column(
            "kind",
            "enum",
            choices=tuple(sla_models.ClauseKind.values),
            doc="`credit` (the default) or `bonus`",
        ),
        Column(
            "threshold",
            "number",
            required=True,
            doc="a number in the KPI's unit: the breach threshold of a credit clause, the "
            "outperformance threshold of a bonus clause",
        ),
        Column("min_n", "int", minimum=1, doc="whole number of at least 1; 1 when blank"),
        Column("grace_days", "int", minimum=0, doc="whole number of at least 0; 0 when blank"),
        Column("effective_from", "date", required=True, doc="date"),
        Column("effective_to", "date", doc="date, not before effective_from"),
        Column(
            "pct",
            "number",
            required=True,
            above=0,
            maximum=100,
            doc="decimal above 0 and at most 100: the credit (or bonus) as a percentage of the "
            "period's fee",
        ),
        Column(
            "repeat_pct",
            "number",
            doc="credit clauses only: decimal of at least `pct`; `pct` when blank",
        ),
        Column(
            "cap_pct",
            "number",
            above=0,
            doc="decimal above 0: the clause's credits (or bonuses) in one quarter total at most "
            "this percentage of the quarter's fee",
        ),
        Column(
            "earn_back",
            "int",
            minimum=1,
            doc="credit clauses only: whole number of at least 1",
        ),
    ),
    key=("clause",),
    reasons=Reasons(
        missing="This required column is missing.",
        blank="Required.",
        unknown="Unknown column {name!r}: the schedule's columns are fixed.",
    ),
    title="SLA schedule",
)
