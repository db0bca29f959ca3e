"""`manage.py compile_report`: prints the paths of the files it made; a clear error and
a non-zero exit otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports.models import DecisionReport

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("compile_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_compiles_in_process_and_prints_the_three_paths(council, districts):
    output = run(council["project"].slug, "--district-layer", "Districts", "--in-process")
    paths = [Path(line) for line in output.splitlines()[1:]]
    assert [p.suffix for p in paths] == [".pdf", ".csv", ".geojson"]
    assert all(p.is_file() for p in paths)
    report = DecisionReport.objects.get()
    assert (report.status, report.district_layer) == ("succeeded", districts)


def test_an_unknown_project_is_a_clear_error():
    with pytest.raises(CommandError, match="No project 'nowhere'"):
        run("nowhere")


def test_an_unknown_district_layer_is_a_clear_error(council):
    with pytest.raises(CommandError, match="No layer 'Parishes'"):
        run(council["project"].slug, "--district-layer", "Parishes")
    assert not DecisionReport.objects.exists()


def test_a_district_layer_without_polygons_exits_non_zero_with_the_reason(council, districts):
    type(districts).objects.filter(pk=districts.pk).update(geometry_type="LineString")
    with pytest.raises(CommandError, match="polygons"):
        run(council["project"].slug, "--district-layer", str(districts.pk), "--in-process")
