import requests
from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.views import LoginView
from identity import selectors, services
from identity.forms import SignInForm, SsoConnectionForm, SsoStartForm
from identity.models import PROVIDER

MANAGE_SSO = "identity.manage_sso"


class SignInView(LoginView):
    template_name = "identity/login.html"
    authentication_form = SignInForm


login = SignInView.as_view()


def sso_start(request):
    """Sign-in by e-mail: the address's domain leads to its organization's identity provider."""
    if request.method != "POST":
        return redirect("accounts:login")
    form = SsoStartForm(request.POST)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    if form.is_valid():
        connection = selectors.connection_for_email(email=form.cleaned_data["username"])
        if connection is not None:
            app = SocialApp.objects.get(pk=connection.social_app_id)
            provider = app.get_provider(request)
            try:
                return provider.redirect(request, "login", next_url=next_url or None)
            except (requests.RequestException, ValueError, KeyError):
                form.add_error(
                    "username",
                    f"{connection.organization}'s identity provider could not be reached: "
                    "try again later, or ask your organization's admin.",
                )
        else:
            form.add_error(
                "username",
                "No single sign-on is set up for this address's domain: sign in with your "
                "password.",
            )
    login_form = SignInForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": login_form, "sso_form": form, "next": next_url}
    return render(request, "identity/login.html", context, status=400)


def _settings_context(request, organization, form):
    connection = selectors.connection_of(organization=organization)
    callback = ""
    if connection is not None:
        callback = request.build_absolute_uri(
            reverse(
                f"{PROVIDER}_callback", kwargs={"provider_id": connection.social_app.provider_id}
            )
        )
    return {
        "organization": organization,
        "connection": connection,
        "callback_url": callback,
        "form": form,
        "events": selectors.sign_in_events_of(organization=organization),
    }


@login_required
def sso_settings(request, slug: str):
    """The organization's single sign-on: its admins set the identity provider here."""
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    connection = selectors.connection_of(organization=organization)
    if request.method == "POST":
        form = SsoConnectionForm(request.POST, organization=organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.connection_save(
                    actor=request.user,
                    organization=organization,
                    domain=data["domain"],
                    discovery_url=data["discovery_url"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    enabled=data["enabled"],
                    sso_required=data["sso_required"],
                    break_glass_user=data["break_glass_user"],
                    group_claim=data["group_claim"],
                    role_mapping=data["role_mapping"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Single sign-on saved.")
                return redirect("identity:sso-settings", slug=organization.slug)
    elif connection is not None:
        mapping = "\n".join(f"{g} = {r}" for g, r in connection.role_mapping.items())
        form = SsoConnectionForm(
            organization=organization,
            initial={
                "domain": connection.domain,
                "discovery_url": connection.discovery_url,
                "client_id": connection.client_id,
                "enabled": connection.enabled,
                "sso_required": connection.sso_required,
                "break_glass_user": connection.break_glass_user_id,
                "group_claim": connection.group_claim,
                "role_mapping": mapping,
            },
        )
    else:
        form = SsoConnectionForm(organization=organization)
    response = render(
        request, "identity/sso_settings.html", _settings_context(request, organization, form)
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def sso_remove(request, slug: str):
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    connection = selectors.connection_of(organization=organization)
    if connection is not None:
        services.connection_delete(actor=request.user, connection=connection)
        messages.success(request, "Single sign-on removed: members sign in with passwords.")
    return redirect("identity:sso-settings", slug=organization.slug)
