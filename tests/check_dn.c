/* check_dn.c: RFC 4514 distinguished names (lib/dn.c). */
#include "check_util.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "dn.h"

/* Entry i of name must be nid with value (NUL-terminated) and RDN set. */
static void
entry_is(const X509_NAME *name, int i, int nid, const char *value, int set)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
	const ASN1_STRING *d;

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)), nid);
	d = X509_NAME_ENTRY_get_data(e);
	ck_assert_int_eq(ASN1_STRING_length(d), (int)strlen(value));
	ck_assert_mem_eq(ASN1_STRING_get0_data(d), value, strlen(value));
	ck_assert_int_eq(X509_NAME_ENTRY_set(e), set);
}

/* The value of the only entry of the name parsed from s. */
static void
single_value_is(const char *s, int nid, const char *value, size_t vlen)
{
	X509_NAME *n = NULL;
	const ASN1_STRING *d;

	ck_assert_msg(ca_dn_parse(s, &n, NULL) == CA_OK, "\"%s\" refused", s);
	ck_assert_int_eq(X509_NAME_entry_count(n), 1);
	ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	    X509_NAME_get_entry(n, 0))), nid);
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 0));
	ck_assert_msg(ASN1_STRING_length(d) == (int)vlen &&
	    memcmp(ASN1_STRING_get0_data(d), value, vlen) == 0,
	    "\"%s\": value is \"%.*s\"", s, ASN1_STRING_length(d),
	    (const char *)ASN1_STRING_get0_data(d));
	X509_NAME_free(n);
}

/* s must be refused with CA_ERR_DN, a reason, and *out left NULL. */
static void
refuse(const char *s)
{
	static char sentinel;
	X509_NAME *n = (X509_NAME *)&sentinel;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dn_parse(s, &n, &eb) == CA_ERR_DN,
	    "\"%s\" was not refused with CA_ERR_DN", s ? s : "(null)");
	ck_assert_msg(n == NULL, "\"%s\": out not reset", s ? s : "(null)");
	ck_assert_msg(eb.msg[0] != '\0', "\"%s\": no reason", s ? s : "(null)");
}

/* format(parse(s)) must be want. */
static void
formats_as(const char *s, const char *want)
{
	X509_NAME *n = NULL;
	char *out = NULL;

	ck_assert_msg(ca_dn_parse(s, &n, NULL) == CA_OK, "\"%s\" refused", s);
	ck_assert_ok(ca_dn_format(n, &out));
	ck_assert_str_eq(out, want);
	free(out);
	X509_NAME_free(n);
}

START_TEST(parse_order_and_types)
{
	X509_NAME *n = NULL;
	const ASN1_STRING *d;

	ck_assert_ok(ca_dn_parse("CN=Plant Root,O=Acme,C=DE", &n, NULL));
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(X509_NAME_entry_count(n), 3);
	/* RFC 4514 2.1: the string is written most significant last. */
	entry_is(n, 0, NID_countryName, "DE", 0);
	entry_is(n, 1, NID_organizationName, "Acme", 1);
	entry_is(n, 2, NID_commonName, "Plant Root", 2);
	/* X.520 fixes countryName as PrintableString; the rest UTF8String. */
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 0));
	ck_assert_int_eq(ASN1_STRING_type(d), V_ASN1_PRINTABLESTRING);
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 1));
	ck_assert_int_eq(ASN1_STRING_type(d), V_ASN1_UTF8STRING);
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 2));
	ck_assert_int_eq(ASN1_STRING_type(d), V_ASN1_UTF8STRING);
	X509_NAME_free(n);
}
END_TEST

START_TEST(parse_multi_valued_rdn)
{
	X509_NAME *n = NULL;

	ck_assert_ok(ca_dn_parse("CN=a+OU=b,O=c,DC=ex+DC=com", &n, NULL));
	ck_assert_int_eq(X509_NAME_entry_count(n), 5);
	entry_is(n, 0, NID_domainComponent, "com", 0);
	entry_is(n, 1, NID_domainComponent, "ex", 0);
	entry_is(n, 2, NID_organizationName, "c", 1);
	entry_is(n, 3, NID_organizationalUnitName, "b", 2);
	entry_is(n, 4, NID_commonName, "a", 2);
	X509_NAME_free(n);
}
END_TEST

