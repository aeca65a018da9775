"""What the server allows: where it listens, who may call it, and how much."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Browser add-ons call from their own origin: chrome-extension://<id>, moz-extension://...
EXTENSION_ORIGINS = (r"^(chrome-extension|moz-extension|safari-web-extension|"
                     r"ms-browser-extension)://[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class ServeConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str = ""  # required when host is not a loopback address
    allowed_origins: tuple[str, ...] = ()  # besides browser extensions
    allowed_hosts: tuple[str, ...] = ()  # Host header names besides loopback and host
    max_check_chars: int = 100_000
    max_body_bytes: int = 2_000_000
    max_concurrent: int = 16  # requests in progress; more get 429
    check_timeout_s: float = 60.0
    generate_timeout_s: float = 300.0
    max_tokens: int = 1024  # longest completion asked for (longer requests are capped)
    max_prompt_chars: int = 100_000

    def problem(self) -> str | None:
        """Why this configuration must not run, or None."""
        if not 0 <= self.port <= 65535:
            return f"--port must be 0..65535, not {self.port}"
        if not is_loopback(self.host) and not self.token:
            return (f"serving on {self.host} (not loopback) needs --token, so that only "
                    "those who know it can use the server")
        return None

    def host_names(self) -> frozenset[str]:
        """Host header names accepted (lower case, without port or brackets)."""
        names = set(LOOPBACK_NAMES) | {self.host.lower().strip("[]")}
        names |= {name.lower() for name in self.allowed_hosts}
        if self.host in ("0.0.0.0", "::", ""):
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        return frozenset(names)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_header_name(value: str) -> str:
    """The name part of a Host header: "[::1]:8081" -> "::1", "Localhost:80" ->
    "localhost"."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value
