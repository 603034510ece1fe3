from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("signup/sent", views.signup_sent, name="signup-sent"),
    path("confirm-email/<uidb64>/<token>", views.confirm_email, name="confirm-email"),
    path("confirm-email/resend", views.confirm_email_resend, name="confirm-email-resend"),
    path("login", views.StaffLoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset", views.password_reset, name="password-reset"),
    path("password-reset/sent", views.password_reset_done, name="password-reset-done"),
    path("password-reset/<uidb64>/<token>", views.password_reset_confirm, name="password-reset-confirm"),
    path("password-reset/complete", views.password_reset_complete, name="password-reset-complete"),
    path("no-workspace", views.no_workspace, name="no-workspace"),
    path("join/<str:token>", views.join, name="join"),
    path("workspace/switch", views.switch_workspace, name="workspace-switch"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/<int:client_id>/", views.client_detail, name="client-detail"),
    path("clients/<int:client_id>/invite", views.contact_invite, name="contact-invite"),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/revoke",
        views.contact_revoke,
        name="contact-revoke",
    ),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/resend",
        views.contact_resend,
        name="contact-resend",
    ),
    path("clients/<int:client_id>/portal/enable", views.portal_enable, name="portal-enable"),
    path("clients/<int:client_id>/portal/disable", views.portal_disable, name="portal-disable"),
    path(
        "clients/<int:client_id>/portal/revoke-sessions",
        views.portal_revoke_sessions,
        name="portal-revoke-sessions",
    ),
    path("clients/<int:client_id>/portal/visibility", views.portal_visibility, name="portal-visibility"),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/preview",
        views.portal_preview,
        name="portal-preview",
    ),
    path("preview/exit", views.portal_preview_exit, name="portal-preview-exit"),
    path("settings", views.workspace_settings, name="settings"),
    path("settings/team/invite", views.staff_invite, name="staff-invite"),
    path("settings/team/<int:membership_id>/remove", views.member_remove, name="member-remove"),
    path(
        "settings/team/invites/<int:invite_id>/cancel", views.staff_invite_cancel, name="staff-invite-cancel"
    ),
    path("activity", views.activity_list, name="activity"),
]
