"""What the Subsystems panel says about one group: its count, rationale, rules and citations, as rich text.

A citation that ends with a DOI or an address (:func:`~brainview.connectome.subsystems.citation_link`)
is a link the panel's label opens in the browser. Everything from the rule file is escaped.
"""

from __future__ import annotations

import html

from brainview.connectome.subsystems import SubsystemRules, citation_link

SHOWN_VALUES = 12
"""Labels or ids of a rule listed before "... and N more" (a group of a selection lists ids)."""


def cells(count: int) -> str:
    """``"1 cell"``, ``"1,234 cells"``."""
    return f"{count:,} cell" + ("" if count == 1 else "s")


def details_html(rules: SubsystemRules, label: str, count: int) -> str:
    """The group ``label`` of ``rules`` (or their default label), which holds ``count`` cells."""
    parts = [f"<b>{html.escape(label)}</b>: {cells(count)}"]
    if label == rules.default:
        parts.append(html.escape(rules.default_rationale or "Cells no group claims."))
        return "<p>" + "</p><p>".join(parts) + "</p>"
    group = rules.group(label)
    parts.append(html.escape(group.rationale))
    tests = " <i>or</i> ".join(
        html.escape(", ".join(f"{column} = {_listed(values)}" for column, values in rule.criteria))
        for rule in group.rules)
    parts.append(f"<small>Rules: {tests}</small>")
    text = "<p>" + "</p><p>".join(parts) + "</p>"
    if group.citations:
        items = []
        for citation in group.citations:
            link, shown = citation_link(citation), html.escape(citation)
            items.append(f"<li><a href='{html.escape(link, quote=True)}'>{shown}</a></li>" if link else f"<li>{shown}</li>")
        text += "<ol>" + "".join(items) + "</ol>"
    return text


def _listed(values: tuple) -> str:
    shown = ", ".join(str(v) for v in values[:SHOWN_VALUES])
    return shown + (f" ... and {len(values) - SHOWN_VALUES:,} more" if len(values) > SHOWN_VALUES else "")
