/*
 * check_netaddr.c: CIDR ranges for nameConstraints (lib/netaddr.c).
 */
#include "check_util.h"

#include "netaddr.h"

/* s parses to exactly the n octets in want; nothing past them is written. */
static void
parses_to(const char *s, const unsigned char *want, size_t n)
{
	unsigned char out[40];
	size_t len = 99, i;

	memset(out, 0xa5, sizeof(out));
	ck_assert_msg(ca_cidr_parse(s, out, &len) == 0, "\"%s\" refused", s);
	ck_assert_uint_eq(len, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(out[i] == want[i], "\"%s\": octet %zu is %02x, "
		    "wanted %02x", s, i, out[i], want[i]);
	for (i = n; i < sizeof(out); i++)
		ck_assert_msg(out[i] == 0xa5, "\"%s\": octet %zu written", s,
		    i);
}

static void
refused(const char *s)
{
	unsigned char out[32];
	size_t len = 99;

	ck_assert_err(ca_cidr_parse(s, out, &len), CA_ERR_INVALID_ARG);
	ck_assert_msg(len == 0, "\"%s\": len %zu after refusal", s, len);
}

START_TEST(ipv4_ranges)
{
	static const unsigned char a[] = { 10, 20, 0, 0, 255, 255, 0, 0 };
	static const unsigned char b[] = { 192, 168, 1, 128,
	    255, 255, 255, 128 };
	static const unsigned char c[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char d[] = { 10, 0, 0, 1, 255, 255, 255, 255 };
	static const unsigned char e[] = { 172, 16, 0, 0, 255, 240, 0, 0 };
	static const unsigned char f[] = { 128, 0, 0, 0, 128, 0, 0, 0 };

	parses_to("10.20.0.0/16", a, sizeof(a));
	parses_to("192.168.1.128/25", b, sizeof(b));
	parses_to("0.0.0.0/0", c, sizeof(c));
	parses_to("10.0.0.1/32", d, sizeof(d));
	parses_to("172.16.0.0/12", e, sizeof(e));
	parses_to("128.0.0.0/1", f, sizeof(f));
}
END_TEST

START_TEST(ipv6_ranges)
{
	unsigned char want[32];

	memset(want, 0, sizeof(want));
	want[0] = 0xfd;
	want[3] = 0x01;
	memset(want + 16, 0xff, 6);
	parses_to("fd00:1::/48", want, 32);

	memset(want, 0, sizeof(want));
	parses_to("::/0", want, 32);

	memset(want, 0, sizeof(want));
	want[0] = 0x20;
	want[1] = 0x01;
	want[2] = 0x0d;
	want[3] = 0xb8;
	want[15] = 0x01;
	memset(want + 16, 0xff, 16);
	parses_to("2001:db8::1/128", want, 32);

	/* A prefix that ends inside an octet: /57 is 7 octets and 0x80. */
	memset(want, 0, sizeof(want));
	want[0] = 0x20;
	want[1] = 0x01;
	want[2] = 0x0d;
	want[3] = 0xb8;
	want[7] = 0x80;
	memset(want + 16, 0xff, 7);
	want[23] = 0x80;
	parses_to("2001:db8:0:80::/57", want, 32);

	/* IPv4-mapped is IPv6, with a 32-octet form. */
	memset(want, 0, sizeof(want));
	want[10] = want[11] = 0xff;
	want[12] = 10;
	memset(want + 16, 0xff, 13);
	parses_to("::ffff:10.0.0.0/104", want, 32);
}
END_TEST

/* Host bits set: a typo that would widen or shift the range. */
START_TEST(host_bits_refused)
{
	refused("10.20.0.1/16");
	refused("10.20.0.0/8");
	refused("192.168.1.129/25");
	refused("10.0.0.0/0");
	refused("fd00:1::1/48");
	refused("2001:db8:0:81::/57");
	refused("::1/0");
}
END_TEST

START_TEST(prefix_length_syntax)
{
	refused("10.0.0.0");		/* no slash */
	refused("10.0.0.0/");
	refused("10.0.0.0/08");		/* leading zero */
	refused("10.0.0.0/00");
	refused("10.0.0.0/+8");
	refused("10.0.0.0/-8");
	refused("10.0.0.0/ 8");
	refused("10.0.0.0/8 ");
	refused("10.0.0.0/8\n");
	refused("10.0.0.0/8/8");
	refused("10.0.0.0/8x");
	refused("10.0.0.0/33");
	refused("10.0.0.0/1000");	/* four digits */
	refused("10.0.0.0/99999999999999999999");
	refused("::/129");
	refused("::/0128");
}
END_TEST

START_TEST(address_syntax)
{
	char longaddr[200];

	refused("/8");
	refused("10.0.0/8");
	refused("10.0.0.256/32");
	refused("010.0.0.0/8");
	refused(" 10.0.0.0/8");
	refused("0/0");
	refused("example.com/8");
	refused("fe80::1%eth0/128");
	refused("fd00::1::/48");
	refused("fd00:1:/48");
	refused("");
	memset(longaddr, 0, sizeof(longaddr));
	memset(longaddr, '1', 100);
	strcat(longaddr, "/8");
	refused(longaddr);
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("cidr");

	tcase_add_test(tc, ipv4_ranges);
	tcase_add_test(tc, ipv6_ranges);
	tcase_add_test(tc, host_bits_refused);
	tcase_add_test(tc, prefix_length_syntax);
	tcase_add_test(tc, address_syntax);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(netaddr_suite)
