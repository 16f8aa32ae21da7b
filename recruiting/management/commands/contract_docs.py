"""Print the import contract's tables for docs/data-contract.md (sections 1 and 5)."""

from recruiting.contract import UPLOAD_KINDS
from recruiting.contract_docs import kind_section, sections
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = "Print the tables of docs/data-contract.md, written from the contract."

    def handle(self, *args, **options):
        uploads = [kind_section(kind) for kind in UPLOAD_KINDS.values()]
        self.stdout.write("\n".join([*sections(), *uploads]))
