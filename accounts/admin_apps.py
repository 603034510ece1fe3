"""`django.contrib.admin` with Portal's site (accounts.admin_site) as `admin.site`.

Its own module: an AppConfig module is imported before models exist, so it must not import the site.
"""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PortalAdminSite"
