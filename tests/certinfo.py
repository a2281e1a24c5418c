#!/usr/bin/python3
"""certinfo.py CERT.pem...: print what each certificate says, as JSON.

A test tool: it parses certificates with python3-cryptography (and reads
the validity encoding from the DER itself) so that the shell tests assert
on parsed fields rather than on text printed by the code under test.
"""
import hashlib
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def der_items(buf, pos, end):
    """Yield (tag, start_of_content, end_of_content) of DER items."""
    while pos < end:
        tag = buf[pos]
        n = buf[pos + 1]
        pos += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(buf[pos:pos + k], "big")
            pos += k
        yield tag, pos, pos + n
        pos += n


def validity_tags(tbs):
    """The DER tags of notBefore and notAfter (0x17 UTCTime, 0x18 GT)."""
    (_, start, end), = list(der_items(tbs, 0, len(tbs)))
    items = list(der_items(tbs, start, end))
    if items[0][0] == 0xA0:  # explicit version
        items = items[1:]
    _, vs, ve = items[3]  # serial, signature, issuer, validity
    return [t for t, _, _ in der_items(tbs, vs, ve)]


def oid_str(b):
    arcs, v = [], 0
    for x in b:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            arcs.append(v)
            v = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


KU_NAMES = ["digital_signature", "content_commitment", "key_encipherment",
            "data_encipherment", "key_agreement", "key_cert_sign",
            "crl_sign", "encipher_only", "decipher_only"]
EXT_NAMES = {"2.5.29.19": "basicConstraints", "2.5.29.15": "keyUsage",
             "2.5.29.14": "subjectKeyIdentifier",
             "2.5.29.35": "authorityKeyIdentifier",
             "2.5.29.37": "extendedKeyUsage",
             "2.5.29.32": "certificatePolicies",
             "2.5.29.30": "nameConstraints", "2.5.29.17": "subjectAltName"}


def ext_info(tbs):
    """Extensions read from the DER itself, so that private OIDs with
    large arcs (which some parsers refuse) are read like any other."""
    (_, start, end), = list(der_items(tbs, 0, len(tbs)))
    exts = [i for i in der_items(tbs, start, end) if i[0] == 0xA3]
    out, order = {}, []
    if not exts:
        return out, order
    _, s, e = exts[0]
    (_, s, e), = list(der_items(tbs, s, e))
    for _, es, ee in der_items(tbs, s, e):
        parts = list(der_items(tbs, es, ee))
        oid = oid_str(tbs[parts[0][1]:parts[0][2]])
        crit = False
        if parts[1][0] == 0x01:
            crit = tbs[parts[1][1]] != 0
            parts = parts[1:]
        val = tbs[parts[1][1]:parts[1][2]]
        d = {"critical": crit, "oid": oid}
        inner = list(der_items(val, 0, len(val)))
        if oid == "2.5.29.19":
            items = list(der_items(val, inner[0][1], inner[0][2]))
            d["ca"] = bool(items and items[0][0] == 0x01 and
                           val[items[0][1]] != 0)
            ints = [i for i in items if i[0] == 0x02]
            d["path_length"] = (int.from_bytes(val[ints[0][1]:ints[0][2]],
                                               "big") if ints else None)
        elif oid == "2.5.29.15":
            _, bs, be = inner[0]
            bits = int.from_bytes(val[bs + 1:be], "big") if be > bs + 1 else 0
            nbits = 8 * (be - bs - 1)
            d["usages"] = [n for i, n in enumerate(KU_NAMES)
                           if i < nbits and bits >> (nbits - 1 - i) & 1]
        elif oid == "2.5.29.14":
            d["digest"] = val[inner[0][1]:inner[0][2]].hex()
        elif oid == "2.5.29.35":
            items = list(der_items(val, inner[0][1], inner[0][2]))
            kid = [i for i in items if i[0] == 0x80]
            d["key_identifier"] = (val[kid[0][1]:kid[0][2]].hex()
                                   if kid else None)
            d["issuer"] = any(i[0] == 0xA1 for i in items)
        elif oid == "2.5.29.32":
            d["policies"] = [oid_str(val[a + 2:a + 2 + val[a + 1]])
                             for _, a, b in
                             der_items(val, inner[0][1], inner[0][2])]
        elif oid == "2.5.29.37":
            d["oids"] = [oid_str(val[a:b]) for _, a, b in
                         der_items(val, inner[0][1], inner[0][2])]
        order.append(oid)
        out[EXT_NAMES.get(oid, oid)] = d
    return out, order


def info(path):
    with open(path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    pub = cert.public_key()
    spki = pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    # RFC 7093 method 1 (SHA-256, leftmost 160 bits) over the BIT STRING
    # contents of subjectPublicKey, without the unused-bits octet.
    (_, s, e), = list(der_items(spki, 0, len(spki)))
    items = list(der_items(spki, s, e))
    _, bs, be = items[1]
    key_bits = spki[bs + 1:be]
    if isinstance(pub, ec.EllipticCurvePublicKey):
        key = {"type": "ec", "curve": pub.curve.name}
    elif isinstance(pub, rsa.RSAPublicKey):
        key = {"type": "rsa", "bits": pub.key_size,
               "e": pub.public_numbers().e}
    else:
        key = {"type": "other"}
    exts, ext_oids = ext_info(cert.tbs_certificate_bytes)
    if "subjectAltName" in exts:
        san = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
        exts["subjectAltName"]["names"] = (
            ["DNS:" + n for n in san.get_values_for_type(x509.DNSName)] +
            ["IP:" + str(n) for n in san.get_values_for_type(x509.IPAddress)]
            + ["URI:" + n for n in san.get_values_for_type(
                x509.UniformResourceIdentifier)])
    serial_octets = (cert.serial_number.bit_length() + 8) // 8
    return {
        "file": path,
        "version": cert.version.name,
        "serial": "%0*x" % ((cert.serial_number.bit_length() + 7) // 8 * 2,
                            cert.serial_number),
        "serial_bits": cert.serial_number.bit_length(),
        "serial_octets": serial_octets,
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validity_tags": validity_tags(cert.tbs_certificate_bytes),
        "signature_algorithm": cert.signature_algorithm_oid._name,
        "signature_hash": (cert.signature_hash_algorithm.name
                           if cert.signature_hash_algorithm else None),
        "key": key,
        "ski_rfc7093_m1": hashlib.sha256(key_bits).digest()[:20].hex(),
        "spki_sha256": hashlib.sha256(spki).hexdigest(),
        "sha256": hashlib.sha256(
            cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        "extension_count": len(ext_oids),
        "duplicate_extensions": len(ext_oids) != len(set(ext_oids)),
        "extensions": exts,
    }


if __name__ == "__main__":
    json.dump([info(p) for p in sys.argv[1:]], sys.stdout, indent=1)
    print()
