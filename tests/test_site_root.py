"""Files browsers ask for at the site root."""

import pytest


@pytest.mark.django_db
def test_favicon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}


@pytest.mark.django_db
def test_the_pages_point_at_the_favicon(client):
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/").content.decode()
