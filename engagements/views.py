from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.models import Role
from engagements import selectors, services
from engagements.access import get_engagement_for, party_of, roles_in
from engagements.forms import EngagementForm
from engagements.models import Engagement


@login_required
def home(request):
    engagements = selectors.engagement_list_for(request.user)
    return render(request, "engagements/home.html", {"engagements": engagements})


@login_required
def engagement_detail(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    context = {
        "engagement": engagement,
        "team": selectors.engagement_team(engagement=engagement),
        "my_party": party_of(request.user, engagement),
        "my_roles": sorted(Role(role).label for role in roles_in(request.user, engagement)),
        "can_edit": request.user.has_perm("engagements.change_engagement", engagement),
        "history": selectors.engagement_history(engagement=engagement),
    }
    return render(request, "engagements/detail.html", context)


@login_required
def engagement_edit(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, "engagements.change_engagement")
    form = EngagementForm(request.POST or None, instance=Engagement.objects.get(pk=engagement.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_update(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Engagement saved.")
            return redirect("engagements:detail", engagement_id=engagement.pk)
    return render(request, "engagements/edit.html", {"engagement": engagement, "form": form})
