"""Walk every page a person can reach from the navigation, and check each as it is shown.

The pages are found, not listed: from the start pages the walk follows every link of the page
(the header, the engagement's tabs, the sub-tabs and the links in the page), and keeps one page
per view of the URL conf (`resolve(path).route`), so a list's first detail page stands for all of
them, and a page added tomorrow is walked as soon as a tab or a list links to it. What it does
not open, and why, is `EXCLUDED` below; anything it opens must answer 200 with an HTML page.

`check_page(page)` returns what a person should never meet on the page as shown: a table wider
than its container (a time matrix may scroll, inside a focusable labelled region whose first
column stays in place), a page wider than the window, a chart label outside its chart or on top
of another, and a raw internal value in the visible text.
"""

import re
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

# Links the walk does not follow, each with its reason. Besides these: a link marked
# `download` (a file), another site's link, and every POST (sign-out, marking read, the forms'
# actions): the walk opens pages as a person browses, and changes nothing.
EXCLUDED = {
    # Files, not pages: calendar feeds, CSV/XLSX/PDF/ZIP downloads and exports.
    "download": re.compile(r"(\.(ics|csv|xlsx|pdf|zip|json)$)|/download/$|/export/$|/export\b"),
    # The JSON API, its schema and its reference (Swagger UI's own page, linked from the API
    # keys page): checked by tests/api (schemathesis and the API pages' own tests).
    "api": re.compile(r"^/api/"),
    # Django's own admin, for platform staff only: not part of the product's pages.
    "admin": re.compile(r"^/admin/"),
    # A one-click unsubscribe link changes the person's settings by being opened.
    "unsubscribe": re.compile(r"^/notifications/unsubscribe/"),
    # Static files and media.
    "static": re.compile(r"^/(static|media)/"),
}

# The kwargs that name a different kind of page rather than another row of the same list.
KIND_KWARGS = {"kind", "panel"}


def excluded(path: str) -> str | None:
    for reason, pattern in EXCLUDED.items():
        if pattern.search(path):
            return reason
    return None


def page_key(path: str) -> str | None:
    """One key per view: its route, with the kwargs that name a kind of page filled in."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    key = match.route
    for name in KIND_KWARGS & set(match.kwargs):
        key += f" {name}={match.kwargs[name]}"
    return key


LINKS = r"""() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""


def discover(page, base_url: str, starts: list[str]) -> tuple[dict[str, str], set]:
    """Breadth-first from `starts`: {route key: path} of every page reached, in the order
    found, and the set of (reason, path) of the links left out."""
    found: dict[str, str] = {}
    opened: set[str] = set()
    left_out: set[tuple[str, str]] = set()
    queue = list(starts)
    origin = urlsplit(base_url).netloc
    while queue:
        path = queue.pop(0)
        key = page_key(path)
        if key is None or key in opened:
            continue
        opened.add(key)
        response = page.goto(base_url + path)
        final = urlsplit(page.url).path
        if page_key(final) != key:
            # A link that redirects (a notification's "open") leads to a page of its own.
            queue.insert(0, final)
            continue
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
        assert "text/html" in response.headers.get("content-type", ""), path
        found[key] = path
        for href in page.evaluate(LINKS):
            link = urlsplit(href)
            if link.netloc != origin or link.scheme not in ("http", "https"):
                continue
            reason = excluded(link.path)
            if reason:
                left_out.add((reason, link.path))
            elif page_key(link.path) not in opened and link.path not in queue:
                queue.append(link.path)
    return found, left_out


# What the page shows that a person should never read; text inside <code>, <cite> (a
# standard's name), <option> and assistive-only elements is left out.
LAYOUT_AND_TEXT = r"""() => {
  const found = {pageWidth: document.documentElement.scrollWidth, wideTables: [],
                 svgTextOutside: [], svgTextOverlap: [], raw: []};
  for (const table of document.querySelectorAll('main table')) {
    if (table.closest('.visually-hidden')) continue;
    const matrix = table.closest('.time-matrix');
    if (matrix) {
      // A time matrix may scroll, inside a focusable labelled region, its first column sticky.
      const first = table.querySelector('tbody th, tbody td');
      const sticky = first && getComputedStyle(first).position === 'sticky';
      if (matrix.getAttribute('role') !== 'region' || matrix.getAttribute('tabindex') !== '0' ||
          !matrix.getAttribute('aria-label') || !sticky)
        found.wideTables.push(`time matrix ${table.className} without its region or sticky column`);
      continue;
    }
    const room = table.parentElement.getBoundingClientRect().width;
    const width = table.getBoundingClientRect().width;
    if (width > room + 1) found.wideTables.push(`${table.className} ${width}>${room}`);
  }
  for (const svg of document.querySelectorAll('main svg')) {
    const box = svg.getBoundingClientRect();
    const boxes = [];
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (!r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 ||
          r.top < box.top - 1 || r.bottom > box.bottom + 1)
        found.svgTextOutside.push(text.textContent);
      for (const [other, o] of boxes) {
        const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
        const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
        if (w > 1 && h > 1) found.svgTextOverlap.push(`${other} / ${text.textContent}`);
      }
      boxes.push([text.textContent, r]);
    }
  }
  const patterns = [
    /\bNone\b/,
    /\b[a-z]+_[a-z0-9_]+\b(?!\.(csv|xlsx))/,
    /\d{2}:\d{2}:\d{2}\.\d+/,
    /\d{4}-\d{2}-\d{2}T\d/,
    /\b\d{4}-\d{2}-\d{2}\b/,
    /(?<![\w,.\/#-])\d{5,}(?![\w,])/,  // "#11921" is a record's number, not an amount
  ];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const unread = 'code, cite, pre, script, style, option, textarea, .visually-hidden';
  for (let node; (node = walker.nextNode()); ) {
    const parent = node.parentElement;
    if (parent.closest(unread)) continue;
    if (!parent.getClientRects().length) continue;  // not shown at this width
    for (const pattern of patterns) {
      const match = node.textContent.match(pattern);
      if (match) found.raw.push(`${match[0]} in "${node.textContent.trim().slice(0, 80)}"`);
    }
  }
  return found;
}"""


def check_page(page, width: int, where: str) -> list[str]:
    found = page.evaluate(LAYOUT_AND_TEXT)
    problems = []
    if found["pageWidth"] > width:
        problems.append(f"{where}: page {found['pageWidth']} px wide")
    problems += [f"{where}: table {t}" for t in found["wideTables"]]
    problems += [f"{where}: chart label {t!r} outside" for t in found["svgTextOutside"]]
    problems += [f"{where}: chart labels overlap: {t}" for t in found["svgTextOverlap"]]
    problems += [f"{where}: raw {t}" for t in found["raw"]]
    return problems
