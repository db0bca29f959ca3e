"""gisdata.imports.fetch: downloading a dataset from a URL without becoming an SSRF proxy.

Every test that talks HTTP talks to a recording server on 127.0.0.1 started here; an
autouse guard fails any test in which fetch would open a socket anywhere else, so these
tests never reach the network (and prove refused hops are refused before connecting).
No database is needed.
"""

import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gisdata.imports import fetch
from gisdata.imports.fetch import FetchError, check_address, fetch_url, sanitise_filename

DATA = b'{"type": "FeatureCollection", "features": []}\n' * 20
LOCAL = frozenset({"127.0.0.1"})


# --- the recording server --------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Routes by path; each request's path and headers are recorded before answering."""

    protocol_version = "HTTP/1.0"
    server: "RecordingServer"

    def log_message(self, format, *args):  # silence the default log on stderr
        pass

    def do_GET(self):
        self.server.record(self.path, dict(self.headers.items()))
        route = ROUTES.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up on purpose (cap reached, timeout)

    # helpers for the routes
    def body(self, data, *, headers=(), status=200, length=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location, status=302):
        self.send_response(status)
        self.send_header("Location", location.format(port=self.server.server_port))
        self.send_header("Content-Length", "0")
        self.end_headers()


def _chunked(h):
    h.protocol_version = "HTTP/1.1"
    h.close_connection = True
    h.send_response(200)
    h.send_header("Content-Type", "text/csv")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for i in range(0, len(DATA), 100):
        part = DATA[i:i + 100]
        h.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
    h.wfile.write(b"0\r\n\r\n")


def _endless(h):
    h.send_response(200)
    h.end_headers()
    block = b"x" * 65536
    for _ in range(1000):  # 64 MB at most, should the client not stop
        if h.server.stop.is_set():
            return
        h.wfile.write(block)
    h.server.finished.add(h.path)


# The slow routes hold back until the test ends (server.stop), or for CEILING seconds: a
# ceiling that only matters when the client never gives up, and the test is failing.
CEILING = 60


def _slow(h):
    h.server.stop.wait(CEILING)
    h.body(DATA)
    h.server.finished.add(h.path)


def _trickle(h):
    h.send_response(200)
    h.end_headers()
    for _ in range(CEILING * 20):
        if h.server.stop.wait(0.05):
            return
        h.wfile.write(b"x")
        h.wfile.flush()
    h.server.finished.add(h.path)


def _cut_off(h):
    h.send_response(200)
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"x" * 100)


ROUTES = {
    "/data.geojson": lambda h: h.body(DATA, headers=[
        ("Content-Type", "application/geo+json; charset=utf-8"),
        ("Content-Disposition", 'attachment; filename="roads.geojson"')]),
    "/traversal": lambda h: h.body(DATA, headers=[
        ("Content-Disposition", 'attachment; filename="../../.ssh\\..authorized_keys.csv"')]),
    "/rfc5987": lambda h: h.body(DATA, headers=[
        ("Content-Disposition", "attachment; filename*=UTF-8''stra%C3%9Fen.geojson")]),
    "/files/roads%20v2.csv": lambda h: h.body(DATA, headers=[("Content-Type", "text/csv")]),
    "/no-length": lambda h: h.body(DATA, length=False),
    "/chunked": _chunked,
    "/huge-length": lambda h: h.body(b"x" * 10, headers=[("Content-Length", str(10**12))],
                                     length=False),
    "/endless": _endless,
    "/slow": _slow,
    "/trickle": _trickle,
    "/cut-off": _cut_off,
    "/redirect-relative": lambda h: h.redirect("/data.geojson"),
    "/redirect-absolute": lambda h: h.redirect("http://127.0.0.1:{port}/data.geojson", 301),
    "/redirect-307": lambda h: h.redirect("data.geojson", 307),
    "/redirect-space": lambda h: h.redirect("/files/roads v2.csv", 308),
    "/redirect-metadata": lambda h: h.redirect("http://169.254.169.254/latest/meta-data/"),
    "/redirect-localhost": lambda h: h.redirect("http://localhost:{port}/data.geojson"),
    "/redirect-credentials": lambda h: h.redirect("http://u:p@127.0.0.1:{port}/data.geojson"),
    "/redirect-file": lambda h: h.redirect("file:///etc/passwd"),
    "/redirect-ftp": lambda h: h.redirect("ftp://127.0.0.1/data.geojson"),
    "/redirect-nowhere": lambda h: h.redirect("", 303),
    "/loop": lambda h: h.redirect("/loop"),
    "/gone": lambda h: h.send_error(410, "Gone"),
}


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = []
        self.stop = threading.Event()
        self.finished = set()  # the paths of slow routes that got to their end
        self._lock = threading.Lock()

    def record(self, path, headers):
        with self._lock:
            self.requests.append((path, headers))

    @property
    def paths(self):
        with self._lock:
            return [path for path, _ in self.requests]

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.server_port}{path}"


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return thread


