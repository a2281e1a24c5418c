/* check_uri.c: PKCS#11 URIs, RFC 7512 (lib/uri.c). */
#include "check_util.h"

#include "uri.h"

/* Parse s, which must fail with CA_ERR_URI and leave *out NULL. */
static void
refuse(const char *s)
{
	static struct ca_uri sentinel;
	struct ca_uri *u = &sentinel;	/* must be reset to NULL */
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_uri_parse(s, &u, &eb) == CA_ERR_URI,
	    "\"%s\" was not refused with CA_ERR_URI", s ? s : "(null)");
	ck_assert_msg(u == NULL, "\"%s\": out not reset", s ? s : "(null)");
	ck_assert_msg(eb.msg[0] != '\0', "\"%s\": no reason given",
	    s ? s : "(null)");
}

START_TEST(parse_every_attribute)
{
	static const unsigned char id[] = { 0x01, 0x02, 0xff };
	struct ca_uri *u = NULL;

	ck_assert_ok(ca_uri_parse("pkcs11:token=Root%20CA;serial=0123abcd;"
	    "manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
	    "object=root-key;id=%01%02%ff;type=private"
	    "?pin-source=file:/tmp/pin&module-path=/usr/lib/x.so", &u, NULL));
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->token, "Root CA");
	ck_assert_str_eq(u->serial, "0123abcd");
	ck_assert_str_eq(u->manufacturer, "SoftHSM project");
	ck_assert_str_eq(u->model, "SoftHSM v2");
	ck_assert_str_eq(u->object, "root-key");
	ck_assert_int_eq(u->has_id, 1);
	ck_assert_uint_eq(u->id_len, sizeof(id));
	ck_assert_mem_eq(u->id, id, sizeof(id));
	ck_assert_str_eq(u->type, "private");
	ck_assert_str_eq(u->pin_source, "file:/tmp/pin");
	ck_assert_str_eq(u->module_path, "/usr/lib/x.so");
	ca_uri_free(u);
}
END_TEST

START_TEST(parse_absent_attributes_are_null)
{
	struct ca_uri *u = NULL;

	ck_assert_ok(ca_uri_parse("pkcs11:", &u, NULL));
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_null(u->token);
	ck_assert_ptr_null(u->serial);
	ck_assert_ptr_null(u->manufacturer);
	ck_assert_ptr_null(u->model);
	ck_assert_ptr_null(u->object);
	ck_assert_ptr_null(u->type);
	ck_assert_ptr_null(u->pin_source);
	ck_assert_ptr_null(u->module_path);
	ck_assert_int_eq(u->has_id, 0);
	ck_assert_uint_eq(u->id_len, 0);
	ca_uri_free(u);

	ck_assert_ok(ca_uri_parse("pkcs11:object=k", &u, NULL));
	ck_assert_str_eq(u->object, "k");
	ck_assert_ptr_null(u->token);
	ck_assert_int_eq(u->has_id, 0);
	ca_uri_free(u);
}
END_TEST

START_TEST(parse_empty_segments_and_query)
{
	struct ca_uri *u = NULL;

	/* Empty path or query segments carry nothing and are skipped. */
	ck_assert_ok(ca_uri_parse("pkcs11:;token=a;;serial=1;"
	    "?&pin-source=fd:3&", &u, NULL));
	ck_assert_str_eq(u->token, "a");
	ck_assert_str_eq(u->serial, "1");
	ck_assert_str_eq(u->pin_source, "fd:3");
	ck_assert_ptr_null(u->module_path);
	ca_uri_free(u);

	ck_assert_ok(ca_uri_parse("pkcs11:token=a?", &u, NULL));
	ck_assert_str_eq(u->token, "a");
	ck_assert_ptr_null(u->pin_source);
	ca_uri_free(u);

	/* An empty value is a value. */
	ck_assert_ok(ca_uri_parse("pkcs11:token=", &u, NULL));
	ck_assert_str_eq(u->token, "");
	ca_uri_free(u);
}
END_TEST

