from django.apps import AppConfig


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"

    def ready(self) -> None:
        from billing import handlers, hub, section  # noqa: F401  (handlers register outbox handlers)
        from billing.verbs import register_verbs

        register_verbs()
        section.register()
        hub.register()

        from billing.demo import seed_step
        from core.demo import register_seed_step

        register_seed_step(60, seed_step)
