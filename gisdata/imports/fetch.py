"""Download a dataset from a URL for the import pipeline, without becoming an SSRF proxy.

A planner types a URL and a worker inside the city's network downloads it. Whoever
controls that URL, or the DNS of its host, or any server it redirects to, would otherwise
choose where the worker connects: the cloud metadata service (and its credentials), the
database, Redis, an intranet admin page. So, for the first URL and again for every
redirect:

- only ``http`` and ``https``, a host name, no ``user:password@``;
- the host is resolved here, once, and EVERY address it resolves to must be a public
  internet address (no private, loopback, link-local, CGNAT, multicast, reserved,
  unspecified or metadata address, also when hidden in IPv4-mapped, 6to4 or NAT64 IPv6);
- the connection goes to the address that was checked (it is pinned), so a DNS answer
  that changes between the check and the connect (DNS rebinding) cannot move it
  elsewhere; the Host header and, for https, the TLS server name and certificate check
  use the original host name;
- time and size are capped: a per-operation socket timeout, an overall deadline, a
  Content-Length check before reading and a byte count while reading.

Only the standard library is used (``http.client``, ``socket``, ``ssl``), and
``http.client`` reads no proxy settings from the environment, so nothing routes the
request elsewhere. What is left outside: name resolution itself (``getaddrinfo``) has no
timeout of its own; the system resolver's timeouts apply to it.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import SplitResult, quote, unquote, urldefrag, urljoin, urlsplit

from django.utils.translation import gettext as _

__all__ = ["FetchError", "FetchResult", "check_address", "fetch_url", "sanitise_filename"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024
USER_AGENT = "Plaza-dataset-import/1.0"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services answer with credentials to whoever asks from inside the
# instance. They are refused even for a host in allow_hosts: no intranet dataset lives
# there. 169.254.169.254: AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean;
# fd00:ec2::254: AWS over IPv6; 100.100.100.200: Alibaba Cloud; 168.63.129.16: Azure's
# platform endpoint (wireserver), a public-range address only reachable inside Azure.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16"))

_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_PRIVATE_V4 = tuple(ipaddress.ip_network(n) for n in
                    ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL_V6 = ipaddress.ip_network("fc00::/7")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """Why a URL could not be imported, in words a planner can act on.

    The import run shows ``str(error)`` to the planner, so the message never carries a
    traceback or an exception's repr; the underlying exception stays on ``__cause__`` for
    the logs.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FetchResult:
    """What was downloaded.

    ``filename`` is the server's name for the file (Content-Disposition, else the last
    segment of the final URL's path), sanitised to a bare name, because the importer
    guesses the format from its extension and must never use it as a path.
    ``content_type`` is the media type without parameters, lower case ("" when absent).
    """

    path: Path
    final_url: str
    content_type: str
    filename: str
    size: int


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, lower case, without brackets
    port: int
    request_path: str


@dataclass(frozen=True)
class _Address:
    family: int
    sockaddr: tuple
    ip: str


class _Deadline:
    """The overall time budget, shared by every hop, connect and read of one fetch."""

    def __init__(self, total: float) -> None:
        self.total = total
        self.end = time.monotonic() + total

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(_("The download took longer than %(total)s s.") % {
                                 "total": format(self.total, 'g')})
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self.end


# --- addresses -----------------------------------------------------------------------


