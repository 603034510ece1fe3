from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"

    def ready(self) -> None:
        from assessments import handlers, reminders  # noqa: F401  (registers outbox handlers)
        from assessments import package  # noqa: F401  (package build/email handlers and task)
