from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"

    def ready(self) -> None:
        from projects import handlers, hub, section  # noqa: F401  (outbox handlers)
        from projects.verbs import register_verbs

        register_verbs()
        section.register()
        hub.register()

        from core.demo import register_seed_step
        from projects.demo import seed_step

        register_seed_step(40, seed_step)
