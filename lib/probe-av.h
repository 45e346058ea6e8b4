#ifndef CASEMAIL_PROBE_AV_H
#define CASEMAIL_PROBE_AV_H
/* probe-av: FFmpeg (libavformat, libavcodec, libavutil) loaded when the
 * first video is probed, not at every program start.
 *
 * Linked in, FFmpeg and the ~130 shared libraries it pulls in cost each
 * exec of casemailctl ~32 ms of dynamic loading, though only probe_video.c
 * uses them and most mails carry no video. probe_av_load() dlopen()s the
 * three libraries by the sonames of the headers compiled against
 * ("libavformat.so.59" for LIBAVFORMAT_VERSION_MAJOR 59) and fills probe_av,
 * one pointer per function probe_video.c calls, each typed from the
 * header's own prototype (__typeof__): a wrong call still does not compile.
 * probe_video.c calls FFmpeg only as AV(name)(...).
 *
 * Where it is loaded. The probe's sandboxed children cannot load it: their
 * seccomp filter lets them open no file and map nothing executable. A
 * child that meets a video while FFmpeg is not loaded answers
 * PROBE_NEED_AV (probe_private.h) instead of facts; probe_file() then loads
 * FFmpeg in its own process — the per-mail extract worker, whose Landlock
 * lets it read /usr and whose filter allows mmap — stops its probe worker
 * and asks a fresh one, forked with FFmpeg mapped. probe_file_inproc()
 * (tests, fuzzing: no sandbox) loads it and probes again. So casemailctl
 * loads FFmpeg only in the workers of mails with a video; casemaild, which
 * lives long, loads it once at start-up and its workers inherit it.
 *
 * State: the table is process-global, filled once and never unloaded, and
 * inherited by fork(). Not thread-safe (neither is the probe). */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <stdbool.h>
#include <stddef.h>

/* Which library each function comes from, and every function used. */
enum probe_av_lib { PROBE_AV_UTIL, PROBE_AV_CODEC, PROBE_AV_FORMAT, PROBE_AV_NLIBS };

#define PROBE_AV_FUNCTIONS(F) \
	F(PROBE_AV_UTIL, av_log_set_level) \
	F(PROBE_AV_UTIL, av_strerror) \
	F(PROBE_AV_UTIL, av_malloc) \
	F(PROBE_AV_UTIL, av_free) \
	F(PROBE_AV_UTIL, av_freep) \
	F(PROBE_AV_UTIL, av_dict_get) \
	F(PROBE_AV_UTIL, av_dict_set) \
	F(PROBE_AV_UTIL, av_dict_set_int) \
	F(PROBE_AV_UTIL, av_dict_free) \
	F(PROBE_AV_UTIL, av_display_rotation_get) \
	F(PROBE_AV_UTIL, av_frame_alloc) \
	F(PROBE_AV_UTIL, av_frame_free) \
	F(PROBE_AV_CODEC, av_packet_alloc) \
	F(PROBE_AV_CODEC, av_packet_unref) \
	F(PROBE_AV_CODEC, av_packet_free) \
	F(PROBE_AV_CODEC, avcodec_find_decoder) \
	F(PROBE_AV_CODEC, avcodec_get_name) \
	F(PROBE_AV_CODEC, avcodec_alloc_context3) \
	F(PROBE_AV_CODEC, avcodec_parameters_to_context) \
	F(PROBE_AV_CODEC, avcodec_open2) \
	F(PROBE_AV_CODEC, avcodec_send_packet) \
	F(PROBE_AV_CODEC, avcodec_receive_frame) \
	F(PROBE_AV_CODEC, avcodec_free_context) \
	F(PROBE_AV_FORMAT, avformat_alloc_context) \
	F(PROBE_AV_FORMAT, avformat_free_context) \
	F(PROBE_AV_FORMAT, avformat_open_input) \
	F(PROBE_AV_FORMAT, avformat_find_stream_info) \
	F(PROBE_AV_FORMAT, avformat_close_input) \
	F(PROBE_AV_FORMAT, avformat_index_get_entries_count) \
	F(PROBE_AV_FORMAT, avformat_index_get_entry) \
	F(PROBE_AV_FORMAT, av_read_frame) \
	F(PROBE_AV_FORMAT, av_stream_get_side_data) \
	F(PROBE_AV_FORMAT, avio_alloc_context) \
	F(PROBE_AV_FORMAT, avio_context_free)

struct probe_av {
#define PROBE_AV_MEMBER(lib, name) __typeof__(name) *name;
	PROBE_AV_FUNCTIONS(PROBE_AV_MEMBER)
#undef PROBE_AV_MEMBER
};

/* All NULL until probe_av_load() succeeded. */
extern struct probe_av probe_av;

/* An FFmpeg function: AV(avformat_open_input)(&fmt, "", NULL, &opts). */
#define AV(name) (probe_av.name)

/* Load the three libraries (RTLD_NOW | RTLD_LOCAL) and fill probe_av, then
 * set FFmpeg's log level: silent, unless CASEMAIL_AV_LOG is set in the
 * environment (to an av_log level number, or anything else for "info").
 * Does nothing once it has succeeded. Returns 0, or -1 with *error_r set
 * (thread-local, valid until the next call; dlerror()'s words) and the
 * table left empty: a later call tries again. */
int probe_av_load(const char **error_r);
/* Whether probe_av_load() has succeeded in this process (or before fork). */
bool probe_av_loaded(void);

/* av_err2str() through the table: FFmpeg's message for an AVERROR code,
 * in buf (which is returned). */
const char *probe_av_strerror(int err, char *buf, size_t size);
#define PROBE_AV_ERR2STR(err) \
	probe_av_strerror((err), (char[AV_ERROR_MAX_STRING_SIZE]){ 0 }, \
			  AV_ERROR_MAX_STRING_SIZE)

#endif
