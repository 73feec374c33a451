"""Photos and short videos of a case: checked by content, stored through Django's storage API.

A file is judged by its bytes, never by its name or the browser's claimed
type: a phone gallery happily sends ``IMG_0001.jpg`` that is really HEIC,
and anyone can rename a script to ``.jpg``.  Photos are decoded in full
with Pillow (a damaged or truncated upload is refused now, not when a
leader opens the case), with the pixel count checked from the header before
decoding, so a 30000×30000 "decompression bomb" of a few hundred kilobytes
never reaches memory.  Videos are recognised by their container structure
(MP4/MOV box chain, WebM EBML header) and are not decoded at all.

Every file of a call is checked before any is saved; if storing fails
midway, the files already written are deleted again, so a refused or failed
upload leaves nothing behind.
"""

from __future__ import annotations

import io
import os
import struct
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.models import record

from .models import Case, CaseEvent, CaseMedia

__all__ = [
    "MediaLimits",
    "CheckedFile",
    "media_limits",
    "check_media_file",
    "case_attach_media",
    "sniff",
]

MB = 1024 * 1024
THUMB_SIZE = 320
THUMB_QUALITY = 80


@dataclass(frozen=True)
class MediaLimits:
    max_files: int = 9  # a WeChat-style picker sends at most nine
    max_photo_bytes: int = 10 * MB
    max_video_bytes: int = 50 * MB
    # A 50 MP phone photo is 8192×6144; anything larger is a panorama stitched
    # elsewhere or a bomb, and decoding it costs ~200 MB of RAM per upload.
    max_pixels: int = 50_000_000


def media_limits() -> MediaLimits:
    """Limits from settings (ZHILI_MEDIA_MAX_FILES, _MAX_PHOTO_MB, _MAX_VIDEO_MB, _MAX_MEGAPIXELS)."""
    d = MediaLimits()
    return MediaLimits(
        max_files=int(getattr(settings, "ZHILI_MEDIA_MAX_FILES", d.max_files)),
        max_photo_bytes=int(float(getattr(settings, "ZHILI_MEDIA_MAX_PHOTO_MB", 10)) * MB),
        max_video_bytes=int(float(getattr(settings, "ZHILI_MEDIA_MAX_VIDEO_MB", 50)) * MB),
        max_pixels=int(float(getattr(settings, "ZHILI_MEDIA_MAX_MEGAPIXELS", 50)) * 1_000_000),
    )


# --- recognising content ------------------------------------------------------------

# ISO base media brands (ftyp major/compatible brands).
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"dash", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"mmp4",
    b"XAVC", b"MP4 ",
}  # fmt: skip
_MOV_BRANDS = {b"qt  "}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
# QuickTime files from older cameras start with one of these atoms instead of ftyp.
_QT_FIRST_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}

VIDEO_TYPES = {
    "mp4": ("video/mp4", ".mp4"),
    "mov": ("video/quicktime", ".mov"),
    "webm": ("video/webm", ".webm"),
}
PHOTO_TYPES = {
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),  # multi-picture JPEG some phones write; a JPEG to every viewer
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "HEIF": ("image/heic", ".heic"),  # only when a HEIF plugin (pillow-heif) is installed
}


def sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is: jpeg, png, webp, gif, bmp, tiff,
    heic, mp4, mov, webm, mkv, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        # EBML: the DocType element (0x4282) says WebM or Matroska.
        return "webm" if b"\x42\x82\x84webm" in head[:128] else "mkv"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = {head[8:12]}
        size = struct.unpack(">I", head[:4])[0]
        for i in range(16, min(size, len(head)) - 3, 4):
            brands.add(head[i : i + 4])
        if head[8:12] in _HEIF_BRANDS or (brands & _HEIF_BRANDS and not brands & _MP4_BRANDS):
            return "heic"
        if head[8:12] in _MOV_BRANDS:
            return "mov"
        if brands & (_MP4_BRANDS | _MOV_BRANDS):
            return "mp4"
        return None
    if len(head) >= 8 and head[4:8] in _QT_FIRST_ATOMS and struct.unpack(">I", head[:4])[0] >= 8:
        return "mov"
    return None


def _boxes_ok(f: IO[bytes], total: int) -> bool:
    """Whether the top-level ISO/QuickTime boxes chain exactly to the end of the
    file and include ``moov`` (without it nothing can play the video)."""
    offset, seen_moov = 0, False
    for _i in range(10_000):
        if offset == total:
            return seen_moov
        if total - offset < 8:
            return False
        f.seek(offset)
        hdr = f.read(16)
        size, kind = struct.unpack(">I4s", hdr[:8])
        if not all(32 <= c < 127 for c in kind):
            return False
        if size == 1:  # 64-bit size follows
            if len(hdr) < 16:
                return False
            size = struct.unpack(">Q", hdr[8:16])[0]
        elif size == 0:  # the box runs to the end of the file
            size = total - offset
        if size < 8 or offset + size > total:
            return False
        seen_moov = seen_moov or kind == b"moov"
        offset += size
    return False


