"""A breach's life after the evaluation opened it: acknowledgement, remediation plan and
corrective actions, resolution, waiver and reopening, relief claims, and the notifications
of what the evaluation brought. One package, like `reviews.qbr`: `services` (writes),
`selectors` (reads), `views` and `forms` (pages), `api` (endpoints)."""
