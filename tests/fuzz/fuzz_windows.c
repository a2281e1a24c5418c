/*
 * fuzz_windows.c: libFuzzer harness for maintenance windows files
 * (ca-windows(5)), written by hand and read by ca-plan and ca-sign-sub.
 */
#include <stddef.h>
#include <stdint.h>

#include "windows.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_windows *w = NULL;
	size_t i;

	if (ca_windows_parse((const char *)data, size, "fuzz.json", &w,
	    &eb) != 0)
		return 0;
	/* What the planners do with a file that parsed. */
	for (i = 0; i < w->nsites; i++) {
		(void)ca_window_last_by(&w->sites[i], (time_t)1900000000);
		(void)ca_window_next(&w->sites[i], (time_t)1800000000);
		(void)ca_windows_site(w, w->sites[i].name);
	}
	ca_windows_free(w);
	return 0;
}