@pytest.fixture
def server():
    srv = RecordingServer()
    thread = _serve(srv)
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def connections(monkeypatch):
    """Every socket fetch opens; opening one anywhere but 127.0.0.1 fails the test."""
    opened = []
    real_open = fetch._open_socket

    def guarded(address, timeout):
        opened.append(address.ip)
        assert address.ip in ("127.0.0.1", "::1"), f"fetch tried to connect to {address.ip}"
        return real_open(address, timeout)

    monkeypatch.setattr(fetch, "_open_socket", guarded)
    return opened


def fake_dns(monkeypatch, table):
    """Resolve the names in ``table`` to the given addresses, count the look-ups."""
    calls = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host not in table:
            return real(host, port, *args, **kwargs)
        answers = table[host]
        if callable(answers):
            answers = answers()
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (ip, port, 0, 0) if ":" in ip else (ip, port))
                for ip in answers]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", getaddrinfo)
    return calls


def assert_nothing_saved(directory):
    assert list(directory.iterdir()) == []


# --- successful downloads ----------------------------------------------------------------


def test_downloads_a_file_and_describes_it(server, tmp_path):
    dest = tmp_path / "download"
    result = fetch_url(server.url("/data.geojson"), dest=dest, allow_hosts=LOCAL)
    assert dest.read_bytes() == DATA
    assert result.path == dest
    assert result.size == len(DATA)
    assert result.final_url == server.url("/data.geojson")
    assert result.content_type == "application/geo+json"
    assert result.filename == "roads.geojson"
    assert list(tmp_path.iterdir()) == [dest]  # no temporary file left behind
    (path, headers), = server.requests
    assert path == "/data.geojson"
    assert headers["Host"] == f"127.0.0.1:{server.server_port}"
    assert headers["Accept-Encoding"] == "identity"
    assert headers["User-Agent"].startswith("Plaza")
    assert not {"Authorization", "Cookie"} & set(headers)


@pytest.mark.parametrize("path", ["/no-length", "/chunked"])
def test_downloads_a_body_without_content_length(server, tmp_path, path):
    result = fetch_url(server.url(path), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert (tmp_path / "f").read_bytes() == DATA
    assert result.size == len(DATA)


def test_a_file_of_exactly_the_cap_is_accepted(server, tmp_path):
    result = fetch_url(server.url("/no-length"), dest=tmp_path / "f", max_bytes=len(DATA),
                       allow_hosts=LOCAL)
    assert result.size == len(DATA)


@pytest.mark.parametrize(("path", "filename"), [
    ("/traversal", "authorized_keys.csv"),
    ("/rfc5987", "straßen.geojson"),
    ("/files/roads%20v2.csv", "roads v2.csv"),
    ("/no-length", "no-length"),
])
def test_filename_from_the_server_is_a_bare_name(server, tmp_path, path, filename):
    result = fetch_url(server.url(path), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert result.filename == filename


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    (".bashrc", "bashrc"),
    ("...", "download"),
    ("", "download"),
    ("/", "download"),
    ("a\x00b\nc.csv", "abc.csv"),
    ("x" * 300 + ".geojson", "x" * 192 + ".geojson"),
])
def test_sanitise_filename(name, expected):
    assert sanitise_filename(name) == expected