START_TEST(parse_percent_decoding)
{
	struct ca_uri *u = NULL;

	ck_assert_ok(ca_uri_parse("pkcs11:token=a%2fb%2F%3b%3F%25%41z;"
	    "object=caf%C3%a9?module-path=%2Fusr%2Flib%2Fm.so", &u, NULL));
	ck_assert_str_eq(u->token, "a/b/;?%Az");
	ck_assert_str_eq(u->object, "caf\xc3\xa9");
	ck_assert_str_eq(u->module_path, "/usr/lib/m.so");
	ca_uri_free(u);

	/* A '?' inside a query value belongs to the value. */
	ck_assert_ok(ca_uri_parse("pkcs11:?pin-source=file:/a?b", &u, NULL));
	ck_assert_str_eq(u->pin_source, "file:/a?b");
	ca_uri_free(u);
}
END_TEST

START_TEST(parse_bad_percent_encoding)
{
	refuse("pkcs11:token=%");
	refuse("pkcs11:token=%4");
	refuse("pkcs11:token=abc%4");
	refuse("pkcs11:token=%4g");
	refuse("pkcs11:token=%g4");
	refuse("pkcs11:token=%%41");
	refuse("pkcs11:token=a%;serial=1");
	refuse("pkcs11:id=%0");
	refuse("pkcs11:id=%zz");
	refuse("pkcs11:?pin-source=file:%2");
	refuse("pkcs11:?module-path=%G0");
	/* A NUL would cut the label short and select another token. */
	refuse("pkcs11:token=a%00b");
	refuse("pkcs11:object=%00");
}
END_TEST

START_TEST(parse_needs_scheme)
{
	refuse(NULL);
	refuse("");
	refuse("token=a");
	refuse("pkcs11");
	refuse("pkcs12:token=a");
	refuse(" pkcs11:token=a");
	refuse("file:pkcs11:token=a");
}
END_TEST

START_TEST(parse_refuses_repeats)
{
	refuse("pkcs11:token=a;token=b");
	refuse("pkcs11:token=a;token=a");
	refuse("pkcs11:serial=1;serial=1");
	refuse("pkcs11:manufacturer=a;manufacturer=b");
	refuse("pkcs11:model=a;model=b");
	refuse("pkcs11:object=a;object=b");
	refuse("pkcs11:type=private;type=public");
	refuse("pkcs11:id=%01;id=%02");
	refuse("pkcs11:id=%01;id=%01");
	refuse("pkcs11:?pin-source=a&pin-source=b");
	refuse("pkcs11:?module-path=a&module-path=a");
}
END_TEST

START_TEST(parse_refuses_slots_and_pin_value)
{
	struct ca_uri *u = NULL;
	struct ca_errbuf eb;

	refuse("pkcs11:slot-id=0");
	refuse("pkcs11:token=a;slot-id=1");
	refuse("pkcs11:slot-description=x");
	refuse("pkcs11:slot-manufacturer=x");
	refuse("pkcs11:token=a?pin-value=1234");
	refuse("pkcs11:?pin-source=file:/p&pin-value=1234");

	ck_assert_err(ca_uri_parse("pkcs11:token=a?pin-value=1234", &u, &eb),
	    CA_ERR_URI);
	ck_assert_msg(strstr(eb.msg, "pin-value") != NULL, "reason: %s",
	    eb.msg);
	ck_assert_msg(strstr(eb.msg, "1234") == NULL, "pin echoed: %s",
	    eb.msg);
}
END_TEST

START_TEST(parse_refuses_unknown)
{
	struct ca_uri *u = NULL;
	struct ca_errbuf eb;

	refuse("pkcs11:tokn=a");
	refuse("pkcs11:Token=a");
	refuse("pkcs11:token=a;label=b");
	refuse("pkcs11:x-vendor=1");
	refuse("pkcs11:?pin-sourc=file:/p");
	refuse("pkcs11:?module-name=softhsm2");
	refuse("pkcs11:token=a?serial=1");
	/* Attributes without a value. */
	refuse("pkcs11:token");
	refuse("pkcs11:token=a;serial");
	refuse("pkcs11:?pin-source");

	ck_assert_err(ca_uri_parse("pkcs11:token=a;tokn=b", &u, &eb),
	    CA_ERR_URI);
	ck_assert_msg(strstr(eb.msg, "\"tokn\"") != NULL, "reason: %s",
	    eb.msg);
}
END_TEST

