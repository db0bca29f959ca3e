"""gunicorn settings for Plaza, used by `make run` and by the systemd unit."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Threaded workers whatever the thread count: with one thread gunicorn would otherwise
# pick its "sync" worker, which closes the connection after every answer (no keep-alive
# for a client or a proxy that reuses its connections).
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
# Requests wait in the kernel's queue rather than piling up in memory.
backlog = 256
# Each worker is replaced after 1,500–2,500 requests (a guard against slow growth). The
# spread matters: with ±10% and an even load the four workers restarted within a minute
# of each other, so that the site had no warm worker for seconds (`make bench`, `load`).
max_requests = 2000
max_requests_jitter = 1000
# The application is loaded once, in the master, and each worker forked from it: a
# replaced worker answers in milliseconds instead of importing Django again (6–17 s on
# a busy two-core machine), and the workers share the loaded code's memory. Nothing
# connects at import time (connections open on first use, in the worker). Upgrades
# restart the service (docs/operations.md), so code is never reloaded in place.
preload_app = True
accesslog = "-"
# gunicorn's usual line, plus the time taken (ms) and the request id that Django sent
# back in X-Request-ID: the key to the application's own lines about that request.
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     '%(M)sms request_id=%({x-request-id}o)s')
# gunicorn's control socket lives at one path per user (~/.gunicorn/gunicorn.ctl): a
# second Plaza (another checkout, the tests) would take it over from the first.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
