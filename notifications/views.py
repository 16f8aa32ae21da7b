"""The person's notifications: the inbox, reading them, and how they want their e-mails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.forms import PreferenceForm

PAGE_SIZE = 25


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    notifications = selectors.notifications_for(user=request.user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": selectors.unread_count(user=request.user),
    }
    template = "notifications/inbox.html"
    if request.htmx and not request.htmx.boosted:
        template += "#inbox"
    return render(request, template, context)


@login_required
@require_POST
def mark_read(request, notification_id: int):
    notification = services.notification_mark_read(
        actor=request.user, notification_id=notification_id
    )
    if request.htmx:
        return render(
            request, "notifications/inbox.html#notification", {"notification": notification}
        )
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("notifications:inbox")


@login_required
def open_notification(request, notification_id: int):
    """Mark the notification read and go to what it is about."""
    notification = services.notification_mark_read(
        actor=request.user, notification_id=notification_id
    )
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("notifications:inbox")
    return redirect(target)


@login_required
def preferences(request):
    form = PreferenceForm(initial={"delivery": selectors.delivery_of(user=request.user)})
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.notification_preference_set(
                actor=request.user, delivery=form.cleaned_data["delivery"]
            )
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


# A mail program's one-click unsubscribe (RFC 8058) POSTs from outside any session: the signed
# token is the proof, so no sign-in and no CSRF token. GET only shows the button, since link
# scanners fetch every URL in a message.
@csrf_exempt
def unsubscribe(request, token: str):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    user = services.user_of_unsubscribe_token(token)
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    done = False
    if request.method == "POST":
        services.notification_emails_unsubscribe(token=token)
        done = True
    return render(request, "notifications/unsubscribe.html", {"email": user.email, "done": done})