# --- caps ------------------------------------------------------------------------------


def test_content_length_over_the_cap_is_refused_before_reading(server, tmp_path):
    with pytest.raises(FetchError, match=r"^The file is larger than 1 KB\.$"):
        fetch_url(server.url("/huge-length"), dest=tmp_path / "f", max_bytes=1024,
                  allow_hosts=LOCAL)
    assert_nothing_saved(tmp_path)


def test_default_cap_message_names_200_mb(server, tmp_path):
    with pytest.raises(FetchError, match=r"^The file is larger than 200 MB\.$"):
        fetch_url(server.url("/huge-length"), dest=tmp_path / "f", allow_hosts=LOCAL)


@pytest.mark.quality("url-imports")
def test_an_endless_body_stops_at_the_cap(server, tmp_path):
    with pytest.raises(FetchError, match="larger than 100 KB"):
        fetch_url(server.url("/endless"), dest=tmp_path / "f", max_bytes=100 * 1024,
                  allow_hosts=LOCAL)
    # Refused while the server was still sending, not after reading it all.
    assert "/endless" not in server.finished
    assert_nothing_saved(tmp_path)


@pytest.mark.quality("url-imports")
def test_a_slow_server_times_out(server, tmp_path):
    with pytest.raises(FetchError, match=r"^The server did not answer within 0\.5 s\.$"):
        fetch_url(server.url("/slow"), dest=tmp_path / "f", timeout=0.5, allow_hosts=LOCAL)
    # Given up while the server still held its answer back (until the test ends).
    assert "/slow" not in server.finished
    assert_nothing_saved(tmp_path)


@pytest.mark.quality("url-imports")
def test_a_trickling_body_hits_the_overall_deadline(server, tmp_path):
    with pytest.raises(FetchError, match=r"^The download took longer than 0\.5 s\.$"):
        fetch_url(server.url("/trickle"), dest=tmp_path / "f", timeout=2,
                  total_timeout=0.5, allow_hosts=LOCAL)
    # Given up while the body still trickled (a byte every 50 ms, until the test ends).
    assert "/trickle" not in server.finished
    assert_nothing_saved(tmp_path)


