import pytest
from decimal import Decimal
from proposals import signing, certificates
from proposals.models import *
pytestmark = pytest.mark.django_db

def test_smoke(world, proposal, django_capture_on_commit_callbacks, mailoutbox):
    v = proposal.current_version
    print(v.total, v.content_sha256, v.content_html)
    items = {i.description: i for i in v.ordered_items()}
    with django_capture_on_commit_callbacks(execute=True):
        sig = signing.accept_proposal(proposal=proposal, signer=signing.SignerInput(contact=world.contact, signer_name=" Pat  Secret ", consent=True, consent_version="2026-11", ip="203.0.113.9", user_agent="UA"), version_id=v.pk, selected_item_ids=[items["Copywriting"].pk, 99999])
    print(sig.total, sig.chosen_items, sig.timeline)
    f = sig.files.all()
    print([ (x.kind, x.sha256) for x in f])
    data = f.get(kind="certificate").file.open("rb").read()
    print(certificates.pdf_text(data)[:3000])
    print([m.subject for m in mailoutbox], [len(m.attachments) for m in mailoutbox])
