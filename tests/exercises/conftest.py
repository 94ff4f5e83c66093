import pytest

from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db


@pytest.fixture(scope="session")
def catalogue_entries():
    return read_catalogue()


@pytest.fixture
def catalogue(app, catalogue_entries):
    """The shipped global catalogue, loaded into the test database."""
    load_catalogue(catalogue_entries)
    db.session.commit()
    return catalogue_entries
