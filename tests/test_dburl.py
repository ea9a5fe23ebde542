"""Child processes get their DATABASE_URL from the same code the settings read it with."""

import pytest

from config.dburl import database_from_url, url_from_database


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/granslos_x",
        "postgresql://granslos:s%40cret%2Fpw@postgres:5432/granslos",
        "postgresql://me@/test_granslos?host=%2Fwork%2Fwt%2Fx%2F.data%2Fpostgres",  # embedded
        "postgresql://me@dbhost/granslos",  # no port: libpq's default
    ],
)
def test_database_urls_survive_the_round_trip(url):
    db = database_from_url(url)
    again = database_from_url(url_from_database(db))
    keys = ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    assert {k: again[k] for k in keys} == {k: db[k] for k in keys}


def test_a_socket_folder_is_passed_as_host_not_as_host_and_port():
    db = database_from_url("postgresql://me@/granslos?host=/srv/pg")
    assert db["HOST"] == "/srv/pg"
    assert url_from_database({**db, "NAME": "test_granslos"}) == (
        "postgresql://me@/test_granslos?host=%2Fsrv%2Fpg"
    )


def test_the_running_suite_hands_children_its_own_database():
    from django.db import connection

    assert (
        database_from_url(url_from_database(connection.settings_dict))["HOST"]
        == (connection.settings_dict["HOST"])
    )