def test_a_body_shorter_than_its_content_length_is_refused(server, tmp_path):
    with pytest.raises(FetchError, match="cut off"):
        fetch_url(server.url("/cut-off"), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert_nothing_saved(tmp_path)


def test_a_location_with_a_raw_space_is_encoded(server, tmp_path):
    result = fetch_url(server.url("/redirect-space"), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert server.paths == ["/redirect-space", "/files/roads%20v2.csv"]
    assert result.filename == "roads v2.csv"
    assert result.content_type == "text/csv"


def test_a_failed_download_leaves_an_existing_file_alone(server, tmp_path):
    dest = tmp_path / "f"
    dest.write_bytes(b"before")
    with pytest.raises(FetchError):
        fetch_url(server.url("/endless"), dest=dest, max_bytes=1000, allow_hosts=LOCAL)
    assert list(tmp_path.iterdir()) == [dest]
    assert dest.read_bytes() == b"before"


# --- status codes and redirects ------------------------------------------------------------


@pytest.mark.parametrize(("path", "status"), [("/nothing-here", 404), ("/gone", 410)])
def test_a_non_2xx_answer_names_the_status(server, tmp_path, path, status):
    with pytest.raises(FetchError, match=rf"^The server answered {status} \w+"):
        fetch_url(server.url(path), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert_nothing_saved(tmp_path)


@pytest.mark.parametrize("path", ["/redirect-relative", "/redirect-absolute", "/redirect-307"])
def test_a_redirect_is_followed(server, tmp_path, path):
    """A relative Location is joined to the URL it came from; 301 and 307 work alike."""
    result = fetch_url(server.url(path), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert server.paths == [path, "/data.geojson"]
    assert result.final_url == server.url("/data.geojson")
    assert result.filename == "roads.geojson"
    assert (tmp_path / "f").read_bytes() == DATA


@pytest.mark.quality("url-imports")
def test_a_redirect_to_the_metadata_service_is_refused(server, tmp_path, connections):
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/redirect-metadata"), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert str(info.value).startswith(
        "The address 169.254.169.254 is a cloud metadata service: Plaza does not fetch "
        "from there.")
    assert "redirected to http://169.254.169.254/latest/meta-data/" in str(info.value)
    assert server.paths == ["/redirect-metadata"]
    assert connections == ["127.0.0.1"]  # the refused hop never got a socket
    assert_nothing_saved(tmp_path)


@pytest.mark.quality("url-imports")
def test_a_redirect_to_a_loopback_name_is_refused(server, tmp_path, connections):
    """localhost is not in allow_hosts, even though 127.0.0.1 is: exact hosts only."""
    with pytest.raises(FetchError, match="loopback"):
        fetch_url(server.url("/redirect-localhost"), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert server.paths == ["/redirect-localhost"]
    assert connections == ["127.0.0.1"]
    assert_nothing_saved(tmp_path)


@pytest.mark.parametrize(("path", "message"), [
    ("/redirect-file", "Only http and https URLs can be imported."),
    ("/redirect-ftp", "Only http and https URLs can be imported."),
    ("/redirect-credentials", "URLs with a user name or password cannot be imported."),
    ("/redirect-nowhere", "without saying where to"),
])
def test_a_redirect_to_a_refused_url_is_refused(server, tmp_path, path, message):
    with pytest.raises(FetchError, match=message):
        fetch_url(server.url(path), dest=tmp_path / "f", allow_hosts=LOCAL)
    assert server.paths == [path]
    assert_nothing_saved(tmp_path)


@pytest.mark.parametrize("max_redirects", [5, 2, 0])
def test_a_redirect_loop_stops(server, tmp_path, max_redirects):
    with pytest.raises(FetchError,
                       match=rf"^Too many redirects \(more than {max_redirects}\)\.$"):
        fetch_url(server.url("/loop"), dest=tmp_path / "f", max_redirects=max_redirects,
                  allow_hosts=LOCAL)
    assert server.paths == ["/loop"] * (max_redirects + 1)
    assert_nothing_saved(tmp_path)


# --- URLs refused before any look-up or connection ------------------------------------------


@pytest.mark.parametrize(("url", "message"), [
    ("file:///etc/passwd", "Only http and https URLs can be imported."),
    ("ftp://example.com/data.zip", "Only http and https URLs can be imported."),
    ("gopher://127.0.0.1:6379/_INFO", "Only http and https URLs can be imported."),
    ("javascript:alert(1)", "Only http and https URLs can be imported."),
    ("example.com/data.csv", "Only http and https URLs can be imported."),
    ("http://user:pass@example.com/data.csv", "user name or password"),
    ("https://token@example.com/data.csv", "user name or password"),
    ("http:///data.csv", "no host name"),
    ("http://example.com:99999/", "not valid"),
    ("http://exa mple.com/", "spaces or control characters"),
    ("http://example.com/a\r\nX-Injected: 1", "spaces or control characters"),
])
def test_bad_urls_are_refused_before_resolving(monkeypatch, tmp_path, connections, url,
                                               message):
    lookups = fake_dns(monkeypatch, {})
    with pytest.raises(FetchError, match=message):
        fetch_url(url, dest=tmp_path / "f")
    assert lookups == []
    assert connections == []
    assert_nothing_saved(tmp_path)


def test_loopback_is_refused_without_allow_hosts(server, tmp_path, connections):
    with pytest.raises(FetchError, match=r"^The address 127\.0\.0\.1 is this machine"):
        fetch_url(server.url("/data.geojson"), dest=tmp_path / "f")
    assert server.requests == []
    assert connections == []
    assert_nothing_saved(tmp_path)


# --- the address check -------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "10.0.0.5", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "127.0.0.1", "127.1.2.3", "::1",
    "169.254.1.1", "fe80::1", "fe80::1%eth0",
    "fc00::1", "fd12:3456::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16",
    "100.64.0.1", "100.127.255.254",
    "0.0.0.0", "0.1.2.3", "::",  # noqa: S104 - checked, never bound
    "224.0.0.1", "239.255.255.250", "ff02::1",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2001:db8::1",  # documentation
])
@pytest.mark.quality("url-imports")
def test_non_public_addresses_are_refused(address):
    with pytest.raises(FetchError, match=r"Plaza does not fetch from there\.$"):
        check_address(address)


@pytest.mark.parametrize(("address", "message"), [
    ("10.0.0.5",
     "The address 10.0.0.5 is in a private network: Plaza does not fetch from there."),
    ("::1", "The address ::1 is this machine (loopback): Plaza does not fetch from there."),
    ("::ffff:127.0.0.1", "The address ::ffff:127.0.0.1 is this machine (loopback): "
                         "Plaza does not fetch from there."),
    ("169.254.169.254", "The address 169.254.169.254 is a cloud metadata service: "
                        "Plaza does not fetch from there."),
    ("fe80::1", "The address fe80::1 is link-local: Plaza does not fetch from there."),
    ("100.64.0.1", "The address 100.64.0.1 is in the carrier-grade NAT shared range "
                   "(100.64.0.0/10): Plaza does not fetch from there."),
])
def test_refusals_say_why(address, message):
    with pytest.raises(FetchError) as info:
        check_address(address)
    assert str(info.value) == message


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946",
    "::ffff:93.184.216.34", "64:ff9b::5db8:d822",
])
def test_public_addresses_are_allowed(address):
    assert check_address(address) is None


