"""Certificates follow the publication workflow: issued when a publication is decided,
revoked when it is withdrawn. Both signals are sent after commit (palmares.publication.signals), so a
failure here cannot undo the publication: it is logged, and an organiser repairs it from
the certificate admin ("Generate an edition's certificates" issues what is missing)."""

import logging

from django.dispatch import receiver

from palmares.certificates.services import certificates_issue, certificates_revoke_for_publication
from palmares.publication.signals import edition_published, edition_unpublished

logger = logging.getLogger(__name__)


@receiver(edition_published, dispatch_uid="certificates_on_published")
def issue_certificates(sender, *, publication, **kwargs) -> None:
    try:
        certificates_issue(publication=publication)
    except Exception:
        logger.exception("certificates of publication %s could not be issued", publication.pk)


@receiver(edition_unpublished, dispatch_uid="certificates_on_unpublished")
def revoke_certificates(sender, *, publication, reason="", **kwargs) -> None:
    try:
        certificates_revoke_for_publication(
            publication=publication, user=getattr(publication, "unpublished_by", None), reason=reason
        )
    except Exception:
        logger.exception("certificates of withdrawn publication %s could not be revoked", publication.pk)
