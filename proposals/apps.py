from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proposals"

    def ready(self) -> None:
        from proposals import handlers, hub, section  # noqa: F401  (outbox handlers)
        from proposals.verbs import register_verbs

        register_verbs()
        section.register()
        hub.register()

        from core.demo import register_seed_step
        from proposals.demo import seed_step

        register_seed_step(45, seed_step)
