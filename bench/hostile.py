"""Refusing hostile uploads: the time and peak memory each takes (target: 2 s, 200 MB).

Builds each hostile file (`bench/hostile_files.py`) and sends it through the real import
path in a fresh process per file, so each peak is its own: a file to the web upload
(`recruiting.services.file_import`, which reads and validates it before anything is
written), a body to the bulk API (the test client, through the JSON parser and the view).
Each process first serves a harmless request on the same route (modules, URLs and templates
load on first use), then reads the input from a file (building a 64 MB string is not the
refusal's cost). Peak memory is the whole process's resident high-water mark (VmHWM:
Django, pandas and Arrow included) and how much the refusal raised it; time is from the call
to its answer.

    .venv/bin/python -m bench.hostile
"""

from __future__ import annotations

import json
import multiprocessing
import time

from bench._setup import RESULTS, bench_database, django_setup, record

# (name, what the issue measured, builder of the bytes, where they go)
CASES = [
    ("shared_string_16mb", "19,623-byte XLSX: 12.2 s, 2.2 GB", "long_16", "upload"),
    ("shared_string_64mb", "68 KB XLSX: 500 (an 8 GB allocation)", "long_64", "upload"),
    ("column_xfd_rows", "111 KB XLSX: 36 s, 1.5 GB", "far", "upload"),
    ("zip_bomb_1gb", "(not in the review) 1 GB of XML in a 1 MB XLSX", "bomb", "upload"),
    ("csv_70000_columns", "619 KB CSV: 77 s", "csv_70k", "upload"),
    ("csv_1000000_columns", "did not finish", "csv_1m", "upload"),
    ("bulk_70000_keys", "1 MB body: 75 s", "records_70k", "bulk"),
    ("bulk_lone_surrogate", "500 (UnicodeEncodeError)", "surrogate", "bulk"),
    ("bulk_100000_deep", "500 (RecursionError)", "deep", "bulk"),
    ("segment_nul", "500 (ValueError: NUL)", "nul", "page"),
]


def build(name: str) -> tuple[bytes, str]:
    from bench import hostile_files as h

    builders = {
        "long_16": lambda: (h.long_shared_string_xlsx(16 << 20, 100), "requisitions.xlsx"),
        "long_64": lambda: (h.long_shared_string_xlsx(64 << 20, 100), "requisitions.xlsx"),
        "far": lambda: (h.far_column_xlsx(20_000), "requisitions.xlsx"),
        "bomb": lambda: (h.expanding_xlsx(1 << 30), "requisitions.xlsx"),
        "csv_70k": lambda: (h.wide_csv(70_000), "requisitions.csv"),
        "csv_1m": lambda: (h.wide_csv(1_000_000), "requisitions.csv"),
        "records_70k": lambda: (h.wide_records(70_000), ""),
        "surrogate": lambda: (b'[{"external_id": "R1", "title": "X\\ud800"}]', ""),
        "deep": lambda: (h.deep_json(100_000), ""),
        "nul": lambda: (b"segment=department:%00", ""),
    }
    return builders[name]()


def refuse(engagement, user, data: bytes, file_name: str, route: str) -> str:
    """Send the input where an attacker would; the refusal's first reason."""
    from django.test import Client
    from django.urls import reverse

    from recruiting.services import file_import

    if route == "upload":
        result = file_import(
            actor=user, engagement=engagement, file=data, file_name=file_name, dry_run=True
        )
        assert not result.ok, "the importer accepted a hostile file"
        return result.errors[0]["reason"]
    from rest_framework.test import APIClient

    client = APIClient() if route == "bulk" else Client()
    client.force_login(user)
    if route == "bulk":
        url = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, response.status_code
        return json.loads(response.content)["errors"][0]["reason"]
    url = reverse("kpis:overview", kwargs={"engagement_id": engagement.pk})
    response = client.get(f"{url}?{data.decode()}")
    assert response.status_code == 400, response.status_code
    return response.content.decode()


def peak_kb() -> int:
    """The process's resident high-water mark (VmHWM: unlike `ru_maxrss`, not inherited from
    the parent that spawned it)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1])


def warm_up(engagement, user, route: str) -> None:
    """A harmless request on the same route first: the modules, URLs and templates it loads
    on first use are not the hostile input's cost."""
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    from recruiting.services import file_import

    if route == "upload":
        file_import(
            actor=user,
            engagement=engagement,
            file=b"external_id,title,opened_on\nR1,T,2025-01-10\n",
            file_name="requisitions.csv",
            dry_run=True,
        )
        file_import(actor=user, engagement=engagement, file=b"PK\x03\x04", file_name="r.xlsx")
        return
    client = APIClient() if route == "bulk" else Client()
    client.force_login(user)
    if route == "bulk":
        url = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
        client.post(url, b"[]", content_type="application/json")
    else:
        client.get(reverse("kpis:overview", kwargs={"engagement_id": engagement.pk}))


def one_case(case: tuple, path: str, engagement_id: int, user_id: int, out) -> None:
    """In a fresh process: warm up, read the input, then time and measure its refusal."""
    django_setup()
    from django.db import connection

    from accounts.models import User
    from engagements.models import Engagement

    connection.settings_dict["NAME"] = "bench_hostile"
    engagement = Engagement.objects.get(pk=engagement_id)
    user = User.objects.get(pk=user_id)
    from django.conf import settings

    # Not a test run: the test client's host name must be allowed here.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    name, _, _builder, route, file_name = case
    warm_up(engagement, user, route)
    with open(path, "rb") as file:
        data = file.read()
    before = peak_kb()
    start = time.perf_counter()
    try:
        reason = refuse(engagement, user, data, file_name, route)
    except BaseException as exc:
        out.send(
            {"case": name, "bytes": len(data), "seconds": 0, "peak_mb": 0, "reason": repr(exc)}
        )
        raise
    seconds = time.perf_counter() - start
    peak = peak_kb()
    out.send(
        {
            "case": name,
            "bytes": len(data),
            "seconds": round(seconds, 3),
            "peak_mb": round(peak / 1024, 1),
            "grew_mb": round((peak - before) / 1024, 1),
            "reason": reason[:90],
        }
    )


def main() -> None:
    django_setup()
    from accounts.models import Role
    from tests.factories import EngagementFactory, member

    figures: dict = {}
    with bench_database("hostile"):
        engagement = EngagementFactory()
        user = member(engagement.provider, Role.ACCOUNT_MANAGER)
        context = multiprocessing.get_context("spawn")
        for case in CASES:
            # Built here, read by the child: building a 64 MB string is not the refusal's cost.
            data, file_name = build(case[2])
            path = RESULTS / f"hostile-{case[0]}.input"
            RESULTS.mkdir(exist_ok=True)
            path.write_bytes(data)
            del data
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=one_case, args=((*case, file_name), str(path), engagement.pk, user.pk, send)
            )
            process.start()
            result = receive.recv()
            process.join()
            path.unlink()
            result["issue"] = case[1]
            figures[case[0]] = result
            print(
                f"{case[0]:22} {result['bytes']:>11,} B  {result['seconds']:6.3f} s  "
                f"{result['peak_mb']:7.1f} MB (+{result.get('grew_mb', 0)})  ({case[1]})  "
                f"{result['reason']}",
                flush=True,
            )
    record("hostile", figures)


if __name__ == "__main__":
    main()