@pytest.mark.quality("url-imports")
def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, tmp_path,
                                                           connections):
    lookups = fake_dns(monkeypatch, {"gis.example.org": ["10.1.2.3"]})
    with pytest.raises(FetchError, match=r"^The address 10\.1\.2\.3 is in a private"):
        fetch_url("https://gis.example.org/roads.zip", dest=tmp_path / "f")
    assert lookups == ["gis.example.org"]
    assert connections == []
    assert_nothing_saved(tmp_path)


def test_every_resolved_address_is_checked(monkeypatch, tmp_path, connections):
    fake_dns(monkeypatch, {"mixed.example.org": ["93.184.216.34", "192.168.0.10"]})
    with pytest.raises(FetchError, match=r"192\.168\.0\.10 is in a private network"):
        fetch_url("http://mixed.example.org/data.csv", dest=tmp_path / "f")
    assert connections == []


def test_an_unknown_host_is_a_clear_error(monkeypatch, tmp_path, connections):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(fetch.socket, "getaddrinfo", no_such_host)
    with pytest.raises(FetchError, match=r"^The host name nowhere\.invalid could not be found"):
        fetch_url("http://nowhere.invalid/x.csv", dest=tmp_path / "f")
    assert connections == []


@pytest.mark.quality("url-imports")
def test_the_connection_goes_to_the_checked_address(monkeypatch, tmp_path, server):
    """DNS rebinding: the name resolves public for the check and loopback right after.

    fetch resolves once and connects to the address it checked; a second look-up by the
    HTTP client would have reached the server on 127.0.0.1.
    """
    answers = iter([["93.184.216.34"]])
    lookups = fake_dns(monkeypatch, {
        "rebind.example.org": lambda: next(answers, ["127.0.0.1"])})
    attempts = []

    def refuse(address, timeout):
        attempts.append((address.ip, address.sockaddr[1]))
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(fetch, "_open_socket", refuse)
    with pytest.raises(FetchError, match="refused the connection"):
        fetch_url(f"http://rebind.example.org:{server.server_port}/data.geojson",
                  dest=tmp_path / "f")
    assert lookups == ["rebind.example.org"]
    assert attempts == [("93.184.216.34", server.server_port)]
    assert server.requests == []


