from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Client, Workspace
from core.money import CURRENCY_CHOICES, decimals, quantize
from proposals.compose import QUANTITY_PLACES, DraftData, ItemData
from proposals.models import (
    MAX_CONTENT_LENGTH,
    MAX_ITEM_DESCRIPTION_LENGTH,
    MAX_ITEMS,
    MAX_PERCENT,
    MAX_QUANTITY,
    MAX_SUBTOTAL,
    MAX_TERMS_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_UNIT_PRICE,
    Contract,
    ContractStatus,
    ProposalStatus,
)


class DateInput(forms.DateInput):
    input_type = "date"


class ContractForm(forms.ModelForm):
    file = forms.FileField(
        required=False, label="PDF", help_text="The contract as a PDF (a signed copy once signed)."
    )

    class Meta:
        model = Contract
        fields = ["client", "project", "title", "status", "start_date", "end_date", "body_markdown"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "body_markdown": forms.Textarea(attrs={"rows": 10}),
        }
        labels = {"body_markdown": "Text"}
        help_texts = {
            "body_markdown": "The contract's text in Markdown (a contract has a text, a PDF, or both). "
            "Sent for signature, the client signs exactly this."
        }

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


# --- proposals -----------------------------------------------------------------------------------------

PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "min_value": Decimal(0),
    "max_value": MAX_PERCENT,
    "error_messages": {
        "min_value": "A percentage from 0 to 100.",
        "max_value": "A percentage from 0 to 100.",
        "max_digits": "A percentage from 0 to 100.",
    },
}


def _length_messages(limit: int) -> dict:
    # Django's default ("Ensure this value has at most…") reads as a lecture; say the limit and the count.
    return {"max_length": f"At most {limit:,} characters (this has %(show_value)s)."}


class ProposalForm(forms.Form):
    """The header of the compose page: what the proposal says and its overall pricing terms."""

    client = forms.ModelChoiceField(queryset=Client.objects.none())
    title = forms.CharField(max_length=MAX_TITLE_LENGTH, error_messages=_length_messages(MAX_TITLE_LENGTH))
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="EUR")
    expires_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Expires on",
        help_text="The last day the client can accept.",
    )
    content_markdown = forms.CharField(
        label="Content",
        required=False,
        max_length=MAX_CONTENT_LENGTH,
        error_messages=_length_messages(MAX_CONTENT_LENGTH),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown: headings, lists, tables, links. Shown to the client above the pricing table.",
    )
    terms_markdown = forms.CharField(
        label="Terms",
        required=False,
        max_length=MAX_TERMS_LENGTH,
        error_messages=_length_messages(MAX_TERMS_LENGTH),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown right above the signature (payment terms, cancellation, ownership…).",
    )
    tax_rate = forms.DecimalField(label="Tax %", initial=Decimal(0), **PERCENT)
    discount_percent = forms.DecimalField(label="Discount %", initial=Decimal(0), **PERCENT)
    deposit_percent = forms.DecimalField(
        label="Deposit %",
        required=False,
        help_text="Of the accepted total (100 = all of it). Sending can make it an invoice on acceptance.",
        **PERCENT,
    )

    def __init__(self, *args, workspace: Workspace, with_client: bool, next_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if next_version:
            self.fields["expires_on"].help_text = (
                "The last day the client can accept this version: it applies when this version is sent "
                "(until then the client's current version keeps its date)."
            )
        if with_client:
            self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")
        else:
            del self.fields["client"]

    def clean_deposit_percent(self):
        value = self.cleaned_data.get("deposit_percent")
        if value is not None and value <= 0:
            raise forms.ValidationError("Leave it empty for no deposit, or give a percentage above 0.")
        return value


class ItemForm(forms.Form):
    description = forms.CharField(
        max_length=MAX_ITEM_DESCRIPTION_LENGTH, error_messages=_length_messages(MAX_ITEM_DESCRIPTION_LENGTH)
    )
    quantity = forms.DecimalField(
        decimal_places=QUANTITY_PLACES,
        min_value=Decimal("0.001"),
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "min_value": "More than 0.",
            "max_value": f"At most {MAX_QUANTITY:,}.",
            "max_decimal_places": f"At most {QUANTITY_PLACES} decimal places.",
        },
    )
    unit_price = forms.DecimalField(
        decimal_places=3,
        min_value=Decimal(0),
        max_value=MAX_UNIT_PRICE,
        label="Unit price",
        error_messages={
            "min_value": "Cannot be negative.",
            "max_value": f"At most {MAX_UNIT_PRICE:,}.",
            "max_decimal_places": "At most 3 decimal places.",
        },
    )
    tax_rate = forms.DecimalField(required=False, label="Tax %", **PERCENT)
    optional = forms.BooleanField(required=False, label="Optional")
    selected_by_default = forms.BooleanField(required=False, label="Ticked")

    def item(self) -> ItemData:
        d = self.cleaned_data
        return ItemData(
            description=d["description"],
            quantity=d["quantity"],
            unit_price=d["unit_price"],
            tax_rate=d.get("tax_rate"),
            optional=d.get("optional", False),
            selected_by_default=d.get("selected_by_default", False),
        )


class BaseItemFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": f"A proposal has at most {MAX_ITEMS} items.",
    }

    def __init__(self, *args, currency: str = "EUR", **kwargs):
        self.currency = currency
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        places = decimals(self.currency)
        for form in self.forms:
            price = getattr(form, "cleaned_data", {}).get("unit_price")
            if price is not None and quantize(price, self.currency) != price:
                form.add_error("unit_price", f"{self.currency} prices have at most {places} decimal places.")
        if not self.forms:
            raise forms.ValidationError("Add at least one item to the pricing table.")
        if any(form.errors for form in self.forms):
            return
        subtotal = sum(
            (
                quantize(form.cleaned_data["quantity"] * form.cleaned_data["unit_price"], self.currency)
                for form in self.forms
                if "quantity" in form.cleaned_data and "unit_price" in form.cleaned_data
            ),
            Decimal(0),
        )
        if subtotal > MAX_SUBTOTAL:
            raise forms.ValidationError(
                f"The items add up to more than {MAX_SUBTOTAL:,} {self.currency} (optional ones included): "
                "split the work into several proposals."
            )


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=0, max_num=MAX_ITEMS, validate_max=True, absolute_max=MAX_ITEMS
)
ITEM_FIELDS = ("description", "quantity", "unit_price", "tax_rate", "optional", "selected_by_default")
ITEMS_PREFIX = "items"


def item_rows(data) -> list[dict]:
    """The pricing rows as posted (unvalidated), to re-render the editor after adding or removing a row."""
    try:
        total = min(int(data.get(f"{ITEMS_PREFIX}-TOTAL_FORMS", 0)), MAX_ITEMS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for i in range(max(total, 0)):
        row = {name: data.get(f"{ITEMS_PREFIX}-{i}-{name}", "") for name in ITEM_FIELDS}
        row["optional"] = bool(row["optional"])
        row["selected_by_default"] = bool(row["selected_by_default"])
        rows.append(row)
    return rows


def unbound_items(rows: list[dict], currency: str = "EUR") -> BaseItemFormSet:
    return ItemFormSet(initial=rows, prefix=ITEMS_PREFIX, currency=currency)


def draft_from_forms(form: ProposalForm, items: BaseItemFormSet) -> DraftData:
    d = form.cleaned_data
    return DraftData(
        title=d["title"],
        currency=d["currency"],
        content_markdown=d.get("content_markdown") or "",
        terms_markdown=d.get("terms_markdown") or "",
        tax_rate=d.get("tax_rate") or Decimal(0),
        discount_percent=d.get("discount_percent") or Decimal(0),
        deposit_percent=d.get("deposit_percent"),
        items=[f.item() for f in items.forms],
    )


class SendForm(forms.Form):
    expires_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Expires on",
        help_text="The last day the client can accept.",
    )
    create_project = forms.BooleanField(required=False, label="On acceptance, create the project")
    create_invoice = forms.BooleanField(
        required=False, label="On acceptance, create the deposit invoice (needs a deposit %)"
    )

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError("That day has passed: choose today or a later day.")
        return value


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (internal)"
    )


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ProposalStatus.choices], required=False)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Any client")

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")
