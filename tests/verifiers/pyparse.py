#!/usr/bin/python3
"""pyparse.py ROOT CHAIN LEAF [CRLS]: does python3-cryptography parse it all?

The sixth voice of tests/interop.sh.  It is not a chain verifier (Debian
12's cryptography 38 has none): it decodes each certificate in full,
every extension included, and each CRL of CRLS in full, its entries and
their extensions included, and says which one it could not.  Exit 0
when all parse, 1 when one does not, 2 on an unreadable file or a file
with the wrong number of blocks (ROOT one or more certificates, CHAIN
any, LEAF one, CRLS one or more CRLs).
"""
import re
import sys

from cryptography import x509

PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
                 re.DOTALL)
CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----",
                 re.DOTALL)


def touch(cert):
    """Decode everything; cryptography parses lazily."""
    cert.subject.rfc4514_string()
    cert.issuer.rfc4514_string()
    cert.serial_number
    cert.not_valid_before
    cert.not_valid_after
    cert.public_key()
    cert.signature_hash_algorithm
    for ext in cert.extensions:
        ext.value


def touch_crl(crl):
    """Decode everything of a CRL, the entries' extensions included."""
    crl.issuer.rfc4514_string()
    crl.last_update
    crl.next_update
    crl.signature_hash_algorithm
    for ext in crl.extensions:
        ext.value
    for entry in crl:
        entry.serial_number
        entry.revocation_date
        for ext in entry.extensions:
            ext.value


def main(argv):
    if len(argv) not in (4, 5):
        print("usage: pyparse.py ROOT.pem CHAIN.pem LEAF.pem [CRLS.pem]",
              file=sys.stderr)
        return 2
    kinds = [(PEM, 1, 16), (PEM, 0, 16), (PEM, 1, 1), (CRL, 1, 16)]
    blocks = []
    for path, (pat, lo, hi) in zip(argv[1:], kinds):
        what = "certificate" if pat is PEM else "CRL"
        try:
            with open(path, "rb") as f:
                found = pat.findall(f.read())
        except OSError as e:
            print(f'pyparse: "{path}": {e.strerror}', file=sys.stderr)
            return 2
        if not lo <= len(found) <= hi:
            print(f'pyparse: "{path}": {len(found)} {what}s',
                  file=sys.stderr)
            return 2
        blocks += [(path, what, i + 1, b) for i, b in enumerate(found)]
    for path, what, i, b in blocks:
        try:
            if what == "CRL":
                touch_crl(x509.load_pem_x509_crl(b))
            else:
                touch(x509.load_pem_x509_certificate(b))
        except Exception as e:  # any refusal is the verdict we report
            print(f'pyparse: "{path}" {what} {i}: '
                  f"{type(e).__name__}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
