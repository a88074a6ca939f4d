"""Precheck test kit: evidence folders for precheck tests: cmdlet exports as ConvertTo-Json text (the
real parsers read them) and real certificates from ``certfactory``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/ (certfactory)

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


class Bundle:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, objects: list[dict]) -> Path:
        path = self.root / name
        path.write_text(json.dumps(objects, indent=2), "utf-8")
        return path

    def inbound(self, *connectors: dict) -> Bundle:
        full = [{"Enabled": True, "ConnectorType": "OnPremises", "RequireTls": True, **c} for c in connectors]
        self._write("Get-InboundConnector.json", full)
        return self

    def accepted(self, *domains: str) -> Bundle:
        self._write(
            "Get-AcceptedDomain.json",
            [
                {"DomainName": d, "DomainType": "Authoritative", "Default": i == 0, "Name": d}
                for i, d in enumerate(domains)
            ],
        )
        return self

    def send(self, tls_certificate_name: str = "", **extra: object) -> Bundle:
        self._write(
            "Get-SendConnector.json",
            [
                {
                    "Name": "Outbound to Office 365",
                    "Enabled": True,
                    "AddressSpaces": ["smtp:*;1"],
                    "SmartHosts": ["contoso-com.mail.protection.outlook.com"],
                    "TlsCertificateName": tls_certificate_name,
                    "SourceTransportServers": ["EXCH01", "EXCH02"],
                    "RequireTLS": True,
                    "Fqdn": "mail.contoso.com",
                    **extra,
                }
            ],
        )
        return self

    def exchange_certs(self, *certs: dict) -> Bundle:
        self._write("Get-ExchangeCertificate.json", list(certs))
        return self

    def file(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path


def exchange_cert(cert, services: str = "IIS, SMTP", status: str = "Valid", root: str = "ThirdParty") -> dict:  # type: ignore[no-untyped-def]
    from certfactory import thumbprint
    from relaydoctor.engine.x509names import dotnet_name

    return {
        "Thumbprint": thumbprint(cert),
        "Subject": dotnet_name(cert.subject),
        "Issuer": dotnet_name(cert.issuer),
        "Services": services,
        "Status": status,
        "RootCAType": root,
        "IsSelfSigned": False,
        "NotBefore": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "NotAfter": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "CertificateDomains": [cert.subject.rfc4514_string().split("=", 1)[1]],
    }
