"""Every endpoint under /api/v1/. Engagement routes take `engagement_id` and pass the gate."""

import base64
import hashlib
import re

from csp.decorators import csp_update
from django.template.loader import get_template
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from engagements import api as engagements_api
from engagements import go_live_api, terms_api
from forecasts.api import hiring_forecast
from forecasts.capacity_api import capacity as capacity_api
from kpis.api import metric_value_list
from kpis.baselines import api as baselines_api
from kpis.glidepath_api import api_patterns as glidepath_api_patterns
from orchestration.market import api as market_api
from recruiting.api import KINDS, record_views
from reviews.api import api_patterns as reviews_api_patterns
from reviews.qbr.api import api_patterns as qbr_api_patterns
from reviews.transition.api import api_patterns as transition_api_patterns
from rpo_portal.api_errors import api_not_found
from sla import api as sla_api
from sla.breaches.api import api_patterns as breach_api_patterns

app_name = "api"


def inline_style_hashes(template_name: str) -> list[str]:
    """CSP hashes of a template's inline <style> blocks, so only those may run."""
    source = get_template(template_name).template.source
    blocks = re.findall(r"<style>(.*?)</style>", source, re.DOTALL)
    digests = [base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in blocks]
    return [f"'sha256-{digest}'" for digest in digests]


# The split view serves Swagger UI's start-up script as a file, so the page needs no inline
# script; its few inline style rules are allowed by hash.
api_docs = csp_update(
    {"style-src": inline_style_hashes(SpectacularSwaggerSplitView.template_name)}
)(SpectacularSwaggerSplitView.as_view(url_name="api:schema", title="RPO Portal API"))


def recruiting_patterns():
    for spec in KINDS.values():
        listing, detail, bulk = record_views(spec)
        base = f"v1/engagements/<int:engagement_id>/{spec.kind}/"
        key = "<int:line_id>" if spec.url_kwarg == "line_id" else "<path:external_id>"
        yield path(base, listing, name=f"{spec.kind}-list")
        yield path(f"{base}bulk", bulk, name=f"{spec.kind}-bulk")
        yield path(f"{base}{key}/", detail, name=f"{spec.kind}-detail")


SLA = "v1/engagements/<int:engagement_id>/sla/"
TERMS = "v1/engagements/<int:engagement_id>/terms/"
GO_LIVE = "v1/engagements/<int:engagement_id>/go-live/"
BASELINES = "v1/engagements/<int:engagement_id>/baselines/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("v1/engagements/", engagements_api.engagement_list, name="engagement-list"),
    path(
        "v1/engagements/<int:engagement_id>/",
        engagements_api.engagement_detail,
        name="engagement-detail",
    ),
    path(BASELINES, baselines_api.baselines_in_force, name="baselines-in-force"),
    path(f"{BASELINES}history/", baselines_api.baselines_history, name="baselines-history"),
    path(
        f"{BASELINES}computed/", baselines_api.baselines_propose_computed, name="baselines-computed"
    ),
    path(f"{BASELINES}entered/", baselines_api.baselines_propose_entered, name="baselines-entered"),
    path(
        f"{BASELINES}<int:proposal_id>/agree/",
        baselines_api.baselines_agree,
        name="baselines-agree",
    ),
    path(
        f"{BASELINES}<int:proposal_id>/reject/",
        baselines_api.baselines_reject,
        name="baselines-reject",
    ),
    path(TERMS, terms_api.terms_list, name="terms-list"),
    path(f"{GO_LIVE}", go_live_api.go_live_list, name="go-live-list"),
    path(f"{GO_LIVE}<int:proposal_id>/agree/", go_live_api.go_live_agree, name="go-live-agree"),
    path(f"{GO_LIVE}<int:proposal_id>/reject/", go_live_api.go_live_reject, name="go-live-reject"),
    path(f"{TERMS}<int:terms_id>/agree/", terms_api.terms_agree, name="terms-agree"),
    path(f"{TERMS}<int:terms_id>/reject/", terms_api.terms_reject, name="terms-reject"),
    *recruiting_patterns(),
    path(
        "v1/engagements/<int:engagement_id>/metrics/",
        metric_value_list,
        name="metric-list",
    ),
    *glidepath_api_patterns(),
    *reviews_api_patterns(),
    *qbr_api_patterns(),
    *transition_api_patterns(),
    path(f"{SLA}clauses/", sla_api.clause_list, name="sla-clause-list"),
    path(f"{SLA}schedules/", sla_api.schedule_list, name="sla-schedule-list"),
    path(
        f"{SLA}schedules/<int:schedule_id>/agree/",
        sla_api.schedule_agree,
        name="sla-schedule-agree",
    ),
    path(
        f"{SLA}schedules/<int:schedule_id>/reject/",
        sla_api.schedule_reject,
        name="sla-schedule-reject",
    ),
    path(f"{SLA}outcomes/", sla_api.outcome_list, name="sla-outcome-list"),
    path(f"{SLA}ledger/", sla_api.ledger, name="sla-ledger"),
    *breach_api_patterns(),
    path("v1/engagements/<int:engagement_id>/capacity/", capacity_api, name="capacity"),
    path(
        "v1/engagements/<int:engagement_id>/forecast/hires/",
        hiring_forecast,
        name="forecast-hires",
    ),
    path(
        "v1/providers/<int:provider_id>/market-benchmarks/",
        market_api.shared_benchmark_list,
        name="shared-market-benchmark-list",
    ),
    path(
        "v1/providers/<int:provider_id>/market-benchmarks/bulk",
        market_api.shared_benchmark_bulk,
        name="shared-market-benchmark-bulk",
    ),
    # Last: any other path under /api/ is a 404 in the error body, in development too.
    re_path(r"", api_not_found, name="not-found"),
]
