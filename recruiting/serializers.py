"""API shapes of the recruiting records: the data contract's columns (data-contract.md section 1).

Reading returns the columns as the contract names them (references as the other rows'
`external_id`s, months as `YYYY-MM`). Bulk rows are validated by the importer, not here:
the row serializers only describe the columns for the schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recruiting import contract

MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2]|[Qq][1-4])$"


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2025-01"})
class MonthField(serializers.Field):
    """A month stored as its first day, shown as `YYYY-MM`."""

    def to_representation(self, value) -> str:
        return value.strftime("%Y-%m")


def _reference(column: contract.Column) -> serializers.CharField:
    """A reference as the other record's external_id."""
    null = {} if column.required else {"allow_null": True}
    return serializers.CharField(source=f"{column.field_name}.external_id", read_only=True, **null)


def record_serializer(kind: contract.Kind, **extra) -> type[serializers.ModelSerializer]:
    """The API record of a kind: its shown columns (never a private one), then `extra`
    (derived fields) and `updated_at`; a kind keyed by other columns is named by its id."""
    declared: dict = {}
    for column in kind.shown_columns:
        if column.type == "ref":
            declared[column.name] = _reference(column)
        elif column.type == "month":
            declared[column.name] = MonthField(read_only=True)
    leading = [] if kind.key == ("external_id",) else ["id"]
    fields = [*leading, *(c.name for c in kind.shown_columns), *extra, "updated_at"]
    meta = type("Meta", (), {"model": kind.model, "fields": fields})
    name = f"{kind.model.__name__}Serializer"
    return type(name, (serializers.ModelSerializer,), {**declared, **extra, "Meta": meta})


# Fields that are not columns of the contract, by kind.
EXTRA_FIELDS = {
    "requisitions": {
        "status": serializers.ChoiceField(
            choices=["open", "filled", "cancelled"],
            read_only=True,
            help_text="Derived from the dates.",
        )
    },
}
RECORD_SERIALIZERS = {
    name: record_serializer(kind, **EXTRA_FIELDS.get(name, {}))
    for name, kind in contract.KINDS.items()
}


# --- Bulk upload: documentation of the row format ------------------------------------------
# The importer validates the rows; these serializers only describe its columns for the schema.

CELL_SCHEMAS = {
    "text": {"type": "string"},
    "ref": {"type": "string", "description": "Another record's external_id in this engagement."},
    "email": {"type": "string", "format": "email"},
    "enum": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "month": {"type": "string", "pattern": MONTH_PATTERN},
    "period": {"type": "string", "pattern": PERIOD_PATTERN, "example": "2026-Q4"},
    "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "example": "EUR"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "decimal": {"type": "number"},
}


def cell_schema(column: contract.Column) -> dict:
    """A column's cell: its JSON type, or text as in a CSV file; null means blank."""
    typed = dict(CELL_SCHEMAS[column.type])
    if column.choices:
        typed["enum"] = list(column.choices)
    if column.max_length:
        typed["maxLength"] = column.max_length
    if column.minimum is not None:
        typed["minimum"] = column.minimum
    if column.maximum is not None:
        typed["maximum"] = column.maximum
    text = {"type": "string"}
    if column.required:
        # A required cell cannot be blank: an empty text is a blank cell, as in a CSV file.
        text["minLength"] = 1
        if typed["type"] == "string":
            typed["minLength"] = 1
    schema = typed if typed["type"] == "string" else {"oneOf": [typed, text]}
    return schema if column.required else {**schema, "nullable": True}


def row_serializer(kind: contract.Kind) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in kind.name.split("_")) + "Row"
    fields = {}
    for column in kind.columns:
        cell = type(f"{name}{column.name.title()}Cell", (serializers.Field,), {})
        fields[column.name] = extend_schema_field(cell_schema(column))(cell)(
            required=column.required
        )
    return type(name, (serializers.Serializer,), fields)


ROW_SERIALIZERS = {name: row_serializer(kind) for name, kind in contract.KINDS.items()}


class BulkResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
