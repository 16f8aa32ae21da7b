"""Baselines: each KPI's value before go-live, agreed by both parties (issue 26).

`models` (the proposals, their baselines and steps), `compute` (a KPI over a window of whole
months, by the engine), `improvement` (the change since the baseline and the value delivered,
pure arithmetic), `services` (propose computed or entered, agree, reject), `selectors`, `api`,
`views`, `forms`. The rules are docs/data-contract.md, "Baselines".
"""
