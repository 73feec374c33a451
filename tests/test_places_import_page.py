"""The boundary import page hands the file to the background worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.test_places import divisions_fc, fc, feat
from zhili.places.models import Division

pytestmark = pytest.mark.usefixtures("english")


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


# The worker closes its database connection after a job, as a long-running
# worker must; so these tests commit for real instead of running inside the
# test's transaction.
@pytest.mark.django_db(transaction=True)
def test_import_page_runs_in_worker_and_reports(client, office_sun):
    client.force_login(office_sun)
    upload = SimpleUploadedFile("d.geojson", divisions_fc().encode(), content_type="application/geo+json")
    r = client.post("/places/import/", {"kind": "divisions", "file": upload, "valid_from": "2024-01-01", "commit": "on"})
    assert r.status_code == 302
    status_url = r["Location"]
    assert "being checked" in client.get(status_url).content.decode()  # queued, no worker yet
    assert Division.objects.count() == 0
    run_worker()
    page = client.get(status_url).content.decode()
    assert Division.objects.current().count() == 4
    assert "Saved" in page or "已保存" in page


@pytest.mark.django_db(transaction=True)
def test_import_page_lists_every_error_and_saves_nothing(client, office_sun):
    from shapely.geometry import box

    client.force_login(office_sun)
    bad = fc(feat("4406", box(112.8, 22.8, 112.9, 22.9)), feat("440699", box(112.8, 22.8, 112.9, 22.9), name=""))
    upload = SimpleUploadedFile("bad.geojson", bad.encode())
    r = client.post("/places/import/", {"kind": "divisions", "file": upload, "valid_from": "2024-01-01", "commit": "on"})
    run_worker()
    page = client.get(r["Location"]).content.decode()
    assert "4406" in page and "name" in page
    assert Division.objects.count() == 0


def test_import_page_refuses_wrong_type_and_non_staff(client, office_sun, inspector_li):
    client.force_login(office_sun)
    r = client.post("/places/import/", {"kind": "grids", "file": SimpleUploadedFile("g.kml", b"<kml/>"), "valid_from": "2024-01-01"})
    assert r.status_code == 200 and ".geojson" in r.content.decode()
    client.force_login(inspector_li)
    assert client.get("/places/import/").status_code == 404


def test_status_page_of_someone_else_is_404(client, office_sun, admin_qian):
    client.force_login(office_sun)
    upload = SimpleUploadedFile("d.geojson", divisions_fc().encode())
    r = client.post("/places/import/", {"kind": "divisions", "file": upload, "valid_from": "2024-01-01"})
    client.force_login(admin_qian)
    assert client.get(r["Location"]).status_code == 404
    assert client.get("/places/import/not-a-task/").status_code == 404
