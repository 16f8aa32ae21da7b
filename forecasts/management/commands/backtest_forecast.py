import json
from datetime import date

from django.core.management.base import CommandError

from engagements.models import Engagement
from forecasts.backtest import backtest
from rpo_portal.jobs import JobCommand


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a month (YYYY-MM).") from error


def _number(value) -> str:
    return "-" if value is None else f"{value:.1f}"


class Command(JobCommand):
    help = (
        "Replay the hiring forecast over past months: each month forecast from the records "
        "known on its first day, against the actual hires and two naive forecasts (the plan; "
        "the mean of the last three months), then each one's mean absolute error and the share "
        "of months whose actual fell in the 10-90% range."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--from", dest="first", metavar="YYYY-MM", required=True)
        parser.add_argument("--to", dest="last", metavar="YYYY-MM", required=True)
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        first, last = _month(options["first"]), _month(options["last"])
        if last < first:
            raise CommandError("--to must not be before --from.")
        result = backtest(engagement, first=first, last=last)
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{'month':<8} {'forecast':>8} {'p10':>6} {'p90':>6} {'actual':>6} "
            f"{'plan':>6} {'last3':>6}  in range"
        )
        for m in result.months:
            self.stdout.write(
                f"{m.month:%Y-%m}  {m.forecast:>8.1f} {m.p10:>6.1f} {m.p90:>6.1f} "
                f"{m.actual:>6} {_number(m.plan):>6} {_number(m.last3):>6}  "
                f"{'yes' if m.in_range else 'no'}"
            )
        self.stdout.write(
            f"mean absolute error: forecast {_number(result.mae_forecast)}, plan "
            f"{_number(result.mae_plan)}, last 3 months {_number(result.mae_last3)}; "
            f"actual in range: {_number(100 * (result.coverage or 0))}% of months"
        )
        extra = result.extra
        if extra.get("clause_months"):
            self.stdout.write(
                f"clause outcomes: {extra['breach_hits']} breaches forecast, "
                f"{extra['breach_misses']} breaches missed, {extra['false_alarms']} false alarms "
                f"in {len(extra['clause_months'])} clause-months"
            )
