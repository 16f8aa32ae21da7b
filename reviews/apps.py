from django.apps import AppConfig
from django.db.models.signals import post_save


def _cadences_for_new_engagement(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from reviews.services import cadences_ensure

        cadences_ensure(engagement=instance)


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self):
        from engagements.models import Engagement

        # Registries filled on import: the agenda sections (reviews' own and the SLA ones) and
        # the QBR pack's SLA, decision and risk sections.
        from reviews import agenda, forecast_sections, sla_agenda  # noqa: F401
        from reviews.qbr import governance  # noqa: F401
        from reviews.views.escalation import breach_escalation_context
        from sla.breaches.views import BREACH_DETAIL_EXTRAS

        # A breach's page offers to escalate it to a review.
        if breach_escalation_context not in BREACH_DETAIL_EXTRAS:
            BREACH_DETAIL_EXTRAS.append(breach_escalation_context)
        # Every engagement gets its three cadences when it is created, however it is created
        # (service, admin, factory); the engagements app need not know about reviews.
        post_save.connect(
            _cadences_for_new_engagement, sender=Engagement, dispatch_uid="reviews-cadences"
        )
