"""The search language's attribute reference, as data.

Transcribed from the "Attribute reference" of Qomon's search overview: every
attribute, its meaning and its operator set exactly as documented, plus the
kind of value it takes (which the docs state only in prose). The sandbox
evaluates queries with it; the MCP tools validate queries and build enums from it.

Qomon's reference knows more than the docs' table (shapes file, "Types and
rules"): a few attributes (`REFERENCE_ONLY_ATTRIBUTES`), the operator `period`
(`REFERENCE_ONLY_OPERATORS`), `eql` on `emails.blacklisted_at` and `start_with`
on form answers. They are kept apart from the docs' rows: an attribute's
`reference_operators` are the operators only the reference gives it, and
`documented_operators` / `allowed_operators` give the docs' set alone, while
`operators` is everything Qomon accepts.

`VALUE_KINDS` says what each kind of value looks like.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTRIBUTES",
    "FORM_ATTRIBUTES",
    "LIST_OPERATORS",
    "NO_VALUE_OPERATORS",
    "OPERATORS",
    "REFERENCE_ONLY_ATTRIBUTES",
    "REFERENCE_ONLY_OPERATORS",
    "SORT_ATTRIBUTES",
    "VALUE_KINDS",
    "Attribute",
    "allowed_operators",
]


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    meaning: str
    operators: tuple[str, ...]
    kind: str
    family: str
    # Operators Qomon's reference accepts on this attribute beyond the docs' table (also in `operators`).
    reference_operators: tuple[str, ...] = ()
    # True for an attribute the docs' table does not list, known from the reference only.
    reference_only: bool = False

    @property
    def documented_operators(self) -> tuple[str, ...]:
        """The operators the docs' table gives this attribute."""
        return tuple(o for o in self.operators if o not in self.reference_operators)


OPERATORS: dict[str, str] = {
    "eql": "equals",
    "not_eql": "does not equal",
    "ext": "has a value / is filled in",
    "not_ext": "has no value / is empty",
    "lte": "is before / at most",
    "gte": "is after / at least",
    "range": "is between two values (use with from and to)",
    "contains": "contains the text",
    "not_contains": "does not contain the text",
    "start_with": "starts with",
    "not_start_with": "does not start with",
    "eql:strictdata": "equals (case-sensitive, exact match)",
    # Listed for `mail` in the attribute table but missing from the operator table.
    "not_eql:strictdata": "does not equal (case-sensitive, exact match)",
    "any_of": "matches any of a list",
    "none_of": "matches none of a list",
    "all_of": "matches all of a list",
    # Reference only (shapes file, "Types and rules"); the docs never say what its value looks like.
    "period": "falls within a period: a value naming one (now/M, 2024-05-01) or from and to",
}
# Operators Qomon's reference knows and the docs' operator table does not.
REFERENCE_ONLY_OPERATORS = frozenset({"period"})

VALUE_KINDS: dict[str, str] = {
    "text": "compared case-insensitively",
    "strict_text": "compared with the case-sensitive `:strictdata` operators (mail)",
    "date": 'ISO-8601 or date math ("now-1d/d"), UTC',
    "amount": 'euros as a string ("50", "12.5"); Qomon stores cents',
    "count": "a whole number of records",
    "number": "a plain number (campaign performance, 0-100)",
    "id": "a record id",
    "bool": '"true" or "false"',
    "gender": '"M", "F" or "O"',
    "age_cat": "an age category, 0-6",
    "year": 'a calendar year ("2024")',
    "validity": '"ongoing" or "ended"',
    "tag": "a tag name; the list operators take several",
    "form": "a form answer: the condition also carries form_id and form_ref_ids",
    "birthday": '"today", or a date whose day and month are matched',
}

NO_VALUE_OPERATORS = frozenset({"ext", "not_ext"})
LIST_OPERATORS = frozenset({"any_of", "none_of", "all_of"})
FORM_ATTRIBUTES = frozenset({"form", "custom_fields"})

SORT_ATTRIBUTES: tuple[str, ...] = (
    "surname",
    "firstname",
    "birthdate",
    "gender",
    "lastchange",
    "mail",
    "married_name",
    "city",
)

# Operator sets as spelled in the docs' tables, named once here to keep the table below legible.
_PRESENCE = ("ext", "not_ext")
_EQ = ("eql", "not_eql")
_NAME = ("eql", "not_eql", "ext", "not_ext", "start_with", "not_start_with")
_PLAIN = ("eql", "not_eql", "ext", "not_ext")
_DATE = ("eql", "ext", "not_ext", "range", "lte", "gte")
_COMPARE = ("eql", "not_eql", "lte", "gte", "range")
_TEXT_SEARCH = ("ext", "not_ext", "contains", "not_contains", "start_with", "not_start_with")
_EMAIL_DATE = ("ext", "not_ext", "lte", "gte", "range")
_EMAIL_EQ = ("ext", "not_ext", "eql", "not_eql")
_FORM = ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "lte", "gte", "range")

