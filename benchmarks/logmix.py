"""A realistic evidence bundle for the scale benchmarks: what a real on-premises Exchange shows.

``write_bundle(folder, mb=..., files=..., certs=..., connectors=...)`` writes

- send protocol logs (the real 5-line header and row format) over ``files`` files (several hundred
  by default, as a folder of a few weeks of logs from several servers is), with a realistic mix of
  sessions: ~8 % to Exchange Online (certificate sent, some 5.7.64 rejections; 30 % of them from an
  application relaying for many customer domains, one per ~200 sessions), ~50 % intra-org
  (X-ANONYMOUSTLS), ~42 % to internet MX hosts. Internet domains come from a pool that grows with
  the log (one domain per ~10 internet sessions) and *each presents its own certificate* (the "Received
  certificate" thumbprint differs per domain); ~6 % of internet sessions fail (greylisting 451,
  550 unknown user, TLS negotiation failed), so they are relevant and become facts;
- ``certs`` distinct certificates in PEM files, as admins collect them: leaves from a dozen CAs,
  some files with the chain, some lone leaves, some intermediates and roots (real signatures made
  with ``cryptography``);
- Get-InboundConnector (Format-List) with ``connectors`` connectors (certificate and IP ones) and
  Get-AcceptedDomain.

Each call with the same arguments writes the same bytes (seeded).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from bench_sendlog import HEADER, TLS_TEXT, eop_session, intra_session

CA_NAMES = ("Tailspin Trust RSA TLS CA G2", "Fabrikam Issuing CA 1", "Northwind Secure Server CA",
            "Litware Domain Validation CA", "Woodgrove TLS RSA CA 2024", "Contoso Enterprise Issuing CA",
            "Adatum Global Server CA", "Proseware EV Server CA", "Wingtip DV TLS CA", "Relecloud RSA CA 3",
            "Lucerne Secure Site CA", "Margie Server CA G4")
TLDS = ("com", "net", "org", "de", "co.uk", "fr", "nl", "io")


def _stamp(ms: int) -> str:
    day, ms = divmod(ms, 86_400_000)
    date = dt.date(2026, 11, 1) + dt.timedelta(days=day % 28)
    return (f"{date.isoformat()}T{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"
            f".{ms % 1000:03d}Z")


def internet_domain(i: int) -> str:
    return f"partner{i}.example-{i % 89}.{TLDS[i % len(TLDS)]}"


def internet_session(rng: random.Random, domain_id: int) -> tuple[str, list[tuple[str, str]], bool]:
    """A session to one internet domain's MX; the remote certificate is that domain's own."""
    domain = internet_domain(domain_id)
    mx = f"mx{domain_id % 3}.{domain}"
    thumb = f"{random.Random(domain_id).getrandbits(160):040X}"  # stable per domain
    rows = [("*", ",attempting to connect"), ("+", ","), ("<", f"220 {mx} ESMTP ready,"),
            (">", "EHLO mail.contoso.com,"), ("<", f"250-{mx} Hello [203.0.113.25],"),
            ("<", "250-SIZE 52428800,"), ("<", "250-STARTTLS,"), ("<", "250 8BITMIME,"),
            (">", "STARTTLS,"), ("<", "220 2.0.0 Ready to start TLS,")]
    fate = rng.random()
    if fate < 0.01:
        rows += [("*", ",TLS negotiation failed with error IllegalMessage"), ("-", ",Local")]
        return mx, rows, True
    rows += [("*", ",Sending certificate"), ("*", "CN=mail.contoso.com,Certificate subject"),
             ("*", f'"CN={CA_NAMES[0]}, O=""Tailspin Trust Services, Inc."", C=US",Certificate issuer name'),
             ("*", "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29,Certificate thumbprint"),
             ("*", ",Received certificate"), ("*", f"{thumb},Certificate thumbprint"),
             ("*", f",{TLS_TEXT}"), (">", "EHLO mail.contoso.com,"), ("<", f"250-{mx} Hello [203.0.113.25],"),
             ("<", "250 8BITMIME,")]
    rid = rng.randrange(10**10, 10**11)
    msg = f"sending message with RecordId {rid} and InternetMessageId <{rid}@EXCH01.contoso.com>"
    rows += [("*", f"{rid},{msg}"),
             (">", f"MAIL FROM:<user{rng.randrange(900)}@contoso.com> SIZE={rng.randrange(2000, 90000)},"),
             (">", f"RCPT TO:<p{rng.randrange(50)}@{domain}>,"), ("<", "250 2.1.0 Ok,")]
    failed = fate < 0.06
    if fate < 0.035:
        rows.append(("<", "451 4.7.1 Greylisted, please try again later,"))
    elif failed:
        who = f"p{rng.randrange(50)}@{domain}"
        rows.append(("<", f"550 5.1.1 <{who}>: Recipient address rejected: User unknown,"))
    else:
        rows += [("<", "250 2.1.5 Ok,"), (">", "BDAT 4000 LAST,"), ("<", "250 2.0.0 Ok: queued as 4XyZ,")]
    rows += [(">", "QUIT,"), ("<", "221 2.0.0 Bye,"), ("-", ",Local")]
    return mx, rows, failed


def write_logs(folder: Path, mb: float, files: int, seed: int = 1) -> dict[str, int]:
    """``files`` send logs totalling about ``mb`` MB with the realistic session mix."""
    rng = random.Random(seed)
    per_file = int(mb * 1_000_000 / files)
    counter = 0x08DF42081AB40000
    kinds = {"eop": 0, "intra": 0, "internet": 0, "internet_failed": 0, "domains": 0}
    sessions_expected = int(mb * 1_000_000 / 2600)
    n_domains = max(20, sessions_expected * 42 // 100 // 10)
    kinds["domains"] = n_domains
    n_senders = max(10, sessions_expected // 200)
    for n in range(files):
        server = f"EXCH{n % 4 + 1:02d}"
        path = folder / f"{server}-SEND2026110{n % 9 + 1}-{n + 1}.LOG"
        size = 0
        active: list[list] = []
        with path.open("w", encoding="ascii", newline="") as out:
            out.write(HEADER.format(date="2026-11-01"))
            clock = n * 40_000_000
            while size < per_file or active:
                while size < per_file and len(active) < 8:
                    pick = rng.random()
                    if pick < 0.08:
                        remote, rows = eop_session(rng)
                        if rng.random() < 0.3:  # an application relaying for its customers' domains
                            sender = f"@customer{rng.randrange(n_senders)}.example"
                            rows = [(e, r.replace("@contoso.com>", sender + ">")) for e, r in rows]
                        kinds["eop"] += 1
                        connector = "Outbound to Office 365"
                    elif pick < 0.58:
                        remote, rows = intra_session(rng)
                        kinds["intra"] += 1
                        connector = "Intra-Organization SMTP Send Connector"
                    else:
                        domain_id = int(rng.paretovariate(1.1) * 7) % n_domains  # a few big partners
                        _, rows, failed = internet_session(rng, domain_id)
                        remote = f"198.51.{domain_id // 250 % 250}.{domain_id % 250 + 1}:25"
                        kinds["internet"] += 1
                        kinds["internet_failed"] += failed
                        connector = "Internet"
                    counter += rng.randrange(1, 40)
                    active.append([f"{counter:016X}", remote, rows, 0, connector])
                i = rng.randrange(len(active))
                sid, remote, rows, seq, connector = active[i]
                event, rest = rows[seq]
                clock += rng.randrange(1, 40)
                local = "" if seq == 0 else "10.20.0.15:52811"
                line = f"{_stamp(clock)},{connector},{sid},{seq},{local},{remote},{event},{rest}\r\n"
                out.write(line)
                size += len(line)
                if seq + 1 == len(rows):
                    active.pop(i)
                else:
                    active[i][3] = seq + 1
    return kinds


def write_certs(folder: Path, count: int, seed: int = 2) -> None:
    """``count`` distinct certificates in PEM files: leaves of a dozen CAs (chains, lone leaves,
    intermediates, roots), real signatures; one leaf key is shared to keep generation quick."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    rng = random.Random(seed)
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 6, 1, tzinfo=dt.UTC)

    def name(cn: str, org: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                          x509.NameAttribute(NameOID.COUNTRY_NAME, "US")])

    def make(subject, issuer, key, signer, *, ca: bool, sans: tuple[str, ...] = ()) -> x509.Certificate:
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
             .serial_number(rng.getrandbits(64)).not_valid_before(start).not_valid_after(end)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        return b.sign(signer, hashes.SHA256())

    def pem(*certs: x509.Certificate) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    cas = []
    for i, ca_name in enumerate(CA_NAMES):
        root_key, ca_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        root_name = name(f"{ca_name.split()[0]} Root CA R{i % 3 + 1}", f"{ca_name.split()[0]} Trust")
        root = make(root_name, root_name, root_key, root_key, ca=True)
        inter = make(name(ca_name, f"{ca_name.split()[0]} Trust"), root_name, ca_key, root_key, ca=True)
        cas.append((root, inter, ca_key))
        (folder / f"ca-{i:02d}.pem").write_bytes(pem(inter, root) if i % 2 else pem(inter))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    for j in range(count):
        root, inter, ca_key = cas[rng.randrange(len(cas))]
        host = f"mail.{internet_domain(j)}"
        leaf = make(name(host, f"Partner {j}"), inter.subject, leaf_key, ca_key, ca=False,
                    sans=(host, internet_domain(j)))
        shape = j % 4
        data = pem(leaf, inter) if shape == 0 else pem(leaf, inter, root) if shape == 1 else pem(leaf)
        (folder / f"cert-{j:05d}.{'pem' if shape != 3 else 'crt'}").write_bytes(data)


