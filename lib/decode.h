#ifndef CASEMAIL_DECODE_H
#define CASEMAIL_DECODE_H
/* decode: Content-Transfer-Encoding decoders (base64, quoted-printable).
 *
 * The whole encoded body is in memory already (the mail is mapped), so
 * the decoders take the full input and hand the output to a sink in
 * chunks of at most DECODE_CHUNK bytes: a 150 MB video never exists
 * decoded in memory, only on its way to the file, the hash and the probes.
 *
 * Both decoders are lenient the way mail readers are: base64 skips any
 * byte outside the alphabet (broken line lengths, stray junk, missing or
 * early padding); quoted-printable keeps a malformed "=" literally. */
#include <stddef.h>
#include "buf.h"

#define DECODE_CHUNK (64 * 1024)

/* Sink: consume len bytes; return 0 to go on, -1 to stop decoding. */
typedef int decode_sink(void *ctx, const void *data, size_t len);

/* Return 0, or -1 if the sink stopped. */
int decode_base64(const char *in, size_t len, decode_sink *sink, void *ctx);
int decode_qp(const char *in, size_t len, decode_sink *sink, void *ctx);
/* Identity (7bit, 8bit, binary): chunks the input to the sink. */
int decode_copy(const char *in, size_t len, decode_sink *sink, void *ctx);

/* One-shot variants appending to a buffer (header words, small bodies).
 * decode_qp_header_buf() also maps "_" to space (RFC 2047 Q encoding). */
void decode_base64_buf(const char *in, size_t len, struct buf *out);
void decode_qp_header_buf(const char *in, size_t len, struct buf *out);

/* Sink that appends to a struct buf (ctx), refusing to grow past
 * DECODE_BUF_MAX bytes (returns -1 then). */
#define DECODE_BUF_MAX (16 * 1024 * 1024)
int decode_sink_buf(void *ctx, const void *data, size_t len);

#endif
