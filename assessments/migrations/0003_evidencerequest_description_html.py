"""Store each request's description rendered and sanitised, so pages never parse Markdown per view."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    # The renderer of today (cmark-gfm + nh3), imported here rather than at the top so the migration
    # module loads even where the app code has moved on.
    from assessments.markup import render_markdown

    EvidenceRequest = apps.get_model("assessments", "EvidenceRequest")
    batch = []
    for evidence in EvidenceRequest.objects.only("pk", "description").iterator(chunk_size=500):
        evidence.description_html = render_markdown(evidence.description)
        batch.append(evidence)
        if len(batch) >= 500:
            EvidenceRequest.objects.bulk_update(batch, ["description_html"])
            batch = []
    if batch:
        EvidenceRequest.objects.bulk_update(batch, ["description_html"])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_evidence_package")]

    operations = [
        migrations.AddField(
            model_name="evidencerequest",
            name="description_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
