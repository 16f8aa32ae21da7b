import base64
import json
import time

import requests
from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.socialaccount.models import SocialApp
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.models import User
from accounts.views import LoginView
from identity import factors, scim, selectors, services, sessions
from identity.forms import (
    CodeForm,
    KeyForm,
    MfaPolicyForm,
    ScimTokenForm,
    SignInForm,
    SsoConnectionForm,
    SsoStartForm,
)
from identity.models import PROVIDER, ScimToken

MANAGE_SSO = "identity.manage_sso"


PENDING = "identity.pending_second_factor"
PENDING_SECONDS = 300


class SignInView(LoginView):
    template_name = "identity/login.html"
    authentication_form = SignInForm

    def form_valid(self, form):
        """A right password; a second factor is still asked of whoever has one, or must."""
        user = form.get_user()
        has_factor = factors.has_factor(user)
        if not has_factor and not factors.required_for(user=user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": int(time.time()),
        }
        return redirect("identity:mfa-verify" if has_factor else "identity:mfa-enroll")


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
        "scim_tokens": ScimToken.objects.filter(organization=organization).select_related(
            "created_by"
        ),
        "scim_form": ScimTokenForm(),
        "scim_url": request.build_absolute_uri(
            reverse("identity:scim-users", kwargs={"slug": organization.slug})
        ),
        "mfa_form": MfaPolicyForm(
            initial={"required_for": factors.policy_of(organization=organization)}
        ),
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
        form = _connection_form(organization, connection)
    else:
        form = SsoConnectionForm(organization=organization)
    response = render(
        request, "identity/sso_settings.html", _settings_context(request, organization, form)
    )
    add_never_cache_headers(response)
    return response


