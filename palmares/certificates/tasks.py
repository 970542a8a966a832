"""Background rendering of certificates' PDFs (thin: re-fetch by id, call the service)."""

from celery import shared_task
from django.db import OperationalError

from palmares.certificates.services import certificate_render
from palmares.models import Certificate


@shared_task(
    name="palmares.render_certificate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_certificate(certificate_id: int) -> bool:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:  # deleted meanwhile (its publication was removed): nothing to do
        return False
    return certificate_render(certificate=certificate)
