#!/usr/bin/python3
"""shamir.py SHARE-FILE...: the token PIN that these share files give,
printed as the toolkit types it (the secret in lowercase hex).

A test tool, written from the share format of lib/shares.h alone
("kc1-SPLIT-M-I-SHAREHEX-CHECK", comment lines starting with "#") and
Shamir's scheme over GF(2^8) with the polynomial x^8+x^4+x^3+x^2+1
(0x11d), each share the polynomial's value at its number I: so that a
test can log in to the token with the PIN the shares really hold, by a
road that does not go through the library under test.  Exits 1 on a
share that is malformed, mistyped (its check digits) or of another split.
"""
import hashlib
import sys


def gf_mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11d
        b >>= 1
    return r


def gf_inv(a):
    # a^254 = a^-1 in GF(2^8).
    r, e = 1, 254
    while e:
        if e & 1:
            r = gf_mul(r, a)
        a = gf_mul(a, a)
        e >>= 1
    return r


def read_share(path):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if len(lines) != 1:
        sys.exit("shamir.py: %s: not one share line" % path)
    text = lines[0].replace(" ", "").lower()
    parts = text.split("-")
    if len(parts) != 6 or parts[0] != "kc1":
        sys.exit("shamir.py: %s: not a kc1 share" % path)
    body = "-".join(parts[:5])
    if hashlib.sha256(body.encode()).hexdigest()[:4] != parts[5]:
        sys.exit("shamir.py: %s: check digits do not match" % path)
    return parts[1], int(parts[2]), int(parts[3]), bytes.fromhex(parts[4])


def main():
    shares = [read_share(p) for p in sys.argv[1:]]
    if not shares or len({(s[0], s[1]) for s in shares}) != 1:
        sys.exit("shamir.py: shares of more than one split")
    if len(shares) < shares[0][1]:
        sys.exit("shamir.py: fewer shares than the threshold")
    xs = [s[2] for s in shares]
    secret = bytearray(len(shares[0][3]))
    for i, (_, _, xi, yi) in enumerate(shares):
        # The Lagrange basis polynomial of xi, at 0.
        li = 1
        for j, xj in enumerate(xs):
            if j != i:
                li = gf_mul(li, gf_mul(xj, gf_inv(xj ^ xi)))
        for k in range(len(secret)):
            secret[k] ^= gf_mul(yi[k], li)
    print(secret.hex())


main()
