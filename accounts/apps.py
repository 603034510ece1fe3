from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from accounts import handlers  # noqa: F401  (registers outbox handlers)
        from accounts.verbs import register_verbs

        register_verbs()

        from accounts.demo import seed_demo_workspace
        from core.demo import register_seed_step

        register_seed_step(10, seed_demo_workspace)
