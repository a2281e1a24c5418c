#!/usr/bin/python3
"""pyparse.py ROOT CHAIN LEAF: does python3-cryptography parse every cert?

The sixth voice of tests/interop.sh.  It is not a chain verifier (Debian
12's cryptography 38 has none): it decodes each certificate in full,
every extension included, and says which one it could not.  Exit 0 when
all parse, 1 when one does not, 2 on an unreadable file or a file with
the wrong number of certificates (ROOT one or more, CHAIN any, LEAF one).
"""
import re
import sys

from cryptography import x509

PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
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


def main(argv):
    if len(argv) != 4:
        print("usage: pyparse.py ROOT.pem CHAIN.pem LEAF.pem",
              file=sys.stderr)
        return 2
    bounds = [(1, 16), (0, 16), (1, 1)]
    blocks = []
    for path, (lo, hi) in zip(argv[1:], bounds):
        try:
            with open(path, "rb") as f:
                found = PEM.findall(f.read())
        except OSError as e:
            print(f'pyparse: "{path}": {e.strerror}', file=sys.stderr)
            return 2
        if not lo <= len(found) <= hi:
            print(f'pyparse: "{path}": {len(found)} certificates',
                  file=sys.stderr)
            return 2
        blocks += [(path, i + 1, b) for i, b in enumerate(found)]
    for path, i, b in blocks:
        try:
            touch(x509.load_pem_x509_certificate(b))
        except Exception as e:  # any refusal is the verdict we report
            print(f'pyparse: "{path}" certificate {i}: '
                  f"{type(e).__name__}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