def _refusal(ip: IPAddress) -> str | None:
    """Why Plaza must not connect to ``ip`` (a phrase), or None when it is public."""
    if ip in METADATA_ADDRESSES:
        return _("is a cloud metadata service")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d *is* the IPv4 address a.b.c.d to the kernel: judge that one.
            return _refusal(ip.ipv4_mapped)
        if ip in _NAT64_WELL_KNOWN:
            # A NAT64 gateway forwards 64:ff9b::a.b.c.d to a.b.c.d.
            return _refusal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            # A 6to4 relay forwards 2002:aabb:ccdd::/48 to aa.bb.cc.dd.
            embedded = _refusal(ip.sixtofour)
            if embedded:
                return embedded
    if ip.is_loopback:
        return _("is this machine (loopback)")
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
        return _("is not a valid destination (unspecified or 'this network')")
    if ip.is_link_local:
        return _("is link-local")
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in _SHARED_CGNAT:
            return _("is in the carrier-grade NAT shared range (100.64.0.0/10)")
        if any(ip in net for net in _PRIVATE_V4):
            return _("is in a private network")
    else:
        if ip in _UNIQUE_LOCAL_V6 or ip.is_site_local:
            return _("is in a private network")
    if ip.is_multicast:
        return _("is a multicast address")
    if ip.is_reserved:
        return _("is in a reserved range")
    if not ip.is_global:
        return _("is not a public internet address")
    return None


