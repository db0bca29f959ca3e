"""The API's request rates (core/throttles.py) against the real Redis cache: limits that hold
under a parallel burst, one round trip a request, and the windows each request counts in."""

import threading
from types import SimpleNamespace

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.throttles import RequestRates

RATES = {"anon": "5/min", "user": "8/min", "petitions": "3/min"}


@pytest.fixture
def rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)
    clock = SimpleNamespace(now=1_000_000.0)
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: clock.now)
    cache.clear()
    yield clock
    cache.clear()


def _request(address="198.51.100.7", user=None, method="post"):
    request = getattr(RequestFactory(), method)("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


def _view(scope=None):
    return SimpleNamespace(throttle_scope=scope)


def _allowed(request, view=None) -> bool:
    """What the API's configured throttles answer, as DRF's APIView.check_throttles asks."""
    view = view or _view()
    throttles = [cls() for cls in api_settings.DEFAULT_THROTTLE_CLASSES]
    return all([t.allow_request(request, view) for t in throttles])


def test_the_api_checks_its_rates_with_one_class():
    assert api_settings.DEFAULT_THROTTLE_CLASSES == [RequestRates]


@pytest.mark.quality("api-burst")
def test_a_parallel_burst_from_one_address_gets_the_limit_and_no_more(rates):
    # DRF's throttles read the history, then write it back: requests that arrive
    # together all read the same history, and the whole burst passes.
    start = threading.Barrier(20)
    answers = []

    def one():
        request = _request()
        start.wait()
        answers.append(_allowed(request))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers.count(True) == 5


def test_each_request_is_one_round_trip_to_redis(rates, monkeypatch):
    sent = []
    execute = redis.Redis.execute_command

    def counting(self, *args, **kwargs):
        sent.append(args[0])
        return execute(self, *args, **kwargs)

    _allowed(_request(), _view("petitions"))  # the server learns the script once
    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    for _ in range(2):
        _allowed(_request(), _view("petitions"))
    assert sent == ["EVALSHA", "EVALSHA"]


def test_anonymous_requests_count_by_address_and_a_user_by_account(rates, citizen):
    assert [_allowed(_request("198.51.100.1")) for _ in range(6)] == [True] * 5 + [False]
    assert _allowed(_request("198.51.100.2"))  # another address, its own window
    # Signed in: the `user` rate (8), whatever the address.
    answers = [_allowed(_request(f"203.0.113.{i}", citizen)) for i in range(9)]
    assert answers == [True] * 8 + [False]


@pytest.mark.quality("api-burst")
def test_a_refused_request_counts_in_no_window_and_says_when_to_retry(rates, citizen):
    view = _view("petitions")
    assert [_allowed(_request(user=citizen), view) for _ in range(4)] == [True] * 3 + [False]
    throttle = RequestRates()
    rates.now += 20
    assert not throttle.allow_request(_request(user=citizen), view)
    assert throttle.wait() == pytest.approx(40)
    # The two refused requests used none of the `user` rate: 3 of its 8 are spent, so
    # elsewhere (no scope) the user has 5 more in this minute, not 3.
    rates.now += 10
    assert [_allowed(_request(user=citizen)) for _ in range(6)] == [True] * 5 + [False]


def test_a_view_without_a_scope_and_a_read_of_comments_skip_the_scoped_rate(rates, citizen):
    from proposals.comment_api import CommentWriteThrottle

    view = _view("petitions")
    reading = _request(user=citizen, method="get")
    throttle = CommentWriteThrottle()
    assert all(throttle.allow_request(reading, view) for _ in range(8))
    assert not throttle.allow_request(reading, view)  # the `user` rate, not the scope's
    assert [k for k, _, _ in throttle.windows(reading, view)] == [
        f"throttle_user_{citizen.pk}"]


def test_a_view_whose_scope_has_no_rate_is_a_configuration_error(rates):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="petitoins"):
        _allowed(_request(), _view("petitoins"))