_TABLE: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    # Contact fields
    ("firstname", "First name", _NAME, "text", "contact"),
    ("surname", "Last name", _NAME, "text", "contact"),
    ("married_name", "Married name", _NAME, "text", "contact"),
    ("gender", "Gender (M, F, O)", _PLAIN, "gender", "contact"),
    ("birthdate", "Date of birth", _DATE, "date", "contact"),
    ("age_cat", "Age category (0–6)", _PLAIN, "age_cat", "contact"),
    ("birthcity", "City of birth", _PLAIN, "text", "contact"),
    ("birthcountry", "Country of birth", _PLAIN, "text", "contact"),
    ("nationality", "Nationality", _PLAIN, "text", "contact"),
    (
        "mail",
        "Email address",
        ("eql:strictdata", "not_eql:strictdata", "ext", "not_ext", "start_with", "not_start_with"),
        "strict_text",
        "contact",
    ),
    ("phone", "Landline", _NAME, "text", "contact"),
    (
        "mobile",
        "Mobile number",
        ("eql", "not_eql", "ext", "not_ext", "contains", "start_with", "not_start_with"),
        "text",
        "contact",
    ),
    (
        "tags.name",
        "Tag name",
        ("eql", "not_eql", "any_of", "none_of", "all_of", "ext", "not_ext"),
        "tag",
        "contact",
    ),
    ("black_list", "Blocked from all communication", _EQ, "bool", "contact"),
    ("lastchange", "Last modification date", _DATE, "date", "contact"),
    # Not in the attribute table: the data synchronization page polls on it with `gte`.
    ("UpdatedAt", "When the contact was created or last modified", _DATE, "date", "contact"),
    ("user_id", "ID of last user who edited the contact", _PLAIN, "id", "contact"),
    ("user_contact_id", "ID of the linked Qomon user", _PRESENCE, "id", "contact"),
    ("action_ids", "IDs of linked actions", _EQ, "id", "contact"),
    # Address fields
    ("address.city", "City", _NAME, "text", "address"),
    ("address.postalcode", "Postal code", _NAME, "text", "address"),
    ("address.country", "Country", _PLAIN, "text", "address"),
    ("address.street", "Street name", _NAME, "text", "address"),
    ("address.housenumber", "House number", _PLAIN, "text", "address"),
    ("address.building", "Building", _PLAIN, "text", "address"),
    ("address.floor", "Floor", _PLAIN, "text", "address"),
    ("address.door", "Door", _PLAIN, "text", "address"),
    ("address.addition", "Address complement", _PLAIN, "text", "address"),
    (
        "address.pollingstation",
        "Polling station",
        ("eql", "not_eql", "any_of", "none_of", "ext", "not_ext"),
        "text",
        "address",
    ),
    ("address.invalid", "Address flagged as invalid", _PLAIN, "bool", "address"),
    # Transactions
    ("transactions.created_at", "Record creation date", ("lte", "gte", "range"), "date", "transactions"),
    ("transactions.date", "Transaction execution date", _COMPARE, "date", "transactions"),
    ("transactions.amount", "Amount of one transaction (€)", _COMPARE, "amount", "transactions"),
    (
        "transactions.sum_amount",
        "Total amount across all transactions (€)",
        _COMPARE,
        "amount",
        "transactions",
    ),
    ("transactions.count_amount", "Number of transactions", _COMPARE, "count", "transactions"),
    (
        "transactions.code_campaign",
        "Campaign code",
        ("ext", "not_ext", "eql", "not_eql", "contains", "not_contains", "start_with", "not_start_with"),
        "text",
        "transactions",
    ),
    ("transactions.payment_method_kind", "Payment method", _EQ, "text", "transactions"),
    ("transactions.status_id", "Transaction status ID", _EQ, "id", "transactions"),
    # Donations
    ("donations.created_at", "Record creation date", _COMPARE, "date", "donations"),
    ("donations.transaction_date", "Donation operation date", _COMPARE, "date", "donations"),
    ("donations.amount", "Amount of one donation (€)", _COMPARE, "amount", "donations"),
    ("donations.sum_amount", "Total donated (€)", _COMPARE, "amount", "donations"),
    ("donations.count_amount", "Number of donations", _COMPARE, "count", "donations"),
    ("donations.donation_price_id", "Donation type/tier ID", _EQ, "id", "donations"),
    # Memberships
    ("memberships.created_at", "Record creation date", _COMPARE, "date", "memberships"),
    ("memberships.start_date", "Membership start date", _COMPARE, "date", "memberships"),
    ("memberships.end_date", "Membership end date", _COMPARE, "date", "memberships"),
    ("memberships.transaction_date", "Membership operation date", _COMPARE, "date", "memberships"),
    (
        "memberships.period",
        'Active year — e.g. "2024" means active that calendar year',
        _COMPARE,
        "year",
        "memberships",
    ),
    (
        "memberships.multiple_in_period",
        "Had more than one membership in a given year",
        ("eql",),
        "year",
        "memberships",
    ),
    ("memberships.membership_price_id", "Membership type/tier ID", _EQ, "id", "memberships"),
    # Email engagement
    ("emails.created_at", "Email record date", _EMAIL_DATE, "date", "emails"),
    ("emails.type", "Email type", _EMAIL_EQ, "text", "emails"),
    ("emails.sender", "Sender address", _EMAIL_EQ, "text", "emails"),
    ("emails.subject", "Email subject line", _TEXT_SEARCH, "text", "emails"),
    ("emails.user_id", "ID of Qomon user who sent the campaign", _EMAIL_EQ, "id", "emails"),
    ("emails.campaign_id", "Campaign ID", _EMAIL_EQ, "id", "emails"),
    ("emails.campaign_name", "Campaign name", _TEXT_SEARCH, "text", "emails"),
    ("emails.campaign_goal", "Campaign goal", _EMAIL_EQ, "text", "emails"),
    ("emails.campaign_is_successful", "Campaign marked successful", _EMAIL_EQ, "bool", "emails"),
    (
        "emails.campaign_performance_rating",
        "Campaign performance score (0–100)",
        _EMAIL_DATE,
        "number",
        "emails",
    ),
    ("emails.template_id", "Template ID", _EMAIL_EQ, "id", "emails"),
    ("emails.template_name", "Template name", _TEXT_SEARCH, "text", "emails"),
    ("emails.delivered_at", "Email delivered date", _EMAIL_DATE, "date", "emails"),
    ("emails.opened_at", "Email opened date", _EMAIL_DATE, "date", "emails"),
    ("emails.clicked_at", "Email clicked date", _EMAIL_DATE, "date", "emails"),
    ("emails.bounced_at", "Email bounced date", _EMAIL_DATE, "date", "emails"),
    ("emails.unsubscribed_at", "Unsubscribed date", _EMAIL_DATE, "date", "emails"),
    ("emails.blacklisted_at", "Blacklisted date", _EMAIL_DATE, "date", "emails"),
    ("emails.abuse_report_at", "Abuse report date", _EMAIL_DATE, "date", "emails"),
    (
        "emails.clicked_urls",
        "A URL that was clicked",
        ("ext", "not_ext", "eql", "not_eql", "contains", "start_with"),
        "text",
        "emails",
    ),
    # Sanctions
    ("sanctions.created_at", "Sanction creation date", _COMPARE, "date", "sanctions"),
    ("sanctions.start_date", "Sanction start date", _COMPARE, "date", "sanctions"),
    (
        "sanctions.end_date",
        "Sanction end date",
        ("eql", "not_eql", "ext", "not_ext", "lte", "gte", "range"),
        "date",
        "sanctions",
    ),
    (
        "sanctions.status",
        "Sanction status",
        ("eql", "not_eql", "contains", "not_contains"),
        "text",
        "sanctions",
    ),
    ("sanctions.validity", '"ongoing" or "ended"', ("eql",), "validity", "sanctions"),
    # Custom fields and form answers
    ("custom_fields", "Custom fields attached to contacts", _FORM, "form", "form"),
    (
        "form",
        "Survey, consent, level of support, presence, or task form answers",
        _FORM,
        "form",
        "form",
    ),
)

