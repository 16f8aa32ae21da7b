from rpo_portal.text_rules import email_canonical


def axes_username(request, credentials) -> str | None:
    """The account a sign-in attempt is for, in the canonical form accounts are stored in, so
    that every spelling that reaches an account (case, compatibility look-alikes) shares its
    lock, and a spelling that reaches no account locks only itself."""
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return email_canonical(raw) if raw else None
