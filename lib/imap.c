/* imap: session set-up and tear-down, capabilities, error texts.
 *
 * libetpan keeps the text of the last tagged response in
 * mailimap->imap_response; imap_fail() quotes it for refusals. Connection
 * failures mark the session broken instead of retrying: after a partial
 * response libetpan's parser state is unknown, and the daemon reconnects
 * anyway. Commands of a message live in imap-msg.c, IDLE in imap-idle.c,
 * the transport (TCP, TLS, certificate check) in imap-stream.c. */
#include "imap-private.h"
#include "xalloc.h"

#include <nettle/base64.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_LOGOUT_TIMEOUT_S 5

static __thread char imap_connect_error[IMAP_ERROR_MAX];

const char *imap_set_error(struct imap *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->error, sizeof(im->error), fmt, ap);
	va_end(ap);
	return im->error;
}

static const char *imap_strerror(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM: return "connection closed or timed out";
	case MAILIMAP_ERROR_PARSE: return "unparsable server response";
	case MAILIMAP_ERROR_FATAL: return "server said BYE";
	case MAILIMAP_ERROR_PROTOCOL: return "protocol error (BAD or unexpected tag)";
	case MAILIMAP_ERROR_MEMORY: return "out of memory";
	case MAILIMAP_ERROR_BAD_STATE: return "command in the wrong state";
	case MAILIMAP_ERROR_NEEDS_MORE_DATA: return "truncated response";
	default: return "failed";
	}
}

/* Errors after which the connection's state is unknown. */
static bool imap_error_is_fatal(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_NEEDS_MORE_DATA:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return true;
	default:
		return false;
	}
}

int imap_fail(struct imap *im, int r, const char *what, const char **error_r)
{
	const char *text = im->imap->imap_response;

	if (!imap_error_is_fatal(r)) {
		*error_r = imap_set_error(im, "%s failed: %s", what,
					  text != NULL && *text != '\0' ? text : "(no reason given)");
		return -1;
	}
	if (r == MAILIMAP_ERROR_PROTOCOL && text != NULL && *text != '\0')
		snprintf(im->broken_reason, sizeof(im->broken_reason), "%s: %s: %s", what,
			 imap_strerror(r), text);
	else
		snprintf(im->broken_reason, sizeof(im->broken_reason), "%s: %s", what,
			 imap_strerror(r));
	im->broken = true;
	*error_r = imap_set_error(im, "connection lost: %s", im->broken_reason);
	return -1;
}

int imap_check(struct imap *im, const char **error_r)
{
	if (im->broken) {
		*error_r = imap_set_error(im, "connection lost: %s", im->broken_reason);
		return -1;
	}
	if (im->idling) {
		*error_r = imap_set_error(im, "command while IDLE (call imap_idle_done first)");
		return -1;
	}
	return 0;
}

void imap_note_new_mail(struct imap *im)
{
	struct mailimap_selection_info *sel = im->imap->imap_selection_info;

	if (sel == NULL)
		return;
	if (sel->sel_has_exists || sel->sel_has_recent)
		im->new_mail = true;
	sel->sel_has_exists = 0;
	sel->sel_has_recent = 0;
}

bool imap_has_cap(const struct imap *im, const char *name)
{
	return mailimap_has_extension(im->imap, name) != 0;
}

static bool imap_has_auth(const struct imap *im, const char *mech)
{
	return mailimap_has_authentication(im->imap, mech) != 0;
}

/* Drop the capabilities libetpan remembers (they change with TLS and
 * login); imap_ensure_caps() asks again unless a response brought them. */
static void imap_forget_caps(struct imap *im)
{
	struct mailimap_connection_info *info = im->imap->imap_connection_info;

	if (info != NULL && info->imap_capability != NULL) {
		mailimap_capability_data_free(info->imap_capability);
		info->imap_capability = NULL;
	}
}

