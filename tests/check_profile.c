/* check_profile.c: certificate profiles, ca-profile(5) (lib/profile.c). */
#include "check_util.h"

#include "profile.h"

#define KIND(k) "\"format\":\"ca-profile\",\"version\":1,\"kind\":\"" k "\""
#define HEAD KIND("root")
/* The least a profile of each other kind needs. */
#define SUB KIND("sub") ",\"validity\":\"5y\""
#define CROSS KIND("cross") ",\"validity\":\"5y\""
#define LOGS KIND("log-signer") ",\"validity\":\"5y\""
#define DEV KIND("device") ",\"validity\":\"2y\"," \
    "\"extended_key_usage\":[\"serverAuth\"]"
#define DEVSAN DEV ",\"subject_alt_name\":{\"allow\":[\"dns\"]}"

/* Parse the C string s as a profile. */
static int
parse(const char *s, struct ca_profile **out, struct ca_errbuf *eb)
{
	return ca_profile_parse(s, strlen(s), out, eb);
}

/* s must be refused with exactly r, *out left NULL and a reason given. */
static void
refuse(const char *s, int r)
{
	static struct ca_profile sentinel;
	struct ca_profile *p = &sentinel;
	struct ca_errbuf eb;
	int got;

	eb.msg[0] = '\0';
	got = parse(s, &p, &eb);
	ck_assert_msg(got == r, "%s: got %d (%s), wanted %d (%s)", s, got,
	    ca_strerror(got), r, ca_strerror(r));
	ck_assert_msg(p == NULL, "%s: out not reset", s);
	ck_assert_msg(eb.msg[0] != '\0', "%s: no reason", s);
}

/* s must be refused with exactly r and exactly the reason msg. */
static void
refuse_msg(const char *s, int r, const char *msg)
{
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(parse(s, &p, &eb), r);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(eb.msg, msg);
}

/* s must be refused with exactly r, the reason holding frag. */
static void
refuse_has(const char *s, int r, const char *frag)
{
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(parse(s, &p, &eb), r);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(eb.msg, frag) != NULL, "%s: reason \"%s\" lacks "
	    "\"%s\"", s, eb.msg, frag);
}