def write_cmdlets(folder: Path, connectors: int, seed: int = 3) -> None:
    """Get-InboundConnector (Format-List) with ``connectors`` connectors and Get-AcceptedDomain."""
    rng = random.Random(seed)
    blocks = []
    for k in range(connectors):
        by_cert = k % 2 == 0
        cert_name = "*." + internet_domain(rng.randrange(10_000))
        blocks.append("\r\n".join((
            f"Enabled                        : {'True' if k % 7 else 'False'}",
            f"ConnectorType                  : {'OnPremises' if k % 5 else 'Partner'}",
            "SenderIPAddresses              : {}" if by_cert else
            f"SenderIPAddresses              : {{203.0.{k // 250 % 250}.{k % 250}/32, 198.51.100.0/24}}",
            "SenderDomains                  : {smtp:*;1}",
            f"RequireTls                     : {'True' if by_cert else 'False'}",
            f"TlsSenderCertificateName       : {cert_name if by_cert else ''}",
            f"Name                           : Inbound connector {k:04d}",
            f"Identity                       : Inbound connector {k:04d}",
        )))
    (folder / "Get-InboundConnector.fl.txt").write_text("\r\n\r\n" + "\r\n\r\n".join(blocks) + "\r\n\r\n",
                                                       encoding="utf-8")
    domains = ["contoso.com", "contoso.net", "contoso.mail.onmicrosoft.com", "fabrikam.com"]
    (folder / "Get-AcceptedDomain.fl.txt").write_text("\r\n\r\n" + "\r\n\r\n".join(
        f"DomainName : {d}\r\nDomainType : Authoritative\r\nName       : {d}" for d in domains) + "\r\n\r\n",
        encoding="utf-8")


def write_bundle(folder: Path, *, mb: float, files: int, certs: int, connectors: int, seed: int = 1) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    info = write_logs(folder, mb, files, seed)
    if certs:
        write_certs(folder, certs, seed + 1)
    if connectors:
        write_cmdlets(folder, connectors, seed + 2)
    info["bytes"] = sum(p.stat().st_size for p in folder.iterdir())
    info["files"] = sum(1 for _ in folder.iterdir())
    return info
