"""Walks every URL pattern that names an engagement and proves an outsider gets 404.

A new view under /engagements/ (or the API's /api/v1/engagements/) that forgets the tenancy
gate makes this test fail, without anyone having to remember to write a test for it.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ENGAGEMENT_PREFIXES = ("engagements/", "api/v1/engagements/")
ENGAGEMENT_KWARGS = {"engagement_id", "engagement_pk"}


def _route(pattern) -> str:
    return str(pattern.pattern).lstrip("^").replace("\\", "")


def engagement_url_patterns(patterns=None, prefix="", namespace=None):
    """(full route, reversible name, kwarg names) of every pattern below an engagement."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from engagement_url_patterns(pattern.url_patterns, prefix + _route(pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + _route(pattern)
            # The prefixes themselves are the lists of engagements the caller may see.
            if not route.startswith(ENGAGEMENT_PREFIXES) or route in ENGAGEMENT_PREFIXES:
                continue
            kwargs = set(pattern.pattern.regex.groupindex)
            if "format" in kwargs:  # DRF's .json suffix twins of the same view
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield route, name, kwargs


def _value(kwarg: str, engagement_id: int):
    if kwarg in ENGAGEMENT_KWARGS:
        return engagement_id
    if kwarg.endswith(("uuid", "token")):
        return str(uuid.uuid4())
    if kwarg.endswith(("id", "pk", "index")):
        return 1
    return "x"


ALL = sorted(engagement_url_patterns())


def test_the_walk_finds_the_engagement_views():
    names = {name for _, name, _ in ALL}
    assert "engagements:detail" in names
    for route, name, kwargs in ALL:
        assert name and not name.endswith(":None"), f"{route} needs a URL name"
        assert kwargs & ENGAGEMENT_KWARGS, f"{route} must take the engagement id"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwargs"), ALL, ids=[r for r, _, _ in ALL])
def test_outsider_gets_404_on_every_engagement_url(
    login, engagement, outsider, route, name, kwargs
):
    url = reverse(name, kwargs={k: _value(k, engagement.pk) for k in kwargs})
    client = login(outsider)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwargs"), ALL, ids=[r for r, _, _ in ALL])
def test_missing_engagement_gives_the_same_404(login, engagement, hr_lead, route, name, kwargs):
    url = reverse(name, kwargs={k: _value(k, engagement.pk + 100_000) for k in kwargs})
    assert login(hr_lead).get(url).status_code == 404