START_TEST(parse_library_attributes_ignored)
{
	struct ca_uri *u = NULL;

	/* They describe the module, not the token (RFC 7512 2.3). */
	ck_assert_ok(ca_uri_parse("pkcs11:library-manufacturer=OpenSC;"
	    "library-description=x;library-version=1.2;token=t", &u, NULL));
	ck_assert_str_eq(u->token, "t");
	ca_uri_free(u);
}
END_TEST

START_TEST(parse_type_values)
{
	static const char *ok[] = { "private", "public", "cert",
	    "secret-key", "data" };
	struct ca_uri *u = NULL;
	char s[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(s, sizeof(s), "pkcs11:type=%s", ok[i]);
		ck_assert_ok(ca_uri_parse(s, &u, NULL));
		ck_assert_str_eq(u->type, ok[i]);
		ca_uri_free(u);
	}
	refuse("pkcs11:type=secret");
	refuse("pkcs11:type=Private");
	refuse("pkcs11:type=");
	refuse("pkcs11:type=private%00");
}
END_TEST

START_TEST(parse_id_lengths)
{
	struct ca_uri *u = NULL;
	char s[16 + 3 * (CA_URI_ID_MAX + 1)];
	size_t i;

	strcpy(s, "pkcs11:id=");
	for (i = 0; i < CA_URI_ID_MAX; i++)
		snprintf(s + strlen(s), 4, "%%%02x", (unsigned)i);
	ck_assert_ok(ca_uri_parse(s, &u, NULL));
	ck_assert_uint_eq(u->id_len, CA_URI_ID_MAX);
	for (i = 0; i < CA_URI_ID_MAX; i++)
		ck_assert_uint_eq(u->id[i], i);
	ca_uri_free(u);

	strcat(s, "%ff");
	refuse(s);
	refuse("pkcs11:id=");

	/* Unencoded bytes count as themselves. */
	ck_assert_ok(ca_uri_parse("pkcs11:id=AB%43", &u, NULL));
	ck_assert_uint_eq(u->id_len, 3);
	ck_assert_mem_eq(u->id, "ABC", 3);
	ca_uri_free(u);
}
END_TEST

START_TEST(free_accepts_null)
{
	ca_uri_free(NULL);
}
END_TEST

START_TEST(format_order_and_encoding)
{
	struct ca_uri *u = NULL;
	char *s = NULL;

	/* Given out of order; formatted in the documented order. */
	ck_assert_ok(ca_uri_parse("pkcs11:type=private;id=%01A%ff;"
	    "object=root%20key;model=m;manufacturer=Acme%20Inc.;serial=42;"
	    "token=a%3Bb%3Fc%2Fd%25%C3%A9~_-.?pin-source=file:/p", &u, NULL));
	ck_assert_ok(ca_uri_format(u, &s));
	ck_assert_str_eq(s, "pkcs11:token=a%3Bb%3Fc%2Fd%25%C3%A9~_-.;serial=42;"
	    "manufacturer=Acme%20Inc.;model=m;object=root%20key;"
	    "id=%01%41%FF;type=private");
	free(s);
	ca_uri_free(u);
}
END_TEST

START_TEST(format_skips_absent)
{
	struct ca_uri *u = NULL;
	char *s = NULL;

	ck_assert_ok(ca_uri_parse("pkcs11:", &u, NULL));
	ck_assert_ok(ca_uri_format(u, &s));
	ck_assert_str_eq(s, "pkcs11:");
	free(s);
	ca_uri_free(u);

	ck_assert_ok(ca_uri_parse("pkcs11:object=k;type=cert", &u, NULL));
	ck_assert_ok(ca_uri_format(u, &s));
	ck_assert_str_eq(s, "pkcs11:object=k;type=cert");
	free(s);
	ca_uri_free(u);

	ck_assert_ok(ca_uri_parse("pkcs11:id=%00", &u, NULL));
	ck_assert_ok(ca_uri_format(u, &s));
	ck_assert_str_eq(s, "pkcs11:id=%00");
	free(s);
	ca_uri_free(u);
}
END_TEST

