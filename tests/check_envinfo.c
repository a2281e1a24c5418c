/* check_envinfo.c: the "env" member of a record (lib/envinfo.c). */
#include "check_util.h"

#include <sys/utsname.h>

#include "cjson.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "hsm.h"
#include "uri.h"

/* The string member key of object o (which must be there). */
static const char *
str_member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no string \"%s\"", key);
	return s;
}

/* o must have exactly the n keys listed. */
static void
keys_are(const json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	ck_assert(json_is_object(o));
	ck_assert_uint_eq(json_object_size(o), n);
	for (i = 0; i < n; i++)
		ck_assert_msg(json_object_get(o, keys[i]) != NULL, "no \"%s\"",
		    keys[i]);
}

/* "MAJOR.MINOR" with decimal numbers. */
static int
is_version(const char *s)
{
	unsigned a, b;
	char tail;

	return sscanf(s, "%u.%u%c", &a, &b, &tail) == 2;
}

START_TEST(self_sha256_is_the_binary)
{
	char a[65], b[65];

	ck_assert_ok(ca_self_sha256(a));
	ck_assert_int_eq(ca_is_lower_hex(a), 1);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert_ok(ca_sha256_file("/proc/self/exe", b, NULL));
	ck_assert_str_eq(a, b);
}
END_TEST

/* The processors online, within the bounds asked for. */
START_TEST(processors_bounded)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ca_env_processors(1), 1);
	ck_assert_int_eq(ca_env_processors(4096), (int)n);
	ck_assert_int_eq(ca_env_processors(2), n >= 2 ? 2 : 1);
}
END_TEST

START_TEST(env_without_token)
{
	static const char *const top[] = { "tool", "host", "kernel" };
	static const char *const tool[] = { "name", "version", "commit",
	    "sha256" };
	char self[65], host[256], kernel[256];
	struct utsname u;
	json_t *e = NULL, *t;

	ck_assert_ok(ca_env_json("ca-init", NULL, &e));
	ck_assert_ptr_nonnull(e);
	keys_are(e, top, 3);
	t = json_object_get(e, "tool");
	keys_are(t, tool, 4);
	ck_assert_str_eq(str_member(t, "name"), "ca-init");
	ck_assert_str_eq(str_member(t, "version"), KC_VERSION);
	ck_assert_str_eq(str_member(t, "commit"), KC_COMMIT);
	ck_assert_ok(ca_self_sha256(self));
	ck_assert_str_eq(str_member(t, "sha256"), self);

	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	ck_assert_str_eq(str_member(e, "host"), host);
	ck_assert_int_eq(uname(&u), 0);
	snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release,
	    u.machine);
	ck_assert_str_eq(str_member(e, "kernel"), kernel);

	/* It goes into a signed record: it must keep to the profile. */
	ck_assert_int_eq(ca_json_check(e, NULL), 1);
	json_decref(e);
}
END_TEST

START_TEST(env_with_token)
{
	static const char *const top[] = { "tool", "host", "kernel", "module",
	    "token" };
	static const char *const module[] = { "path", "sha256",
	    "manufacturer", "description", "version", "quirks" };
	static const char *const token[] = { "label", "serial",
	    "manufacturer", "model", "hardware", "firmware",
	    "protected_auth_path", "hw_slot", "kind", "kind_why" };
	char dir[PATH_MAX], mod[65];
	const struct ca_token_info *ti;
	struct ca_hsm *h = NULL;
	struct ca_uri *u = NULL;
	struct ca_errbuf eb;
	json_t *e = NULL, *m, *t;

	tu_tmpdir(dir);
	tu_softhsm_token(dir, "envinfo");
	ck_assert_ok(ca_uri_parse("pkcs11:token=envinfo", &u, NULL));
	ck_assert_msg(ca_hsm_open(NULL, u, &h, &eb) == CA_OK, "open: %s",
	    eb.msg);
	ti = ca_hsm_token_info(h);

	ck_assert_ok(ca_env_json("ca-init", h, &e));
	keys_are(e, top, 5);
	m = json_object_get(e, "module");
	keys_are(m, module, 6);
	ck_assert_str_eq(str_member(m, "path"), CA_DEFAULT_MODULE);
	ck_assert_ok(ca_sha256_file(CA_DEFAULT_MODULE, mod, NULL));
	ck_assert_str_eq(str_member(m, "sha256"), mod);
	/* SoftHSM2's C_GetInfo, and the one row of the table it matches. */
	ck_assert_str_eq(str_member(m, "manufacturer"), "SoftHSM");
	ck_assert_str_eq(str_member(m, "description"),
	    "Implementation of PKCS11");
	ck_assert(is_version(str_member(m, "version")));
	ck_assert(json_is_array(json_object_get(m, "quirks")));
	ck_assert_uint_eq(json_array_size(json_object_get(m, "quirks")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m,
	    "quirks"), 0)), "softhsm2-oaep-sha1");

	t = json_object_get(e, "token");
	keys_are(t, token, 10);
	/* SoftHSM2: a software slot, and a module known to be software. */
	ck_assert(json_is_false(json_object_get(t, "hw_slot")));
	ck_assert_str_eq(str_member(t, "kind"), CA_KIND_SOFTWARE);
	ck_assert_str_eq(str_member(t, "kind_why"), "SoftHSM2 keeps its keys "
	    "in files on this computer's disk");
	ck_assert_str_eq(str_member(t, "label"), "envinfo");
	ck_assert_str_eq(str_member(t, "serial"), ti->serial);
	ck_assert_uint_gt(strlen(ti->serial), 0);
	ck_assert_str_eq(str_member(t, "manufacturer"), "SoftHSM project");
	ck_assert_str_eq(str_member(t, "model"), "SoftHSM v2");
	ck_assert_msg(is_version(str_member(t, "hardware")), "hardware: %s",
	    str_member(t, "hardware"));
	ck_assert_msg(is_version(str_member(t, "firmware")), "firmware: %s",
	    str_member(t, "firmware"));
	ck_assert(json_is_false(json_object_get(t, "protected_auth_path")));
	ck_assert_int_eq(ca_json_check(e, NULL), 1);

	json_decref(e);
	ca_hsm_close(h);
	ca_uri_free(u);
	tu_rmrf(dir);
}
END_TEST

static Suite *
envinfo_suite(void)
{
	Suite *s = suite_create("envinfo");
	TCase *tc = tcase_create("core");
	TCase *th = tcase_create("token");

	tcase_add_test(tc, self_sha256_is_the_binary);
	tcase_add_test(tc, processors_bounded);
	tcase_add_test(tc, env_without_token);
	suite_add_tcase(s, tc);
	tcase_add_test(th, env_with_token);
	tcase_set_timeout(th, 30);
	suite_add_tcase(s, th);
	return s;
}

CK_MAIN(envinfo_suite)
