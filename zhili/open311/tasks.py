"""Background jobs of the public API: batch requests and media fetching."""

from __future__ import annotations

import logging
import urllib.request

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import task

from .actions import request_process_batch
from .models import ServiceRequest

log = logging.getLogger(__name__)
MAX_MEDIA_BYTES = 10 * 1024 * 1024


@task()
def process_request(*, request_id: int) -> dict:
    sr = request_process_batch(request_id=request_id)
    fetched = False
    if sr.case_id and sr.media_url:
        fetched = _fetch_media(sr)
    return {"case": sr.case.number if sr.case_id else None, "error": sr.error, "media": fetched}


def _fetch_media(sr: ServiceRequest) -> bool:
    """Fetch media_url (hosts were checked on submission) and attach it as a
    report photo; failures are logged, the case stands without it."""
    try:
        from zhili.cases.media import case_attach_media
    except ImportError:  # media handling not installed
        return False
    try:
        with urllib.request.urlopen(sr.media_url, timeout=settings.ZHILI_OPEN311_MEDIA_TIMEOUT) as resp:  # noqa: S310 (host allow-listed)
            body = resp.read(MAX_MEDIA_BYTES + 1)
            ctype = resp.headers.get_content_type()
    except OSError as exc:
        log.warning("media_url %s of request %s not fetched: %s", sr.media_url, sr.pk, exc)
        return False
    if len(body) > MAX_MEDIA_BYTES:
        log.warning("media_url %s is larger than %d bytes", sr.media_url, MAX_MEDIA_BYTES)
        return False
    name = sr.media_url.rsplit("/", 1)[-1][:80] or "media"
    try:
        case_attach_media(actor=None, case_id=sr.case_id, files=[SimpleUploadedFile(name, body, content_type=ctype)], phase="report")
    except Exception as exc:  # a bad file must not fail the job; it is logged
        log.warning("media_url %s refused: %s", sr.media_url, exc)
        return False
    return True
