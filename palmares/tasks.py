"""Celery's autodiscovery imports each installed app's ``tasks`` module only; palmares' tasks live in
its sub-domains, so this module imports them. Every task keeps its explicit ``name=``, so moving a
task module never renames a task."""

from palmares.certificates.tasks import render_certificate
from palmares.portal.tasks import render_edition_reports, render_report
from palmares.publication.tasks import publish_due

__all__ = ["publish_due", "render_certificate", "render_edition_reports", "render_report"]
