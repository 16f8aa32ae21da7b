from django import forms

from recruiting.models import ImportKind


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="UTF-8 CSV with a header row, or the first sheet of an XLSX workbook.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    kind = forms.ChoiceField(
        label="Kind of records",
        required=False,
        choices=[("", "Detect from the file name or header"), *ImportKind.choices],
    )
