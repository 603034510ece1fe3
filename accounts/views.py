"""Staff back-office views for tenancy: sign-up, clients, the engagement hub, team and branding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from accounts import services
from accounts.decorators import manager_required, staff_required
from accounts.forms import (
    LOGO,
    BrandingForm,
    ClientForm,
    EmailAuthenticationForm,
    JoinForm,
    QueuedPasswordResetForm,
    SignupForm,
    StaffInviteForm,
    VisibilityForm,
)
from accounts.invites import invite_dialog
from accounts.middleware import PREVIEW_SESSION_KEY, StaffWorkspaceMiddleware
from accounts.models import Client, Contact, Membership, StaffInvite, User
from accounts.ratelimits import StaffLoginThrottle, post_email_key
from activity.models import Event
from core.http import client_ip, is_id
from core.sections import sections
from core.types import StaffRequest
from files.policies import accepts_uploads

# --- access helpers: one way to load each thing, 404 for "missing" and "not yours" alike ----------


def get_client_for_staff(request: StaffRequest, client_id: int) -> Client:
    return get_object_or_404(Client.objects.for_workspace(request.workspace), pk=client_id)


def get_contact_for_staff(request: StaffRequest, client: Client, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.for_client(client).select_related("client"), pk=contact_id)


# --- auth --------------------------------------------------------------------------------------------


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Counted before the password is checked, given back when it was right (accounts.ratelimits).
        throttle = StaffLoginThrottle(address=request.POST.get("username", ""), ip=client_ip(request))
        if not throttle.allow():
            # An unbound form: validating it would check the password, and its "wrong password" error
            # (shown only for wrong guesses) would turn this 429 into an oracle that never runs out.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return render(
                request,
                self.template_name,
                {"form": form, "limited": True},
                status=429,
            )
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded()
        return response


@require_http_methods(["GET", "POST"])
# Every sign-up creates a workspace or mails an existing owner: per IP (every POST), so one machine cannot
# mint workspaces by the thousand, and per address (only sign-ups that would go through, so retrying a
# refused password or someone else's typing cannot lock an address out), so many IPs cannot flood one inbox.
@ratelimit(key="ip", rate="10/h", method="POST", block=True, group="staff-signup-ip")
def signup(request: StaffRequest) -> HttpResponse:
    if request.user.is_authenticated and request.workspace:
        return redirect("accounts:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(
            request,
            group="staff-signup-address",
            key=post_email_key("email"),
            rate="5/h",
            method="POST",
            increment=True,
        ):
            raise Ratelimited()
        # The same answer whether or not the address has an account (the owner of an existing one is
        # mailed instead), and nobody is signed in here: the emailed confirmation link does that.
        services.signup_workspace(
            workspace_name=form.cleaned_data["workspace_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
        )
        return redirect("accounts:signup-sent")
    return render(request, "accounts/signup.html", {"form": form})


@require_GET
def signup_sent(request: StaffRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def confirm_email(request: StaffRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button (mail scanners prefetch links); its POST confirms and signs the owner in."""
    user = services.find_unconfirmed_user(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "accounts/confirm_email_invalid.html", status=400)
    if request.method == "GET":
        response = render(request, "accounts/confirm_email.html", {"confirm_user": user})
        response["Cache-Control"] = "no-store"
        return response
    services.confirm_email(user=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    membership = Membership.objects.filter(user=user).order_by("pk").first()
    if membership is not None:
        request.session[StaffWorkspaceMiddleware.SESSION_KEY] = membership.workspace_id
    messages.success(request, "Your email address is confirmed. Add your first client.")
    return redirect("accounts:client-list")


@require_POST
@staff_required
def confirm_email_resend(request: StaffRequest) -> HttpResponse:
    services.send_email_confirmation(user=request.user)
    messages.success(request, f"A confirmation link is on its way to {request.user.email}.")
    return redirect("accounts:settings")


@require_GET
def no_workspace(request: StaffRequest) -> HttpResponse:
    if request.workspace is not None:
        return redirect("accounts:home")
    return render(request, "accounts/no_workspace.html")


@require_http_methods(["GET", "POST"])
def join(request: StaffRequest, token: str) -> HttpResponse:
    invite = services.find_staff_invite(token)
    if invite is None:
        return render(request, "accounts/join_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invite.email).first()
    if existing and not request.user.is_authenticated:
        messages.info(request, f"Sign in as {invite.email} to join {invite.workspace.name}.")
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.accept_staff_invite(invite=invite, user=request.user)
            except services.ServiceError as exc:
                messages.error(request, str(exc))
                return redirect("accounts:home")
            request.session[StaffWorkspaceMiddleware.SESSION_KEY] = membership.workspace_id
            messages.success(request, f"You joined {invite.workspace.name}.")
            return redirect("accounts:client-list")
        return render(request, "accounts/join.html", {"invite": invite, "form": None})
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.create_user(
            email=invite.email,
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
            email_confirmed_at=timezone.now(),  # they opened the invitation mailed to this address
        )
        membership = services.accept_staff_invite(invite=invite, user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[StaffWorkspaceMiddleware.SESSION_KEY] = membership.workspace_id
        messages.success(request, f"Welcome to {invite.workspace.name}.")
        return redirect("accounts:client-list")
    return render(request, "accounts/join.html", {"invite": invite, "form": form})


@require_POST
@staff_required
def switch_workspace(request: StaffRequest) -> HttpResponse:
    workspace_id = request.POST.get("workspace", "")
    if not is_id(workspace_id):
        raise Http404("No such workspace")
    membership = get_object_or_404(Membership, user=request.user, workspace_id=int(workspace_id))
    request.session[StaffWorkspaceMiddleware.SESSION_KEY] = membership.workspace_id
    return redirect("accounts:home")


# --- clients and the engagement hub ----------------------------------------------------------------


@require_GET
@staff_required
def home(request: StaffRequest) -> HttpResponse:
    return redirect("accounts:client-list")


@require_http_methods(["GET", "POST"])
@staff_required
def client_list(request: StaffRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.create_client(
                workspace=request.workspace, name=form.cleaned_data["name"], actor=request.user
            )
        except services.ServiceError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"{client.name} added. Invite a contact to open their portal.")
            return redirect("accounts:client-detail", client_id=client.pk)
    clients = Client.objects.for_workspace(request.workspace).annotate(
        contact_count=Count("contacts", filter=Q(contacts__revoked_at__isnull=True))
    )
    return render(
        request,
        "accounts/client_list.html",
        {"clients": clients, "form": form, "seats_used": request.workspace.portal_seats_used()},
    )


def _hub_context(request: StaffRequest, client: Client, **extra) -> dict:
    contacts = list(Contact.objects.for_client(client).select_related("client").order_by("-invited_at"))
    # What each contact can see, from the sections shared per contact (e.g. which assessments).
    for contact in contacts:
        contact.shared = []
    for section in sections():
        if section.shared_with is not None and client.shows(section.key):
            seen = section.shared_with(contacts)
            for contact in contacts:
                contact.shared += seen.get(contact.pk, [])
    return {
        "client": client,
        "contacts": contacts,
        "portal_login_url": services.login_url(client.workspace),
        "visibility_form": VisibilityForm(client=client),
        "events": Event.objects.for_client(client).select_related("actor_user", "actor_contact")[
            :60
        ],  # the feed folds runs of alike events,
        "seats_used": request.workspace.portal_seats_used(),
        **extra,
    }


@require_GET
@staff_required
def client_detail(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    return render(request, "accounts/client_detail.html", _hub_context(request, client))


@require_http_methods(["GET", "POST"])
@staff_required
def contact_invite(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)

    def context() -> dict:
        client.refresh_from_db()
        return _hub_context(request, client)

    return invite_dialog(
        request,
        client=client,
        send=lambda **fields: services.invite_contact(client=client, **fields),
        done_url=reverse("accounts:client-detail", kwargs={"client_id": client.pk}),
        success_template="accounts/_invite_success.html",
        success_context=context,
        page_template="accounts/invite_page.html",
        offer_sharing=True,
    )


def _contacts_response(request: StaffRequest, client: Client) -> HttpResponse:
    if request.htmx:
        return render(request, "accounts/_contacts.html", _hub_context(request, client))
    return redirect("accounts:client-detail", client_id=client.pk)


@require_POST
@staff_required
def contact_revoke(request: StaffRequest, client_id: int, contact_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    contact = get_contact_for_staff(request, client, contact_id)
    services.revoke_contact(contact=contact, actor=request.user)
    messages.success(request, f"{contact.display_name}'s access is revoked and their sessions are ended.")
    return _contacts_response(request, client)


@require_POST
@staff_required
def contact_resend(request: StaffRequest, client_id: int, contact_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    contact = get_contact_for_staff(request, client, contact_id)
    try:
        services.resend_invite(contact=contact, actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"A new sign-in link is on its way to {contact.email}.")
    return _contacts_response(request, client)


@require_POST
@staff_required
def portal_enable(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    try:
        services.enable_portal(client=client, actor=request.user)
    except services.SeatLimitError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The portal is enabled for {client.name}.")
    return redirect("accounts:client-detail", client_id=client.pk)


@require_POST
@staff_required
def portal_disable(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    services.disable_portal(client=client, actor=request.user)
    messages.success(
        request, f"The portal is disabled for {client.name}: sessions ended and no new links work."
    )
    return redirect("accounts:client-detail", client_id=client.pk)


@require_POST
@staff_required
def portal_revoke_sessions(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    ended = services.revoke_client_sessions(client=client, actor=request.user)
    messages.success(
        request,
        f"Ended {ended} session{'s' if ended != 1 else ''}. Contacts keep access and can sign in again.",
    )
    return redirect("accounts:client-detail", client_id=client.pk)


@require_POST
@staff_required
def portal_visibility(request: StaffRequest, client_id: int) -> HttpResponse:
    client = get_client_for_staff(request, client_id)
    form = VisibilityForm(request.POST, client=client)
    if form.is_valid():
        services.set_visibility(client=client, actor=request.user, hidden=form.hidden_keys())
        messages.success(request, "Portal sections updated.")
    return redirect("accounts:client-detail", client_id=client.pk)


# --- workspace settings and team -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@accepts_uploads(LOGO)
@staff_required
def workspace_settings(request: StaffRequest) -> HttpResponse:
    ws = request.workspace
    can_manage = request.membership.can_manage
    form = BrandingForm(
        request.POST or None,
        request.FILES or None,
        initial={"accent_color": ws.accent_color},
        oversize=getattr(request, "oversize_uploads", None),
        has_logo=bool(ws.logo),
    )
    if request.method == "POST":
        if not can_manage:
            messages.error(request, "Only owners and admins can change branding.")
            return redirect("accounts:settings")
        if form.is_valid():
            services.update_branding(
                workspace=ws,
                actor=request.user,
                accent_color=form.cleaned_data["accent_color"],
                logo=form.cleaned_data.get("logo"),
                logo_type=getattr(form, "logo_type", ""),
                remove_logo=form.cleaned_data.get("remove_logo", False),
            )
            messages.success(request, "Branding saved.")
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "members": ws.memberships.select_related("user"),
            "pending": StaffInvite.objects.for_workspace(ws).pending(),
            "invite_form": StaffInviteForm(),
            "can_manage": can_manage,
            "seats_used": ws.portal_seats_used(),
        },
    )


@require_POST
@manager_required
def staff_invite(request: StaffRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_staff(
                workspace=request.workspace,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    else:
        messages.error(request, "Enter a valid email address to invite a teammate.")
    return redirect("accounts:settings")


@require_POST
@manager_required
def member_remove(request: StaffRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.filter(workspace=request.workspace).select_related("user", "workspace"),
        pk=membership_id,
    )
    try:
        services.remove_member(membership=membership, actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{membership.user.email} no longer has access to {request.workspace.name}."
        )
    return redirect("accounts:settings")


@require_POST
@manager_required
def staff_invite_cancel(request: StaffRequest, invite_id: int) -> HttpResponse:
    invite = get_object_or_404(StaffInvite.objects.for_workspace(request.workspace).pending(), pk=invite_id)
    services.cancel_staff_invite(invite=invite, actor=request.user)
    messages.success(request, f"Invitation for {invite.email} cancelled.")
    return redirect("accounts:settings")


@require_GET
@staff_required
def activity_list(request: StaffRequest) -> HttpResponse:
    events = Event.objects.for_workspace(request.workspace).select_related(
        "actor_user", "actor_contact", "client"
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/activity.html", {"page": page})


# Per IP, and per address so that many IPs cannot flood one person's inbox with reset mails.
password_reset = ratelimit(key="ip", rate="10/15m", method="POST", block=True)(
    ratelimit(key=post_email_key("email"), rate="5/15m", method="POST", block=True)(
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=QueuedPasswordResetForm,
            success_url=reverse_lazy("accounts:password-reset-done"),
        )
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


@require_POST
@staff_required
def portal_preview(request: StaffRequest, client_id: int, contact_id: int) -> HttpResponse:
    """Open the portal read-only as this contact sees it (works even when the portal is off)."""
    client = get_client_for_staff(request, client_id)
    contact = get_contact_for_staff(request, client, contact_id)
    request.session[PREVIEW_SESSION_KEY] = contact.pk
    return redirect("portal:dashboard", slug=request.workspace.slug)


@require_POST
@staff_required
def portal_preview_exit(request: StaffRequest) -> HttpResponse:
    contact_id = request.session.pop(PREVIEW_SESSION_KEY, None)
    contact = Contact.objects.for_workspace(request.workspace).filter(pk=contact_id).first()
    if contact is not None:
        return redirect("accounts:client-detail", client_id=contact.client_id)
    return redirect("accounts:home")
