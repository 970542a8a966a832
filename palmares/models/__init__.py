"""The palmares tables, one module per sub-domain; every model is re-exported here, so
``palmares.models.Publication`` (and Django's app registry) find them all under the one app label."""

from palmares.models.appeals import Appeal
from palmares.models.audit import Audit, AuditCheck
from palmares.models.certificates import Certificate
from palmares.models.portal import ScorecardReport
from palmares.models.publication import Publication, PublishedTree

__all__ = ["Appeal", "Audit", "AuditCheck", "Certificate", "Publication", "PublishedTree", "ScorecardReport"]
