"""Models of what the Qomon Public API returns, gathered in one namespace.

They live in `models_contacts`, `models_team` and `models_fundraising`, on the
lenient base in `models_base`. Writes take plain dicts, so there are no payload models.
"""

from __future__ import annotations

from .models_base import QomonModel
from .models_contacts import Action, ActionAggregate, Address, Contact, Form, FormData, Interaction, RefValue, Tag
from .models_fundraising import (
    Bundle,
    BundleHistoryEntry,
    BundlePage,
    BundleSummary,
    CodeCampaign,
    Donation,
    DonationPrice,
    Membership,
    MembershipPrice,
    MembershipPriceGroup,
    Transaction,
    TransactionSettings,
    TransactionStatus,
)
from .models_team import (
    Invitation,
    InvitationResult,
    Role,
    RolePage,
    Team,
    TeamDeleted,
    TeamUser,
    User,
    UserPage,
)

__all__ = [
    "Action",
    "ActionAggregate",
    "Address",
    "Bundle",
    "BundleHistoryEntry",
    "BundlePage",
    "BundleSummary",
    "CodeCampaign",
    "Contact",
    "Donation",
    "DonationPrice",
    "Form",
    "FormData",
    "Interaction",
    "Invitation",
    "InvitationResult",
    "Membership",
    "MembershipPrice",
    "MembershipPriceGroup",
    "QomonModel",
    "RefValue",
    "Role",
    "RolePage",
    "Tag",
    "Team",
    "TeamDeleted",
    "TeamUser",
    "Transaction",
    "TransactionSettings",
    "TransactionStatus",
    "User",
    "UserPage",
]
