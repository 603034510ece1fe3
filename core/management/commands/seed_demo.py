"""Seed the demo workspaces from every app's registered steps (core/demo.py). Idempotent."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import DemoContext, seed_steps


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspaces and print how to sign in."

    def handle(self, *args, **options):
        ctx = DemoContext()
        with transaction.atomic():
            for step in seed_steps():
                step(ctx)
        for note in ctx.notes:
            self.stdout.write(note)
        # The login lines end the output: scripts read them.
        for line in ctx.logins:
            self.stdout.write(line)
