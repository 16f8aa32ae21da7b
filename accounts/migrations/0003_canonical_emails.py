"""Store every user's e-mail address in its canonical form (`email_canonical`).

Sign-in now looks an address up by equality with its canonical form, so addresses stored
before (lower-cased, not folded or normalised) are rewritten. Two accounts whose addresses
become the same would be one sign-in: the migration stops and names them, to be merged by
hand, rather than choose between them.
"""

from django.db import migrations

from rpo_portal.text_rules import email_canonical


def emails_canonicalise(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    owners: dict[str, int] = {}
    changed = []
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        canonical = email_canonical(email)
        if canonical in owners:
            raise RuntimeError(
                f"Users {owners[canonical]} and {pk} both have the e-mail address {canonical!r} "
                "once canonicalised: merge or rename one, then migrate again."
            )
        owners[canonical] = pk
        if canonical != email:
            changed.append((pk, canonical))
    for pk, canonical in changed:
        User.objects.filter(pk=pk).update(email=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_keys"),
    ]

    operations = [migrations.RunPython(emails_canonicalise, migrations.RunPython.noop)]
