"""Action items: the engagement's list (with quick add), one item, its status, comments and
escalation, and a person's own items across engagements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from engagements.access import get_engagement_for
from reviews import selectors, services
from reviews.forms import ActionItemForm, ActionItemQuickForm, CommentForm, StatusForm
from reviews.models import Tier
from reviews.views.common import (
    LOG,
    action_panel,
    apply_errors,
    escalate,
    form_write,
    get_or_404,
    meeting_url,
    post_only,
    render_page,
)


@login_required
def action_items(request, engagement_id: int):
    """GET: the engagement's action items. POST: quick add (htmx swaps the list in place)."""
    perm = LOG if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    meeting = None
    if request.POST.get("meeting"):
        meeting = get_or_404(
            selectors.meeting_get, engagement=engagement, meeting_id=request.POST["meeting"]
        )
    form = None
    if request.method == "POST":
        members = selectors.members_of(engagement=engagement)
        form = ActionItemQuickForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.action_item_create(
                    actor=request.user, engagement=engagement, meeting=meeting, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(request, "Action item logged.")
                    return redirect(meeting_url(meeting) if meeting else request.path)
                form = None
        if request.htmx:
            context = action_panel(request, engagement, meeting, form)
            return render(
                request,
                "reviews/_action_items.html",
                {"engagement": engagement, **context},
            )
    status = request.GET.get("status", "open")
    owner = request.GET.get("owner", "")
    context = {
        "engagement": engagement,
        **action_panel(request, engagement, None, form),
        "status": status,
        "statuses": [("open", "Open"), ("", "All"), ("done", "Done"), ("cancelled", "Cancelled")],
    }
    context["action_items"] = selectors.action_items_of(
        engagement=engagement, status=status, owner_id=int(owner) if owner.isdigit() else None
    )
    return render_page(request, "reviews/action_items.html", None, context)


@login_required
def my_action_items(request):
    show_all = request.GET.get("all") == "1"
    items = selectors.my_action_items(user=request.user, include_closed=show_all)
    context = {"items": items, "today": timezone.localdate(), "show_all": show_all}
    return render(request, "reviews/my_action_items.html", context)


@login_required
def action_item_detail(request, engagement_id: int, item_id: int):
    perm = LOG if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    item = get_or_404(selectors.action_item_get, engagement=engagement, item_id=item_id)
    members = selectors.members_of(engagement=engagement)
    risks = selectors.risks_of(engagement=engagement, include_closed=True)
    form = ActionItemForm(request.POST or None, instance=item, members=members, risks=risks)
    saved = form_write(
        request,
        form,
        lambda data: services.action_item_update(
            actor=request.user,
            item=selectors.action_item_get(engagement=engagement, item_id=item.pk),
            **data,
        ),
        "Action item saved.",
        lambda _: reverse("reviews:action_item", args=[engagement.pk, item.pk]),
    )
    if saved:
        return saved
    context = {
        "engagement": engagement,
        "item": item,
        "form": form,
        "comment_form": CommentForm(),
        "comments": selectors.comments_of(item=item),
        "history": selectors.record_history(record=item),
        "can_log": request.user.has_perm(LOG, engagement),
        "today": timezone.localdate(),
        "escalation_tiers": [t for t in Tier if t != Tier.OPERATIONAL],
    }
    return render(request, "reviews/action_item.html", context)


@login_required
@post_only
def action_item_status(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = get_or_404(selectors.action_item_get, engagement=engagement, item_id=item_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.action_item_update(actor=request.user, item=item, **form.cleaned_data)
    if request.htmx:
        return render(
            request,
            "reviews/_action_items.html#action_row",
            {
                "engagement": engagement,
                "item": item,
                "today": timezone.localdate(),
                "can_log": True,
            },
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("reviews:action_items", args=[engagement.pk])
    return redirect(back)


@login_required
@post_only
def action_item_comment(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = get_or_404(selectors.action_item_get, engagement=engagement, item_id=item_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.action_item_comment_add(actor=request.user, item=item, **form.cleaned_data)
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "A comment needs some text.")
    return redirect("reviews:action_item", engagement_id=engagement.pk, item_id=item.pk)


@login_required
@post_only
def action_item_escalate(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = get_or_404(selectors.action_item_get, engagement=engagement, item_id=item_id)
    escalate(
        request,
        engagement,
        request.POST.get("tier", ""),
        f"Escalated: {item.title}",
        action_item=item,
    )
    return redirect("reviews:action_item", engagement_id=engagement.pk, item_id=item.pk)
