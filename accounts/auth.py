def axes_username(request, credentials) -> str | None:
    """The e-mail a sign-in attempt is for, normalised so that case changes share one lock."""
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return raw.strip().lower() if raw else None