def check_address(address: str) -> None:
    """Refuse an IP address Plaza must not connect to; return None when it is public.

    This is the whole policy in one place, separate from resolving and connecting, so it
    can be tested on its own. ``address`` is an IPv4 or IPv6 literal (an IPv6 zone such as
    ``%eth0`` is accepted and ignored for the decision).
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as exc:
        raise FetchError(
            _("%(address)s is not an IP address.")
            % {"address": repr(address)}) from exc
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    reason = _refusal(ip)
    if reason:
        raise FetchError(_("The address %(address)s %(reason)s: Plaza does not fetch from "
                           "there.") % {
                             "address": address,
                             "reason": reason})


def _normalise_host(host: str) -> str:
    """One spelling per host, so allow_hosts matches exactly what the URL names."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _resolve(target: _Target, allowed: frozenset[str]) -> list[_Address]:
    """Resolve the host once and check every address; the result is what we connect to.

    Every address must pass, not just the first: otherwise a host with one public and one
    private record would reach the private one whenever the public one fails to answer.
    """
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            _("The host name %(host)s could not be found.")
            % {"host": target.host}) from exc
    addresses = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = _Address(family=family, sockaddr=sockaddr, ip=str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(_("The host name %(host)s could not be found.") % {"host": target.host})
    skip_check = target.host in allowed
    for address in addresses:
        if not skip_check or _is_metadata(address.ip):
            # An allowed host (tests, a city's own intranet) skips the check, except
            # for metadata addresses, which no dataset ever lives at.
            check_address(address.ip)
    return addresses


def _is_metadata(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip in METADATA_ADDRESSES


# --- URLs ----------------------------------------------------------------------------


def _parse(url: str) -> _Target:
    """Check the URL's shape before any network work, and build the request line."""
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        # urlsplit silently drops tabs and newlines: refuse them before it can.
        raise FetchError(_("The URL contains spaces or control characters."))
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(_("The URL is not valid.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(_("Only http and https URLs can be imported."))
    if "@" in parts.netloc:
        raise FetchError(_("URLs with a user name or password cannot be imported."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(_("The URL has no host name."))
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchError(_("The URL's host name is not valid.")) from exc
    if port is None:
        port = 443 if scheme == "https" else 80
    if port == 0:
        raise FetchError(_("The URL is not valid."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # Non-ASCII in the path would make http.client fail: percent-encode it (and only it).
    printable_ascii = "".join(chr(c) for c in range(0x21, 0x7F))
    request_path = quote(path, safe=printable_ascii)
    return _Target(url=urldefrag(url).url, scheme=scheme, host=_normalise_host(host),
                   port=port, request_path=request_path)


# --- connections ---------------------------------------------------------------------


def _open_socket(address: _Address, timeout: float) -> socket.socket:
    """Connect a TCP socket to exactly this checked address (tests wrap this)."""
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address.sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _ssl_context() -> ssl.SSLContext:
    """Certificate and host name verification against the system's trusted CAs."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTPConnection whose socket goes to the addresses checked, not to a new lookup.

    ``host`` stays the URL's host, so http.client sends it in the Host header.
    """

    def __init__(self, host: str, port: int, *, addresses: list[_Address],
                 timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        last: OSError | None = None
        for address in self._addresses:
            try:
                self.sock = _open_socket(address, self.timeout)
                return
            except OSError as exc:
                last = exc
        raise last or OSError("no address to connect to")


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS over the pinned socket, verified against the URL's host name (SNI too)."""

    default_port = 443

    def __init__(self, host: str, port: int, *, addresses: list[_Address],
                 timeout: float) -> None:
        super().__init__(host, port, addresses=addresses, timeout=timeout)
        self._context = _ssl_context()

    def connect(self) -> None:
        super().connect()
        try:
            self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)
        except BaseException:
            self.sock.close()
            self.sock = None
            raise


# --- saving --------------------------------------------------------------------------


def sanitise_filename(name: str, *, default: str = "download") -> str:
    """A bare file name: no directories, no separators, no leading dots, no controls.

    The name comes from the server; the importer only needs its extension, and nothing
    may ever use it to reach another directory or hide as a dot file.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    name = name.strip().lstrip(".").strip()
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[:200 - len(ext)] + ext
    return name or default


def _filename(response: http.client.HTTPResponse, final_url: str) -> str:
    disposition = response.getheader("Content-Disposition")
    if disposition:
        header = Message()
        header["Content-Disposition"] = disposition
        try:
            name = header.get_filename()
        except (ValueError, LookupError, TypeError):
            name = None
        if name:
            cleaned = sanitise_filename(name, default="")
            if cleaned:
                return cleaned
    return sanitise_filename(unquote(urlsplit(final_url).path))


def _human_size(n: int) -> str:
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _save(response: http.client.HTTPResponse, sock: socket.socket, *, dest: Path,
          max_bytes: int, timeout: float, deadline: _Deadline) -> int:
    """Stream the body to a temporary file next to ``dest``; rename it only when complete.

    A failed download therefore never leaves a partial file at ``dest`` (nor replaces a
    file already there); the temporary file is removed.
    """
    too_big = FetchError(_("The file is larger than %(value)s.") % {
                             "value": _human_size(max_bytes)})
    expected = response.length
    if expected is not None and expected > max_bytes:
        raise too_big
    try:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.",
                                        suffix=".part")
    except OSError as exc:
        raise _save_error(exc) from exc
    tmp = Path(tmp_name)
    done = False
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                sock.settimeout(min(timeout, deadline.remaining()))
                # Never ask for more than one byte past the cap.
                chunk = response.read1(min(CHUNK_SIZE, max_bytes + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise too_big
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise _save_error(exc) from exc
        if expected is not None and size < expected:
            raise FetchError(_("The download was cut off before the end of the file."))
        try:
            os.replace(tmp, dest)
        except OSError as exc:
            raise _save_error(exc) from exc
        done = True
        return size
    finally:
        if not done:
            tmp.unlink(missing_ok=True)


def _save_error(exc: OSError) -> FetchError:
    return FetchError(_("Plaza could not save the file: %(value)s.") % {
                          "value": exc.strerror or 'disk error'})


# --- the fetch -----------------------------------------------------------------------


def fetch_url(url: str, *, dest: Path, max_bytes: int = 200 * 1024 * 1024,
              timeout: float = 30.0, total_timeout: float = 300.0, max_redirects: int = 5,
              allow_hosts: frozenset[str] = frozenset()) -> FetchResult:
    """Download ``url`` to the file ``dest`` and describe what came back.

    Raises FetchError, with a message for the planner, when the URL or any address or
    redirect is refused, when the server fails or answers other than 2xx, when the file
    is larger than ``max_bytes``, when one network operation waits longer than
    ``timeout`` seconds or the whole download takes longer than ``total_timeout``. On any
    failure nothing is left at ``dest``.

    ``allow_hosts``: exact host names or IP literals (as written in the URL, compared
    case-insensitively, no wildcards) whose addresses skip the address check, so a test
    can fetch from 127.0.0.1 or a city can import from its own intranet server on
    purpose. The caller takes it from a setting; keep it empty in general. It applies to
    every hop, so any URL may redirect to an allowed host: list only hosts whose every
    page a planner may see. Cloud metadata addresses stay refused even there.
    """
    deadline = _Deadline(total_timeout)
    allowed = frozenset(_normalise_host(h) for h in allow_hosts)
    current = url
    redirects = 0
    while True:
        try:
            target = _parse(current)
            addresses = _resolve(target, allowed)
        except FetchError as exc:
            if redirects:
                shown = current if len(current) <= 200 else current[:200] + "…"
                raise FetchError(_("%(message)s The server redirected to %(shown)s.") % {
                                     "message": exc.message,
                                     "shown": shown}) from exc
            raise
        connection_class = (_PinnedHTTPSConnection if target.scheme == "https"
                            else _PinnedHTTPConnection)
        conn = connection_class(target.host, target.port, addresses=addresses,
                                timeout=min(timeout, deadline.remaining()))
        response: http.client.HTTPResponse | None = None
        try:
            try:
                conn.putrequest("GET", target.request_path, skip_accept_encoding=True)
                conn.putheader("Accept-Encoding", "identity")
                conn.putheader("Accept", "*/*")
                conn.putheader("User-Agent", USER_AGENT)
                conn.putheader("Connection", "close")
                conn.endheaders()
                # Keep the socket: getresponse() drops conn.sock when the server will
                # close the connection, but the response still reads from it.
                sock = conn.sock
                sock.settimeout(min(timeout, deadline.remaining()))
                response = conn.getresponse()
                status = response.status
                if status in REDIRECT_STATUSES:
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError(_("The server answered %(status)s (a redirect) "
                                           "without saying where to.") % {
                                             "status": status})
                    redirects += 1
                    if redirects > max_redirects:
                        raise FetchError(_("Too many redirects (more than %(max_redirects)s).") % {
                                             "max_redirects": max_redirects})
                    # Some servers put raw spaces in Location; browsers encode them.
                    current = urljoin(target.url, location.strip().replace(" ", "%20"))
                    continue
                if not 200 <= status < 300:
                    reason = (response.reason or "").strip()[:100]
                    raise FetchError(f"The server answered {status} {reason}".rstrip()
                                     + ": the file could not be downloaded.")
                size = _save(response, sock, dest=dest, max_bytes=max_bytes,
                             timeout=timeout, deadline=deadline)
                content_type = (response.getheader("Content-Type") or "")
                return FetchResult(
                    path=dest, final_url=target.url,
                    content_type=content_type.split(";", 1)[0].strip().lower(),
                    filename=_filename(response, target.url), size=size)
            except TimeoutError as exc:
                if deadline.expired():
                    raise FetchError(
                        _("The download took longer than %(total_timeout)s s.") % {
                            "total_timeout": format(total_timeout, 'g')}) from exc
                raise FetchError(_("The server did not answer within %(timeout)s s.") % {
                                     "timeout": format(timeout, 'g')}) from exc
            except ssl.SSLCertVerificationError as exc:
                raise FetchError(_("The certificate of %(host)s could not be verified "
                                   "(%(value)s).") % {
                                     "host": target.host,
                                     "value": exc.verify_message or 'invalid'}) from exc
            except ssl.SSLError as exc:
                raise FetchError(
                    _("The secure connection to %(host)s failed.") % {"host": target.host}) from exc
            except ConnectionRefusedError as exc:
                raise FetchError(
                    _("%(host)s refused the connection.")
                    % {"host": target.host}) from exc
            except http.client.HTTPException as exc:
                raise FetchError(_("%(host)s sent an invalid HTTP response.") % {
                                     "host": target.host}) from exc
            except OSError as exc:
                raise FetchError(_("Could not download from %(host)s: %(value)s.") % {
                                     "host": target.host,
                                     "value": exc.strerror or 'network error'}) from exc
        finally:
            if response is not None:
                response.close()
            conn.close()
