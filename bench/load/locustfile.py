"""The dashboard under load: HR leads and account managers of the demo data, signed in, reading
the portfolio, the dashboard, its filters and panels, a KPI page and the SLA pages.

Run by bench/load/run.sh (which starts gunicorn with the production settings); alone:
`.venv-locust/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8765 --headless
-u 20 -r 5 -t 60s`. Runs in the load test's own virtualenv: nothing of the app is imported.
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

# Who signs in, in turn: the demo's HR leads and account managers (`manage.py seed_demo`).
LOGINS = os.environ.get(
    "RPO_LOAD_LOGINS",
    "hr@acme.example,am@talentbridge.example,hr@globex.example,"
    "am@hirewell.example,hr@initech.example",
).split(",")
PASSWORD = os.environ.get("RPO_LOAD_PASSWORD", "rpo-demo-2026")
PANELS = ("kpis", "sla", "actions", "meetings", "activity", "freshness")
HTMX = {"HX-Request": "true"}
_next_login = itertools.cycle(LOGINS)


class Member(HttpUser):
    """One person of the demo data, with their own session, reading what they would each day."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.email = next(_next_login)
        self.client.get("/accounts/login/", name="sign in (form)")
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="sign in",
        )
        ids = sorted(set(re.findall(r'href="/engagements/(\d+)/"', response.text)))
        if response.url.endswith("/accounts/login/") or not ids:
            raise RuntimeError(f"{self.email} could not sign in or sees no engagement")
        self.engagements = ids

    def _engagement(self) -> str:
        return f"/engagements/{random.choice(self.engagements)}"  # noqa: S311 - not security

    @task(2)
    def portfolio(self) -> None:
        self.client.get("/", name="portfolio")

    @task(4)
    def dashboard(self) -> None:
        self.client.get(f"{self._engagement()}/", name="dashboard")

    @task(2)
    def dashboard_filtered(self) -> None:
        # What a filter change fetches: the filtered panels, swapped in by htmx.
        grain = random.choice(("month", "quarter"))  # noqa: S311 - not security
        self.client.get(
            f"{self._engagement()}/?grain={grain}", headers=HTMX, name="dashboard filter (htmx)"
        )

    @task(3)
    def panel(self) -> None:
        panel = random.choice(PANELS)  # noqa: S311 - not security
        self.client.get(
            f"{self._engagement()}/panels/{panel}/", headers=HTMX, name=f"panel {panel}"
        )

    @task(1)
    def kpi_page(self) -> None:
        self.client.get(f"{self._engagement()}/kpis/time_to_fill/", name="KPI page")

    @task(1)
    def sla(self) -> None:
        self.client.get(f"{self._engagement()}/sla/", name="SLA overview")

    @task(1)
    def breaches(self) -> None:
        self.client.get(f"{self._engagement()}/sla/breaches/", name="breaches")