static int imap_ensure_caps(struct imap *im, const char **error_r)
{
	struct mailimap_connection_info *info = im->imap->imap_connection_info;
	struct mailimap_capability_data *caps = NULL;
	int r;

	if (info != NULL && info->imap_capability != NULL)
		return 0;
	r = mailimap_capability(im->imap, &caps);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "CAPABILITY", error_r);
	mailimap_capability_data_free(caps);
	return 0;
}

/* AUTHENTICATE PLAIN with the initial response (RFC 4959), else LOGIN. */
static int imap_login(struct imap *im, const char *user, const char *password,
		      const char **error_r)
{
	size_t ulen = strlen(user), plen = strlen(password), rawlen = ulen + plen + 2;
	bool plain = imap_has_auth(im, "PLAIN") && imap_has_cap(im, "SASL-IR");
	bool disabled = imap_has_cap(im, "LOGINDISABLED");
	char *raw, *cmd;
	int r;

	imap_forget_caps(im);   /* the login OK brings the new ones */
	if (plain) {
		static const char prefix[] = "AUTHENTICATE PLAIN ";
		size_t plen0 = sizeof(prefix) - 1, b64len = BASE64_ENCODE_RAW_LENGTH(rawlen);

		/* "\0user\0password", base64 */
		raw = xmalloc(rawlen);
		raw[0] = '\0';
		memcpy(raw + 1, user, ulen + 1);
		memcpy(raw + 2 + ulen, password, plen);
		cmd = xmalloc(plen0 + b64len + 1);
		memcpy(cmd, prefix, plen0);
		base64_encode_raw(cmd + plen0, rawlen, (const uint8_t *)raw);
		cmd[plen0 + b64len] = '\0';
		r = mailimap_custom_command(im->imap, cmd);
		explicit_bzero(raw, rawlen);
		explicit_bzero(cmd, strlen(cmd));
		free(raw);
		free(cmd);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "login", error_r);
		/* mailimap_login() does this itself; a custom command cannot */
		im->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		return 0;
	}
	if (disabled) {
		*error_r = imap_set_error(im, "login refused: the server says LOGINDISABLED "
					      "and offers no AUTH=PLAIN with SASL-IR (use TLS)");
		return -1;
	}
	r = mailimap_login(im->imap, user, password);
	return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(im, r, "login", error_r);
}

/* Greeting, STARTTLS, capabilities: up to the point of logging in. */
static int imap_open(struct imap *im, const struct imap_settings *s, const char **error_r)
{
	unsigned port = s->port != 0 ? s->port : s->tls == IMAP_TLS_IMPLICIT ? 993 : 143;
	char err[IMAP_ERROR_MAX];
	mailstream *stream;
	int fd, r;

	fd = imap_stream_tcp_connect(s->host, port, im->timeout_s, err, sizeof(err));
	if (fd < 0) {
		*error_r = imap_set_error(im, "%s", err);
		return -1;
	}
	if (s->tls == IMAP_TLS_IMPLICIT)
		stream = imap_stream_tls(fd, im->tls_name, s->ca_file, !s->verify,
					 im->timeout_s, err, sizeof(err));
	else
		stream = imap_stream_plain(fd, im->timeout_s);
	if (stream == NULL) {
		*error_r = imap_set_error(im, "%s", err);
		return -1;
	}
	r = mailimap_connect(im->imap, stream);
	if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION) {   /* "* BYE" greeting */
		const char *text = im->imap->imap_response;

		im->broken = true;
		snprintf(im->broken_reason, sizeof(im->broken_reason),
			 "the server refused the connection: %s", text != NULL ? text : "BYE");
		*error_r = imap_set_error(im, "%s", im->broken_reason);
		return -1;
	}
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return imap_fail(im, r, "greeting", error_r);
	if (imap_ensure_caps(im, error_r) < 0)
		return -1;
	if (s->tls == IMAP_TLS_STARTTLS) {
		if (!imap_has_cap(im, "STARTTLS")) {
			*error_r = imap_set_error(im, "%s does not offer STARTTLS", s->host);
			return -1;
		}
		r = mailimap_starttls(im->imap);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "STARTTLS", error_r);
		if (imap_stream_starttls(im->imap->imap_stream, im->tls_name, s->ca_file,
					 !s->verify, im->timeout_s, err, sizeof(err)) < 0) {
			im->broken = true;
			snprintf(im->broken_reason, sizeof(im->broken_reason), "%s", err);
			*error_r = imap_set_error(im, "%s", err);
			return -1;
		}
		/* what the server said before TLS is not to be trusted */
		imap_forget_caps(im);
		if (imap_ensure_caps(im, error_r) < 0)
			return -1;
	}
	return 0;
}

