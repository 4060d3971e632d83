"""Labels for the business codes the reports carry (commodity, use, bands, ...), per language."""

from __future__ import annotations

from collections.abc import Mapping

from dashboards.i18n import N_, _

COMMODITIES = {"ELE": N_("Electricity"), "GAS": N_("Gas")}
USES = {
    "domestic_resident": N_("Domestic, resident"),
    "domestic_nonresident": N_("Domestic, non-resident"),
    "non_domestic": N_("Non-domestic"),
}
METER_TYPES = {"interval": N_("Interval (load curve)"), "register": N_("Register (readings)")}
BANDS = {"ALL": N_("All hours")}
SEGMENTS = {"domestic": N_("Domestic"), "business": N_("Business")}
INDICES = {"PUN": N_("PUN (electricity)"), "PSV": N_("PSV (gas)")}
DOCUMENT_TYPES = {"TD01": N_("Invoice"), "TD04": N_("Credit note")}
INVOICE_KINDS = {
    "regular": N_("Regular"),
    "acconto": N_("On account"),
    "conguaglio": N_("True-up"),
    "credit_note": N_("Credit note"),
    "correction": N_("Correction"),
}
INVOICE_STATUSES = {
    "draft": N_("Draft"),
    "checked": N_("Checked"),
    "approved": N_("Approved"),
    "issued": N_("Issued"),
    "on_hold": N_("On hold"),
}


def label(language: str | None, labels: Mapping[str, str], code: str | None) -> str | None:
    """The label of `code`; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return None
    return _(language, labels[code]) if code in labels else code
