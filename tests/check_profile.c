/* check_profile.c: certificate profiles, ca-profile(5) (lib/profile.c). */
#include "check_util.h"

#include "profile.h"

#define HEAD "\"format\":\"ca-profile\",\"version\":1,\"kind\":\"root\""

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
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(profile_suite)
