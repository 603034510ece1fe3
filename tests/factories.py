from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import Client, Contact, Membership, Plan, Role, User, Workspace


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Firm {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    plan = Plan.TEAM


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@firm.example")
    full_name = factory.Sequence(lambda n: f"Staff {n}")
    email_confirmed_at = factory.LazyFunction(timezone.now)  # people who exist already confirmed
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_after(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Role.OWNER


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    portal_enabled = True
    portal_enabled_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    workspace = factory.SelfAttribute("client.workspace")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    name = factory.Sequence(lambda n: f"Contact {n}")
    job_title = "CISO"


# --- assessments ---------------------------------------------------------------------------------------

from assessments.models import (  # noqa: E402
    Assessment,
    AssessmentAccess,
    EvidenceFile,
    EvidenceRequest,
    RequestMessage,
)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    client = factory.SubFactory(ClientFactory)
    workspace = factory.SelfAttribute("client.workspace")
    name = factory.Sequence(lambda n: f"PCI DSS ROC {2026 + n % 3} #{n}")
    type = "roc"
    organization = factory.SelfAttribute("client.name")


class AssessmentAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentAccess

    assessment = factory.SubFactory(AssessmentFactory)
    contact = factory.SubFactory(ContactFactory, client=factory.SelfAttribute("..assessment.client"))


class EvidenceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceRequest

    assessment = factory.SubFactory(AssessmentFactory)
    requirement = factory.Sequence(lambda n: f"{n % 12 + 1}.{n % 7 + 1}.{n % 5 + 1}")
    title = factory.Sequence(lambda n: f"Evidence item {n}")
    description = "Provide the **current** document."
    priority = "medium"


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    """A row without bytes in storage: enough for counts and permissions, not for downloads."""

    class Meta:
        model = EvidenceFile

    request = factory.SubFactory(EvidenceRequestFactory)
    file = factory.Sequence(lambda n: f"evidence/test/{n:08d}")
    original_name = factory.Sequence(lambda n: f"evidence-{n}.pdf")
    size = 1234
    content_type = "application/pdf"
    sha256 = "0" * 64
    submission_round = factory.LazyAttribute(lambda o: o.request.submission_round + 1)


class RequestMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestMessage

    request = factory.SubFactory(EvidenceRequestFactory)
    body = "Please see the attached policy."