# --- checking one file ----------------------------------------------------------------


@dataclass
class CheckedFile:
    kind: str  # CaseMedia.Kind
    content_type: str
    ext: str
    size: int
    source: Any  # bytes for photos, the open file for videos
    thumbnail: bytes | None = None


def _display_name(f: Any) -> str:
    name = os.path.basename(str(getattr(f, "name", "") or "")) or _("(unnamed file)")
    return name if len(name) <= 60 else name[:57] + "…"


def _size_of(f: Any) -> int:
    size = getattr(f, "size", None)
    if isinstance(size, int):
        return size
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    return size


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def check_media_file(f: Any, limits: MediaLimits | None = None) -> CheckedFile:
    """Check one uploaded file; a photo is decoded and its thumbnail made.

    ``f`` is any Django ``File`` (an ``UploadedFile`` from a form) or binary
    file object with a name.  Raises ``ValidationError`` saying what is wrong.
    """
    limits = limits or media_limits()
    name = _display_name(f)
    size = _size_of(f)
    if size == 0:
        raise ValidationError(_("%(name)s: the file is empty.") % {"name": name})
    f.seek(0)
    head = f.read(4096)
    f.seek(0)
    kind = sniff(head)
    if kind in VIDEO_TYPES:
        if size > limits.max_video_bytes:
            raise ValidationError(
                _("%(name)s: the video is too large (%(size)s; at most %(max)s).")
                % {"name": name, "size": _mb(size), "max": _mb(limits.max_video_bytes)}
            )
        # MP4/MOV: the top-level boxes must chain to the end.  WebM: the EBML
        # header must be followed by its Segment (a cut-off Segment still
        # plays up to the cut, as browsers stream it).
        broken = b"\x18\x53\x80\x67" not in head if kind == "webm" else not _boxes_ok(f, size)
        if broken:
            raise ValidationError(
                _("%(name)s: the video is damaged or incomplete (was the upload cut off?).")
                % {"name": name}
            )
        f.seek(0)
        content_type, ext = VIDEO_TYPES[kind]
        # No thumbnail: that needs a video decoder (ffmpeg), which intranet
        # servers do not have and which would be a large attack surface for
        # untrusted uploads; pages show a generic video icon instead.
        return CheckedFile(CaseMedia.Kind.VIDEO, content_type, ext, size, f)
    if kind == "mkv":
        raise ValidationError(
            _("%(name)s: Matroska (MKV) videos are not accepted; send MP4, MOV or WebM.")
            % {"name": name}
        )
    if size > limits.max_photo_bytes:
        if kind is not None:
            raise ValidationError(
                _("%(name)s: the photo is too large (%(size)s; at most %(max)s).")
                % {"name": name, "size": _mb(size), "max": _mb(limits.max_photo_bytes)}
            )
        raise ValidationError(_not_media(name))
    data = f.read(limits.max_photo_bytes + 1)
    f.seek(0)
    return _check_photo(name, data, kind, limits)


def _not_media(name: str) -> str:
    return _(
        "%(name)s: not a photo or video (accepted: JPEG, PNG, WebP or HEIC photos; "
        "MP4, MOV or WebM videos)."
    ) % {"name": name}


