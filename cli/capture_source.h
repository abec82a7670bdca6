/*
 * capture_source.h — one capture file opened for reading: pcap or pcapng, plain or
 * gzip-compressed, a named file or stdin ("-"), read one record at a time, each record with
 * its own link type and capture time.
 *
 * Compression is recognised by its magic bytes (1f 8b), not by the file name. Compressed input
 * is decompressed by zlib behind a stdio stream (fopencookie). libpcap reads every file it can
 * read whole; a pcapng file libpcap refuses (interfaces of different link types or snapshot
 * lengths, sections of different byte orders, ...) is read by finscope's own reader
 * (pcapng_read.h) instead, from the start: a seekable file is opened again and the records
 * libpcap already gave are skipped; a pcapng stream that cannot be opened again (stdin, a
 * pipe) goes to finscope's reader from the start. docs/input.md says what each reader accepts.
 *
 * Nothing here prints: every failure comes back as a one-line message (without the file name;
 * the caller adds it).
 */
#ifndef FINSCOPE_CLI_CAPTURE_SOURCE_H
#define FINSCOPE_CLI_CAPTURE_SOURCE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gz_stream;
struct pcapng_reader;

/* One record; `data` is valid until the next capture_next() or capture_close() on its source. */
struct capture_record {
    int linktype;                 /* libpcap DLT_ number of the record's interface */
    int64_t ts_us;                /* capture time, Unix microseconds (seconds in [0, 10^12]) */
    uint16_t ts_sub_ns;           /* nanoseconds past ts_us (0-999), to order records finely */
    uint32_t caplen, len;         /* captured bytes, bytes on the wire */
    const uint8_t *data;
};

/* Why reading a source stopped. */
enum capture_stop {
    CAPTURE_READING = 0,          /* not stopped */
    CAPTURE_END,                  /* the data ended cleanly */
    CAPTURE_TRUNCATED,            /* it ended inside a record */
    CAPTURE_CORRUPT_GZIP,         /* decompression failed (message: zlib's) */
    CAPTURE_BAD_RECORD,           /* a record or block that cannot be read (message says why) */
};

struct capture_source {
    const char *path;             /* as given; "-" for stdin */
    const char *display_name;     /* the path, or "stdin" */
    int64_t size;                 /* bytes in the file on disk; 0 when unknown (a pipe) */
    bool reopenable;              /* a seekable file: it can be opened again */
    bool pcapng;                  /* the data starts with a pcapng section header */
    int linktype;                 /* the first interface's; -1 when the file describes none */
    pcap_t *pcap;                 /* libpcap reads the file (it owns the stream), or */
    struct pcapng_reader *ng;     /* finscope's pcapng reader reads `fp` */
    FILE *fp;                     /* the stream, while ng reads it */
    struct gz_stream *gz;         /* set when the input is gzip (or an unseekable stdin) */
    uint64_t records;             /* records delivered so far */
    enum capture_stop stop;
    char stop_msg[256];           /* for CAPTURE_CORRUPT_GZIP and CAPTURE_BAD_RECORD */
};

/* Opens `path` ("-" = stdin). On failure returns -1 with the problem in `err`, nothing open. */
int capture_open(const char *path, struct capture_source *cs, char *err, size_t errlen);

/* The next record: 1 with *rec filled, 0 when reading stopped (cs->stop says why; it stays
 * stopped). */
int capture_next(struct capture_source *cs, struct capture_record *rec);

/* Bytes of the file read so far (compressed bytes for gzip); -1 when unknown. */
int64_t capture_bytes_read(const struct capture_source *cs);

/* Closes everything. Safe to call twice. */
void capture_close(struct capture_source *cs);

#endif
