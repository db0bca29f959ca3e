"""Forms of the planners' dashboard: importing open GIS data.

The forms parse what the planner typed; the rules (one source, http(s) only, who may
import) stay in `gisdata.imports.services`, whose ValidationErrors the views put next to the
fields they name.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from gisdata.imports.encodings import gdal_encoding
from gisdata.imports.services import epsg_parse


def upload_max_bytes() -> int:
    return settings.GISDATA_UPLOAD_MAX_BYTES


def _epsg(value: str) -> int | None:
    """Only EPSG codes: free-text CRS definitions are a way into GDAL."""
    value = (value or "").strip()
    return epsg_parse(value) if value else None


class EpsgField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("EPSG code"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": "11", "inputmode": "text",
                "autocomplete": "off"}

    def to_python(self, value):
        return _epsg(super().to_python(value))


class ImportForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("How planners will know the dataset."))
    source_file = forms.FileField(
        label=_("File"), required=False, max_length=200,
        help_text=_("A zipped Shapefile, GeoJSON, GeoPackage, KML/KMZ or CSV."))
    source_url = forms.URLField(
        label=_("Or a URL"), required=False, max_length=2000, assume_scheme="https",
        help_text=_("An http(s) address the server downloads the file from."))
    epsg = EpsgField(help_text=_("Only when the file does not say which coordinate system "
                                 "it uses (e.g. 25831 for ETRS89 / UTM zone 31N)."))
    encoding = forms.CharField(label=_("Encoding"), max_length=40, required=False,
                               help_text=_("Of the attributes; UTF-8 unless the file says "
                                           "otherwise."))
    layers = forms.CharField(label=_("Layers"), max_length=1000, required=False,
                             help_text=_("GeoPackage: the layers to import, separated by "
                                         "commas; empty for all of them."))
    x_field = forms.CharField(label=_("CSV: longitude (x) column"), max_length=100,
                              required=False)
    y_field = forms.CharField(label=_("CSV: latitude (y) column"), max_length=100,
                              required=False)
    wkt_field = forms.CharField(label=_("CSV: WKT geometry column"), max_length=100,
                                required=False)
    skip_bad_rows = forms.BooleanField(
        label=_("CSV: skip bad rows"), required=False,
        help_text=_("Import the good rows and list the bad ones, instead of stopping."))
    licence = forms.CharField(label=_("Licence"), max_length=200, required=False)
    attribution = forms.CharField(label=_("Attribution"), max_length=500, required=False)

    def clean_source_file(self):
        upload = self.cleaned_data.get("source_file")
        limit = upload_max_bytes()
        if upload and upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
                code="too_large")
        return upload

    def clean_encoding(self):
        encoding = self.cleaned_data["encoding"].strip()
        if encoding:
            # The name GDAL will be given (`latin-1` → `ISO-8859-1`); rot13 and the like
            # are codecs to Python but no encoding of a file's text.
            try:
                encoding = gdal_encoding(encoding)
            except LookupError:
                raise forms.ValidationError(_("Unknown encoding."), code="encoding") from None
        return encoding

    def clean_layers(self):
        names = [n.strip() for n in self.cleaned_data["layers"].split(",")]
        return [n for n in names if n]

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("source_file"))
        has_url = bool(data.get("source_url"))
        if "source_file" in data and "source_url" in data and has_file == has_url:
            raise forms.ValidationError(_("Give a file or a URL, one of them."), code="source")
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        options = {k: data[k].strip() for k in ("x_field", "y_field", "wkt_field")
                   if data.get(k, "").strip()}
        if data.get("skip_bad_rows"):
            options["skip_bad_rows"] = True
        return options


class RetryForm(forms.Form):
    epsg = EpsgField(required=True, help_text=_("The EPSG code of the coordinates, e.g. 25831."))


class PublishForm(forms.Form):
    published = forms.BooleanField(required=False)
