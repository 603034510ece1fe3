"""Outbox handlers for online payment mail: the receipt to the contact who paid, and a note to staff
for each payment and each mismatch. They take ids, reload, and tolerate rows that vanished meanwhile."""

from __future__ import annotations

from accounts.models import Role, User
from activity import outbox
from activity.mail import mail_each_once, send_templated_email
from billing.payment_models import Payment, PaymentMismatch
from core.http import absolute_url


def staff_recipients(invoice) -> list[User]:
    """Whoever created the invoice (if still a member), else the owners and admins."""
    members = User.objects.filter(is_active=True, memberships__workspace_id=invoice.workspace_id)
    if invoice.created_by_id:
        user = members.filter(pk=invoice.created_by_id).first()
        if user is not None:
            return [user]
    return list(members.filter(memberships__role__in=(Role.OWNER, Role.ADMIN)).distinct())


def _payment(payment_id: int) -> Payment | None:
    return (
        Payment.objects.select_related("invoice__workspace", "invoice__client", "contact")
        .filter(pk=payment_id)
        .first()
    )


@outbox.handler("billing.payment_receipt_email", keyed=True)
def payment_receipt_email(*, payment_id: int, delivery_key: str = "") -> None:
    payment = _payment(payment_id)
    if payment is None or payment.contact is None or not payment.contact.email:
        return
    invoice = payment.invoice
    outbox.once_per_recipient(
        delivery_key,
        payment.contact.email,
        lambda: send_templated_email(
            to=payment.contact.email,
            template="payment_receipt",
            context={
                "workspace": invoice.workspace,
                "invoice": invoice,
                "payment": payment,
                "recipient": payment.contact,
                "link": absolute_url(
                    "portal:invoice-receipt", slug=invoice.workspace.slug, payment_id=payment.pk
                ),
            },
        ),
    )


@outbox.handler("billing.payment_staff_email", keyed=True)
def payment_staff_email(*, payment_id: int, delivery_key: str = "") -> None:
    payment = _payment(payment_id)
    if payment is None:
        return
    _mail_staff(payment.invoice, delivery_key, "payment_received", payment=payment)


@outbox.handler("billing.payment_mismatch_email", keyed=True)
def payment_mismatch_email(*, mismatch_id: int, delivery_key: str = "") -> None:
    mismatch = (
        PaymentMismatch.objects.select_related("invoice__workspace", "invoice__client")
        .filter(pk=mismatch_id)
        .first()
    )
    if mismatch is None:
        return
    _mail_staff(mismatch.invoice, delivery_key, "payment_mismatch", mismatch=mismatch)


def _mail_staff(invoice, delivery_key: str, template: str, **context) -> None:
    """One email to each staff member who follows payments, at most once per recipient per delivery."""
    mail_each_once(
        delivery_key,
        staff_recipients(invoice),
        template=template,
        context={
            "workspace": invoice.workspace,
            "invoice": invoice,
            "link": absolute_url("billing:payments"),
            **context,
        },
    )
