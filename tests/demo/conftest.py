import pytest


@pytest.fixture
def client(client):
    """A browser that asks for English: Barcelona's first language is Catalan, and
    these tests read the demo's English texts."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