START_TEST(parse_attribute_type_forms)
{
	X509_NAME *n = NULL;

	single_value_is("commonName=x", NID_commonName, "x", 1);
	single_value_is("2.5.4.3=x", NID_commonName, "x", 1);
	single_value_is("serialNumber=42", NID_serialNumber, "42", 2);
	single_value_is("L=Berlin", NID_localityName, "Berlin", 6);
	single_value_is("ST=Bayern", NID_stateOrProvinceName, "Bayern", 6);
	single_value_is("DC=example", NID_domainComponent, "example", 7);

	/* A dotted OID OpenSSL does not know is kept as an OID. */
	ck_assert_ok(ca_dn_parse("1.3.6.1.4.1.99999.1=v", &n, NULL));
	ck_assert_int_eq(X509_NAME_entry_count(n), 1);
	{
		char oid[64];

		ck_assert_int_gt(OBJ_obj2txt(oid, sizeof(oid),
		    X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 0)), 1),
		    0);
		ck_assert_str_eq(oid, "1.3.6.1.4.1.99999.1");
	}
	X509_NAME_free(n);
}
END_TEST

START_TEST(parse_escapes)
{
	single_value_is("CN=a\\,b\\+c\\;d\\\\e\\\"f\\<g\\>h\\=i",
	    NID_commonName, "a,b+c;d\\e\"f<g>h=i", 17);
	single_value_is("CN=\\#1", NID_commonName, "#1", 2);
	single_value_is("CN=a#1", NID_commonName, "a#1", 3);
	single_value_is("CN=caf\\C3\\A9", NID_commonName, "caf\xc3\xa9", 5);
	single_value_is("CN=caf\\c3\\a9", NID_commonName, "caf\xc3\xa9", 5);
	single_value_is("CN=\\41\\2C", NID_commonName, "A,", 2);
	/* Escaped spaces are kept, at either end. */
	single_value_is("CN=\\ a\\ ", NID_commonName, " a ", 3);
	single_value_is("CN=a\\  ", NID_commonName, "a ", 2);
	/* Raw UTF-8 is taken as it is. */
	single_value_is("CN=M\xc3\xbcnchen \xe2\x82\xac", NID_commonName,
	    "M\xc3\xbcnchen \xe2\x82\xac", 12);
}
END_TEST

START_TEST(parse_spaces_ignored)
{
	X509_NAME *n = NULL;

	ck_assert_ok(ca_dn_parse("  CN = Plant  Root  ,  O = Acme + OU = PKI ,"
	    "C=DE  ", &n, NULL));
	ck_assert_int_eq(X509_NAME_entry_count(n), 4);
	entry_is(n, 0, NID_countryName, "DE", 0);
	entry_is(n, 1, NID_organizationalUnitName, "PKI", 1);
	entry_is(n, 2, NID_organizationName, "Acme", 1);
	/* Inner spaces are part of the value. */
	entry_is(n, 3, NID_commonName, "Plant  Root", 2);
	X509_NAME_free(n);
}
END_TEST

START_TEST(parse_refuses_malformed)
{
	refuse(NULL);
	refuse("");
	refuse("CN");
	refuse("Plant Root");
	refuse("=a");
	refuse(" =a");
	refuse("CN=");
	refuse("CN=   ");
	refuse("CN=a,");
	refuse("CN=a,,O=b");
	refuse(",CN=a");
	refuse("CN=a+");
	refuse("CN=a+,O=b");
	refuse("CN=a,O");
	/* Unescaped specials. */
	refuse("CN=a;O=b");
	refuse("CN=a\"b");
	refuse("CN=a<b");
	refuse("CN=a>b");
	/* Bad escapes. */
	refuse("CN=a\\");
	refuse("CN=a\\z");
	refuse("CN=a\\4");
	refuse("CN=a\\4g");
	refuse("CN=a\\g4");
	/* Hex-encoded (BER) values are not taken. */
	refuse("CN=#0c0161");
	refuse("CN= #0c0161");
}
END_TEST

START_TEST(parse_refuses_unknown_type)
{
	X509_NAME *n = NULL;
	struct ca_errbuf eb;

	refuse("XX=a");
	refuse("cn=a,Organisation=b");
	refuse(".1.2=a");
	refuse("x.1=a");
	refuse("C N=a");
	ck_assert_err(ca_dn_parse("CN=a,Bogus=b", &n, &eb), CA_ERR_DN);
	ck_assert_msg(strstr(eb.msg, "\"Bogus\"") != NULL, "reason: %s",
	    eb.msg);
}
END_TEST

