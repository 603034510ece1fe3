from __future__ import annotations

from django import forms

from accounts.models import Client, Workspace
from proposals.models import Contract, ContractStatus


class DateInput(forms.DateInput):
    input_type = "date"


class ContractForm(forms.ModelForm):
    file = forms.FileField(
        required=False, label="PDF", help_text="The contract as a PDF (a signed copy once signed)."
    )

    class Meta:
        model = Contract
        fields = ["client", "project", "title", "status", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        # Projects through the relation, not an import: proposals and projects stay independent.
        project_model = Contract._meta.get_field("project").related_model
        projects = project_model.objects.filter(workspace=workspace).select_related("client").order_by("name")
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: f"{p.name} ({p.client.name})"
        self.fields["client"].queryset = Client.objects.for_workspace(workspace)
        if self.instance.pk:
            del self.fields["client"]
            self.fields["project"].queryset = projects.filter(client_id=self.instance.client_id)
            self.fields["file"].label = "Replace the PDF"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "A contract cannot end before it starts.")
        client = data.get("client") or (self.instance.client if self.instance.pk else None)
        project = data.get("project")
        if project is not None and client is not None and project.client_id != client.pk:
            self.add_error("project", "That project belongs to another client.")
        return data


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ContractStatus.choices], required=False)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Any client")

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")
