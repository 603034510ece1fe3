"""Staff forms for invoices: the draft (header fields and a formset of lines), filters, void, credit
note, a manual payment and the workspace's billing settings. Money is parsed with core.money (Decimal,
never float); every refusal is a message on the field that caused it."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from accounts.models import Client, Workspace
from billing.models import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    BillingSettings,
    Invoice,
    InvoiceStatus,
)
from core import money
from core.money import CURRENCY_CHOICES, PricedLine

OVERDUE = "overdue"
# Digits, thousands commas and one decimal point: no exponents ("1e3"), no "NaN", no "Infinity".
PLAIN_NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]*)?$|^-?\.[0-9]+$")


class DateInput(forms.DateInput):
    input_type = "date"


class MoneyField(forms.CharField):
    """A typed amount as a Decimal (core.money.parse_decimal): "1,500.50" is fine, "1.5e3" or "abc" not."""

    def __init__(self, *args, places: int = 4, maximum: Decimal | None = None, **kwargs):
        self.places, self.maximum = places, maximum
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not PLAIN_NUMBER.match(value.strip()):
            raise forms.ValidationError(f"“{value}” is not a number.")
        try:
            number = money.parse_decimal(value, places=self.places)
        except money.MoneyError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if self.maximum is not None and number > self.maximum:
            raise forms.ValidationError(f"At most {Decimal(money.format_number(self.maximum)):,}.")
        return number


class InvoiceForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client")
    project = forms.ChoiceField(required=False, label="Project")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    issue_date = forms.DateField(required=False, widget=DateInput(), help_text="Blank: the day you finalise.")
    due_date = forms.DateField(
        required=False, widget=DateInput(), help_text="Blank: issue date + payment terms."
    )
    tax_rate = MoneyField(
        label="Tax rate (%)",
        required=False,
        maximum=Decimal(100),
        help_text="For lines without their own rate.",
    )
    discount_percent = MoneyField(label="Discount (%)", required=False, maximum=Decimal(100))
    bill_to_address = forms.CharField(
        label="Bill to (address)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(
        label="Notes / terms", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")
        # Projects by client, as a plain choice: billing never imports projects (import-linter), it reaches
        # the model through the invoice's string foreign key.
        project_model = Invoice._meta.get_field("project").related_model
        self._projects = {
            p.pk: p
            for p in project_model.objects.for_workspace(workspace).select_related("client").order_by("name")
        }
        self.fields["project"].choices = [("", "No project")] + [
            (str(p.pk), f"{p.name} ({p.client.name})") for p in self._projects.values()
        ]

    def clean_project(self):
        value = self.cleaned_data.get("project")
        if not value:
            return None
        project = self._projects.get(int(value))
        if project is None:
            raise forms.ValidationError("Choose one of the listed projects.")
        return project

    def clean(self):
        data = super().clean()
        client, project = data.get("client"), data.get("project")
        if client and project and project.client_id != client.pk:
            self.add_error("project", f"{project.name} belongs to {project.client.name}, not {client.name}.")
        issue, due = data.get("issue_date"), data.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", "The due date cannot be before the issue date.")
        for name in ("tax_rate", "discount_percent"):
            if data.get(name) is None:
                data[name] = Decimal(0)
        return data


class LineForm(forms.Form):
    description = forms.CharField(max_length=500, required=False)
    quantity = MoneyField(required=False, maximum=MAX_QUANTITY)
    unit_price = MoneyField(label="Unit price", required=False, maximum=MAX_UNIT_PRICE)
    tax_rate = MoneyField(label="Tax %", required=False, maximum=Decimal(100))

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        # The quantity alone (it starts at 1) does not make a line: a description, price or rate does.
        raw = [self.data.get(self.add_prefix(f), "") for f in ("description", "unit_price", "tax_rate")]
        return any(str(v).strip() for v in raw) or bool(data.get("description"))

    def clean(self):
        data = super().clean()
        if not self.has_content():
            return data  # an empty row is ignored, not an error
        if not (data.get("description") or "").strip():
            self.add_error("description", "Describe the line.")
        quantity = data.get("quantity")
        if quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter a quantity.")
        elif quantity is not None and quantity <= 0:
            self.add_error("quantity", "More than 0.")
        if data.get("unit_price") is None and "unit_price" not in self.errors:
            self.add_error("unit_price", "Enter a price.")
        return data

    def priced(self) -> PricedLine | None:
        if not self.has_content() or self.errors:
            return None
        data = self.cleaned_data
        return PricedLine(
            description=data["description"].strip(),
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=data.get("tax_rate"),
        )


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=200, absolute_max=200, validate_max=True)


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), (OVERDUE, "Overdue"), *InvoiceStatus.choices], required=False
    )
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Any client")

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_workspace(workspace).order_by("name")


class PanelForm(forms.Form):
    """A form of one of the invoice page's action panels: several share the page (and field names such as
    `reason`), so each has its own element ids and every label points at its own field."""

    panel = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.panel}_%s")
        super().__init__(*args, **kwargs)


class VoidForm(PanelForm):
    panel = "void"

    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Shown to the client."
    )


class CreditNoteForm(PanelForm):
    panel = "credit"
    amount = MoneyField(label="Amount to credit (incl. tax)", places=3, maximum=MAX_AMOUNT)
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Printed on the credit note."
    )


class CreditLinesForm(PanelForm):
    """Credit chosen quantities of an invoice's lines, priced as invoiced (their unit prices and tax, the
    invoice's discount): "2 of the 10 hours of design". The credit note prints those lines."""

    panel = "credit_lines"

    def __init__(self, *args, lines, currency: str, credited: dict | None = None, **kwargs):
        """`credited`: what earlier credit notes took from each line (billing.selectors.credited_quantities)."""
        super().__init__(*args, **kwargs)
        self.invoice_lines = lines
        credited = credited or {}
        for line in lines:
            taken = credited.get((line.description, line.unit_price, line.tax_rate), Decimal(0))
            left = max(line.quantity - taken, Decimal(0))
            already = f" {money.format_number(taken)} credited already." if taken else ""
            self.fields[f"qty_{line.pk}"] = MoneyField(
                label=f"{line.description}: quantity to credit",
                required=False,
                places=4,
                maximum=left,
                disabled=not left,
                help_text=(
                    f"Invoiced {money.format_number(line.quantity)} × "
                    f"{money.format_money(line.unit_price, currency)}.{already}"
                ),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0"}
                ),
            )
        self.fields["reason"] = forms.CharField(
            max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Printed on the credit note."
        )

    def clean(self):
        data = super().clean()
        chosen = []
        for line in self.invoice_lines:
            quantity = data.get(f"qty_{line.pk}")  # MoneyField refuses a negative one
            if quantity:
                chosen.append(
                    PricedLine(
                        description=line.description,
                        quantity=quantity,
                        unit_price=line.unit_price,
                        tax_rate=line.tax_rate,
                    )
                )
        if not chosen and not self.errors:
            raise forms.ValidationError("Enter a quantity to credit on at least one line.")
        data["lines"] = chosen
        return data


class PaymentForm(PanelForm):
    panel = "payment"
    amount = MoneyField(label="Amount received", places=3, maximum=MAX_AMOUNT)
    reference = forms.CharField(
        max_length=200, required=False, help_text="Bank transfer reference, cheque number…"
    )


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = [
            "from_name",
            "from_address",
            "from_email",
            "tax_id",
            "invoice_prefix",
            "credit_note_prefix",
            "number_digits",
            "default_currency",
            "payment_terms_days",
            "default_tax_rate",
            "default_terms",
            "reminder_interval_days",
        ]
        widgets = {
            "from_address": forms.Textarea(attrs={"rows": 3}),
            "default_terms": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "invoice_prefix": "{year} becomes the issue year: INV-{year}- numbers INV-2026-0001, INV-2026-0002…",
            "credit_note_prefix": "Credit notes have their own series.",
            "reminder_interval_days": "Overdue invoices are emailed again the day after the due date, then every "
            "this many days. 0 turns reminders off.",
        }
