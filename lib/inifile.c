/* inifile: libinih through a line-counting reader. */
#include "inifile.h"

#include <ini.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct inifile_ctx {
	FILE *fp;
	struct inifile_pos pos;
	char prev_section[64], prev_name[64];
	inifile_handler *handler;
	void *user;
	bool handler_failed;
};

static __thread char inifile_err[512];

static char *inifile_reader(char *str, int num, void *stream)
{
	struct inifile_ctx *ctx = stream;
	char *r = fgets(str, num, ctx->fp);

	if (r != NULL)
		ctx->pos.line++;
	return r;
}

static int inifile_cb(void *user, const char *section, const char *name, const char *value)
{
	struct inifile_ctx *ctx = user;

	/* libinih calls again with the same name for an indented continuation */
	ctx->pos.continuation = strcmp(section, ctx->prev_section) == 0 &&
				strcmp(name, ctx->prev_name) == 0;
	snprintf(ctx->prev_section, sizeof(ctx->prev_section), "%s", section);
	snprintf(ctx->prev_name, sizeof(ctx->prev_name), "%s", name);
	if (ctx->handler(ctx->user, &ctx->pos, section, name, value) < 0) {
		ctx->handler_failed = true;
		return 0;
	}
	return 1;
}

int inifile_parse(const char *path, inifile_handler *handler, void *user,
		  const char **error_r)
{
	struct inifile_ctx ctx = { .handler = handler, .user = user };
	int r;

	ctx.pos.file = path;
	ctx.fp = fopen(path, "re");
	if (ctx.fp == NULL) {
		snprintf(inifile_err, sizeof(inifile_err), "%s: %s", path, strerror(errno));
		*error_r = inifile_err;
		return -1;
	}
	r = ini_parse_stream(inifile_reader, &ctx, inifile_cb, &ctx);
	fclose(ctx.fp);
	if (ctx.handler_failed) {
		*error_r = NULL; /* the handler has its own message */
		return -1;
	}
	if (r != 0) {
		snprintf(inifile_err, sizeof(inifile_err),
			 "%s:%d: syntax error (or line over 200 bytes)", path, r);
		*error_r = inifile_err;
		return -1;
	}
	return 0;
}
