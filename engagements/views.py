from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from engagements import selectors
from engagements.access import get_engagement_for, party_of, roles_in


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
        "my_roles": sorted(roles_in(request.user, engagement)),
    }
    return render(request, "engagements/detail.html", context)