START_TEST(parse_refuses_bad_values)
{
	char cn[3 + 66];

	/* countryName is two printable characters (X.520). */
	refuse("C=DEU");
	refuse("C=D");
	refuse("C=D\xc3\xa9");
	/* Not UTF-8. */
	refuse("CN=\\ff");
	refuse("CN=a\xff");
	/* ub-common-name is 64. */
	memcpy(cn, "CN=", 3);
	memset(cn + 3, 'x', 64);
	cn[3 + 64] = '\0';
	single_value_is(cn, NID_commonName, cn + 3, 64);
	cn[3 + 64] = 'x';
	cn[3 + 65] = '\0';
	refuse(cn);
}
END_TEST

START_TEST(parse_attribute_count_limit)
{
	char s[80 * 8];
	X509_NAME *n = NULL;
	int i;

	s[0] = '\0';
	for (i = 0; i < 64; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%sOU=%d",
		    i ? "," : "", i);
	ck_assert_ok(ca_dn_parse(s, &n, NULL));
	ck_assert_int_eq(X509_NAME_entry_count(n), 64);
	X509_NAME_free(n);
	strcat(s, ",OU=64");
	refuse(s);
}
END_TEST

START_TEST(format_rfc4514)
{
	formats_as("CN=Plant Root,O=Acme,C=DE", "CN=Plant Root,O=Acme,C=DE");
	formats_as(" CN = a + OU = b , O = c ", "CN=a+OU=b,O=c");
	formats_as("2.5.4.3=x", "CN=x");
	/* UTF-8 stays UTF-8 rather than \XX escapes. */
	formats_as("CN=caf\\C3\\A9", "CN=caf\xc3\xa9");
	/* Specials are escaped as RFC 4514 2.4 asks. */
	formats_as("CN=a\\,b\\+c", "CN=a\\,b\\+c");
	formats_as("CN=\\#a", "CN=\\#a");
	formats_as("CN=\\ a\\ ", "CN=\\ a\\ ");
}
END_TEST

START_TEST(format_empty_name)
{
	X509_NAME *n = X509_NAME_new();
	char *out = NULL;

	ck_assert_ptr_nonnull(n);
	ck_assert_ok(ca_dn_format(n, &out));
	ck_assert_str_eq(out, "");
	free(out);
	X509_NAME_free(n);
}
END_TEST

START_TEST(format_output_parses_again)
{
	/* Values with every character RFC 4514 gives a meaning to. */
	static const char *in[] = {
		"CN=Plant Root,O=Acme\\, Inc.,C=DE",
		"CN=a\\+b+OU=c\\;d,O=e\\<f\\>g",
		"CN=q\\\"uote\\\\d",
		"CN=\\#lead,O=trail\\ ",
		"CN=key\\=value",
	};
	X509_NAME *n = NULL, *m = NULL;
	char *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_msg(ca_dn_parse(in[i], &n, NULL) == CA_OK,
		    "\"%s\" refused", in[i]);
		ck_assert_ok(ca_dn_format(n, &s));
		ck_assert_msg(ca_dn_parse(s, &m, NULL) == CA_OK,
		    "\"%s\" (formatted from \"%s\") refused", s, in[i]);
		ck_assert_msg(X509_NAME_cmp(n, m) == 0, "\"%s\" and \"%s\" "
		    "differ", in[i], s);
		free(s);
		X509_NAME_free(n);
		X509_NAME_free(m);
	}
}
END_TEST

static Suite *
dn_suite(void)
{
	Suite *s = suite_create("dn");
	TCase *tc = tcase_create("parse");
	TCase *tf = tcase_create("format");

	tcase_add_test(tc, parse_order_and_types);
	tcase_add_test(tc, parse_multi_valued_rdn);
	tcase_add_test(tc, parse_attribute_type_forms);
	tcase_add_test(tc, parse_escapes);
	tcase_add_test(tc, parse_spaces_ignored);
	tcase_add_test(tc, parse_refuses_malformed);
	tcase_add_test(tc, parse_refuses_unknown_type);
	tcase_add_test(tc, parse_refuses_bad_values);
	tcase_add_test(tc, parse_attribute_count_limit);
	suite_add_tcase(s, tc);
	tcase_add_test(tf, format_rfc4514);
	tcase_add_test(tf, format_empty_name);
	tcase_add_test(tf, format_output_parses_again);
	suite_add_tcase(s, tf);
	return s;
}

CK_MAIN(dn_suite)
