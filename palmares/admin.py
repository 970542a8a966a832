"""Organiser administration of palmares. Django's admin autodiscovery imports this module only;
each sub-domain registers its own models in its ``admin`` module, imported here."""

from palmares.appeals import admin as appeals_admin  # noqa: F401  (the queue, impact preview, decisions)
from palmares.audit import admin as audit_admin  # noqa: F401  (the independent controller: audits, read-only)
from palmares.certificates import admin as certificates_admin  # noqa: F401  (laureates' certificates)
from palmares.portal import admin as portal_admin  # noqa: F401  (invitations, scorecard reports)
from palmares.publication import admin as publication_admin  # noqa: F401  (publish, unpublish, snapshot)