# Known from Qomon's reference only (shapes file, "Types and rules"), not from the docs' table.
_REFERENCE_TABLE: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("CreatedAt", "When the contact was created", _DATE, "date", "contact"),
    ("nationbuilderid", "The contact's NationBuilder id", _PLAIN, "text", "contact"),
    ("birthday", 'Birthday (day and month of the birthdate); "today" for today', ("eql",), "birthday", "contact"),
    ("address.state", "State or region", _PLAIN, "text", "address"),
    ("address.county", "County", _PLAIN, "text", "address"),
    ("address.building_type", "Building type", _PLAIN, "text", "address"),
    ("petitions.base_id", "A petition the contact signed", _PLAIN, "id", "petitions"),
    ("onlineforms.base_id", "An online form the contact filled in", _PLAIN, "id", "onlineforms"),
)
REFERENCE_ONLY_ATTRIBUTES: tuple[str, ...] = tuple(row[0] for row in _REFERENCE_TABLE)

# Operators the reference adds to attributes: `period` on every date (where it applies is
# not said, so every date takes it), `eql` on one email date, `start_with` on form answers.
_REFERENCE_EXTRAS: dict[str, tuple[str, ...]] = {
    "emails.blacklisted_at": ("eql",),
    "custom_fields": ("start_with",),
    "form": ("start_with",),
}


def _attribute(row: tuple[str, str, tuple[str, ...], str, str], reference_only: bool) -> Attribute:
    name, meaning, operators, kind, family = row
    extras = _REFERENCE_EXTRAS.get(name, ()) + (("period",) if kind in ("date", "birthday") else ())
    extras = tuple(o for o in extras if o not in operators)
    return Attribute(name, meaning, operators + extras, kind, family, extras, reference_only)


ATTRIBUTES: dict[str, Attribute] = {
    **{row[0]: _attribute(row, False) for row in _TABLE},
    **{row[0]: _attribute(row, True) for row in _REFERENCE_TABLE},
}


def allowed_operators(attr: str) -> tuple[str, ...]:
    """The operators the docs allow on `attr` (reference extras aside); KeyError for an unknown attribute."""
    return ATTRIBUTES[attr].documented_operators