def test_an_allowed_name_is_fetched_with_its_own_host_header(monkeypatch, tmp_path, server,
                                                              connections):
    lookups = fake_dns(monkeypatch, {"gis.intranet.city": ["127.0.0.1"]})
    url = f"http://gis.intranet.city:{server.server_port}/redirect-relative"
    result = fetch_url(url, dest=tmp_path / "f", allow_hosts=frozenset({"GIS.intranet.city"}))
    assert result.final_url == f"http://gis.intranet.city:{server.server_port}/data.geojson"
    assert [h["Host"] for _, h in server.requests] == [
        f"gis.intranet.city:{server.server_port}"] * 2
    assert lookups == ["gis.intranet.city"] * 2  # once per hop, never again to connect
    assert connections == ["127.0.0.1"] * 2


@pytest.mark.parametrize(("url", "dns"), [
    ("http://169.254.169.254/latest/meta-data/", {}),
    ("http://meta.intranet.city/latest/meta-data/", {"meta.intranet.city": ["169.254.169.254"]}),
])
def test_metadata_stays_refused_for_allowed_hosts(monkeypatch, tmp_path, connections, url,
                                                  dns):
    fake_dns(monkeypatch, dns)
    with pytest.raises(FetchError, match="cloud metadata service"):
        fetch_url(url, dest=tmp_path / "f",
                  allow_hosts=frozenset({"169.254.169.254", "meta.intranet.city"}))
    assert connections == []


# --- https ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A throw-away CA and a certificate for plaza.test it signed (openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Plaza test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=plaza.test")
    (d / "ext.cnf").write_text(
        "subjectAltName=DNS:plaza.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


@pytest.fixture
def tls_server(certificates):
    srv = RecordingServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = _serve(srv)
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def trust_test_ca(monkeypatch, certificates):
    def context():
        ctx = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
        return ctx

    monkeypatch.setattr(fetch, "_ssl_context", context)


def test_https_is_verified_against_the_url_host(monkeypatch, tmp_path, tls_server,
                                                trust_test_ca, connections):
    fake_dns(monkeypatch, {"plaza.test": ["127.0.0.1"]})
    url = f"https://plaza.test:{tls_server.server_port}/data.geojson"
    result = fetch_url(url, dest=tmp_path / "f", allow_hosts=frozenset({"plaza.test"}))
    assert (tmp_path / "f").read_bytes() == DATA
    assert result.final_url == url
    assert tls_server.requests[0][1]["Host"] == f"plaza.test:{tls_server.server_port}"
    assert connections == ["127.0.0.1"]


def test_https_with_a_certificate_for_another_name_is_refused(monkeypatch, tmp_path,
                                                              tls_server, trust_test_ca):
    fake_dns(monkeypatch, {"other.test": ["127.0.0.1"]})
    with pytest.raises(FetchError, match=r"^The certificate of other\.test could not be"):
        fetch_url(f"https://other.test:{tls_server.server_port}/data.geojson",
                  dest=tmp_path / "f", allow_hosts=frozenset({"other.test"}))
    assert tls_server.requests == []
    assert_nothing_saved(tmp_path)


def test_https_with_an_untrusted_certificate_is_refused(monkeypatch, tmp_path, tls_server):
    """The real context (system CAs) does not trust the throw-away CA."""
    fake_dns(monkeypatch, {"plaza.test": ["127.0.0.1"]})
    with pytest.raises(FetchError, match=r"^The certificate of plaza\.test could not be"):
        fetch_url(f"https://plaza.test:{tls_server.server_port}/data.geojson",
                  dest=tmp_path / "f", allow_hosts=frozenset({"plaza.test"}))
    assert tls_server.requests == []
    assert_nothing_saved(tmp_path)
