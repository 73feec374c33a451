"""Case photos and videos: checked by content, thumbnails, all-or-nothing storage."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from tests.fixtures_cases import report
from zhili.cases import actions as A
from zhili.cases.media import case_attach_media, sniff
from zhili.cases.models import CaseEvent, CaseMedia
from zhili.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("english")


# --- files made for the tests ------------------------------------------------------


def jpeg(
    w: int = 800, h: int = 400, *, orientation: int | None = None, noise: bool = False
) -> bytes:
    img = (
        Image.effect_noise((w, h), 64).convert("RGB")
        if noise
        else Image.new("RGB", (w, h), (200, 30, 30))
    )
    if not noise:
        img.paste((30, 30, 200), (0, 0, w // 4, h))  # a blue band on the left edge
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 48.0, 0.0)}  # GPS IFD
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def image(fmt: str, size=(300, 200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10, 128) if mode == "RGBA" else (10, 120, 10)).save(out, fmt)
    return out.getvalue()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(brand: bytes = b"isom") -> bytes:
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mvhd = box(b"mvhd", b"\x00" * 100)
    return ftyp + box(b"moov", mvhd) + box(b"mdat", b"\x00" * 64)


def webm() -> bytes:
    ebml = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
    return ebml + b"\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x18\x53\x80\x67" + b"\x00" * 32


def png_bomb(side: int = 30_000) -> bytes:
    """A real PNG of side × side black 1-bit pixels: ~110 kB on disk, 900 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" * (1 + side // 8)
    comp = zlib.compressobj(9)
    parts = [comp.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def up(name: str, data: bytes) -> SimpleUploadedFile:
    # The browser's claimed type is deliberately wrong: it must not matter.
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def case(district, people):
    return report(people)


# --- photos ------------------------------------------------------------------------


def test_photo_kept_as_uploaded_with_upright_metadata_free_thumbnail(case, people, settings):
    original = jpeg(800, 400, orientation=6)  # "rotate 90° clockwise to display"
    [media] = case_attach_media(
        actor=people["inspector"], case_id=case.pk, files=[up("现场.jpg", original)], phase="report"
    )
    assert (
        media.kind == "photo" and media.content_type == "image/jpeg" and media.size == len(original)
    )
    assert media.file.name.startswith(f"cases/2026/02/{case.number}/") and media.file.name.endswith(
        ".jpg"
    )
    with media.file.open("rb") as fh:
        assert fh.read() == original  # the evidence, byte for byte
    with media.thumbnail.open("rb") as fh:
        thumb = Image.open(io.BytesIO(fh.read()))
        assert thumb.format == "JPEG"
        assert thumb.size == (160, 320)  # turned upright: portrait
        assert not thumb.getexif()  # no GPS, no camera, no orientation left
        # The blue band of the left edge is now along the top.
        r, g, b = thumb.convert("RGB").getpixel((80, 10))
        assert b > 150 and r < 100
    assert media.uploaded_by == people["inspector"]
    ev = media.event
    assert (
        ev.action == "media"
        and ev.case_id == case.pk
        and ev.data == {"phase": "report", "count": 1}
    )
    assert AuditEntry.objects.filter(action="cases.attach_media", object_id=str(case.pk)).exists()


@pytest.mark.parametrize(
    "data, content_type, ext",
    [
        (image("PNG", mode="RGBA"), "image/png", ".png"),
        (image("WEBP"), "image/webp", ".webp"),
        (mp4(), "video/mp4", ".mp4"),
        (mp4(b"qt  "), "video/quicktime", ".mov"),
        (webm(), "video/webm", ".webm"),
    ],
)
def test_type_comes_from_content_not_name(case, people, data, content_type, ext):
    [media] = case_attach_media(
        actor=people["inspector"], case_id=case.pk, files=[up("IMG_0001.jpg", data)], phase="report"
    )
    assert media.content_type == content_type and media.file.name.endswith(ext)
    if content_type.startswith("video/"):
        # No ffmpeg on intranet servers: pages show a generic video icon.
        assert media.kind == "video" and not media.thumbnail
    else:
        assert media.kind == "photo" and media.thumbnail.name.endswith("_thumb.jpg")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"#!/bin/sh\nrm -rf /\n", "not a photo or video"),
        (b"", "the file is empty"),
        (image("GIF"), "GIF pictures are not accepted"),
        (image("BMP"), "BMP pictures are not accepted"),
        (jpeg()[:3000], "damaged or incomplete"),
        (mp4()[:-10], "video is damaged or incomplete"),
        (webm().split(b"\x18\x53\x80\x67")[0], "video is damaged or incomplete"),
        (
            box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(b"meta", b"\x00" * 40),
            "HEIC photos cannot be read",
        ),
        (b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska" + b"\x00" * 30, "Matroska"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(case, people, settings, data, message):
    with pytest.raises(ValidationError, match=message) as err:
        case_attach_media(
            actor=people["inspector"], case_id=case.pk, files=[up("照片.jpg", data)], phase="report"
        )
    assert "照片.jpg" in err.value.messages[0]
    assert CaseMedia.objects.count() == 0 and stored_files(settings) == []
    assert not CaseEvent.objects.filter(action="media").exists()


def test_decompression_bombs_are_refused_before_decoding(case, people, settings):
    # 64 megapixels: over our limit, under Pillow's; refused from the header.
    bomb = png_bomb(8000)
    assert len(bomb) < 20_000
    with pytest.raises(
        ValidationError, match=r"too many pixels \(8000 × 8000; at most 50 megapixels\)"
    ):
        case_attach_media(
            actor=people["inspector"], case_id=case.pk, files=[up("bomb.png", bomb)], phase="report"
        )
    # 900 megapixels in ~110 kB: Pillow itself refuses at open; same message.
    bomb = png_bomb(30_000)
    assert len(bomb) < 300_000
    with pytest.raises(ValidationError, match="too many pixels"):
        case_attach_media(
            actor=people["inspector"], case_id=case.pk, files=[up("bomb.png", bomb)], phase="report"
        )
    assert stored_files(settings) == [] and CaseMedia.objects.count() == 0


def test_size_limits_are_configurable(case, people, settings):
    settings.ZHILI_MEDIA_MAX_PHOTO_MB = 0.05
    settings.ZHILI_MEDIA_MAX_VIDEO_MB = 0.0001
    big = jpeg(600, 600, noise=True)
    assert len(big) > 0.05 * 1024 * 1024
    with pytest.raises(ValidationError, match=r"the photo is too large \(\d+ KB; at most 51 KB\)"):
        case_attach_media(actor=None, case_id=case.pk, files=[up("big.jpg", big)], phase="report")
    with pytest.raises(ValidationError, match="the video is too large"):
        case_attach_media(actor=None, case_id=case.pk, files=[up("v.mp4", mp4())], phase="report")
    # A big file that is neither is "not a photo", not "too large".
    with pytest.raises(ValidationError, match="not a photo or video"):
        case_attach_media(
            actor=None, case_id=case.pk, files=[up("x.jpg", b"x" * 100_000)], phase="report"
        )


def test_one_bad_file_refuses_the_whole_batch_and_all_problems_are_listed(case, people, settings):
    files = [up("a.jpg", jpeg()), up("b.jpg", b"not a picture"), up("c.png", image("GIF"))]
    with pytest.raises(ValidationError) as err:
        case_attach_media(actor=people["inspector"], case_id=case.pk, files=files, phase="report")
    assert len(err.value.messages) == 2
    assert CaseMedia.objects.count() == 0 and stored_files(settings) == []


def test_at_most_nine_files(case, people, settings):
    with pytest.raises(ValidationError, match="At most 9 files"):
        case_attach_media(
            actor=None,
            case_id=case.pk,
            files=[up(f"{i}.jpg", jpeg(40, 40)) for i in range(10)],
            phase="report",
        )
    with pytest.raises(ValidationError, match="No file"):
        case_attach_media(actor=None, case_id=case.pk, files=[], phase="report")
    with pytest.raises(ValidationError, match="Unknown phase"):
        case_attach_media(actor=None, case_id=case.pk, files=[up("a.jpg", jpeg())], phase="before")


def test_storage_failure_midway_deletes_what_was_saved(case, people, settings, monkeypatch):
    real_save = FileSystemStorage._save
    calls = []

    def flaky(self, name, content):
        calls.append(name)
        if len(calls) == 3:  # photo 1, its thumbnail, then photo 2 fails
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", flaky)
    with pytest.raises(OSError, match="disk full"):
        case_attach_media(
            actor=people["inspector"],
            case_id=case.pk,
            files=[up("a.jpg", jpeg()), up("b.jpg", jpeg())],
            phase="report",
        )
    assert len(calls) == 3
    assert CaseMedia.objects.count() == 0 and stored_files(settings) == []
    assert not CaseEvent.objects.filter(action="media").exists()


# --- belonging to a case and its timeline ----------------------------------------------


def test_media_join_the_entry_they_document(district, people, garbage, rule):
    cat, cond = garbage
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    case = A.case_feedback(actor=people["handler"], case_id=case.pk, note="已清理")
    media = case_attach_media(
        actor=people["handler"],
        case_id=case.pk,
        files=[up("after.jpg", jpeg())],
        phase="handling",
        event=case._last_event,
    )
    assert media[0].event == case._last_event and media[0].phase == "handling"
    assert not CaseEvent.objects.filter(action="media").exists()
    A.case_check(actor=people["inspector"], case_id=case.pk, passed=True)
    case = A.case_close(actor=people["lead"], case_id=case.pk)
    # Closed: only the closing entry itself may still get its photos.
    with pytest.raises(ValidationError, match="files can no longer be added"):
        case_attach_media(
            actor=people["lead"], case_id=case.pk, files=[up("x.jpg", jpeg())], phase="check"
        )
    case_attach_media(
        actor=people["lead"],
        case_id=case.pk,
        files=[up("x.jpg", jpeg())],
        phase="check",
        event=case._last_event,
    )
    assert case.media.count() == 2


def test_event_of_another_case_is_refused(case, people):
    other = report(people)
    with pytest.raises(ValidationError, match="another case"):
        case_attach_media(
            actor=None,
            case_id=case.pk,
            files=[up("a.jpg", jpeg())],
            phase="report",
            event=other.events.first(),
        )
    assert CaseMedia.objects.count() == 0


def test_someone_who_cannot_see_the_case_gets_404(case, people, make_user):
    stranger = make_user("stranger", "handler")
    with pytest.raises(Http404):
        case_attach_media(
            actor=stranger, case_id=case.pk, files=[up("a.jpg", jpeg())], phase="report"
        )
    with pytest.raises(Http404):
        case_attach_media(
            actor=stranger, case_id=999_999, files=[up("a.jpg", jpeg())], phase="report"
        )


def test_sniff():
    assert sniff(jpeg()[:64]) == "jpeg" and sniff(image("PNG")[:64]) == "png"
    assert (
        sniff(mp4()[:64]) == "mp4" and sniff(mp4(b"qt  ")[:64]) == "mov" and sniff(webm()) == "webm"
    )
    assert sniff(b"hello world") is None
