"""Print the import contract's tables for docs/data-contract.md section 1."""

from django.core.management.base import BaseCommand

from recruiting.contract_docs import sections


class Command(BaseCommand):
    help = "Print the tables of docs/data-contract.md section 1, written from the contract."

    def handle(self, *args, **options):
        self.stdout.write("\n".join(sections()))