/* s must parse; the caller frees the result. */
static struct ca_profile *
must_parse(const char *s)
{
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;
	int r;

	eb.msg[0] = '\0';
	r = parse(s, &p, &eb);
	ck_assert_msg(r == 0, "%s: got %d (%s): %s", s, r, ca_strerror(r),
	    eb.msg);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* s must parse; the result is not needed. */
static void
parses(const char *s)
{
	ca_profile_free(must_parse(s));
}

START_TEST(default_root)
{
	struct ca_profile *p = NULL;

	ck_assert_ok(ca_profile_default_root(&p));
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->kind, CA_PROFILE_ROOT);
	ck_assert_ptr_null(p->subject);
	ck_assert_int_eq(p->validity.years, 25);
	ck_assert_int_eq(p->validity.months, 0);
	ck_assert_int_eq(p->validity.days, 0);
	ck_assert_int_eq(p->path_len, -1);
	ck_assert_uint_eq(p->key_usage, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	ca_profile_free(p);
	ca_profile_free(NULL);
}
END_TEST

START_TEST(parse_minimal_takes_defaults)
{
	struct ca_profile *p = NULL, *d = NULL;

	ck_assert_ok(parse("{" HEAD "}", &p, NULL));
	ck_assert_ok(ca_profile_default_root(&d));
	ck_assert_int_eq(p->kind, d->kind);
	ck_assert_ptr_null(p->subject);
	ck_assert_mem_eq(&p->validity, &d->validity, sizeof(p->validity));
	ck_assert_int_eq(p->path_len, d->path_len);
	ck_assert_uint_eq(p->key_usage, d->key_usage);
	ca_profile_free(p);
	ca_profile_free(d);
}
END_TEST

START_TEST(parse_full)
{
	struct ca_profile *p = NULL;

	ck_assert_ok(parse("{\n  \"version\": 1,\n  \"format\": \"ca-profile\","
	    "\n  \"kind\": \"root\",\n  \"subject\": \"CN=Plant Root,O=Acme\","
	    "\n  \"validity\": \"20y6m\",\n  \"path_len\": 0,\n"
	    "  \"key_usage\": [\"cRLSign\", \"digitalSignature\", "
	    "\"keyCertSign\"]\n}\n", &p, NULL));
	ck_assert_int_eq(p->kind, CA_PROFILE_ROOT);
	ck_assert_str_eq(p->subject, "CN=Plant Root,O=Acme");
	ck_assert_int_eq(p->validity.years, 20);
	ck_assert_int_eq(p->validity.months, 6);
	ck_assert_int_eq(p->validity.days, 0);
	ck_assert_int_eq(p->path_len, 0);
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE |
	    CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	ca_profile_free(p);
}
END_TEST

START_TEST(parse_path_len)
{
	struct ca_profile *p = NULL;

	ck_assert_ok(parse("{" HEAD ",\"path_len\":null}", &p, NULL));
	ck_assert_int_eq(p->path_len, -1);
	ca_profile_free(p);
	ck_assert_ok(parse("{" HEAD ",\"path_len\":16}", &p, NULL));
	ck_assert_int_eq(p->path_len, 16);
	ca_profile_free(p);
	ck_assert_ok(parse("{" HEAD ",\"path_len\":3}", &p, NULL));
	ck_assert_int_eq(p->path_len, 3);
	ca_profile_free(p);

	refuse("{" HEAD ",\"path_len\":17}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"path_len\":-1}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"path_len\":\"1\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"path_len\":1.0}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"path_len\":true}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"path_len\":4294967296}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(parse_validity)
{
	struct ca_profile *p = NULL;

	ck_assert_ok(parse("{" HEAD ",\"validity\":\"10y6m10d\"}", &p, NULL));
	ck_assert_int_eq(p->validity.years, 10);
	ck_assert_int_eq(p->validity.months, 6);
	ck_assert_int_eq(p->validity.days, 10);
	ca_profile_free(p);

	refuse("{" HEAD ",\"validity\":\"0y\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"validity\":\"25x\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"validity\":\"100y\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"validity\":\"\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"validity\":25}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"validity\":null}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(parse_key_usage)
{
	struct ca_profile *p = NULL;

	ck_assert_ok(parse("{" HEAD ",\"key_usage\":[\"keyCertSign\","
	    "\"cRLSign\"]}", &p, NULL));
	ck_assert_uint_eq(p->key_usage, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	ca_profile_free(p);

	/* BR 7.1.2.1.2: a root has keyCertSign and cRLSign. */
	refuse("{" HEAD ",\"key_usage\":[\"keyCertSign\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[\"cRLSign\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[\"digitalSignature\"]}",
	    CA_ERR_PROFILE);
	/* Nothing a CA key should not do. */
	refuse("{" HEAD ",\"key_usage\":[\"keyCertSign\",\"cRLSign\","
	    "\"keyEncipherment\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[\"keyCertSign\",\"cRLSign\","
	    "\"keycertsign\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[\"keyCertSign\",\"cRLSign\","
	    "\"cRLSign\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":[\"keyCertSign\",\"cRLSign\",2]}",
	    CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":\"keyCertSign,cRLSign\"}",
	    CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_usage\":6}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(parse_subject_and_kind)
{
	refuse("{" HEAD ",\"subject\":\"\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"subject\":5}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"subject\":null}", CA_ERR_PROFILE);
	refuse("{\"format\":\"ca-profile\",\"version\":1}", CA_ERR_PROFILE);
	refuse("{\"format\":\"ca-profile\",\"version\":1,\"kind\":"
	    "\"intermediate\"}", CA_ERR_PROFILE);
	refuse("{\"format\":\"ca-profile\",\"version\":1,\"kind\":\"Root\"}",
	    CA_ERR_PROFILE);
	refuse("{\"format\":\"ca-profile\",\"version\":1,\"kind\":1}",
	    CA_ERR_PROFILE);
}
END_TEST

START_TEST(parse_refuses_unknown_fields)
{
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;

	refuse("{" HEAD ",\"validty\":\"25y\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"Validity\":\"25y\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"pathlen\":0}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"comment\":\"x\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"\":0}", CA_ERR_PROFILE);

	ck_assert_err(parse("{" HEAD ",\"keyusage\":[]}", &p, &eb),
	    CA_ERR_PROFILE);
	ck_assert_msg(strstr(eb.msg, "\"keyusage\"") != NULL, "reason: %s",
	    eb.msg);
}
END_TEST

START_TEST(parse_format_and_version)
{
	refuse("{\"version\":1,\"kind\":\"root\"}", CA_ERR_PROFILE);
	refuse("{\"format\":\"ca-transcript\",\"version\":1,\"kind\":\"root\"}",
	    CA_ERR_PROFILE);
	refuse("{\"format\":\"CA-PROFILE\",\"version\":1,\"kind\":\"root\"}",
	    CA_ERR_PROFILE);
	refuse("{\"format\":1,\"version\":1,\"kind\":\"root\"}",
	    CA_ERR_PROFILE);
	/* A version we cannot read is CA_ERR_VERSION, not a schema error. */
	refuse("{\"format\":\"ca-profile\",\"version\":2,\"kind\":\"root\"}",
	    CA_ERR_VERSION);
	refuse("{\"format\":\"ca-profile\",\"version\":0,\"kind\":\"root\"}",
	    CA_ERR_VERSION);
	refuse("{\"format\":\"ca-profile\",\"version\":-1,\"kind\":\"root\"}",
	    CA_ERR_VERSION);
	refuse("{\"format\":\"ca-profile\",\"version\":\"1\","
	    "\"kind\":\"root\"}", CA_ERR_VERSION);
	refuse("{\"format\":\"ca-profile\",\"version\":1.0,\"kind\":\"root\"}",
	    CA_ERR_VERSION);
	/* A missing version is a missing field. */
	refuse("{\"format\":\"ca-profile\",\"kind\":\"root\"}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(parse_refuses_bad_json)
{
	static struct ca_profile sentinel;
	struct ca_profile *p = &sentinel;

	refuse("", CA_ERR_JSON);
	refuse("{", CA_ERR_JSON);
	refuse("{" HEAD ",}", CA_ERR_JSON);
	refuse("{" HEAD "} {}", CA_ERR_JSON);
	/* Two readings of one field are refused, not resolved. */
	refuse("{" HEAD ",\"validity\":\"25y\",\"validity\":\"5y\"}",
	    CA_ERR_JSON);
	refuse("{\"format\":\"ca-profile\",\"version\":1,\"version\":2,"
	    "\"kind\":\"root\"}", CA_ERR_JSON);
	/* Well-formed, but not an object. */
	refuse("[]", CA_ERR_PROFILE);
	refuse("\"ca-profile\"", CA_ERR_PROFILE);
	refuse("null", CA_ERR_PROFILE);

	/* len bounds the input: a valid prefix alone is not a profile. */
	ck_assert_err(ca_profile_parse("{" HEAD "}", 5, &p, NULL),
	    CA_ERR_JSON);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(load_file)
{
	static const char good[] = "{" HEAD ",\"validity\":\"5y\"}\n";
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct ca_profile *p = NULL;
	char *big;
	size_t n = (1 << 20) + 1;

	tu_tmpdir(dir);
	tu_path(path, dir, "root.json");
	tu_path(link, dir, "link.json");
	tu_write(path, good, sizeof(good) - 1);
	ck_assert_ok(ca_profile_load(path, &p, NULL));
	ck_assert_int_eq(p->validity.years, 5);
	ca_profile_free(p);

	/* Symbolic links are not followed. */
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_err(ca_profile_load(link, &p, NULL), CA_ERR_IO);
	ck_assert_ptr_null(p);

	tu_path(path, dir, "missing.json");
	ck_assert_err(ca_profile_load(path, &p, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(p);

	/* A profile is small; over 1 MiB is refused unread. */
	tu_path(path, dir, "big.json");
	ck_assert_ptr_nonnull(big = malloc(n));
	memset(big, ' ', n);
	tu_write(path, big, n);
	free(big);
	ck_assert_err(ca_profile_load(path, &p, NULL), CA_ERR_IO);

	tu_path(path, dir, "bad.json");
	tu_write(path, "{\"format\":\"ca-profile\",\"version\":3}",
	    strlen("{\"format\":\"ca-profile\",\"version\":3}"));
	ck_assert_err(ca_profile_load(path, &p, NULL), CA_ERR_VERSION);
	ck_assert_ptr_null(p);
	tu_rmrf(dir);
}
END_TEST

START_TEST(kind_defaults)
{
	struct ca_profile *p;

	p = must_parse("{" SUB "}");
	ck_assert_int_eq(p->kind, CA_PROFILE_SUB);
	ck_assert_int_eq(p->subject_from, CA_SUBJECT_FROM_CSR);
	ck_assert_ptr_null(p->name);
	ck_assert_ptr_null(p->subject);
	ck_assert_int_eq(p->validity.years, 5);
	ck_assert_int_eq(p->truncate_validity, 0);
	ck_assert_int_eq(p->path_len, -1);
	ck_assert_uint_eq(p->key_usage, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	ck_assert_uint_eq(p->eku.n, 0);
	ck_assert_uint_eq(p->npolicies, 0);
	ck_assert_int_eq(p->has_name_constraints, 0);
	ck_assert_int_eq(p->name_constraints_critical, 1);
	ck_assert_uint_eq(p->crl_dp.n, 0);
	ck_assert_uint_eq(p->aia_ca_issuers.n, 0);
	ck_assert_ptr_null(p->zone);
	ck_assert_int_eq(p->security_level, 0);
	ck_assert_ptr_null(p->zone_policy_oid);
	ck_assert_uint_eq(p->key_algorithms, CA_KEYPOL_ALL);
	ck_assert_int_eq(p->rsa_min_bits, CA_RSA_MIN_BITS);
	ck_assert_uint_eq(p->targets, 0);
	ca_profile_free(p);

	p = must_parse("{" CROSS "}");
	ck_assert_int_eq(p->kind, CA_PROFILE_CROSS);
	ck_assert_int_eq(p->subject_from, 0);
	ck_assert_uint_eq(p->key_usage, CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN);
	ca_profile_free(p);

	/* A log signer signs records: digitalSignature and nothing else. */
	p = must_parse("{" LOGS "}");
	ck_assert_int_eq(p->kind, CA_PROFILE_LOG_SIGNER);
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE);
	ck_assert_int_eq(p->path_len, -1);
	ca_profile_free(p);
	p = must_parse("{" LOGS ",\"key_usage\":[\"digitalSignature\"]}");
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE);
	ca_profile_free(p);
	refuse_has("{" LOGS ",\"key_usage\":[]}", CA_ERR_PROFILE,
	    "exactly [\"digitalSignature\"]");
	refuse("{" LOGS ",\"key_usage\":[\"digitalSignature\",\"cRLSign\"]}",
	    CA_ERR_PROFILE);
	refuse("{" LOGS ",\"key_usage\":[\"keyCertSign\",\"cRLSign\"]}",
	    CA_ERR_PROFILE);
	refuse("{" SUB ",\"key_usage\":[\"digitalSignature\"]}",
	    CA_ERR_PROFILE);
	refuse("{" CROSS ",\"key_usage\":[\"keyCertSign\"]}", CA_ERR_PROFILE);

	/* Only a root falls back to 25 years; the others must say. */
	refuse_msg("{" KIND("sub") "}", CA_ERR_PROFILE,
	    "line 1, column 1: a sub profile needs \"validity\"");
	refuse_has("{" KIND("cross") "}", CA_ERR_PROFILE,
	    "a cross profile needs \"validity\"");
	refuse_has("{" KIND("log-signer") "}", CA_ERR_PROFILE,
	    "a log-signer profile needs \"validity\"");
	refuse("{" KIND("Sub") ",\"validity\":\"5y\"}", CA_ERR_PROFILE);
	refuse("{" KIND("log_signer") ",\"validity\":\"5y\"}", CA_ERR_PROFILE);

	ck_assert_str_eq(ca_profile_kind_name(CA_PROFILE_ROOT), "root");
	ck_assert_str_eq(ca_profile_kind_name(CA_PROFILE_SUB), "sub");
	ck_assert_str_eq(ca_profile_kind_name(CA_PROFILE_CROSS), "cross");
	ck_assert_str_eq(ca_profile_kind_name(CA_PROFILE_LOG_SIGNER),
	    "log-signer");
	ck_assert_str_eq(ca_profile_kind_name(0), "unknown");
}
END_TEST

/* Which members each kind allows (ca-profile(5), MEMBERS BY KIND). */
START_TEST(kind_member_matrix)
{
	static const struct {
		const char *member;	/* a valid value for every kind */
		unsigned allowed;	/* bit per kind: 1 << kind */
	} t[] = {
#define R (1u << CA_PROFILE_ROOT)
#define S (1u << CA_PROFILE_SUB)
#define C (1u << CA_PROFILE_CROSS)
#define L (1u << CA_PROFILE_LOG_SIGNER)
		{ "\"name\":\"x\"", R | S | C | L },
		{ "\"subject\":\"CN=x\"", R | S },
		{ "\"subject_from\":\"csr\"", S },
		{ "\"validity\":\"3y\"", R | S | C | L },
		{ "\"truncate_validity\":true", S | C },
		{ "\"path_len\":0", R | S | C },
		{ "\"extended_key_usage\":[\"clientAuth\"]", S | C },
		{ "\"policies\":[{\"oid\":\"1.2.3\"}]", S | C },
		{ "\"name_constraints\":{\"permitted\":{\"dns\":[\"x.example\"]"
		    "}}", S | C },
		{ "\"crl_distribution_points\":[\"http://x.example/c.crl\"]",
		    S | C },
		{ "\"aia_ca_issuers\":[\"http://x.example/c.crt\"]", S | C },
		{ "\"iec62443\":{\"zone\":\"z\"}", S | C },
		{ "\"key_algorithms\":[\"p384\"]", R | S | C },
		{ "\"rsa_min_bits\":4096", R | S | C },
		{ "\"targets\":[\"openssl\"]", R | S | C },
#undef R
#undef S
#undef C
#undef L
	};
	static const char *kinds[] = { NULL, "root", "sub", "cross",
	    "log-signer" };
	char buf[512], want[128];
	struct ca_profile *p;
	struct ca_errbuf eb;
	size_t i, k;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (k = CA_PROFILE_ROOT; k <= CA_PROFILE_LOG_SIGNER; k++) {
			/* A sub's subject comes with subject_from. */
			snprintf(buf, sizeof(buf), "{\"format\":\"ca-profile\","
			    "\"version\":1,\"kind\":\"%s\",\"validity\":\"5y\""
			    "%s,%s}", kinds[k], k == CA_PROFILE_SUB &&
			    strncmp(t[i].member, "\"subject\"", 9) == 0 ?
			    ",\"subject_from\":\"profile\"" : "", t[i].member);
			/* validity given twice is a duplicate; skip it. */
			if (strncmp(t[i].member, "\"validity\"", 10) == 0)
				snprintf(buf, sizeof(buf), "{\"format\":"
				    "\"ca-profile\",\"version\":1,\"kind\":"
				    "\"%s\",%s}", kinds[k], t[i].member);
			p = NULL;
			eb.msg[0] = '\0';
			r = parse(buf, &p, &eb);
			if (t[i].allowed & (1u << k)) {
				ck_assert_msg(r == 0, "%s: %s", buf, eb.msg);
				ca_profile_free(p);
				continue;
			}
			ck_assert_msg(r == CA_ERR_PROFILE, "%s: got %d", buf,
			    r);
			ck_assert_ptr_null(p);
			snprintf(want, sizeof(want), "is not allowed in a %s "
			    "profile", kinds[k]);
			ck_assert_msg(strstr(eb.msg, want) != NULL, "%s: %s",
			    buf, eb.msg);
		}
	}
	refuse_msg("{" HEAD ",\n \"policies\": [{\"oid\": \"1.2.3\"}]}",
	    CA_ERR_PROFILE, "line 2, column 2: member \"policies\" is not "
	    "allowed in a root profile");
}
END_TEST

START_TEST(name_and_subject)
{
	struct ca_profile *p;

	p = must_parse("{" HEAD ",\"name\":\"ot-issuing_sl3.v2\"}");
	ck_assert_str_eq(p->name, "ot-issuing_sl3.v2");
	ca_profile_free(p);
	parses("{" HEAD ",\"name\":\"0123456789012345678901234567890123456789"
	    "012345678901234567890123\"}");
	refuse("{" HEAD ",\"name\":\"0123456789012345678901234567890123456789"
	    "0123456789012345678901234\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"name\":\"\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"name\":\"ot issuing\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"name\":\"../etc\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"name\":1}", CA_ERR_PROFILE);

	/* Subjects are checked as RFC 4514 names up front. */
	refuse_has("{" HEAD ",\"subject\":\"Plant Root\"}", CA_ERR_PROFILE,
	    "\"subject\" is not an RFC 4514 name");
	refuse("{" HEAD ",\"subject\":\"CN=x,NOSUCHTYPE=y\"}", CA_ERR_PROFILE);

	p = must_parse("{" SUB ",\"subject_from\":\"profile\","
	    "\"subject\":\"CN=Line 4 Issuing CA,O=Example\"}");
	ck_assert_int_eq(p->subject_from, CA_SUBJECT_FROM_PROFILE);
	ck_assert_str_eq(p->subject, "CN=Line 4 Issuing CA,O=Example");
	ca_profile_free(p);
	p = must_parse("{" SUB ",\"subject_from\":\"csr\"}");
	ck_assert_int_eq(p->subject_from, CA_SUBJECT_FROM_CSR);
	ca_profile_free(p);
	refuse_has("{" SUB ",\"subject_from\":\"profile\"}", CA_ERR_PROFILE,
	    "\"subject_from\": \"profile\" needs \"subject\"");
	/* A subject that would be ignored is refused, not ignored. */
	refuse_has("{" SUB ",\"subject\":\"CN=x\"}", CA_ERR_PROFILE,
	    "\"subject\" is used only with");
	refuse("{" SUB ",\"subject_from\":\"csr\",\"subject\":\"CN=x\"}",
	    CA_ERR_PROFILE);
	refuse("{" SUB ",\"subject_from\":\"CSR\"}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"subject_from\":null}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(truncate_validity)
{
	struct ca_profile *p;

	p = must_parse("{" SUB ",\"truncate_validity\":true}");
	ck_assert_int_eq(p->truncate_validity, 1);
	ca_profile_free(p);
	p = must_parse("{" CROSS ",\"truncate_validity\":false}");
	ck_assert_int_eq(p->truncate_validity, 0);
	ca_profile_free(p);
	refuse("{" SUB ",\"truncate_validity\":1}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"truncate_validity\":\"true\"}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"truncate_validity\":null}", CA_ERR_PROFILE);
}
END_TEST

START_TEST(extended_key_usage)
{
	struct ca_profile *p;

	p = must_parse("{" SUB ",\"extended_key_usage\":[\"serverAuth\","
	    "\"clientAuth\",\"codeSigning\",\"emailProtection\","
	    "\"timeStamping\",\"OCSPSigning\",\"1.3.6.1.4.1.55555.3.1\"]}");
	ck_assert_uint_eq(p->eku.n, 7);
	ck_assert_str_eq(p->eku.v[0], "1.3.6.1.5.5.7.3.1");
	ck_assert_str_eq(p->eku.v[1], "1.3.6.1.5.5.7.3.2");
	ck_assert_str_eq(p->eku.v[2], "1.3.6.1.5.5.7.3.3");
	ck_assert_str_eq(p->eku.v[3], "1.3.6.1.5.5.7.3.4");
	ck_assert_str_eq(p->eku.v[4], "1.3.6.1.5.5.7.3.8");
	ck_assert_str_eq(p->eku.v[5], "1.3.6.1.5.5.7.3.9");
	ck_assert_str_eq(p->eku.v[6], "1.3.6.1.4.1.55555.3.1");
	ca_profile_free(p);

	/* A name and its OID are the same purpose. */
	refuse_has("{" SUB ",\"extended_key_usage\":[\"serverAuth\","
	    "\"1.3.6.1.5.5.7.3.1\"]}", CA_ERR_PROFILE, "listed twice");
	refuse("{" SUB ",\"extended_key_usage\":[\"clientAuth\","
	    "\"clientAuth\"]}", CA_ERR_PROFILE);
	refuse_has("{" SUB ",\"extended_key_usage\":[]}", CA_ERR_PROFILE,
	    "must not be empty");
	refuse_has("{" SUB ",\"extended_key_usage\":[\"2.5.29.37.0\"]}",
	    CA_ERR_PROFILE, "anyExtendedKeyUsage");
	refuse_has("{" SUB ",\"extended_key_usage\":[\"serverauth\"]}",
	    CA_ERR_PROFILE, "not a known name");
	refuse("{" SUB ",\"extended_key_usage\":[\"1.3.6.01\"]}",
	    CA_ERR_PROFILE);
	refuse("{" SUB ",\"extended_key_usage\":[1]}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"extended_key_usage\":\"serverAuth\"}",
	    CA_ERR_PROFILE);
}
END_TEST

START_TEST(policies)
{
	struct ca_profile *p;

	p = must_parse("{" SUB ",\"policies\":[{\"oid\":\"1.3.6.1.4.1.55555.1"
	    "\",\"cps\":\"http://pki.plant.example/cps\"},{\"oid\":"
	    "\"anyPolicy\"}]}");
	ck_assert_uint_eq(p->npolicies, 2);
	ck_assert_str_eq(p->policies[0].oid, "1.3.6.1.4.1.55555.1");
	ck_assert_str_eq(p->policies[0].cps, "http://pki.plant.example/cps");
	ck_assert_str_eq(p->policies[1].oid, "2.5.29.32.0");
	ck_assert_ptr_null(p->policies[1].cps);
	ca_profile_free(p);

	refuse_has("{" SUB ",\"policies\":[]}", CA_ERR_PROFILE,
	    "must not be empty");
	refuse_has("{" SUB ",\"policies\":[{\"cps\":\"http://x.example/\"}]}",
	    CA_ERR_PROFILE, "a policy needs \"oid\"");
	refuse_has("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\",\"url\":"
	    "\"http://x.example/\"}]}", CA_ERR_PROFILE,
	    "unknown member \"url\" in a policy");
	refuse_has("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\"},{\"oid\":"
	    "\"1.2.3\"}]}", CA_ERR_PROFILE, "listed twice");
	refuse("{" SUB ",\"policies\":[{\"oid\":\"anyPolicy\"},{\"oid\":"
	    "\"2.5.29.32.0\"}]}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\",\"cps\":\"pki "
	    "cps\"}]}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\",\"cps\":null}]}",
	    CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":[{\"oid\":1}]}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":[\"1.2.3\"]}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":{\"oid\":\"1.2.3\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"policies\":[{\"oid\":\"anypolicy\"}]}",
	    CA_ERR_PROFILE);
	/* Duplicates inside an entry are malformed JSON. */
	refuse("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\",\"oid\":\"1.2.4\"}]}",
	    CA_ERR_JSON);
}
END_TEST

/* Dotted decimal, strictly (ca-profile(5), OBJECT IDENTIFIERS). */
START_TEST(oid_syntax)
{
	static const char *good[] = { "0.0", "0.39", "1.39", "2.40",
	    "2.999.1", "1.3.6.1.4.1.55555.62443.3", "2.5.29.32.0",
	    "1.2.18446744073709551616" };
	static const char *bad[] = { "", "1", "3.1", "0.40", "1.40",
	    "1.123", "01.2", "1.02", "1..2", "1.2.", ".1.2", "1.2.x",
	    "1,2", " 1.2", "1.2 ", "-1.2", "1.+2", "10.1", "anyPolicy1",
	    "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24."
	    "25.26.27.28.29.30.31.32.33.34.35.36.37.38.39.40.41.42.43.44.45."
	    "46.47.48.49" };
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "{" SUB ",\"policies\":[{\"oid\":"
		    "\"%s\"}]}", good[i]);
		parses(buf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "{" SUB ",\"policies\":[{\"oid\":"
		    "\"%s\"}]}", bad[i]);
		refuse(buf, CA_ERR_PROFILE);
		snprintf(buf, sizeof(buf), "{" SUB ",\"iec62443\":{"
		    "\"policy_oid\":\"%s\"}}", bad[i]);
		refuse(buf, CA_ERR_PROFILE);
	}
	refuse_has("{" SUB ",\"policies\":[{\"oid\":\"0.40\"}]}",
	    CA_ERR_PROFILE, "second arc must be under 40");
	refuse_has("{" SUB ",\"policies\":[{\"oid\":\"3.1\"}]}",
	    CA_ERR_PROFILE, "first arc must be 0, 1 or 2");
}
END_TEST

#define NC(body) "{" SUB ",\"name_constraints\":" body "}"

START_TEST(name_constraints)
{
	struct ca_profile *p;

	p = must_parse(NC("{\"permitted\":{\"dns\":[\"plant.example\","
	    "\".ot.plant.example\"],\"ip\":[\"10.20.0.0/16\",\"fd00:1::/48\"],"
	    "\"email\":[\"ops@plant.example\",\"plant.example\","
	    "\".plant.example\"],"
	    "\"uri\":[\"plant.example\",\".plant.example\"],"
	    "\"dirname\":[\"O=Example Manufacturing,C=DE\"]},"
	    "\"excluded\":{\"dns\":[\"office.plant.example\"],"
	    "\"ip\":[\"0.0.0.0/0\",\"::/0\"]}}"));
	ck_assert_int_eq(p->has_name_constraints, 1);
	ck_assert_int_eq(p->name_constraints_critical, 1);
	ck_assert_uint_eq(p->permitted.dns.n, 2);
	ck_assert_str_eq(p->permitted.dns.v[1], ".ot.plant.example");
	ck_assert_uint_eq(p->permitted.ip.n, 2);
	ck_assert_str_eq(p->permitted.ip.v[0], "10.20.0.0/16");
	ck_assert_str_eq(p->permitted.ip.v[1], "fd00:1::/48");
	ck_assert_uint_eq(p->permitted.email.n, 3);
	ck_assert_uint_eq(p->permitted.uri.n, 2);
	ck_assert_uint_eq(p->permitted.dirname.n, 1);
	ck_assert_str_eq(p->permitted.dirname.v[0],
	    "O=Example Manufacturing,C=DE");
	ck_assert_uint_eq(p->excluded.dns.n, 1);
	ck_assert_uint_eq(p->excluded.ip.n, 2);
	ck_assert_uint_eq(p->excluded.email.n, 0);
	ca_profile_free(p);

	/* Excluded alone is a valid constraint; empty arrays are fine. */
	p = must_parse(NC("{\"critical\":true,\"permitted\":{\"dns\":[]},"
	    "\"excluded\":{\"ip\":[\"192.168.0.0/16\"]}}"));
	ck_assert_uint_eq(p->permitted.dns.n, 0);
	ck_assert_uint_eq(p->excluded.ip.n, 1);
	ca_profile_free(p);

	/* RFC 5280 4.2.1.10: never an empty sequence. */
	refuse_has(NC("{}"), CA_ERR_PROFILE, "at least one name");
	refuse(NC("{\"critical\":true}"), CA_ERR_PROFILE);
	refuse(NC("{\"permitted\":{\"dns\":[]},\"excluded\":{}}"),
	    CA_ERR_PROFILE);
	refuse(NC("[]"), CA_ERR_PROFILE);
	refuse(NC("{\"permitted\":[\"plant.example\"]}"), CA_ERR_PROFILE);
	refuse(NC("{\"permitted\":{\"dns\":\"plant.example\"}}"),
	    CA_ERR_PROFILE);
	refuse(NC("{\"permitted\":{\"dns\":[1]}}"), CA_ERR_PROFILE);
	refuse(NC("{\"critical\":1,\"permitted\":{\"dns\":[\"a.example\"]}}"),
	    CA_ERR_PROFILE);
	refuse_has(NC("{\"permitted\":{\"dns\":[\"a.example\","
	    "\"a.example\"]}}"), CA_ERR_PROFILE, "listed twice in \"dns\"");
	/* Unknown members at each level. */
	refuse_has(NC("{\"permited\":{\"dns\":[\"a.example\"]}}"),
	    CA_ERR_PROFILE, "unknown member \"permited\" in "
	    "\"name_constraints\"");
	refuse_has(NC("{\"permitted\":{\"dns\":[\"a.example\"],\"ipv4\":"
	    "[]}}"), CA_ERR_PROFILE, "unknown member \"ipv4\" in "
	    "\"permitted\"");
	refuse_has(NC("{\"excluded\":{\"DNS\":[\"a.example\"]}}"),
	    CA_ERR_PROFILE, "unknown member \"DNS\" in \"excluded\"");
	refuse(NC("{\"permitted\":{\"dns\":[\"a.example\"],\"dns\":[]}}"),
	    CA_ERR_JSON);
}
END_TEST

START_TEST(name_constraint_entries)
{
	static const struct {
		const char *type, *value;
		int ok;
	} t[] = {
		/* CIDR, with host bits zero (a typo cannot widen a range). */
		{ "ip", "10.20.0.0/16", 1 },
		{ "ip", "10.20.30.40/32", 1 },
		{ "ip", "0.0.0.0/0", 1 },
		{ "ip", "fd00:1::/48", 1 },
		{ "ip", "2001:db8::/32", 1 },
		{ "ip", "::1/128", 1 },
		{ "ip", "10.20.0.1/16", 0 },
		{ "ip", "10.20.0.0", 0 },
		{ "ip", "10.20.0.0/", 0 },
		{ "ip", "10.20.0.0/33", 0 },
		{ "ip", "10.20.0.0/016", 0 },
		{ "ip", "10.20.0.0/+16", 0 },
		{ "ip", "10.20/16", 0 },
		{ "ip", "10.20.0.256/32", 0 },
		{ "ip", "fd00:1::1/48", 0 },
		{ "ip", "fd00:1::/129", 0 },
		{ "ip", "fd00:1:::/48", 0 },
		{ "ip", "plant.example/16", 0 },
		{ "ip", "", 0 },
		/* dNSName: a host, or a domain written with a leading dot. */
		{ "dns", "plant.example", 1 },
		{ "dns", ".plant.example", 1 },
		{ "dns", "xn--bcher-kva.example", 1 },
		{ "dns", "a-b.example", 1 },
		{ "dns", "", 0 },
		{ "dns", ".", 0 },
		{ "dns", "plant.example.", 0 },
		{ "dns", "plant..example", 0 },
		{ "dns", "-plant.example", 0 },
		{ "dns", "plant-.example", 0 },
		{ "dns", "*.plant.example", 0 },
		{ "dns", "plant_1.example", 0 },
		{ "dns", "pl ant.example", 0 },
		{ "dns", "b\xc3\xbc" "cher.example", 0 },
		{ "dns", "0123456789012345678901234567890123456789012345678901"
		    "234567890123.example", 0 },
		/* rfc822Name: a mailbox, a host or a domain. */
		{ "email", "ops@plant.example", 1 },
		{ "email", "first.last+tag@plant.example", 1 },
		{ "email", "plant.example", 1 },
		{ "email", ".plant.example", 1 },
		{ "email", "@plant.example", 0 },
		{ "email", "ops@.plant.example", 0 },
		{ "email", "o ps@plant.example", 0 },
		{ "email", "ops@", 0 },
		/* URI constraints name a host or domain, not a URI. */
		{ "uri", "plant.example", 1 },
		{ "uri", ".plant.example", 1 },
		{ "uri", "http://plant.example/", 0 },
		/* directoryName: RFC 4514. */
		{ "dirname", "O=Example,C=DE", 1 },
		{ "dirname", "CN=Line 4+OU=OT,O=Example", 1 },
		{ "dirname", "Example", 0 },
		{ "dirname", "", 0 },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "{" SUB ",\"name_constraints\":{"
		    "\"excluded\":{\"%s\":[\"%s\"]}}}", t[i].type, t[i].value);
		if (t[i].ok)
			parses(buf);
		else
			refuse(buf, CA_ERR_PROFILE);
	}
}
END_TEST

START_TEST(uris)
{
	static const char *good[] = { "http://10.20.0.5/ot.crl",
	    "file:///media/crl/ot.crl", "ldap://ldap.plant.example/"
	    "cn=Root,o=Example?certificateRevocationList;binary",
	    "https://pki.plant.example/a%20b.crl", "x-vendor+crl.v2:abc",
	    "http://[fd00:1::5]/root.crl" };
	static const char *bad[] = { "", "/media/crl/ot.crl",
	    "pki.plant.example/ot.crl", "1http://x.example/", "http:",
	    "http://x.example/a b.crl", "http://x.example/a\\tb",
	    "http://x.example/\xc3\xa4.crl", "http://x.example/a%2",
	    "http://x.example/a%zz", "http://x.example/<a>",
	    "http://x.example/a\\\"b", ":x", "ht tp://x.example/" };
	struct ca_profile *p;
	char buf[512];
	size_t i;

	p = must_parse("{" SUB ",\"crl_distribution_points\":[\"file:///media"
	    "/crl/ot.crl\",\"http://10.20.0.5/ot.crl\"],\"aia_ca_issuers\":["
	    "\"http://10.20.0.5/root.crt\"]}");
	ck_assert_uint_eq(p->crl_dp.n, 2);
	ck_assert_str_eq(p->crl_dp.v[0], "file:///media/crl/ot.crl");
	ck_assert_str_eq(p->crl_dp.v[1], "http://10.20.0.5/ot.crl");
	ck_assert_uint_eq(p->aia_ca_issuers.n, 1);
	ck_assert_str_eq(p->aia_ca_issuers.v[0], "http://10.20.0.5/root.crt");
	ca_profile_free(p);

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "{" SUB ",\"crl_distribution_"
		    "points\":[\"%s\"],\"aia_ca_issuers\":[\"%s\"]}", good[i],
		    good[i]);
		parses(buf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "{" SUB ",\"crl_distribution_"
		    "points\":[\"%s\"]}", bad[i]);
		refuse(buf, CA_ERR_PROFILE);
		snprintf(buf, sizeof(buf), "{" SUB ",\"aia_ca_issuers\":"
		    "[\"%s\"]}", bad[i]);
		refuse(buf, CA_ERR_PROFILE);
	}
	refuse_has("{" SUB ",\"crl_distribution_points\":[]}", CA_ERR_PROFILE,
	    "must not be empty");
	refuse("{" SUB ",\"aia_ca_issuers\":[]}", CA_ERR_PROFILE);
	refuse_has("{" SUB ",\"crl_distribution_points\":[\"http://x.example/"
	    "c\",\"http://x.example/c\"]}", CA_ERR_PROFILE, "listed twice");
	refuse("{" SUB ",\"crl_distribution_points\":\"http://x.example/c\"}",
	    CA_ERR_PROFILE);
}
END_TEST

START_TEST(iec62443)
{
	struct ca_profile *p;

	p = must_parse("{" SUB ",\"iec62443\":{\"zone\":\"Line 4 cell zone\","
	    "\"security_level\":1,\"policy_oid\":\"1.3.6.1.4.1.55555.62443.1"
	    "\"}}");
	ck_assert_str_eq(p->zone, "Line 4 cell zone");
	ck_assert_int_eq(p->security_level, 1);
	ck_assert_str_eq(p->zone_policy_oid, "1.3.6.1.4.1.55555.62443.1");
	/* The zone's policy is appended to the certificate's policies. */
	ck_assert_uint_eq(p->npolicies, 1);
	ck_assert_str_eq(p->policies[0].oid, "1.3.6.1.4.1.55555.62443.1");
	ck_assert_ptr_null(p->policies[0].cps);
	ca_profile_free(p);

	/* After the listed ones, whichever member comes first. */
	p = must_parse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"policy_oid\":"
	    "\"1.2.3\"},\"policies\":[{\"oid\":\"1.2.4\"}]}");
	ck_assert_int_eq(p->security_level, 0);
	ck_assert_uint_eq(p->npolicies, 2);
	ck_assert_str_eq(p->policies[0].oid, "1.2.4");
	ck_assert_str_eq(p->policies[1].oid, "1.2.3");
	ca_profile_free(p);

	/* Not twice when already listed, and its cps kept. */
	p = must_parse("{" SUB ",\"policies\":[{\"oid\":\"1.2.3\",\"cps\":"
	    "\"http://x.example/cps\"}],\"iec62443\":{\"zone\":\"z\","
	    "\"security_level\":2,\"policy_oid\":\"1.2.3\"}}");
	ck_assert_uint_eq(p->npolicies, 1);
	ck_assert_str_eq(p->policies[0].cps, "http://x.example/cps");
	ca_profile_free(p);

	p = must_parse("{" SUB ",\"iec62443\":{\"zone\":\"z\"}}");
	ck_assert_str_eq(p->zone, "z");
	ck_assert_ptr_null(p->zone_policy_oid);
	ck_assert_uint_eq(p->npolicies, 0);
	ca_profile_free(p);

	refuse_has("{" SUB ",\"iec62443\":{\"security_level\":1,"
	    "\"policy_oid\":\"1.2.3\"}}", CA_ERR_PROFILE,
	    "\"security_level\" needs \"zone\" and \"policy_oid\"");
	refuse_has("{" SUB ",\"iec62443\":{\"zone\":\"z\","
	    "\"security_level\":1}}", CA_ERR_PROFILE,
	    "\"security_level\" needs \"zone\" and \"policy_oid\"");
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"security_level\":0,"
	    "\"policy_oid\":\"1.2.3\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"security_level\":5,"
	    "\"policy_oid\":\"1.2.3\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"security_level\":"
	    "\"3\",\"policy_oid\":\"1.2.3\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"security_level\":2.0,"
	    "\"policy_oid\":\"1.2.3\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"\"}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{\"zone\":5}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":{}}", CA_ERR_PROFILE);
	refuse("{" SUB ",\"iec62443\":\"SL3\"}", CA_ERR_PROFILE);
	refuse_has("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"conduit\":\"c\"}}",
	    CA_ERR_PROFILE, "unknown member \"conduit\" in \"iec62443\"");
	refuse("{" SUB ",\"iec62443\":{\"zone\":\"z\",\"zone\":\"y\"}}",
	    CA_ERR_JSON);
}
END_TEST

START_TEST(key_algorithms_and_targets)
{
	struct ca_profile *p;

	p = must_parse("{" HEAD ",\"key_algorithms\":[\"rsa\",\"p384\"],"
	    "\"rsa_min_bits\":4096,\"targets\":[\"openssl\",\"gnutls\","
	    "\"nss\",\"mbedtls\",\"wolfssl\",\"opcua\"]}");
	ck_assert_uint_eq(p->key_algorithms, CA_KEYPOL_RSA | CA_KEYPOL_P384);
	ck_assert_int_eq(p->rsa_min_bits, 4096);
	ck_assert_uint_eq(p->targets, CA_TARGET_OPENSSL | CA_TARGET_GNUTLS |
	    CA_TARGET_NSS | CA_TARGET_MBEDTLS | CA_TARGET_WOLFSSL |
	    CA_TARGET_OPCUA);
	ca_profile_free(p);
	p = must_parse("{" HEAD ",\"key_algorithms\":[\"p256\"],"
	    "\"targets\":[]}");
	ck_assert_uint_eq(p->key_algorithms, CA_KEYPOL_P256);
	ck_assert_uint_eq(p->targets, 0);
	ca_profile_free(p);

	refuse_has("{" HEAD ",\"key_algorithms\":[]}", CA_ERR_PROFILE,
	    "must not be empty");
	refuse_has("{" HEAD ",\"key_algorithms\":[\"ed25519\"]}",
	    CA_ERR_PROFILE, "\"ed25519\" in \"key_algorithms\" is none of "
	    "\"p256\", \"p384\", \"rsa\"");
	refuse("{" HEAD ",\"key_algorithms\":[\"P384\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_algorithms\":[\"p384\",\"p384\"]}",
	    CA_ERR_PROFILE);
	refuse("{" HEAD ",\"key_algorithms\":\"p384\"}", CA_ERR_PROFILE);
	/* The RSA floor may only be raised. */
	parses("{" HEAD ",\"rsa_min_bits\":3072}");
	parses("{" HEAD ",\"rsa_min_bits\":16384}");
	refuse_has("{" HEAD ",\"rsa_min_bits\":2048}", CA_ERR_PROFILE,
	    "from 3072 to 16384");
	refuse("{" HEAD ",\"rsa_min_bits\":3071}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"rsa_min_bits\":16385}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"rsa_min_bits\":\"4096\"}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"rsa_min_bits\":4096.0}", CA_ERR_PROFILE);
	refuse_has("{" HEAD ",\"targets\":[\"schannel\"]}", CA_ERR_PROFILE,
	    "\"schannel\" in \"targets\" is none of");
	refuse("{" HEAD ",\"targets\":[\"nss\",\"nss\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"targets\":[\"OpenSSL\"]}", CA_ERR_PROFILE);
	refuse("{" HEAD ",\"targets\":null}", CA_ERR_PROFILE);
}
END_TEST

/* Name constraints and mbed TLS, which cannot parse the extension. */
START_TEST(nc_criticality_and_targets)
{
	struct ca_profile *p;

	p = must_parse(NC("{\"critical\":false,\"permitted\":{\"dns\":["
	    "\"plant.example\"]}},\"targets\":[\"mbedtls\",\"openssl\"]"));
	ck_assert_int_eq(p->name_constraints_critical, 0);
	ca_profile_free(p);
	/* Targets matter only with name constraints. */
	parses("{" SUB ",\"targets\":[\"mbedtls\"]}");

	refuse_has(NC("{\"permitted\":{\"dns\":[\"plant.example\"]}},"
	    "\"targets\":[\"mbedtls\"]"), CA_ERR_PROFILE,
	    "mbed TLS refuses to load a certificate with critical name "
	    "constraints");
	refuse(NC("{\"critical\":true,\"permitted\":{\"dns\":[\"plant.example"
	    "\"]}},\"targets\":[\"openssl\",\"mbedtls\"]"), CA_ERR_PROFILE);
	/* RFC 5280 4.2.1.10: critical, unless a target needs otherwise. */
	refuse_has(NC("{\"critical\":false,\"permitted\":{\"dns\":["
	    "\"plant.example\"]}}"), CA_ERR_PROFILE,
	    "RFC 5280 requires critical name constraints");
	refuse(NC("{\"critical\":false,\"permitted\":{\"dns\":["
	    "\"plant.example\"]}},\"targets\":[\"openssl\"]"), CA_ERR_PROFILE);
}
END_TEST

#define IEC(sl) ",\"iec62443\":{\"zone\":\"z\",\"security_level\":" #sl \
    ",\"policy_oid\":\"1.3.6.1.4.1.55555.62443." #sl "\"}"
#define NCP ",\"name_constraints\":{\"permitted\":{\"ip\":[\"10.20.0.0/16\"]}}"
#define KSUB(v) KIND("sub") ",\"validity\":\"" v "\""

/* The security-level table of ca-profile(5). */
START_TEST(security_levels)
{
	struct ca_profile *p;

	/* SL1 and SL2: the toolkit floor; 20 and 15 years. */
	parses("{" KSUB("20y") IEC(1) "}");
	parses("{" KSUB("19y11m28d") IEC(1) "}");
	refuse_has("{" KSUB("20y1d") IEC(1) "}", CA_ERR_PROFILE,
	    "security level 1 allows a \"validity\" of at most 20y");
	refuse("{" KSUB("21y") IEC(1) "}", CA_ERR_PROFILE);
	parses("{" KSUB("15y") IEC(2) "}");
	refuse("{" KSUB("15y1m") IEC(2) "}", CA_ERR_PROFILE);
	refuse("{" KSUB("14y11m29d") IEC(2) "}", CA_ERR_PROFILE);
	/* Days beyond whole months: a year as 365, a month as 28. */
	parses("{" KSUB("5475d") IEC(2) "}");
	refuse("{" KSUB("5476d") IEC(2) "}", CA_ERR_PROFILE);
	parses("{" KSUB("14y365d") IEC(2) "}");
	refuse("{" KSUB("14y366d") IEC(2) "}", CA_ERR_PROFILE);

	/* SL3: no P-256, 10 years, a permitted name. */
	p = must_parse("{" KSUB("10y") IEC(3) NCP
	    ",\"key_algorithms\":[\"p384\",\"rsa\"]}");
	ck_assert_int_eq(p->security_level, 3);
	ca_profile_free(p);
	refuse_has("{" KSUB("10y") IEC(3) NCP
	    ",\"key_algorithms\":[\"p256\",\"p384\"]}", CA_ERR_PROFILE,
	    "security level 3 allows only P-384 and RSA keys");
	refuse_has("{" KSUB("10y") IEC(3) NCP "}", CA_ERR_PROFILE,
	    "(it defaults to all)");
	refuse_has("{" KSUB("10y1d") IEC(3) NCP
	    ",\"key_algorithms\":[\"p384\"]}", CA_ERR_PROFILE,
	    "at most 10y");
	refuse_has("{" KSUB("10y") IEC(3)
	    ",\"key_algorithms\":[\"p384\"]}", CA_ERR_PROFILE,
	    "security level 3 needs \"name_constraints\" with at least one "
	    "permitted name");
	refuse("{" KSUB("10y") IEC(3) ",\"key_algorithms\":[\"p384\"],"
	    "\"name_constraints\":{\"excluded\":{\"dns\":[\"x.example\"]}}}",
	    CA_ERR_PROFILE);
	/* SL3 leaves criticality to the targets. */
	parses("{" KSUB("10y") IEC(3) ",\"key_algorithms\":[\"p384\"],"
	    "\"name_constraints\":{\"critical\":false,\"permitted\":{\"dns\":"
	    "[\"plant.example\"]}},\"targets\":[\"mbedtls\"]}");

	/* SL4: RSA from 4096, 8 years, critical, no mbed TLS. */
	parses("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p384\"]}");
	parses("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p384\","
	    "\"rsa\"],\"rsa_min_bits\":4096}");
	refuse_has("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p384\","
	    "\"rsa\"]}", CA_ERR_PROFILE, "security level 4 needs "
	    "\"rsa_min_bits\" of at least 4096");
	refuse("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p384\","
	    "\"rsa\"],\"rsa_min_bits\":3072}", CA_ERR_PROFILE);
	refuse("{" KSUB("8y1m") IEC(4) NCP ",\"key_algorithms\":[\"p384\"]}",
	    CA_ERR_PROFILE);
	refuse("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p256\"]}",
	    CA_ERR_PROFILE);
	refuse("{" KSUB("8y") IEC(4) ",\"key_algorithms\":[\"p384\"]}",
	    CA_ERR_PROFILE);
	refuse_has("{" KSUB("8y") IEC(4) ",\"key_algorithms\":[\"p384\"],"
	    "\"name_constraints\":{\"critical\":false,\"permitted\":{\"dns\":"
	    "[\"plant.example\"]}}}", CA_ERR_PROFILE,
	    "security level 4 needs \"critical\": true");
	refuse_has("{" KSUB("8y") IEC(4) NCP ",\"key_algorithms\":[\"p384\"],"
	    "\"targets\":[\"openssl\",\"mbedtls\"]}", CA_ERR_PROFILE,
	    "security level 4 needs critical name constraints, and mbed TLS "
	    "refuses");
	refuse("{" KSUB("8y") IEC(4) ",\"key_algorithms\":[\"p384\"],"
	    "\"name_constraints\":{\"critical\":false,\"permitted\":{\"dns\":"
	    "[\"plant.example\"]}},\"targets\":[\"mbedtls\"]}",
	    CA_ERR_PROFILE);

	/* A cross-certificate is held to the same table. */
	refuse("{" KIND("cross") ",\"validity\":\"10y\"" IEC(3) NCP
	    ",\"key_algorithms\":[\"p256\"]}", CA_ERR_PROFILE);
	parses("{" KIND("cross") ",\"validity\":\"10y\"" IEC(3) NCP
	    ",\"key_algorithms\":[\"rsa\"]}");
}
END_TEST

/* Messages place the fault: line and column of its member. */
START_TEST(error_positions)
{
	static const char nested[] =
	    "{\n"
	    "  \"format\": \"ca-profile\", \"version\": 1, \"kind\": \"sub\",\n"
	    "  \"validity\": \"5y\",\n"
	    "  \"name_constraints\": {\n"
	    "    \"critical\": true,\n"
	    "    \"permitted\": {\"dns\": [\"plant.example\"],\n"
	    "                  \"ip\": [\"10.0.0.0/8\", \"10.20.0.1/16\"]}\n"
	    "  }\n"
	    "}\n";
	char dir[PATH_MAX], path[PATH_MAX], want[PATH_MAX + 128];
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;

	refuse_msg("{\n  \"format\": \"ca-profile\", \"version\": 1,\n"
	    "  \"kind\": \"root\",\n  \"valdity\": \"5y\"\n}\n",
	    CA_ERR_PROFILE, "line 4, column 3: unknown member \"valdity\"");
	/* The right occurrence: "zone" as a member, not as a value. */
	refuse_msg("{" SUB ",\"name\":\"zone\",\n\"iec62443\": {\"zone\": "
	    "\"zone\", \"zone_name\": 1}}", CA_ERR_PROFILE,
	    "line 2, column 30: unknown member \"zone_name\" in \"iec62443\"");
	/* A key spelt with escapes is found all the same. */
	refuse_msg("{" SUB ",\n \"n\\u00e4me\": 1}", CA_ERR_PROFILE,
	    "line 2, column 2: unknown member \"n\xc3\xa4me\"");
	/* Quoted input cannot put escape sequences on a terminal. */
	refuse_msg("{" SUB ",\"\\u001b[2Jx\\n\": 1}", CA_ERR_PROFILE,
	    "line 1, column 65: unknown member \"?[2Jx?\"");
	/* Columns count characters, as jansson's do. */
	refuse_msg("{\"name\": \"\xc3\xa4\xc3\xa4\", \"format\": 1, "
	    "\"version\": 1}", CA_ERR_PROFILE,
	    "line 1, column 16: \"format\" must be \"ca-profile\"");
	refuse_msg(nested, CA_ERR_PROFILE, "line 7, column 40: "
	    "\"10.20.0.1/16\" in \"ip\": not an address range such as "
	    "\"10.20.0.0/16\" or \"fd00:1::/48\" with the host bits zero");
	refuse_msg("{" SUB ",\n\"policies\": [{\"oid\": \"1.2.3\"},\n"
	    "  {\"cps\": \"http://x.example/\"}]}", CA_ERR_PROFILE,
	    "line 3, column 3: a policy needs \"oid\"");
	refuse_msg("{\"format\": \"ca-profile\", \"kind\": \"root\",\n"
	    " \"version\": 2}", CA_ERR_VERSION,
	    "line 2, column 2: profile version must be 1");
	/* JSON syntax: jansson's own place and words. */
	refuse_msg("{\n  \"format\": \"ca-profile\",\n}", CA_ERR_JSON,
	    "line 3, column 1: string or '}' expected near '}'");
	refuse_msg("{" HEAD ",\n \"validity\": \"5y\", \"validity\": \"3y\"}",
	    CA_ERR_JSON, "line 2, column 29: duplicate object key near "
	    "'\"validity\"'");

	/* ca_profile_load and ca_profile_parse_named: FILE:LINE:COL. */
	tu_tmpdir(dir);
	tu_path(path, dir, "typo.json");
	tu_write(path, "{\n  \"format\": \"ca-profile\", \"version\": 1,\n"
	    "  \"kind\": \"root\",\n  \"valdity\": \"5y\"\n}\n",
	    strlen("{\n  \"format\": \"ca-profile\", \"version\": 1,\n"
	    "  \"kind\": \"root\",\n  \"valdity\": \"5y\"\n}\n"));
	ck_assert_err(ca_profile_load(path, &p, &eb), CA_ERR_PROFILE);
	ck_assert_ptr_null(p);
	snprintf(want, sizeof(want), "%s:4:3: unknown member \"valdity\"",
	    path);
	ck_assert_str_eq(eb.msg, want);

	tu_path(path, dir, "nested.json");
	tu_write(path, nested, strlen(nested));
	ck_assert_err(ca_profile_load(path, &p, &eb), CA_ERR_PROFILE);
	snprintf(want, sizeof(want), "%s:7:40: \"10.20.0.1/16\" in \"ip\": ",
	    path);
	ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0, "%s",
	    eb.msg);

	tu_path(path, dir, "syntax.json");
	tu_write(path, "{\"format\": \"ca-profile\"\n  \"version\": 1}",
	    strlen("{\"format\": \"ca-profile\"\n  \"version\": 1}"));
	ck_assert_err(ca_profile_load(path, &p, &eb), CA_ERR_JSON);
	snprintf(want, sizeof(want), "%s:2:11: '}' expected near "
	    "'\"version\"'", path);
	ck_assert_str_eq(eb.msg, want);
	tu_rmrf(dir);

	ck_assert_err(ca_profile_parse_named(nested, strlen(nested),
	    "ot.json", &p, &eb), CA_ERR_PROFILE);
	ck_assert_msg(strncmp(eb.msg, "ot.json:7:40: ", 14) == 0, "%s",
	    eb.msg);
	ck_assert_ok(ca_profile_parse_named("{" HEAD "}", strlen("{" HEAD "}"),
	    "ok.json", &p, &eb));
	ca_profile_free(p);
	/* Without an errbuf, a refusal is still a refusal. */
	ck_assert_err(parse(nested, &p, NULL), CA_ERR_PROFILE);
	ck_assert_ptr_null(p);
}
END_TEST

/* Every stock profile in profiles/ parses (tests run from the top). */
START_TEST(stock_profiles)
{
	struct ca_profile *p = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_profile_load("profiles/root.json", &p, &eb) == 0,
	    "%s", eb.msg);
	ck_assert_int_eq(p->kind, CA_PROFILE_ROOT);
	ck_assert_int_eq(p->path_len, -1);
	ck_assert_ptr_null(p->subject);
	ck_assert_uint_eq(p->key_algorithms, CA_KEYPOL_P384 | CA_KEYPOL_RSA);
	ck_assert_int_eq(p->rsa_min_bits, 4096);
	ca_profile_free(p);

	ck_assert_msg(ca_profile_load("profiles/it-issuing.json", &p, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_int_eq(p->kind, CA_PROFILE_SUB);
	ck_assert_str_eq(p->name, "it-issuing");
	ck_assert_int_eq(p->path_len, 0);
	ck_assert_uint_eq(p->eku.n, 2);
	ck_assert_str_eq(p->eku.v[0], "1.3.6.1.5.5.7.3.1");
	ck_assert_str_eq(p->eku.v[1], "1.3.6.1.5.5.7.3.2");
	ck_assert_uint_eq(p->npolicies, 1);
	ck_assert_ptr_nonnull(p->policies[0].cps);
	ck_assert_uint_eq(p->crl_dp.n, 1);
	ck_assert_msg(strncmp(p->crl_dp.v[0], "http:", 5) == 0, "%s",
	    p->crl_dp.v[0]);
	ck_assert_int_eq(p->has_name_constraints, 0);
	ca_profile_free(p);

	ck_assert_msg(ca_profile_load("profiles/ot-issuing-sl2.json", &p,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(p->security_level, 2);
	ck_assert_int_eq(p->has_name_constraints, 1);
	ck_assert_int_eq(p->name_constraints_critical, 0);
	ck_assert_uint_ne(p->targets & CA_TARGET_MBEDTLS, 0);
	ck_assert_uint_eq(p->npolicies, 2);
	ca_profile_free(p);

	ck_assert_msg(ca_profile_load("profiles/ot-issuing-sl3.json", &p,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(p->kind, CA_PROFILE_SUB);
	ck_assert_int_eq(p->security_level, 3);
	ck_assert_str_eq(p->zone_policy_oid, "1.3.6.1.4.1.55555.62443.3");
	ck_assert_int_eq(p->path_len, 0);
	ck_assert_int_eq(p->has_name_constraints, 1);
	ck_assert_int_eq(p->name_constraints_critical, 1);
	ck_assert_uint_eq(p->targets & CA_TARGET_MBEDTLS, 0);
	ck_assert_uint_eq(p->permitted.dns.n, 1);
	ck_assert_str_eq(p->permitted.dns.v[0], "plant.example");
	ck_assert_uint_eq(p->permitted.ip.n, 1);
	ck_assert_str_eq(p->permitted.ip.v[0], "10.20.0.0/16");
	ck_assert_uint_eq(p->key_algorithms & CA_KEYPOL_P256, 0);
	ck_assert_msg(strncmp(p->crl_dp.v[0], "file:", 5) == 0, "%s",
	    p->crl_dp.v[0]);
	ck_assert_uint_eq(p->npolicies, 2);
	ck_assert_str_eq(p->policies[1].oid, "1.3.6.1.4.1.55555.62443.3");
	ca_profile_free(p);

	ck_assert_msg(ca_profile_load("profiles/log-signer.json", &p, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_int_eq(p->kind, CA_PROFILE_LOG_SIGNER);
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE);
	ca_profile_free(p);

	ck_assert_msg(ca_profile_load("profiles/cross-certificate.json", &p,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(p->kind, CA_PROFILE_CROSS);
	ck_assert_int_eq(p->path_len, 0);
	ck_assert_int_eq(p->has_name_constraints, 1);
	ck_assert_int_eq(p->truncate_validity, 1);
	ck_assert_ptr_null(p->subject);
	ca_profile_free(p);
}
END_TEST

/* Device (end-entity) profiles for ca-issue. */
START_TEST(device_profiles)
{
	struct ca_profile *p;

	p = must_parse("{" DEVSAN "}");
	ck_assert_int_eq(p->kind, CA_PROFILE_DEVICE);
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE);
	ck_assert_int_eq(p->rsa_min_bits, CA_RSA_MIN_BITS_DEVICE);
	ck_assert_uint_eq(p->san_allow, CA_SAN_DNS);
	ck_assert_uint_eq(p->san_require, 0);
	ck_assert_int_eq(p->path_len, -1);
	ca_profile_free(p);
	p = must_parse("{" DEV ",\"subject_alt_name\":{\"allow\":[\"uri\","
	    "\"ip\"],\"require\":[\"uri\"]},\"key_usage\":["
	    "\"digitalSignature\",\"nonRepudiation\",\"keyEncipherment\","
	    "\"dataEncipherment\",\"keyAgreement\"],\"rsa_min_bits\":2048}");
	ck_assert_uint_eq(p->san_allow, CA_SAN_URI | CA_SAN_IP);
	ck_assert_uint_eq(p->san_require, CA_SAN_URI);
	ck_assert_uint_eq(p->key_usage, CA_KU_DIGITAL_SIGNATURE |
	    CA_KU_NON_REPUDIATION | CA_KU_KEY_ENCIPHERMENT |
	    CA_KU_DATA_ENCIPHERMENT | CA_KU_KEY_AGREEMENT);
	ca_profile_free(p);
	/* What a device profile must have, and must not. */
	refuse_has("{" KIND("device") ",\"validity\":\"2y\","
	    "\"subject_alt_name\":{\"allow\":[\"dns\"]}}", CA_ERR_PROFILE,
	    "needs \"extended_key_usage\"");
	refuse_has("{" DEV "}", CA_ERR_PROFILE, "needs \"subject_alt_name\"");
	refuse_has("{" DEVSAN ",\"key_usage\":[\"digitalSignature\","
	    "\"keyCertSign\"]}", CA_ERR_PROFILE, "must not include "
	    "keyCertSign");
	refuse_has("{" DEVSAN ",\"key_usage\":[\"keyEncipherment\"]}",
	    CA_ERR_PROFILE, "must include digitalSignature");
	refuse_has("{" KIND("device") ",\"validity\":\"2y\","
	    "\"extended_key_usage\":[\"2.5.29.37.0\"],\"subject_alt_name\":"
	    "{\"allow\":[\"dns\"]}}", CA_ERR_PROFILE, "anyExtendedKeyUsage");
	refuse_has("{" DEV ",\"subject_alt_name\":{\"allow\":[]}}",
	    CA_ERR_PROFILE, "must not be empty");
	refuse_has("{" DEV ",\"subject_alt_name\":{\"allow\":[\"dns\"],"
	    "\"require\":[\"uri\"]}}", CA_ERR_PROFILE, "\"allow\" does not");
	refuse_has("{" DEV ",\"subject_alt_name\":{\"allow\":[\"email\"]}}",
	    CA_ERR_PROFILE, "is none of");
	refuse_has("{" DEV ",\"subject_alt_name\":{\"require\":[\"dns\"]}}",
	    CA_ERR_PROFILE, "needs \"allow\"");
	refuse_has("{" DEV ",\"subject_alt_name\":{\"allow\":[\"dns\"],"
	    "\"deny\":[]}}", CA_ERR_PROFILE, "unknown member \"deny\"");
	refuse_has("{" DEVSAN ",\"rsa_min_bits\":1024}", CA_ERR_PROFILE,
	    "from 2048");
	refuse_has("{" DEVSAN ",\"name_constraints\":{\"permitted\":"
	    "{\"dns\":[\"a.example\"]}}}", CA_ERR_PROFILE, "not allowed in a "
	    "device profile");
	refuse_has("{" DEVSAN ",\"path_len\":0}", CA_ERR_PROFILE,
	    "not allowed in a device profile");
	/* The CA kinds keep to their own names and floors. */
	refuse_has("{" SUB ",\"key_usage\":[\"keyCertSign\",\"cRLSign\","
	    "\"keyEncipherment\"]}", CA_ERR_PROFILE, "may hold only");
	refuse_has("{" SUB ",\"rsa_min_bits\":2048}", CA_ERR_PROFILE,
	    "from 3072");
	refuse_has("{" SUB ",\"subject_alt_name\":{\"allow\":[\"dns\"]}}",
	    CA_ERR_PROFILE, "not allowed in a sub profile");
	/* The stock device profiles. */
	{
		struct ca_errbuf eb = { 0 };

		ck_assert_msg(ca_profile_load("profiles/device-mtls.json", &p,
		    &eb) == 0, "%s", eb.msg);
		ck_assert_uint_eq(p->san_require, CA_SAN_DNS);
		ca_profile_free(p);
		ck_assert_msg(ca_profile_load("profiles/device-opcua.json", &p,
		    &eb) == 0, "%s", eb.msg);
		ck_assert_uint_eq(p->san_require, CA_SAN_URI);
		ck_assert(p->key_usage & CA_KU_DATA_ENCIPHERMENT);
		ca_profile_free(p);
	}
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, default_root);
	tcase_add_test(tc, parse_minimal_takes_defaults);
	tcase_add_test(tc, parse_full);
	tcase_add_test(tc, parse_path_len);
	tcase_add_test(tc, parse_validity);
	tcase_add_test(tc, parse_key_usage);
	tcase_add_test(tc, parse_subject_and_kind);
	tcase_add_test(tc, parse_refuses_unknown_fields);
	tcase_add_test(tc, parse_format_and_version);
	tcase_add_test(tc, parse_refuses_bad_json);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, kind_defaults);
	tcase_add_test(tc, kind_member_matrix);
	tcase_add_test(tc, name_and_subject);
	tcase_add_test(tc, truncate_validity);
	tcase_add_test(tc, extended_key_usage);
	tcase_add_test(tc, policies);
	tcase_add_test(tc, oid_syntax);
	tcase_add_test(tc, name_constraints);
	tcase_add_test(tc, name_constraint_entries);
	tcase_add_test(tc, uris);
	tcase_add_test(tc, iec62443);
	tcase_add_test(tc, key_algorithms_and_targets);
	tcase_add_test(tc, nc_criticality_and_targets);
	tcase_add_test(tc, security_levels);
	tcase_add_test(tc, error_positions);
	tcase_add_test(tc, stock_profiles);
	tcase_add_test(tc, device_profiles);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(profile_suite)
