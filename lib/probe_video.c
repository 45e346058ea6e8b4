/* probe_video: container, codec, size, duration and rotation via FFmpeg.
 *
 * libavformat reads the already open file through a custom AVIOContext:
 * no protocol is ever opened (a playlist or a reference movie cannot make
 * it read other files or URLs), the demuxer is chosen from the content
 * alone (not from the name's extension) and must be on a whitelist of
 * video containers. The first frame of the chosen stream is decoded to
 * show that the codec data is sane, and the sample index is compared with
 * the file size to notice a cut-off file whose header survived.
 *
 * FFmpeg is not linked: every call goes through the table of probe-av.h,
 * as AV(function)(...), and probe.c only calls here once it is loaded. */
#include "probe_private.h"
#include "probe-av.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_VIDEO_FORMATS \
	"mov,avi,matroska,webm,flv,mpegts,mpeg,asf,rm,ogg,mxf,dv,nut,wtv,m4v,mpegvideo,h264,hevc"
#define PROBE_VIDEO_IOBUF 65536
#define PROBE_VIDEO_MAX_PACKETS 1000

struct probe_avio {
	int fd;
	int64_t pos, size;
};

static int probe_avio_read(void *opaque, uint8_t *buf, int size)
{
	struct probe_avio *io = opaque;
	ssize_t n = probe_pread(io->fd, buf, (size_t)size, (uint64_t)io->pos);

	if (n < 0)
		return AVERROR(errno);
	if (n == 0)
		return AVERROR_EOF;
	io->pos += n;
	return (int)n;
}

static int64_t probe_avio_seek(void *opaque, int64_t offset, int whence)
{
	struct probe_avio *io = opaque;
	int64_t pos;

	if (whence & AVSEEK_SIZE)
		return io->size;
	switch (whence & ~AVSEEK_FORCE) {
	case SEEK_SET: pos = offset; break;
	case SEEK_CUR: pos = io->pos + offset; break;
	case SEEK_END: pos = io->size + offset; break;
	default: return AVERROR(EINVAL);
	}
	if (pos < 0)
		return AVERROR(EINVAL);
	io->pos = pos;
	return pos;
}

/* "mp4", "mov", "3gp", "avi", "mkv", "webm", … from the demuxer name. */
static void probe_video_container(AVFormatContext *fmt, const struct probe_input *in,
				  struct facts *f)
{
	const char *name = fmt->iformat->name;
	const char *out = name;
	char first[32];

	if (strcmp(name, "mov,mp4,m4a,3gp,3g2,mj2") == 0) {
		AVDictionaryEntry *e = AV(av_dict_get)(fmt->metadata, "major_brand", NULL, 0);
		const char *b = e != NULL ? e->value : "";

		out = strncmp(b, "qt", 2) == 0 ? "mov" :
		      strncmp(b, "3g", 2) == 0 ? "3gp" : "mp4";
	} else if (strcmp(name, "matroska,webm") == 0) {
		/* the EBML header's DocType: element 0x4282, then a size byte */
		const unsigned char *h = in->head;
		size_t n = in->head_len < 64 ? in->head_len : 64;
		const unsigned char *dt = memmem(h, n, "\x42\x82", 2);

		out = "mkv";
		if (dt != NULL && (size_t)(dt - h) + 7 <= n && memcmp(dt + 3, "webm", 4) == 0)
			out = "webm";
	} else if (strcmp(name, "mpegts") == 0) {
		out = "ts";
	} else {
		snprintf(first, sizeof(first), "%s", name);
		first[strcspn(first, ",")] = '\0';
		out = first;
	}
	probe_strlcpy(f->container, out, sizeof(f->container));
}

