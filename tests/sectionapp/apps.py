"""A throw-away domain app that adds a portal section from its own ready(), touching neither portal/ nor
accounts/: the registry test (tests/portal/test_sections.py) installs it with override_settings."""

from django.apps import AppConfig


class SectionAppConfig(AppConfig):
    name = "tests.sectionapp"
    label = "sectionapp"

    def ready(self) -> None:
        from activity.verbs import CLIENT, STAFF, Verb, register
        from core.sections import Section, register_section

        register(
            Verb(
                "widget.delivered",
                "delivered widget",
                client="received widget",
                audience=CLIENT,
                section="widgets",
            ),
            Verb("widget.audited", "audited widget stock of", audience=STAFF, section="widgets"),
        )
        register_section(
            Section(
                key="widgets",
                label="Widgets",
                list_url="portal:widget-list",
                url_prefixes=("widget-",),
                order=50,
                widget_template="sectionapp/_widget.html",
                widget_context=lambda contact: {"widget_count": 7, "who": contact.display_name},
            )
        )
