"""The KPI bookkeeping of an engagement, as the tests read it."""

from kpis.selectors import metrics_state_of


def data_changed_at(engagement):
    return metrics_state_of(engagement=engagement).data_changed_at
