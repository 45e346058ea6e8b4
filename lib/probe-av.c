/* probe-av: see probe-av.h. dlopen() and dlsym() are in glibc's libc
 * since 2.34: nothing more to link. */
#include "probe-av.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe_av probe_av;
static bool probe_av_done;
static __thread char probe_av_err[512];

/* The sonames of the major versions in the headers we were compiled with:
 * another major version has another ABI. */
static const char *const probe_av_sonames[PROBE_AV_NLIBS] = {
	[PROBE_AV_UTIL] = "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR),
	[PROBE_AV_CODEC] = "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR),
	[PROBE_AV_FORMAT] = "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR),
};

static const struct {
	enum probe_av_lib lib;
	const char *name;
	size_t offset;                   /* of its pointer in struct probe_av */
} probe_av_syms[] = {
#define PROBE_AV_SYM(lib, name) { lib, #name, offsetof(struct probe_av, name) },
	PROBE_AV_FUNCTIONS(PROBE_AV_SYM)
#undef PROBE_AV_SYM
};

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function pointers in void *");

/* dlerror()'s message (it names the library or the symbol). */
static const char *probe_av_fail(void)
{
	const char *e = dlerror();

	snprintf(probe_av_err, sizeof(probe_av_err), "cannot load FFmpeg for videos: %s",
		 e != NULL ? e : "failed");
	return probe_av_err;
}

int probe_av_load(const char **error_r)
{
	struct probe_av table;
	void *lib[PROBE_AV_NLIBS];
	const char *env;

	if (probe_av_done)
		return 0;
	/* In dependency order. What opened before a failure stays mapped
	 * (unloading FFmpeg's dependencies again is not worth the risk);
	 * a second attempt finds it there. */
	for (int i = 0; i < PROBE_AV_NLIBS; i++) {
		if ((lib[i] = dlopen(probe_av_sonames[i], RTLD_NOW | RTLD_LOCAL)) == NULL) {
			*error_r = probe_av_fail();
			return -1;
		}
	}
	memset(&table, 0, sizeof(table));
	for (size_t i = 0; i < sizeof(probe_av_syms) / sizeof(probe_av_syms[0]); i++) {
		void *sym;

		(void)dlerror();
		if ((sym = dlsym(lib[probe_av_syms[i].lib], probe_av_syms[i].name)) == NULL) {
			*error_r = probe_av_fail();
			return -1;
		}
		/* POSIX: a function's address travels in a void * */
		memcpy((char *)&table + probe_av_syms[i].offset, &sym, sizeof(sym));
	}
	probe_av = table;
	probe_av_done = true;
	env = getenv("CASEMAIL_AV_LOG");
	if (env == NULL || *env == '\0')
		AV(av_log_set_level)(AV_LOG_QUIET);
	else
		AV(av_log_set_level)(*env >= '0' && *env <= '9' ? atoi(env) : AV_LOG_INFO);
	return 0;
}

bool probe_av_loaded(void)
{
	return probe_av_done;
}

const char *probe_av_strerror(int err, char *buf, size_t size)
{
	/* as av_make_error_string(): on an unknown code it still writes
	 * "Error number N occurred" */
	(void)AV(av_strerror)(err, buf, size);
	return buf;
}
