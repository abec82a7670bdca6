/*
 * capture_source.h — one capture file opened for reading: pcap or pcapng, plain or
 * gzip-compressed, a named file or stdin ("-").
 *
 * Compression is recognised by its magic bytes (1f 8b), not by the file name. Compressed input
 * is decompressed by zlib behind a stdio stream (fopencookie), so libpcap reads every kind of
 * input the same way. Nothing here prints: every failure comes back as a one-line message
 * (without the file name; the caller adds it).
 */
#ifndef FINSCOPE_CLI_CAPTURE_SOURCE_H
#define FINSCOPE_CLI_CAPTURE_SOURCE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gz_stream;

struct capture_source {
    const char *path;             /* as given; "-" for stdin */
    const char *display_name;     /* the path, or "stdin" */
    pcap_t *pcap;                 /* owns the stream below; NULL once closed */
    int linktype;                 /* pcap_datalink() */
    struct gz_stream *gz;         /* set when the input is gzip (or an unseekable stdin) */
    int64_t size;                 /* bytes in the file on disk; 0 when unknown (a pipe) */
};

/* Opens `path` ("-" = stdin). On failure returns -1 with the problem in `err`, nothing open. */
int capture_open(const char *path, struct capture_source *cs, char *err, size_t errlen);

/* Compiles `filter` for this capture's link type and applies it; -1 with libpcap's message. */
int capture_set_filter(struct capture_source *cs, const char *filter, char *err, size_t errlen);

/* Checks that `filter` is valid BPF syntax at all (against Ethernet), before any file is read. */
int capture_check_filter(const char *filter, char *err, size_t errlen);

/* Fraction of the file read so far, from the (compressed) byte offset; -1 when unknown. */
double capture_fraction_read(const struct capture_source *cs);

/* Why decompression failed ("invalid block type", ...), or NULL if it did not (or the input
 * is not compressed). *cut_short tells that the compressed data just ends too early. */
const char *capture_gzip_error(const struct capture_source *cs, bool *cut_short);

/* Closes everything. Safe to call twice. */
void capture_close(struct capture_source *cs);

#endif
