import pytest

from libraries.models import StaffRole
from tests.conftest import make_staff


@pytest.fixture
def cataloguer_karlskoga(db):
    return make_staff("cat_kga", ("KGA", StaffRole.Role.CATALOGUER))


@pytest.fixture
def cataloguer_kga_sto(db):
    return make_staff(
        "cat_pool", ("KGA", StaffRole.Role.CATALOGUER), ("STO", StaffRole.Role.CATALOGUER)
    )
