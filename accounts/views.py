from django.contrib import messages
from django.contrib.auth import logout as end_session
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyForm, EmailAuthenticationForm
from accounts.models import ApiKey

MANAGE_API_KEYS = "accounts.manage_api_keys"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


@login_required
def account(request):
    """Who you are, your roles, and the button that ends every session you have."""
    context = {"memberships": selectors.memberships_of(user=request.user)}
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def sign_out_everywhere(request):
    services.user_sign_out_everywhere(actor=request.user, user=request.user)
    end_session(request)
    messages.success(request, "You have been signed out on every device, this one included.")
    return redirect("accounts:login")


@login_required
def api_keys(request, slug: str):
    """An organization's API keys; admins create them here and see each new key once."""
    organization = selectors.organization_for(request.user, slug, MANAGE_API_KEYS)
    new_key = None
    if request.method == "POST":
        form = ApiKeyForm(request.POST, organization=organization)
        if form.is_valid():
            api_key, new_key = services.api_key_create(
                actor=request.user,
                organization=organization,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
            messages.success(request, f"Key “{api_key.name}” created.")
            form = ApiKeyForm(organization=organization)
    else:
        form = ApiKeyForm(organization=organization)
    context = {
        "organization": organization,
        "api_keys": selectors.api_keys_of(organization=organization),
        "form": form,
        "new_key": new_key,
    }
    template = "accounts/api_keys.html"
    if request.htmx:
        template += "#keys"
    response = render(request, template, context)
    # The page may carry a key's only copy: keep it out of every cache.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def api_key_revoke(request, slug: str, key_id: int):
    organization = selectors.organization_for(request.user, slug, MANAGE_API_KEYS)
    api_key = get_object_or_404(ApiKey, pk=key_id, organization=organization)
    services.api_key_revoke(actor=request.user, api_key=api_key)
    if request.htmx:
        context = {
            "organization": organization,
            "api_keys": selectors.api_keys_of(organization=organization),
        }
        return render(request, "accounts/api_keys.html#keys", context)
    messages.success(request, f"Key “{api_key.name}” revoked.")
    return redirect("organizations:api-keys", slug=organization.slug)
