from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator

from accounts.models import Client, User, Workspace
from assessments.files import REQUEST_IMPORT
from assessments.markup import description_max_chars
from assessments.models import Assessment, EvidenceRequest, Priority, Status
from files.uploads import human_size


def _members(workspace: Workspace):
    return User.objects.filter(memberships__workspace=workspace, is_active=True).order_by(
        "full_name", "email"
    )


class DateInput(forms.DateInput):
    input_type = "date"


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["client", "name", "type", "organization", "period_start", "period_end", "status", "lead"]
        widgets = {"period_start": DateInput(), "period_end": DateInput()}
        labels = {"lead": "Lead assessor"}

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace)
        self.fields["lead"].queryset = _members(workspace)
        if self.instance.pk:
            # The engagement's client never changes: access rows and files hang off it.
            del self.fields["client"]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        return data


class EvidenceRequestForm(forms.ModelForm):
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. network, firewall.")

    class Meta:
        model = EvidenceRequest
        fields = ["requirement", "title", "description", "priority", "due_date", "tags", "assignee"]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _members(workspace)
        # Bounded like every input that is rendered (the import applies the same limit per row).
        description = self.fields["description"]
        description.max_length = description_max_chars()
        description.validators.append(MaxLengthValidator(description.max_length))
        description.widget.attrs["maxlength"] = str(description.max_length)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> str:
        return self.cleaned_data.get("tags") or ""


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "All statuses"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "All priorities"), *Priority.choices], required=False)


class ReviewForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a message…"}),
    )


class ImportForm(forms.Form):
    csv_file = forms.FileField(label="CSV file", required=False)
    csv_text = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, oversize: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.oversize = oversize or []  # files the upload handler skipped at REQUEST_IMPORT's limit

    def clean(self):
        data = super().clean()
        upload = data.get("csv_file")
        too_big = (
            f"That CSV is larger than {human_size(REQUEST_IMPORT.max_bytes)}. Split it into smaller files."
        )
        if self.oversize:
            raise forms.ValidationError(too_big)
        if upload:
            if upload.size > REQUEST_IMPORT.max_bytes:
                raise forms.ValidationError(too_big)
            raw = upload.read()
            try:
                data["csv_text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    data["csv_text"] = raw.decode("cp1252")
                except UnicodeDecodeError as exc:
                    raise forms.ValidationError("Save the CSV as UTF-8 and try again.") from exc
        if not data.get("csv_text"):
            raise forms.ValidationError("Choose a CSV file to import.")
        return data
