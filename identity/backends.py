"""Authentication backends: passwords as Django checks them, refused where single sign-on is
required; and the backend that sessions opened by single sign-on are kept under."""

from django.contrib.auth.backends import ModelBackend

from identity.selectors import password_refused_for


class PasswordBackend(ModelBackend):
    """Django's password check; a member of an organization that requires single sign-on is
    refused (except its break-glass admin), with the same answer as a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and password_refused_for(user=user):
            return None
        return user


class SingleSignOnBackend(ModelBackend):
    """Checks no credentials: it only keeps the sessions that an identity provider opened."""

    def authenticate(self, request, **credentials):
        return None
