# The two commands of the README, and a few helpers for developers.
SHELL := /bin/bash
PORT ?= 8000
PY := .venv/bin/python
export PORT

.PHONY: run test cluster services stop status lint clean bench

## make run: install what is missing, start everything, load the demo city, serve on PORT.
run:
	@platform/bootstrap.sh run
	@$(PY) platform/run.py

## make test: install what is missing, start the services, run ruff and the whole suite.
test:
	@platform/bootstrap.sh test
	@$(PY) platform/test.py

## make cluster: Plaza as several hosts run it, on this machine: PostgreSQL with a streaming
## replica, Redis, an S3 server, web hosts on PORT and PORT+1, two workers (platform/cluster.py).
cluster:
	@platform/bootstrap.sh run
	@$(PY) platform/cluster.py

## make bench: start the services, run every benchmark in bench/ (timings, no assertions).
bench:
	@platform/bootstrap.sh run
	@$(PY) platform/services.py up
	@$(PY) -m bench.run

## Start only the private PostGIS and Redis (for manage.py shell, a debugger, …).
services:
	@platform/bootstrap.sh run
	@$(PY) platform/services.py up

## Stop the private PostGIS and Redis.
stop:
	@python3 platform/services.py down

status:
	@python3 platform/services.py status

lint:
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports

## Remove the virtualenv and all local data (the private database included).
clean: stop
	rm -rf .venv var
