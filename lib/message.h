#ifndef CASEMAIL_MESSAGE_H
#define CASEMAIL_MESSAGE_H
/* message: one mail, its headers and its MIME tree.
 *
 * The mail is mapped (or borrowed) once; libetpan's mailmime_parse finds
 * the structure (boundaries, nesting) and every part points into that
 * one copy. Part headers are re-read from the raw bytes by casemail
 * itself (mimeparam.h, rfc2047.h), because libetpan turns raw 8-bit
 * parameter bytes into '?' and cannot join RFC 2231 continuations.
 * Bodies are decoded on demand, streaming to a sink (decode.h).
 *
 * An attached message/rfc822 is a leaf here (role ATTACHMENT, a ".eml"
 * file): the caller opens it as a message of its own, so that nested
 * mail and nested archives share one depth limit. */
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "decode.h"

enum message_role {
	MESSAGE_ROLE_CONTAINER,  /* multipart/... */
	MESSAGE_ROLE_BODY,       /* text/plain or text/html of the mail text */
	MESSAGE_ROLE_INLINE,     /* image shown inside the HTML body (cid:) */
	MESSAGE_ROLE_ATTACHMENT, /* a file the sender attached, incl. .eml */
};

enum message_encoding {
	MESSAGE_ENC_IDENTITY,    /* 7bit, 8bit, binary, absent, unknown */
	MESSAGE_ENC_BASE64,
	MESSAGE_ENC_QP,
};

#define MESSAGE_DEFAULT_MAX_SIZE (512UL * 1024 * 1024)
#define MESSAGE_DEFAULT_MAX_PARTS 10000
#define MESSAGE_DEFAULT_MAX_DEPTH 50
#define MESSAGE_DEFAULT_MAX_MULTIPARTS 1000
#define MESSAGE_DEFAULT_MAX_HEADER_BYTES (16UL * 1024 * 1024)
#define MESSAGE_DEFAULT_MAX_HEADER_FIELDS 100000

struct message_limits {      /* 0 = default */
	size_t max_size;         /* 512 MiB */
	size_t max_parts;        /* 10,000 */
	unsigned max_depth;      /* 50 multipart levels */
	size_t max_multiparts;   /* 1,000 "multipart/" types in the whole mail:
				    libetpan's parser is recursive and quadratic
				    in nesting depth, so a mail with more is not
				    handed to it at all (one part, truncated) */
	size_t max_header_bytes; /* 16 MiB per header block (the mail's, each
				    part's): libetpan copies every header and
				    each lookup reads the block, so a mail with a
				    longer one is not handed to it (one part,
				    truncated) */
	size_t max_header_fields;/* 100,000 header fields in the whole mail
				    (every header block counts): libetpan keeps
				    every field it parses, about 200 bytes each,
				    so a mail with more is not handed to it (one
				    part, truncated). Nor is one with more than
				    10 × max_parts lines starting with "--" (it
				    keeps every part too) */
};

struct message_part {
	int parent;              /* index in message.parts, -1 for the top */
	unsigned depth;          /* 0 for the top part */
	char section[48];        /* IMAP section: "1", "2.1", … ("" for the top) */
	char *type;              /* lowercased "image/jpeg"; "text/plain" when absent */
	char *charset;           /* NULL when absent */
	char *filename;          /* decoded UTF-8 (Content-Disposition filename,
				    else Content-Type name), NULL when none */
	char *disposition;       /* "attachment", "inline" or NULL */
	char *content_id;        /* without <>, NULL when none */
	enum message_encoding encoding;
	enum message_role role;
	const char *hdr;         /* raw header block of the part */
	size_t hdr_len;
	const char *body;        /* raw (still encoded) body */
	size_t body_len;
};

struct message {
	const char *data;        /* the whole mail */
	size_t len;
	struct message_part *parts;
	size_t nparts;
	bool truncated;          /* more parts or depth than the limits allow */
	const char *limit;       /* static: the limit that truncated it ("parts",
				    "depth", "multiparts", "header bytes", "header
				    fields"), NULL when not truncated */
	/* private */
	void *map;
	size_t map_len;
};

/* Open and parse a mail file (mapped read-only). Returns 0, or -1 with
 * error_r set when the file cannot be read or is over max_size. A mail
 * whose structure is broken is not an error: it parses as best it can. */
int message_open_file(const char *path, const struct message_limits *lim,
		      struct message **msg_r, const char **error_r);
/* Map a mail file as message_open_file() does (same checks, only
 * lim->max_size is used) without parsing it: no parts. For a caller that
 * installs the parts itself (extract-wire.c rebuilds them from offsets):
 * parts must be malloc'd, each string malloc'd or NULL, hdr/body inside
 * data..data+len; message_free() frees them as its own. */
int message_open_file_unparsed(const char *path, const struct message_limits *lim,
			       struct message **msg_r, const char **error_r);
/* Parse a mail in memory; data must outlive the message. */
int message_open_buf(const char *data, size_t len, const struct message_limits *lim,
		     struct message **msg_r, const char **error_r);
void message_free(struct message **msg);

/* Raw value of the first header field `name` (case-insensitive) of a
 * part, or of the mail when part is NULL. The value is not unfolded. */
bool message_header(const struct message *msg, const struct message_part *part,
		    const char *name, const char **value_r, size_t *len_r);
/* Same, decoded to UTF-8 (RFC 2047, raw 8-bit), trimmed; malloc'd or NULL. */
char *message_header_decoded(const struct message *msg,
			     const struct message_part *part, const char *name);
/* Iterate all header fields of a part (NULL = mail): *pos starts at 0.
 * Returns false at the end. */
bool message_header_next(const struct message *msg, const struct message_part *part,
			 size_t *pos, const char **name_r, size_t *name_len_r,
			 const char **value_r, size_t *value_len_r);

/* Decode a part's body (transfer encoding only) into the sink.
 * Returns 0, or -1 if the sink stopped it. */
int message_part_decode(const struct message *msg, const struct message_part *part,
			decode_sink *sink, void *ctx);
/* Decode a text part to UTF-8 (transfer encoding, then charset; GB
 * labels as GB18030; unlabelled 8-bit guessed), at most max bytes of
 * decoded input. Appends to out. */
void message_part_text(const struct message *msg, const struct message_part *part,
		       size_t max, struct buf *out);

const char *message_role_name(enum message_role role);

#endif