def _check_photo(name: str, data: bytes, kind: str | None, limits: MediaLimits) -> CheckedFile:
    from PIL import Image, UnidentifiedImageError

    damaged = _("%(name)s: the photo is damaged or incomplete and cannot be opened.") % {
        "name": name
    }
    too_many = _(
        "%(name)s: the picture has too many pixels (%(w)d × %(h)d; at most %(max)d megapixels)."
    )
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice it; make that an error too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise ValidationError(
                _("%(name)s: the picture has too many pixels (at most %(max)d megapixels).")
                % {"name": name, "max": limits.max_pixels // 1_000_000}
            ) from None
        except Image.DecompressionBombWarning:
            raise ValidationError(
                _("%(name)s: the picture has too many pixels (at most %(max)d megapixels).")
                % {"name": name, "max": limits.max_pixels // 1_000_000}
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            if kind == "heic":
                raise ValidationError(
                    _(
                        "%(name)s: HEIC photos cannot be read on this server. Set the phone "
                        "camera to “Most Compatible” (JPEG), or send the photo through a chat "
                        "app, which converts it."
                    )
                    % {"name": name}
                ) from None
            if kind in ("jpeg", "png", "webp"):
                raise ValidationError(damaged) from None
            raise ValidationError(_not_media(name)) from None
        fmt = img.format or ""
        if fmt not in PHOTO_TYPES:
            raise ValidationError(
                _("%(name)s: %(format)s pictures are not accepted; send JPEG, PNG, WebP or HEIC.")
                % {"name": name, "format": fmt or "?"}
            )
        w, h = img.size
        # Checked from the header, before a single pixel is decoded.
        if w * h > limits.max_pixels or w <= 0 or h <= 0:
            raise ValidationError(
                too_many % {"name": name, "w": w, "h": h, "max": limits.max_pixels // 1_000_000}
            )
        try:
            if fmt in ("JPEG", "MPO"):
                # Let libjpeg decode at 1/2..1/8 scale: the whole stream is still
                # read (so truncation shows) at a fraction of the memory.
                img.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))
            img.load()
            thumb = _thumbnail(img)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, struct.error):
            raise ValidationError(damaged) from None
    content_type, ext = PHOTO_TYPES[fmt]
    return CheckedFile(CaseMedia.Kind.PHOTO, content_type, ext, len(data), data, thumb)


def _thumbnail(img: Any) -> bytes:
    """A 320 px JPEG, turned upright, carrying no metadata at all.

    Only the orientation is taken from the EXIF (applied to the pixels);
    GPS position, camera serial and the rest stay in the original, which
    is kept as uploaded as evidence and is shown only to those who may see
    the case.
    """
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return out.getvalue()


# --- the action ------------------------------------------------------------------------


def _as_file(f: Any) -> Any:
    if isinstance(f, File):
        return f
    if hasattr(f, "read") and hasattr(f, "seek"):
        return File(f, name=getattr(f, "name", None))
    raise ValidationError(_("Only files can be attached."))


def case_attach_media(
    *,
    actor,
    case_id: int,
    files: Iterable[Any],
    phase: str,
    event: CaseEvent | int | None = None,
    now: datetime | None = None,
) -> list[CaseMedia]:
    """Attach photos and videos to a case, all or none.

    ``event``: the timeline entry the files belong to (the feedback or check
    the caller just recorded, e.g. ``case._last_event``); without one, a
    "media" entry of its own is written.  The case must be open, unless the
    files go with the case's latest entry (photos taken at closing).

    Storage is not transactional: a failure inside this call deletes the
    files it wrote, but if the *caller's* outer transaction rolls back
    afterwards the files stay behind as orphans (Django has no rollback
    hook); they are unreachable and harmless, and a sweep can remove them.
    """
    from .access import access_case

    files = [_as_file(f) for f in files]
    limits = media_limits()
    if phase not in CaseMedia.Phase.values:
        raise ValidationError(_("Unknown phase %(p)s.") % {"p": phase})
    if not files:
        raise ValidationError(_("No file was given."))
    if len(files) > limits.max_files:
        raise ValidationError(
            _("At most %(max)d files can be attached at once; %(n)d were given.")
            % {"max": limits.max_files, "n": len(files)}
        )
    if actor is not None:
        access_case(actor, case_id)  # the same 404 for a missing and a hidden case
    # Check every file before storing any, and report them all at once.
    checked: list[CheckedFile] = []
    problems: list[str] = []
    for f in files:
        try:
            checked.append(check_media_file(f, limits))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)

    now = now or timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if event is not None:
                event = event if isinstance(event, CaseEvent) else CaseEvent.objects.get(pk=event)
                if event.case_id != case.pk:
                    raise ValidationError(_("The timeline entry belongs to another case."))
            latest = case.events.order_by("-at", "-id").values_list("pk", flat=True).first()
            if not case.is_open and (event is None or event.pk != latest):
                raise ValidationError(
                    _("Case %(n)s is %(state)s; files can no longer be added.")
                    % {"n": case.number, "state": case.state_label}
                )
            if event is None:
                # Additive: the case version is not bumped, since a photo does
                # not make a decision someone else is looking at stale.
                event = CaseEvent.objects.create(
                    case=case,
                    at=now,
                    actor=user,
                    action="media",
                    from_state=case.state,
                    to_state=case.state,
                    note="",
                    public=False,
                    data={"phase": phase, "count": len(checked)},
                )
            out = []
            for c in checked:
                media = CaseMedia(
                    case=case,
                    event=event,
                    phase=phase,
                    kind=c.kind,
                    content_type=c.content_type,
                    size=c.size,
                    uploaded_by=user,
                )
                stem = uuid.uuid4().hex[:16]
                content = ContentFile(c.source) if isinstance(c.source, bytes) else c.source
                media.file.save(stem + c.ext, content, save=False)
                stored.append(media.file.name)
                if c.thumbnail is not None:
                    media.thumbnail.save(stem + "_thumb.jpg", ContentFile(c.thumbnail), save=False)
                    stored.append(media.thumbnail.name)
                media.save()
                out.append(media)
            record(
                actor=actor,
                action="cases.attach_media",
                obj=case,
                summary=f"{phase}: {len(out)}",
                after={
                    "phase": phase,
                    "event": event.pk,
                    "media": [m.pk for m in out],
                    "files": [m.file.name for m in out],
                },
            )
    except BaseException:
        # The rows roll back with the transaction; the files are not in it.
        for name in stored:
            try:
                default_storage.delete(name)
            except Exception:  # noqa: S110 - the original error matters more
                pass
        raise
    return out
