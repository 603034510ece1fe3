from django.apps import AppConfig


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"

    def ready(self) -> None:
        from billing import (  # noqa: F401  (outbox handlers, Celery tasks, admin registrations)
            handlers,
            hub,
            payment_admin,
            payment_handlers,
            payment_tasks,
            section,
        )
        from billing.payment_verbs import register_verbs as register_payment_verbs
        from billing.verbs import register_verbs

        register_verbs()
        register_payment_verbs()
        section.register()
        hub.register()

        from billing.demo import seed_step
        from core.demo import register_seed_step

        register_seed_step(60, seed_step)
