"""Every page of the site, found by walking the URLconf, answers with the Content Security
Policy and carries no inline code: no <script> without `src`, no <style> the policy does not
allow by hash, no `on*=` handler, `style=` attribute, htmx `hx-on` or `javascript:` URL.

A page added later is walked too. Its URL arguments are real records made by the `site`
fixture; an argument this module does not know (not in `KNOWN`) fails the test until the
fixture makes a record for it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.site_records import make_site

# Data blocks are not run, so the policy does not govern them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post"}


class InlineCode(HTMLParser):
    """Collects every piece of inline code in a page, and the inline style blocks' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.style_blocks: list[str] = []
        self._in = None  # "style" or "script" while inside an inline block
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=…> handler")
            elif name == "style":
                self.problems.append(f"<{tag} style=…> attribute")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        script_type = (attributes.get("type") or "").lower()
        if tag == "script" and "src" not in attributes and script_type not in DATA_SCRIPT_TYPES:
            self.problems.append("inline <script>")
        if tag == "style":
            self._in, self._text = "style", []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "style" and self._in == "style":
            self.style_blocks.append("".join(self._text))
            self._in = None


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_code_in(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    allowed = set(policy(response).get("style-src", []))
    problems = list(parser.problems)
    for block in parser.style_blocks:
        if sha256_source(block) not in allowed:
            problems.append(f"inline <style> not allowed by hash: {block[:40]!r}")
    return problems


def _route(pattern) -> str:
    return str(pattern.pattern).lstrip("^").replace("\\", "")


def page_patterns(patterns=None, prefix="", namespace=None):
    """(route, reversible name, kwarg names) of every URL pattern of the site but the admin."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's own pages, walked below with a staff user
            ns = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from page_patterns(pattern.url_patterns, prefix + _route(pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            kwargs = set(pattern.pattern.regex.groupindex)
            if "format" in kwargs:
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + _route(pattern), name, kwargs


PAGES = sorted(page_patterns())


@pytest.fixture
def site(engagement):
    """An engagement with every kind of record a page may show, and a member of both sides
    holding the roles that see every page."""
    return make_site(engagement)


KNOWN = {
    "action_id",
    "claim_id",
    "pack_id",
    "breach_id",
    "clause_id",
    "schedule_id",
    "terms_id",
    "notification_id",
    "action",
    "cadence_id",
    "meeting_id",
    "decision_id",
    "risk_id",
    "item_id",
    "engagement_id",
    "target_id",
    "value_id",
    "run_id",
    "kpi",
    "kind",
    "panel",
    "slug",
    "key_id",
    "external_id",
    "line_id",
    "provider_id",
    "token",
    "section_index",
    "user_id",
    "token_id",
    "milestone_id",
    "glidepath_id",
    "proposal_id",
}


# Not pages: a calendar feed is read by calendar apps with a token in its query string, and
# answers 404 without one, the same as for a wrong token; the API's last route answers every
# path no other route takes with its JSON 404 (tests/api/test_query_strictness.py).
# An identity provider's sign-in and callback are steps of its protocol, and SCIM answers its
# bearer token only, 401 to a person (tests/identity/).
NOT_PAGES = {
    "reviews:calendar_feed",
    "api:not-found",
    "org_oidc_login",
    "org_oidc_callback",
    "identity:scim-users",
    "identity:scim-user",
}


def test_the_walk_finds_the_pages():
    names = {name for _, name, _ in PAGES}
    assert {"engagements:detail", "accounts:login", "accounts:account", "api:docs"} <= names


@pytest.mark.django_db
def test_every_page_has_the_policy_and_no_inline_code(client, site):
    user, values = site
    client.force_login(user)
    checked = []
    failures = []
    for route, name, kwargs in PAGES:
        unknown = kwargs - KNOWN
        assert not unknown, f"{route}: give the walk a record for {sorted(unknown)}"
        arguments = {k: values[k] for k in kwargs}
        for key in ("external_id", "line_id"):
            if key in arguments:
                arguments[key] = arguments[key][name.split(":")[1][: -len("-detail")]]
        if "item_id" in arguments:
            under_meeting = "meeting_id" in arguments
            arguments["item_id"] = arguments["item_id"]["agenda" if under_meeting else "action"]
        url = reverse(name, kwargs=arguments)
        response = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        # Redirects, actions that only take POST, and a pack download not ready yet (410 on
        # the page, 409 in the API).
        if response.status_code in (302, 405, 409, 410):
            continue
        if name in NOT_PAGES and response.status_code in (401, 404):
            continue
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        directives = policy(response)
        assert directives, f"{url} has no Content-Security-Policy header"
        for directive in ("script-src", "style-src", "default-src"):
            sources = directives.get(directive, [])
            assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, url
        assert directives.get("script-src") == ["'self'"], url
        if "html" in response.headers.get("Content-Type", ""):
            problems = inline_code_in(response)
            if problems:
                failures.append(f"{url}: {sorted(set(problems))}")
            checked.append(url)
    assert not failures, "\n".join(failures)
    assert len(checked) >= 20, checked


@pytest.mark.django_db
def test_signed_out_pages_and_errors_too(client, engagement):
    for url in (reverse("accounts:login"), "/no-such-page/"):
        response = client.get(url)
        assert policy(response).get("script-src") == ["'self'"], url
        assert inline_code_in(response) == [], url


@pytest.mark.django_db
def test_the_admin_pages_staff_use(client, engagement):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for name, args in [
        ("admin:index", []),
        ("admin:accounts_user_changelist", []),
        ("admin:accounts_user_change", [staff.pk]),
        ("admin:engagements_engagement_change", [engagement.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert policy(response).get("script-src") == ["'self'"], name
        assert not [p for p in inline_code_in(response) if "script" in p or " on" in p], name


def test_the_checker_sees_inline_code():
    """The parser is the test's eyes: prove it catches each kind of inline code."""

    class Page:
        headers = {"Content-Security-Policy": "style-src 'self'"}

        def __init__(self, html):
            self.content = html.encode()

    samples = [
        "<script>alert(1)</script>",
        '<button onclick="x()">',
        '<p style="color:red">',
        "<style>p{}</style>",
        '<a href="javascript:void(0)">',
        '<div hx-on:click="x()">',
    ]
    for html in samples:
        assert inline_code_in(Page(html)), html
    assert inline_code_in(Page('<script src="/static/x.js"></script>')) == []
    assert inline_code_in(Page('<script type="application/json">{}</script>')) == []
    assert re.search("sha256", sha256_source("p{}"))
