from __future__ import annotations

from django import forms

from accounts.models import Client, Workspace
from projects.models import Project, ProjectStatus


class DateInput(forms.DateInput):
    input_type = "date"


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["client", "name", "description", "status", "start_date", "end_date", "budget"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace)
        if self.instance.pk:
            del self.fields["client"]  # a project never changes client: its files and events hang off it

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "A project cannot end before it starts.")
        return data


class ProjectFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ProjectStatus.choices], required=False)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Any client")

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")


class DeliverableForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty to use the file name (one deliverable per file).",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)
    needs_approval = forms.BooleanField(required=False, label="Ask the client to approve it")
    # Sent by the drop zone: how many files were chosen together (each arrives in its own request).
    upload_batch = forms.IntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        label="What changed",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=True
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("changes", "Request changes")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
