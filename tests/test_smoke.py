def test_healthz(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["ok"] is True


def test_home_requires_login(client, db):
    r = client.get("/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_home_for_inspector(client, inspector_li):
    client.force_login(inspector_li)
    r = client.get("/")
    assert r.status_code == 200
    assert "李监督" in r.content.decode()
