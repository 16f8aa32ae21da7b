"""API shapes of the recruiting records: the data contract's columns (METRICS.md section 1).

Reading returns the columns as the contract names them (references as the other rows'
`external_id`s, months as `YYYY-MM`). Bulk rows are validated by the importer, not here:
the row serializers only describe the columns for the schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
            "diverse",
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


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
    }
)
class CellField(serializers.Field):
    """One cell: text as in a CSV file; numbers and booleans are accepted too; null is blank."""


def row_serializer(name: str, columns: dict[str, str], required: set[str]):
    """A serializer that documents one kind's columns (the importer validates the values)."""
    fields = {
        column: CellField(required=column in required, help_text=rule)
        for column, rule in columns.items()
    }
    return type(name, (serializers.Serializer,), fields)


ROW_SERIALIZERS = {
    "requisitions": row_serializer(
        "RequisitionRow",
        {
            "external_id": "Text, at most 100 characters.",
            "title": "Text.",
            "department": "Text; a segment dimension.",
            "location": "Text; a segment dimension.",
            "job_family": "Text; a segment dimension.",
            "priority": "low, normal (default), high or critical.",
            "openings": "Integer >= 1, default 1.",
            "opened_on": "Date YYYY-MM-DD.",
            "on_hold_days": "Integer >= 0, default 0.",
            "filled_on": "Date >= opened_on.",
            "cancelled_on": "Date >= opened_on; not together with filled_on.",
            "hiring_manager": "E-mail address.",
            "recruiter": "Text.",
        },
        {"external_id", "title", "opened_on"},
    ),
    "applications": row_serializer(
        "ApplicationRow",
        {
            "external_id": "Text, at most 100 characters.",
            "requisition_id": "A requisition of the same engagement.",
            "candidate_id": "Pseudonymous candidate key (no names, no e-mails).",
            "source": "job_board, career_site, referral, sourced, agency, internal or other.",
            "applied_on": "Date YYYY-MM-DD.",
            "screened_on": "Date >= applied_on.",
            "interviewed_on": "Date >= the previous stage given.",
            "offered_on": "Date >= the previous stage given.",
            "offer_outcome": "accepted or declined; needs offered_on.",
            "offer_decided_on": "Date >= offered_on; required with offer_outcome.",
            "started_on": "Hire's start date; needs an accepted offer; >= offer_decided_on.",
            "rejected_on": "Date >= applied_on.",
            "withdrawn_on": "Date >= applied_on.",
            "diverse": "Boolean: true/false, yes/no, 1/0.",
        },
        {"external_id", "requisition_id", "candidate_id", "source", "applied_on"},
    ),
    "surveys": row_serializer(
        "SurveyRow",
        {
            "external_id": "Text, at most 100 characters.",
            "respondent": "candidate or hiring_manager.",
            "requisition_id": "A requisition of the same engagement.",
            "application_id": "An application of the same engagement.",
            "responded_on": "Date YYYY-MM-DD.",
            "score": "candidate: integer 0-10; hiring_manager: integer 1-5.",
        },
        {"external_id", "respondent", "responded_on", "score"},
    ),
    "quality": row_serializer(
        "QualityReviewRow",
        {
            "external_id": "Text, at most 100 characters.",
            "application_id": "An application of the same engagement that is a hire.",
            "reviewed_on": "Date YYYY-MM-DD.",
            "meets_expectations": "Boolean.",
            "rating": "Integer 1-5.",
            "retained_90d": "Boolean.",
        },
        {"external_id", "application_id", "reviewed_on", "meets_expectations"},
    ),
    "costs": row_serializer(
        "CostRow",
        {
            "external_id": "Text, at most 100 characters.",
            "month": "Month YYYY-MM.",
            "category": "A cost category of the data contract.",
            "amount": "Decimal >= 0, in the engagement's currency.",
            "note": "Text.",
        },
        {"external_id", "month", "category", "amount"},
    ),
    "hiring_plan": row_serializer(
        "HiringPlanRow",
        {
            "month": "Month YYYY-MM.",
            "department": "Blank: not split by department.",
            "location": "Blank: not split by location.",
            "job_family": "Blank: not split by job family.",
            "planned_hires": "Integer >= 0.",
        },
        {"month", "planned_hires"},
    ),
}


class BulkResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="Position of the row in the list (0-based); null: the body."
    )
    field = serializers.CharField(allow_null=True, help_text="The column; null: the whole row.")
    reason = serializers.CharField()


class BulkErrorsSerializer(serializers.Serializer):
    errors = BulkErrorSerializer(many=True)