def _connection_form(organization, connection):
    mapping = "\n".join(f"{g} = {r}" for g, r in connection.role_mapping.items())
    return SsoConnectionForm(
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


@login_required
@require_POST
def sso_remove(request, slug: str):
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    connection = selectors.connection_of(organization=organization)
    if connection is not None:
        services.connection_delete(actor=request.user, connection=connection)
        messages.success(request, "Single sign-on removed: members sign in with passwords.")
    return redirect("identity:sso-settings", slug=organization.slug)


# --- Two-factor authentication -----------------------------------------------------------------


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _finish_sign_in(request, user: User, pending: dict, method: str):
    request.session.pop(PENDING, None)
    user.backend = pending["backend"]
    request.identity_second_factor = method
    auth_login(request, user)
    return redirect(pending["next"])


def _qr(user: User, secret: str) -> str:
    adapter = mfa_adapter()
    svg = adapter.build_totp_svg(adapter.build_totp_url(user, secret))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def mfa_verify(request):
    """After the password: the authenticator app's code, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    credentials = {"username": user.email}
    form = CodeForm(request.POST or None)
    key_error = ""
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING, None)
            return render(request, "accounts/locked_out.html", status=429)
        if request.POST.get("action") == "key":
            if factors.key_check(user=user, response=_json(request.POST.get("credential"))):
                return _finish_sign_in(request, user, pending, "webauthn")
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form = CodeForm()
            key_error = "The security key's answer was not accepted: try again."
        elif form.is_valid():
            method = factors.second_factor_check(user=user, code=form.cleaned_data["code"])
            if method is not None:
                return _finish_sign_in(request, user, pending, method)
            # A wrong code counts toward the account's lockout like a wrong password.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", "That code is not right. Try the app's current code.")
    context = {
        "form": form,
        "has_totp": factors.totp_of(user) is not None,
        "key_error": key_error,
    }
    if factors.keys_of(user):
        context["key_options"] = factors.key_sign_in_options(user=user)
    return render(request, "identity/mfa_verify.html", context)


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def mfa_enroll(request):
    """After the password, when the organization requires a second factor not yet set up."""
    user, pending = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    secret = request.session.get("identity.totp_secret") or generate_totp_secret()
    request.session["identity.totp_secret"] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = factors.totp_activate(user=user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
        else:
            request.session.pop("identity.totp_secret", None)
            _finish_sign_in(request, user, pending, "totp")
            return render(
                request, "identity/recovery_codes.html", {"codes": codes, "next": pending["next"]}
            )
    context = {"form": form, "secret": secret, "qr": _qr(user, secret), "enrolling": True}
    return render(request, "identity/mfa_enroll.html", context)


@login_required
def two_factor(request):
    """The account's second factor: turn it on (app and recovery codes), make new recovery
    codes, or turn it off."""
    user = request.user
    totp = factors.totp_of(user)
    form = CodeForm(request.POST or None)
    codes = None
    action = request.POST.get("action", "")
    key_form = KeyForm(request.POST if action in ("add_key", "remove_key") else None)
    if request.method == "POST":
        if action == "regenerate":
            codes = factors.recovery_codes_regenerate(user=user)
        elif action == "add_key" and key_form.is_valid():
            try:
                codes = factors.key_add(
                    user=user,
                    name=key_form.cleaned_data["name"],
                    credential=_json(key_form.cleaned_data["credential"]),
                )
            except ValidationError as error:
                key_form.add_error("name", error.message_dict.get("name", error.messages))
            else:
                messages.success(request, "Security key added.")
                if not codes:
                    return redirect("identity:two-factor")
        elif action == "remove_key":
            try:
                factors.key_remove(user=user, key_id=int(request.POST.get("key", 0) or 0))
            except (ValidationError, ValueError) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, "Security key removed.")
            return redirect("identity:two-factor")
        elif action in ("activate", "deactivate") and form.is_valid():
            try:
                if action == "activate" and totp is None:
                    secret = request.session.get("identity.totp_secret", "")
                    codes = factors.totp_activate(
                        user=user, secret=secret, code=form.cleaned_data["code"]
                    )
                    request.session.pop("identity.totp_secret", None)
                elif action == "deactivate" and totp is not None:
                    factors.totp_deactivate(user=user, code=form.cleaned_data["code"])
                    messages.success(request, "Two-factor authentication is off.")
                    return redirect("identity:two-factor")
            except ValidationError as error:
                form.add_error("code", error.message_dict.get("code", error.messages))
        totp = factors.totp_of(user)
    context = {
        "form": form if action in ("activate", "deactivate") else CodeForm(),
        "key_form": key_form if action == "add_key" else KeyForm(),
        "keys": factors.keys_of(user),
        "key_options": factors.key_registration_options(user=user),
        "totp": totp,
        "codes": codes,
        "required": factors.required_for(user=user),
        "unused": factors.unused_recovery_codes(user),
    }
    if totp is None:
        secret = request.session.get("identity.totp_secret") or generate_totp_secret()
        request.session["identity.totp_secret"] = secret
        context.update(secret=secret, qr=_qr(user, secret))
    response = render(request, "identity/two_factor.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def mfa_policy(request, slug: str):
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    form = MfaPolicyForm(request.POST)
    if form.is_valid():
        factors.policy_set(
            actor=request.user,
            organization=organization,
            required_for=form.cleaned_data["required_for"],
        )
        messages.success(request, "Two-factor policy saved.")
    return redirect("identity:sso-settings", slug=organization.slug)


@login_required
def scim_tokens(request, slug: str):
    """Create a provisioning token: the page shows it once."""
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    if request.method != "POST":
        return redirect("identity:sso-settings", slug=organization.slug)
    form = ScimTokenForm(request.POST)
    new_token = None
    if form.is_valid():
        _, new_token = scim.token_create(
            actor=request.user, organization=organization, name=form.cleaned_data["name"]
        )
        messages.success(request, "Provisioning token created.")
    context = _settings_context(request, organization, SsoConnectionForm(organization=organization))
    context.update(
        new_scim_token=new_token, scim_form=form if new_token is None else ScimTokenForm()
    )
    connection = context["connection"]
    if connection is not None:
        context["form"] = _connection_form(organization, connection)
    response = render(request, "identity/sso_settings.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def scim_token_revoke(request, slug: str, token_id: int):
    organization = account_selectors.organization_for(request.user, slug, MANAGE_SSO)
    token = ScimToken.objects.filter(organization=organization, pk=token_id).first()
    if token is None:
        from django.http import Http404

        raise Http404("No such token.")
    scim.token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("identity:sso-settings", slug=organization.slug)


@login_required
def my_sessions(request):
    """Where the person is signed in; they end any session but this one here."""
    if request.method == "POST":
        try:
            session_id = int(request.POST.get("session", 0) or 0)
        except ValueError:
            session_id = 0
        if sessions.session_end(user=request.user, session_id=session_id):
            messages.success(request, "That session has ended.")
        return redirect("identity:sessions")
    context = {
        "sessions": sessions.sessions_of(user=request.user),
        "current": request.session.session_key,
    }
    response = render(request, "identity/sessions.html", context)
    add_never_cache_headers(response)
    return response
