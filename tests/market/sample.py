"""The sample's market benchmarks (tests/data/sample): the engagement's own and its provider's."""

from __future__ import annotations

from django.core.management import call_command

from tests.data import SAMPLE_DIR

OWN_FILE = SAMPLE_DIR / "market_benchmarks.csv"
SHARED_FILE = SAMPLE_DIR / "market_benchmarks_shared.csv"


def import_market_sample(engagement) -> None:
    """Both files through the command, as an operator would."""
    call_command("import_data", "--engagement", engagement.slug, str(OWN_FILE))
    call_command(
        "import_data",
        "--provider",
        engagement.provider.slug,
        "--kind",
        "market_benchmarks",
        str(SHARED_FILE),
    )
