import pghistory
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rpo_portal.text_rules import OneLineCharField, email_canonical


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=email_canonical(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Equal canonical forms only: the database's case-insensitive match folds letters
        # its own way (a dotless i matches I), which would let a look-alike reach an account.
        return self.get(email=email_canonical(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address. Platform staff have is_staff."""

    email = models.EmailField(unique=True)
    full_name = OneLineCharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Platform staff: may use the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of every session's authentication hash: raising it ends all of the user's sessions
    # at their next request ("sign out everywhere", deactivation), wherever they are stored.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @classmethod
    def normalize_username(cls, username):
        # What `clean()` (so every form and `full_clean`) stores the address as.
        return email_canonical(username) if username else username

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's session hash (of the password hash), extended with the session generation.

        Django checks it on every request, for the current secret and its fallbacks, so a
        session whose hash no longer matches is flushed. Generation 0 gives Django's own hash:
        sessions made before the generation existed stay valid.
        """
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password
        if self.session_generation:
            value = f"{value}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class OrganizationKind(models.TextChoices):
    CLIENT = "client", "Client"
    PROVIDER = "provider", "RPO provider"


@pghistory.track()
class Organization(models.Model):
    name = OneLineCharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=OrganizationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values), name="organization_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLIENT_ADMIN = "client_admin", "Client admin"
    HR_LEAD = "hr_lead", "HR lead"
    CLIENT_VIEWER = "client_viewer", "Client viewer"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    RECRUITER = "recruiter", "Recruiter"


CLIENT_ROLES = frozenset({Role.CLIENT_ADMIN, Role.HR_LEAD, Role.CLIENT_VIEWER})
PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER, Role.RECRUITER})
ROLES_BY_KIND = {OrganizationKind.CLIENT: CLIENT_ROLES, OrganizationKind.PROVIDER: PROVIDER_ROLES}


@pghistory.track()
class Membership(models.Model):
    """A user's role in one organization. A person may belong to several organizations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.organization}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.organization_id and self.role not in ROLES_BY_KIND[self.organization.kind]:
            raise ValidationError(
                {"role": f"{self.role} is not a role of a {self.organization.kind} organization."}
            )


def default_api_key_role(kind: str) -> str:
    """The role a new key gets unless the admin picks another: enough to import data."""
    return Role.ACCOUNT_MANAGER if kind == OrganizationKind.PROVIDER else Role.CLIENT_ADMIN


# The secret's hash stays out of history; a key's use (last_used_at) is not a change to it.
@pghistory.track(exclude=["secret_hash", "last_used_at"])
class ApiKey(models.Model):
    """An organization's key for integrations (the ATS), acting with one of its roles.

    The key is `rpo_<prefix>_<secret>`. The prefix is stored in clear to find the row; only
    the SHA-256 of the 256-bit random secret is stored. A slow password hash buys nothing for a
    secret that cannot be guessed, and it would cost every API request (and invite a cheap
    denial of service); SHA-256 compared in constant time is what the key's entropy calls for.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = OneLineCharField(max_length=100, help_text="What the key is for, e.g. “Workday sync”.")
    role = models.CharField(max_length=20, choices=Role.choices)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="api_key_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.organization_id and self.role not in ROLES_BY_KIND[self.organization.kind]:
            raise ValidationError(
                {"role": f"{self.role} is not a role of a {self.organization.kind} organization."}
            )
