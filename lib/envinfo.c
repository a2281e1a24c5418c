#include "envinfo.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fsio.h"
#include "quirks.h"

static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static char self_hex[65];
static int self_r;

static void
self_hash(void)
{
	self_r = ca_sha256_file("/proc/self/exe", self_hex, NULL) == 0 ? 0 :
	    CA_ERR_IO;
}

int
ca_self_sha256(char hex[65])
{
	/* The file behind /proc/self/exe cannot change under a process. */
	if (pthread_once(&self_once, self_hash) != 0)
		self_hash();
	if (self_r == 0)
		memcpy(hex, self_hex, sizeof(self_hex));
	return self_r;
}

int
ca_env_processors(int max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > max ? max : (int)n;
}

/*
 * The module: its file, what it says of itself, and the rows of the
 * quirk table the token layer followed for it.
 */
static json_t *
module_json(struct ca_hsm *h, const char *sha256)
{
	const struct ca_module_info *mi = ca_hsm_module_info(h);
	const struct ca_quirk *rows;
	size_t n, i;
	char ver[24];
	json_t *m, *q;

	snprintf(ver, sizeof(ver), "%d.%d", mi->major, mi->minor);
	if ((m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "path",
	    ca_hsm_module_path(h), "sha256", sha256, "manufacturer",
	    mi->manufacturer, "description", mi->description, "version", ver,
	    "quirks")) == NULL)
		return NULL;
	q = json_object_get(m, "quirks");
	(void)ca_quirks_match(mi, ca_hsm_token_info(h), &rows, &n);
	for (i = 0; i < n; i++)
		if (ca_quirk_applies(&rows[i], mi, ca_hsm_token_info(h)) &&
		    json_array_append_new(q, json_string(rows[i].id)) != 0) {
			json_decref(m);
			return NULL;
		}
	return m;
}

int
ca_env_json(const char *prog, struct ca_hsm *h, json_t **out)
{
	char self[65], mod[65], host[256], kernel[256], hw[16], fw[16];
	const struct ca_token_info *ti;
	const char *kind, *why;
	struct utsname u;
	json_t *e = NULL, *t;
	int r;

	*out = NULL;
	if ((r = ca_self_sha256(self)) != 0)
		return r;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname,
		    u.release, u.machine);
	else
		snprintf(kernel, sizeof(kernel), "unknown");
	if ((e = json_pack("{s:{s:s, s:s, s:s, s:s}, s:s, s:s}",
	    "tool", "name", prog, "version", KC_VERSION, "commit", KC_COMMIT,
	    "sha256", self, "host", host, "kernel", kernel)) == NULL)
		return CA_ERR_NOMEM;
	if (h != NULL) {
		if (ca_hsm_module_sha256(h, mod) != 0) {
			json_decref(e);
			return CA_ERR_IO;
		}
		ti = ca_hsm_token_info(h);
		kind = ca_hsm_kind(h, &why);
		snprintf(hw, sizeof(hw), "%d.%d", ti->hw_major, ti->hw_minor);
		snprintf(fw, sizeof(fw), "%d.%d", ti->fw_major, ti->fw_minor);
		if ((t = module_json(h, mod)) == NULL ||
		    json_object_set_new(e, "module", t) != 0 ||
		    (t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s*, "
		    "s:o, s:s, s:s*}",
		    "label", ti->label, "serial", ti->serial,
		    "manufacturer", ti->manufacturer, "model", ti->model,
		    "hardware", hw, "firmware", fw, "protected_auth_path",
		    ti->protected_auth_path, "login",
		    ca_hsm_login_method(h), "hw_slot",
		    ti->hw_slot == CA_ATTR_UNKNOWN ? json_null() :
		    json_boolean(ti->hw_slot), "kind", kind,
		    "kind_why", why[0] != '\0' ? why : NULL)) == NULL ||
		    json_object_set_new(e, "token", t) != 0) {
			json_decref(e);
			return CA_ERR_NOMEM;
		}
	}
	*out = e;
	return 0;
}
