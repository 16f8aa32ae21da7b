"""What the engagements app announces; the layers above react (docs/architecture.md, "Layers").

`engagement_data_changed` (keyword `engagement`): the engagement's recruiting data, or a term
the KPIs are computed from, changed inside the current transaction. Receivers run in that
transaction; whatever they enqueue they enqueue on commit.

`commercial_terms_changed` (keywords `terms`, `event` one of proposed, agreed, rejected, and
`actor`): a party proposed commercial terms or the other party answered; the notifications
app tells both parties' negotiators.
"""

from django.dispatch import Signal

engagement_data_changed = Signal()
commercial_terms_changed = Signal()