START_TEST(format_round_trip)
{
	static const char *in[] = {
		"pkcs11:token=Root%20CA%202025;serial=0123456789abcdef",
		"pkcs11:token=%E2%82%AC%20%22q%22%20%5C;object=a%26b%3Dc",
		"pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
		    "object=k;id=%DE%AD%BE%EF;type=public",
	};
	struct ca_uri *u = NULL, *v = NULL;
	char *s = NULL, *t = NULL;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_ok(ca_uri_parse(in[i], &u, NULL));
		ck_assert_ok(ca_uri_format(u, &s));
		ck_assert_str_eq(s, in[i]);
		ck_assert_ok(ca_uri_parse(s, &v, NULL));
		ck_assert_ok(ca_uri_format(v, &t));
		ck_assert_str_eq(t, s);
		ck_assert_int_eq(v->has_id, u->has_id);
		ck_assert_uint_eq(v->id_len, u->id_len);
		ck_assert_mem_eq(v->id, u->id, u->id_len);
		free(s);
		free(t);
		ca_uri_free(u);
		ca_uri_free(v);
	}
}
END_TEST

START_TEST(format_long_values)
{
	struct ca_uri *u = NULL, *v = NULL;
	char *s = NULL;
	char big[1024];

	/* Every byte needs three output bytes: the buffer must grow. */
	ck_assert_ptr_nonnull(u = calloc(1, sizeof(*u)));
	memset(big, '/', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_nonnull(u->token = strdup(big));
	ck_assert_ptr_nonnull(u->object = strdup(big));
	ck_assert_ptr_nonnull(u->type = strdup("data"));
	memset(u->id, 0xff, CA_URI_ID_MAX);
	u->id_len = CA_URI_ID_MAX;
	u->has_id = 1;
	ck_assert_ok(ca_uri_format(u, &s));
	ck_assert_uint_eq(strlen(s),
	    strlen("pkcs11:token=;object=;id=;type=data") +
	    2 * 3 * (sizeof(big) - 1) + 3 * CA_URI_ID_MAX);
	ck_assert_ok(ca_uri_parse(s, &v, NULL));
	ck_assert_str_eq(v->token, big);
	ck_assert_str_eq(v->object, big);
	ck_assert_mem_eq(v->id, u->id, CA_URI_ID_MAX);
	free(s);
	ca_uri_free(u);
	ca_uri_free(v);
}
END_TEST

static Suite *
uri_suite(void)
{
	Suite *s = suite_create("uri");
	TCase *tc = tcase_create("parse");
	TCase *tf = tcase_create("format");

	tcase_add_test(tc, parse_every_attribute);
	tcase_add_test(tc, parse_absent_attributes_are_null);
	tcase_add_test(tc, parse_empty_segments_and_query);
	tcase_add_test(tc, parse_percent_decoding);
	tcase_add_test(tc, parse_bad_percent_encoding);
	tcase_add_test(tc, parse_needs_scheme);
	tcase_add_test(tc, parse_refuses_repeats);
	tcase_add_test(tc, parse_refuses_slots_and_pin_value);
	tcase_add_test(tc, parse_refuses_unknown);
	tcase_add_test(tc, parse_library_attributes_ignored);
	tcase_add_test(tc, parse_type_values);
	tcase_add_test(tc, parse_id_lengths);
	tcase_add_test(tc, free_accepts_null);
	suite_add_tcase(s, tc);
	tcase_add_test(tf, format_order_and_encoding);
	tcase_add_test(tf, format_skips_absent);
	tcase_add_test(tf, format_round_trip);
	tcase_add_test(tf, format_long_values);
	suite_add_tcase(s, tf);
	return s;
}

CK_MAIN(uri_suite)
