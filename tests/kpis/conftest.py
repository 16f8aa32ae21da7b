from datetime import date

import pytest

from kpis.services import engagement_metrics_recompute
from tests.kpis.sample import import_sample

AS_OF = date(2025, 9, 30)


@pytest.fixture
def sample_engagement(engagement):
    """The shared sample imported into the engagement and computed as of 2025-09-30."""
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    return engagement
