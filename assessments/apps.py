from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"

    def ready(self) -> None:
        # Registers outbox handlers (and the evidence package's Celery task).
        from assessments import handlers, package, reminders, section  # noqa: F401
        from assessments.verbs import register_verbs

        register_verbs()
        section.register()

        from assessments.demo import seed_step
        from core.demo import register_seed_step

        register_seed_step(20, seed_step)
