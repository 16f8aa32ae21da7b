"""The glidepath pages: the list with the proposal form, and one glidepath with its answer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from engagements.access import get_engagement_for, party_of
from kpis import glidepath_services, selectors
from kpis.glidepath_services import Step
from kpis.models import DIMENSION_CHOICES, Grain, TargetState
from kpis.registry import KPI_CHOICES
from rpo_portal.date_rules import bound_form_dates

STEP_ROWS = 4
DATE = forms.DateInput(attrs={"type": "date"})
AGREE = "kpis.agree_target"


def _decimal(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=4, required=required)


class GlidepathForm(forms.Form):
    kpi = forms.ChoiceField(label="KPI", choices=KPI_CHOICES)
    grain = forms.ChoiceField(choices=Grain.choices, initial=Grain.MONTH)
    dimension = forms.ChoiceField(
        choices=[("", "Every segment"), *DIMENSION_CHOICES[1:]], required=False
    )
    segment = forms.CharField(max_length=200, required=False)
    min_sample_size = forms.IntegerField(label="Minimum n", min_value=1, initial=5)
    effective_to = forms.DateField(
        label="Last step ends", widget=DATE, required=False, help_text="Blank: open-ended."
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, STEP_ROWS + 1):
            required = i <= 2
            self.fields[f"step{i}_from"] = forms.DateField(
                label=f"Step {i}: from", widget=DATE, required=required
            )
            self.fields[f"step{i}_target"] = _decimal(f"Step {i}: target", required)
            self.fields[f"step{i}_at_risk"] = _decimal(f"Step {i}: at-risk threshold", required)
            self.fields[f"step{i}_breach"] = _decimal(f"Step {i}: breach threshold", required)
        bound_form_dates(self, "effective_to", *(f"step{i}_from" for i in range(1, 5)))

    def steps(self) -> list[Step]:
        data, found = self.cleaned_data, []
        for i in range(1, STEP_ROWS + 1):
            parts = ("from", "target", "at_risk", "breach")
            values = [data.get(f"step{i}_{part}") for part in parts]
            if all(v is None for v in values):
                continue
            if any(v is None for v in values):
                raise ValidationError(
                    {f"step{i}_from": f"Give step {i}'s date, target and both thresholds."}
                )
            found.append(Step(*values))
        return found


def _apply(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else ("step1_from" if field == "steps" else None)
        form.add_error(target, errors)


@login_required
def glidepaths(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    form = GlidepathForm(initial={"grain": Grain.QUARTER, "min_sample_size": 5})
    if request.method == "POST":
        engagement = get_engagement_for(request.user, engagement_id, glidepath_services.PROPOSE)
        form = GlidepathForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                glidepath = glidepath_services.glidepath_propose(
                    actor=request.user,
                    engagement=engagement,
                    kpi=data["kpi"],
                    grain=data["grain"],
                    dimension=data["dimension"],
                    segment=data["segment"],
                    min_sample_size=data["min_sample_size"],
                    effective_to=data["effective_to"],
                    note=data["note"],
                    steps=form.steps(),
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, "Glidepath proposed: the other party can now answer.")
                return redirect("kpis:glidepath_detail", engagement.pk, glidepath.pk)
    context = {
        "engagement": engagement,
        "glidepaths": [
            (g, glidepath_services.glidepath_steps(g))
            for g in selectors.glidepaths_of(engagement=engagement)[:50]
        ],
        "form": form,
        "can_propose": request.user.has_perm(glidepath_services.PROPOSE, engagement),
    }
    return render(
        request,
        "kpis/glidepaths.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def glidepath_detail(request, engagement_id: int, glidepath_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    glidepath = selectors.glidepaths_of(engagement=engagement).filter(pk=glidepath_id).first()
    if glidepath is None:
        raise Http404("No such glidepath.")
    my_party = party_of(request.user, engagement)
    if request.method == "POST":
        engagement = get_engagement_for(request.user, engagement_id, AGREE)
        answer = (
            glidepath_services.glidepath_agree
            if request.POST.get("decision") == "agree"
            else glidepath_services.glidepath_reject
        )
        try:
            answer(actor=request.user, glidepath=glidepath, note=request.POST.get("note", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Answer recorded.")
        return redirect("kpis:glidepath_detail", engagement.pk, glidepath.pk)
    context = {
        "engagement": engagement,
        "glidepath": glidepath,
        "targets": glidepath_services.glidepath_steps(glidepath),
        "can_respond": glidepath.state == TargetState.PROPOSED
        and my_party != glidepath.proposed_by_party
        and request.user.has_perm(AGREE, engagement),
    }
    return render(request, "kpis/glidepath_detail.html", context)
