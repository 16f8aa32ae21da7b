"""API shapes of the recruiting records: the data contract's columns (data-contract.md section 1).

Reading returns the columns as the contract names them (references as the other rows'
`external_id`s, months as `YYYY-MM`). Bulk rows are validated by the importer, not here:
the row serializers only describe the columns for the schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recruiting import contract
from recruiting.models import Application, Cost, HiringPlanLine, QualityReview, Requisition, Survey

MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2025-01"})
class MonthField(serializers.Field):
    """A month stored as its first day, shown as `YYYY-MM`."""

    def to_representation(self, value) -> str:
        return value.strftime("%Y-%m")


class RequisitionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=["open", "filled", "cancelled"], read_only=True, help_text="Derived from the dates."
    )

    class Meta:
        model = Requisition
        fields = [
            "external_id",
            "title",
            "department",
            "location",
            "job_family",
            "priority",
            "openings",
            "opened_on",
            "on_hold_days",
            "filled_on",
            "cancelled_on",
            "hiring_manager",
            "recruiter",
            "status",
            "updated_at",
        ]


class ApplicationSerializer(serializers.ModelSerializer):
    requisition_id = serializers.CharField(source="requisition.external_id", read_only=True)

    class Meta:
        model = Application
        fields = [
            "external_id",
            "requisition_id",
            "candidate_id",
            "source",
            "applied_on",
            "screened_on",
            "interviewed_on",
            "offered_on",
            "offer_outcome",
            "offer_decided_on",
            "started_on",
            "rejected_on",
            "withdrawn_on",
            # `diverse` is never served per record (the data contract): only in aggregates.
            "updated_at",
        ]


class SurveySerializer(serializers.ModelSerializer):
    requisition_id = serializers.CharField(
        source="requisition.external_id", read_only=True, allow_null=True
    )
    application_id = serializers.CharField(
        source="application.external_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Survey
        fields = [
            "external_id",
            "respondent",
            "requisition_id",
            "application_id",
            "responded_on",
            "score",
            "updated_at",
        ]


class QualityReviewSerializer(serializers.ModelSerializer):
    application_id = serializers.CharField(source="application.external_id", read_only=True)

    class Meta:
        model = QualityReview
        fields = [
            "external_id",
            "application_id",
            "reviewed_on",
            "meets_expectations",
            "rating",
            "retained_90d",
            "updated_at",
        ]


class CostSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)

    class Meta:
        model = Cost
        fields = ["external_id", "month", "category", "amount", "note", "updated_at"]


class HiringPlanLineSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)

    class Meta:
        model = HiringPlanLine
        fields = [
            "id",
            "month",
            "department",
            "location",
            "job_family",
            "planned_hires",
            "updated_at",
        ]


# --- Bulk upload: documentation of the row format ------------------------------------------
# The importer validates the rows; these serializers only describe its columns for the schema.

CELL_SCHEMAS = {
    "text": {"type": "string"},
    "ref": {"type": "string", "description": "Another record's external_id in this engagement."},
    "email": {"type": "string", "format": "email"},
    "enum": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "month": {"type": "string", "pattern": MONTH_PATTERN},
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
    schema = typed if typed["type"] == "string" else {"oneOf": [typed, {"type": "string"}]}
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
