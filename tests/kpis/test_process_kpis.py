"""The process KPIs (docs/data-contract.md section 8) on the sample: the engine's values equal
those of a second, plain-Python route from the CSV files, and the sample's expected.csv."""

from kpis.models import MetricValue
from kpis.registry import PROCESS_KPIS
from tests.kpis.conftest import AS_OF
from tests.kpis.process_reference import process_values
from tests.kpis.sample import expected_rows

PROCESS_KEYS = {kpi.key for kpi in PROCESS_KPIS}


def test_the_plain_python_route_gives_the_expected_file():
    reference = process_values(AS_OF)
    expected = {
        (row["metric"], row["grain"], row["period"], row["dimension"], row["segment"]): row
        for row in expected_rows()
        if row["metric"] in PROCESS_KEYS
    }
    assert set(expected) == set(reference)
    for key, (value, n) in reference.items():
        assert int(expected[key]["n"]) == n, key
        assert abs(float(expected[key]["value"]) - value) <= 1e-6, key
    assert {key[0] for key in reference} == PROCESS_KEYS  # every new KPI has values


def test_the_engine_gives_the_plain_python_values(sample_engagement):
    reference = process_values(AS_OF)
    stored = {
        (v.kpi, v.grain, v.period, v.dimension, v.segment): v
        for v in MetricValue.objects.filter(engagement=sample_engagement, kpi__in=PROCESS_KEYS)
    }
    assert set(stored) == set(reference)
    for key, (value, n) in reference.items():
        assert stored[key].n == n, key
        assert abs(stored[key].value - value) <= 1e-9, (key, stored[key].value, value)