static struct imap *imap_new(const struct imap_settings *s)
{
	struct imap *im = xcalloc(1, sizeof(*im));

	im->imap = mailimap_new(0, NULL);
	if (im->imap == NULL)
		abort();
	im->timeout_s = s->timeout_s != 0 ? s->timeout_s : IMAP_DEFAULT_TIMEOUT_S;
	mailimap_set_timeout(im->imap, im->timeout_s);
	im->host = xstrdup(s->host);
	im->tls_name = xstrdup(s->tls_name != NULL ? s->tls_name : s->host);
	im->folder = xstrdup(s->folder != NULL ? s->folder : "INBOX");
	return im;
}

struct imap *imap_connect(const struct imap_settings *s, const char **error_r)
{
	struct imap *im;
	int r;

	if (s->host == NULL || s->user == NULL || s->password == NULL) {
		snprintf(imap_connect_error, sizeof(imap_connect_error),
			 "IMAP settings lack host, user or password");
		*error_r = imap_connect_error;
		return NULL;
	}
	im = imap_new(s);
	if (imap_open(im, s, error_r) < 0)
		goto fail;
	if (im->imap->imap_state != MAILIMAP_STATE_AUTHENTICATED) {
		if (imap_login(im, s->user, s->password, error_r) < 0)
			goto fail;
	}
	/* most servers send the new list in the login OK; else ask */
	if (imap_ensure_caps(im, error_r) < 0)
		goto fail;
	r = mailimap_select(im->imap, im->folder);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "SELECT \"%.256s\"", im->folder);
		imap_fail(im, r, what, error_r);
		goto fail;
	}
	imap_note_new_mail(im);
	im->new_mail = false;   /* what SELECT reported is not news */
	return im;
fail:
	snprintf(imap_connect_error, sizeof(imap_connect_error), "%s", *error_r);
	*error_r = imap_connect_error;
	imap_close(&im);
	return NULL;
}

void imap_close(struct imap **_im)
{
	struct imap *im = _im != NULL ? *_im : NULL;
	bool new_mail;
	const char *error;

	if (im == NULL)
		return;
	*_im = NULL;
	if (im->imap->imap_stream != NULL && !im->broken) {
		/* a polite goodbye, but not a long wait for a dead server */
		imap_stream_set_timeout(im->imap->imap_stream, IMAP_LOGOUT_TIMEOUT_S);
		if (im->idling)
			(void)imap_idle_done(im, &new_mail, &error);
	}
	if (im->imap->imap_stream != NULL) {
		if (im->broken || im->imap->imap_state == MAILIMAP_STATE_DISCONNECTED) {
			mailstream_close(im->imap->imap_stream);
			im->imap->imap_stream = NULL;
		} else {
			(void)mailimap_logout(im->imap);   /* closes the stream */
		}
	}
	mailimap_free(im->imap);
	free(im->host);
	free(im->tls_name);
	free(im->folder);
	free(im);
}

uint32_t imap_uidvalidity(const struct imap *im)
{
	const struct mailimap_selection_info *sel = im->imap->imap_selection_info;

	return sel != NULL ? sel->sel_uidvalidity : 0;
}

uint32_t imap_uidnext(const struct imap *im)
{
	const struct mailimap_selection_info *sel = im->imap->imap_selection_info;

	return sel != NULL ? sel->sel_uidnext : 0;
}

bool imap_has_idle(const struct imap *im)
{
	return imap_has_cap(im, "IDLE");
}

bool imap_has_move(const struct imap *im)
{
	return imap_has_cap(im, "MOVE");
}
