"""The import contract (recruiting.contract) agrees with the models, their CHECK constraints
and the tables of docs/data-contract.md, and the API serves what it declares."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from recruiting import contract, filters, serializers
from recruiting.contract_docs import DOC_PATH, sections, upload_tables
from sla.schedule_kind import SLA_SCHEDULE

KINDS = list(contract.KINDS.values())
# The model field types each contract type may be stored in.
FIELD_TYPES = {
    "text": (models.CharField, models.TextField),
    "email": (models.EmailField,),
    "enum": (models.CharField,),
    "date": (models.DateField,),
    "month": (models.DateField,),
    "period": (models.CharField,),
    "currency": (models.CharField,),
    "bool": (models.BooleanField,),
    "int": (models.IntegerField,),
    "decimal": (models.DecimalField,),
    "ref": (models.ForeignKey,),
}
NOT_COLUMNS = {"id", "engagement", "created_at", "updated_at"}


def leaves(q) -> list[tuple[str, object]]:
    """Every (lookup, value) of a Q tree."""
    out = []
    for child in q.children:
        out += leaves(child) if isinstance(child, Q) else [child]
    return out


def names_in(value) -> set[str]:
    """The field names an expression (F, Coalesce) reads."""
    if isinstance(value, F):
        return {value.name}
    if isinstance(value, Coalesce):
        return set().union(*(names_in(e) for e in value.get_source_expressions()))
    return set()


def checks(kind: contract.Kind) -> list[list[tuple[str, object]]]:
    return [
        leaves(c.condition)
        for c in kind.model._meta.constraints
        if isinstance(c, models.CheckConstraint)
    ]


def fields_of(leaf_list) -> set[str]:
    """The field names one check reads."""
    names = set()
    for lookup, value in leaf_list:
        names |= {lookup.split("__")[0], *names_in(value)}
    return names


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_column_is_a_model_field_of_its_type_and_every_field_a_column(kind):
    meta = kind.model._meta
    for column in kind.columns:
        field = meta.get_field(column.field_name)
        assert isinstance(field, FIELD_TYPES[column.type]), column.name
        if column.type == "ref":
            assert field.related_model is contract.KINDS[column.ref].model
            continue
        assert column.required or column.default is not None or field.blank, column.name
        if column.type in ("text", "email", "enum", "period", "currency"):
            assert not field.null
        else:
            assert field.null is not (column.required or column.default is not None)
        if column.default is not None:
            assert str(field.default) == column.default
        if column.type == "enum":
            assert set(column.choices) == {value for value, _ in field.choices}
            assert max(map(len, column.choices)) <= field.max_length
        elif column.max_length is not None or isinstance(field, models.CharField):
            assert column.max_length == field.max_length, column.name
    fields = {f.name for f in meta.concrete_fields} - NOT_COLUMNS
    assert fields == {c.field_name for c in kind.columns}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_databases_checks_hold_the_contracts_choices_ranges_and_months(kind):
    found = [leaf for leaf_list in checks(kind) for leaf in leaf_list]
    for column in kind.columns:
        field = kind.model._meta.get_field(column.field_name)
        if column.type == "enum":
            assert any(
                lookup == f"{column.name}__in" and set(value) == set(column.choices)
                for lookup, value in found
            ), column.name
        if column.minimum is not None and column.type in ("int", "decimal"):
            positive = isinstance(field, models.PositiveIntegerField) and column.minimum == 0
            assert positive or (f"{column.name}__gte", column.minimum) in found, column.name
        if column.maximum is not None:
            assert (f"{column.name}__lte", column.maximum) in found, column.name
        if column.type == "month":
            assert (f"{column.name}__day", 1) in found, column.name
        if column.type == "period":
            assert any(lookup == f"{column.name}__regex" for lookup, _ in found), column.name


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_rule_between_columns_is_a_check_of_the_database_too(kind):
    constraints = [fields_of(leaf_list) for leaf_list in checks(kind)]
    for rule in kind.rules:
        if isinstance(rule, contract.InOrder):
            together = [{rule.column, stage} for stage in rule.stages]
        elif isinstance(rule, contract.OnOrAfter):
            together = [{rule.column, rule.earlier}]
        elif isinstance(rule, contract.Needs):
            together = [{rule.column, rule.needs}]
        elif isinstance(rule, contract.NotBoth):
            together = [{rule.column, rule.other}]
        else:
            together = [{rule.column, rule.when}]
        for names in together:
            assert any(names <= fields for fields in constraints), (rule, names)


def test_the_docs_tables_are_the_contracts():
    page = (Path(__file__).resolve().parents[2] / DOC_PATH).read_text()
    for section in sections():
        assert section in page, section
    schedule = page.split("### The SLA schedule file (`sla_schedule`)", 1)[1]
    for table in upload_tables():
        assert table in schedule, table


def test_the_docs_command_prints_every_kinds_table(capsys):
    call_command("contract_docs")
    printed = capsys.readouterr().out
    assert all(f"### {name}\n" in printed for name in [*contract.KINDS, *contract.UPLOAD_KINDS])


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_api_serves_the_shown_columns_and_filters_the_declared_ones(kind):
    fields = serializers.RECORD_SERIALIZERS[kind.name].Meta.fields
    assert [c.name for c in kind.shown_columns] == [f for f in fields if f in kind.column_names]
    assert not contract.PRIVATE_COLUMNS & set(fields)
    declared = filters.FILTERSETS[kind.name].base_filters
    for column in kind.columns:
        names = (
            {f"{column.name}_from", f"{column.name}_to"}
            if column.filter == "months"
            else {column.name}
        )
        assert (names <= set(declared)) is (column.filter is not None), column.name


def test_the_sla_schedule_file_is_read_by_its_kind_of_the_contract():
    from sla import schedule

    kind = SLA_SCHEDULE
    assert schedule.COLUMNS is kind.columns
    assert ["clause", *schedule.TERMS] == kind.column_names
    assert kind.reasons.missing == "This required column is missing."
    assert contract.KINDS["requisitions"].reasons.missing == "Required column is missing."


def test_the_sla_schedules_columns_are_clause_fields_held_by_the_databases_checks():
    kind = SLA_SCHEDULE
    meta = kind.model._meta
    found = [leaf for leaf_list in checks(kind) for leaf in leaf_list]
    for column in kind.columns:
        field = meta.get_field(column.field_name)
        if column.type == "number":
            assert isinstance(field, models.DecimalField), column.name
        else:
            assert isinstance(field, FIELD_TYPES[column.type]), column.name
        assert field.null is not (column.required or field.has_default()), column.name
        if column.type == "enum":
            assert set(column.choices) == {value for value, _ in field.choices}
        elif column.max_length is not None:
            assert column.max_length == field.max_length, column.name
        if column.minimum is not None:
            positive = isinstance(field, models.PositiveIntegerField) and column.minimum == 0
            assert positive or (f"{column.name}__gte", column.minimum) in found, column.name
        if column.above is not None:
            assert (f"{column.name}__gt", column.above) in found, column.name
        if column.maximum is not None:
            assert (f"{column.name}__lte", column.maximum) in found, column.name
    stored = {f.name for f in meta.concrete_fields} - NOT_COLUMNS
    assert stored - {"schedule", "in_force", "superseded_by"} == {
        c.field_name for c in kind.columns
    }