/* Clockwise display rotation 0/90/180/270 from the display matrix. */
static int probe_video_rotation(AVStream *st)
{
	size_t size = 0;
	const uint8_t *m = AV(av_stream_get_side_data)(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
	double ccw;
	long r;

	if (m != NULL && size >= 9 * sizeof(int32_t)) {
		ccw = AV(av_display_rotation_get)((const int32_t *)m);
	} else {
		AVDictionaryEntry *e = AV(av_dict_get)(st->metadata, "rotate", NULL, 0);
		if (e == NULL)
			return 0;
		ccw = -atof(e->value); /* the old tag was clockwise already */
	}
	if (isnan(ccw))
		return 0;
	r = lround(-ccw / 90.0) * 90 % 360;
	return (int)(r < 0 ? r + 360 : r);
}

/* Largest video stream that is not a cover picture, or -1. */
static int probe_video_pick(AVFormatContext *fmt)
{
	int best = -1;
	int64_t best_area = -1;

	for (unsigned int i = 0; i < fmt->nb_streams; i++) {
		const AVStream *st = fmt->streams[i];
		int64_t area = (int64_t)st->codecpar->width * st->codecpar->height;

		if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO ||
		    (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
			continue;
		if (area > best_area) {
			best = (int)i;
			best_area = area;
		}
	}
	return best;
}

/* Highest byte the sample index points at, to notice a cut-off mdat. */
static int64_t probe_video_index_end(AVFormatContext *fmt)
{
	int64_t end = 0;

	for (unsigned int i = 0; i < fmt->nb_streams; i++) {
		AVStream *st = fmt->streams[i];
		int n = AV(avformat_index_get_entries_count)(st);

		for (int k = 0; k < n && k < 4000000; k++) {
			const AVIndexEntry *e = AV(avformat_index_get_entry)(st, k);
			if (e != NULL && e->pos >= 0 && e->pos + e->size > end)
				end = e->pos + e->size;
		}
	}
	return end;
}

/* Decode stream idx of fmt until one frame comes out, into frame.
 * Returns 1 with a frame; 0 when it cannot be judged (no decoder here,
 * out of memory); -1 when the codec does not open (*err_r: AVERROR);
 * -2 when no frame came out (*dec_r: the decoder's name). */
static int probe_video_decode_frame(AVFormatContext *fmt, int idx, AVFrame *frame,
				    int *err_r, const char **dec_r)
{
	const AVCodec *dec = AV(avcodec_find_decoder)(fmt->streams[idx]->codecpar->codec_id);
	AVCodecContext *cc = NULL;
	AVPacket *pkt = AV(av_packet_alloc)();
	bool got = false, eof = false;
	int ret = 0, result = 0;

	if (dec == NULL || pkt == NULL)
		goto out; /* no decoder here: cannot judge, not damaged */
	cc = AV(avcodec_alloc_context3)(dec);
	if (cc == NULL ||
	    AV(avcodec_parameters_to_context)(cc, fmt->streams[idx]->codecpar) < 0)
		goto out;
	cc->thread_count = 1;
	if ((ret = AV(avcodec_open2)(cc, dec, NULL)) < 0) {
		*err_r = ret;
		result = -1;
		goto out;
	}
	for (int n = 0; !got && !eof && n < PROBE_VIDEO_MAX_PACKETS; n++) {
		ret = AV(av_read_frame)(fmt, pkt);
		if (ret < 0) {
			eof = true;
			(void)AV(avcodec_send_packet)(cc, NULL); /* flush */
		} else if (pkt->stream_index != idx) {
			AV(av_packet_unref)(pkt);
			continue;
		} else {
			(void)AV(avcodec_send_packet)(cc, pkt); /* errors: try the next one */
			AV(av_packet_unref)(pkt);
		}
		got = AV(avcodec_receive_frame)(cc, frame) == 0;
	}
	*dec_r = dec->name;
	result = got ? 1 : -2;
out:
	AV(av_packet_free)(&pkt);
	AV(avcodec_free_context)(&cc);
	return result;
}

/* Decode until one frame comes out of stream idx. */
static void probe_video_decode(AVFormatContext *fmt, int idx, struct facts *f)
{
	AVFrame *frame = AV(av_frame_alloc)();
	const char *dec = "";
	int err = 0;

	if (frame == NULL)
		return;
	switch (probe_video_decode_frame(fmt, idx, frame, &err, &dec)) {
	case -1:
		probe_damaged(f, "video codec does not open: %s", PROBE_AV_ERR2STR(err));
		break;
	case -2:
		probe_damaged(f, "video does not decode (no frame from %s)", dec);
		break;
	}
	AV(av_frame_free)(&frame);
}

static void probe_video_fill(AVFormatContext *fmt, int idx, const struct probe_input *in,
			     struct facts *f)
{
	AVStream *st = fmt->streams[idx];
	int64_t end;

	f->kind = FACTS_KIND_VIDEO;
	probe_video_container(fmt, in, f);
	probe_strlcpy(f->codec, AV(avcodec_get_name)(st->codecpar->codec_id),
		      sizeof(f->codec));
	f->coded_width = st->codecpar->width;
	f->coded_height = st->codecpar->height;
	f->rotation = probe_video_rotation(st);
	f->display_width = f->rotation % 180 == 0 ? f->coded_width : f->coded_height;
	f->display_height = f->rotation % 180 == 0 ? f->coded_height : f->coded_width;
	if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
		f->duration = (double)fmt->duration / AV_TIME_BASE;
	else if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
		f->duration = (double)st->duration * av_q2d(st->time_base);
	else
		f->duration = -1;
	if (f->coded_width <= 0 || f->coded_height <= 0)
		probe_damaged(f, "video stream without a frame size");
	end = probe_video_index_end(fmt);
	if (end > (int64_t)in->size)
		probe_damaged(f, "truncated video (samples up to byte %lld of %llu)",
			      (long long)end, (unsigned long long)in->size);
}

/* Open the file of io as a video container: libavformat on our own I/O,
 * the demuxer chosen by content from the whitelist, no protocol. 0 with
 * *fmt_r and *pb_r (free both with probe_video_close()), or -1 with why[]. */
static int probe_video_open(struct probe_avio *io, int64_t probesize, int64_t analyzeduration,
			    AVFormatContext **fmt_r, AVIOContext **pb_r, char *why,
			    size_t why_size)
{
	AVFormatContext *fmt = AV(avformat_alloc_context)();
	AVDictionary *opts = NULL;
	unsigned char *iobuf = AV(av_malloc)(PROBE_VIDEO_IOBUF);
	int ret;

	*fmt_r = NULL;
	*pb_r = NULL;
	if (fmt == NULL || iobuf == NULL ||
	    (*pb_r = AV(avio_alloc_context)(iobuf, PROBE_VIDEO_IOBUF, 0, io, probe_avio_read,
					    NULL, probe_avio_seek)) == NULL) {
		snprintf(why, why_size, "out of memory");
		AV(av_free)(iobuf);
		AV(avformat_free_context)(fmt);
		return -1;
	}
	fmt->pb = *pb_r;
	fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	AV(av_dict_set_int)(&opts, "probesize", probesize, 0);
	AV(av_dict_set_int)(&opts, "analyzeduration", analyzeduration, 0);
	AV(av_dict_set)(&opts, "format_whitelist", PROBE_VIDEO_FORMATS, 0);
	AV(av_dict_set)(&opts, "protocol_whitelist", "none", 0);
	AV(av_dict_set_int)(&opts, "max_streams", 64, 0);
	/* "" as the name: the demuxer is picked by content only */
	ret = AV(avformat_open_input)(&fmt, "", NULL, &opts); /* frees fmt on failure */
	AV(av_dict_free)(&opts);
	*fmt_r = fmt;
	if (ret < 0) {
		snprintf(why, why_size, "not a readable video container (%s)",
			 PROBE_AV_ERR2STR(ret));
		return -1;
	}
	if ((ret = AV(avformat_find_stream_info)(fmt, NULL)) < 0) {
		snprintf(why, why_size, "video streams unreadable (%s)",
			 PROBE_AV_ERR2STR(ret));
		return -1;
	}
	return 0;
}

static void probe_video_close(AVFormatContext **fmt, AVIOContext **pb)
{
	AV(avformat_close_input)(fmt);
	if (*pb != NULL)
		AV(av_freep)(&(*pb)->buffer);
	AV(avio_context_free)(pb);
}

int probe_video(const struct probe_input *in, struct facts *f, char *why, size_t why_size)
{
	struct probe_avio io = { in->fd, 0, (int64_t)in->size };
	AVFormatContext *fmt = NULL;
	AVIOContext *pb = NULL;
	int idx, found = -1;

	if (probe_video_open(&io, in->set->video_probesize, in->set->video_analyzeduration,
			     &fmt, &pb, why, why_size) < 0)
		goto out;
	idx = probe_video_pick(fmt);
	if (idx < 0) {
		snprintf(why, why_size, "no video stream");
		found = 0;
		goto out;
	}
	found = 1;
	probe_video_fill(fmt, idx, in, f);
	if (!in->set->video_no_decode && !f->damaged)
		probe_video_decode(fmt, idx, f);
out:
	probe_video_close(&fmt, &pb);
	return found;
}

int probe_video_poster(int fd, uint64_t size, struct AVFrame *frame, int *rotation_r)
{
	struct probe_avio io = { fd, 0, (int64_t)size };
	AVFormatContext *fmt = NULL;
	AVIOContext *pb = NULL;
	const char *dec = "";
	char why[128];
	int idx, err = 0, ret = -1;

	*rotation_r = 0;
	if (!probe_av_loaded())
		return -1;
	if (probe_video_open(&io, PROBE_DEFAULT_VIDEO_PROBESIZE,
			     PROBE_DEFAULT_VIDEO_ANALYZEDURATION, &fmt, &pb, why, sizeof(why)) < 0)
		goto out;
	ret = 0;
	if ((idx = probe_video_pick(fmt)) < 0)
		goto out;
	*rotation_r = probe_video_rotation(fmt->streams[idx]);
	ret = probe_video_decode_frame(fmt, idx, frame, &err, &dec) == 1 ? 1 : 0;
out:
	probe_video_close(&fmt, &pb);
	return ret;
}
