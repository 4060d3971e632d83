"""Labels for the business codes the reports carry (commodity, use, meter type), per language."""

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


def label(language: str | None, labels: Mapping[str, str], code: str | None) -> str | None:
    """The label of `code`; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return None
    return _(language, labels[code]) if code in labels else code
