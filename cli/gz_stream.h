/*
 * gz_stream.h — a gzip-compressed file descriptor read as a plain stdio stream.
 *
 * zlib's gzread() decompresses behind a FILE* made with fopencookie(), so that libpcap (which
 * takes a FILE*) reads compressed captures like any other. Data that is not gzip passes
 * through unchanged (zlib's transparent mode), which is how an unseekable stdin is read: its
 * first bytes cannot be peeked at and put back, so zlib looks at the magic bytes itself.
 */
#ifndef FINSCOPE_CLI_GZ_STREAM_H
#define FINSCOPE_CLI_GZ_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct gz_stream;

/* Takes ownership of `fd`: on success the returned stream owns it and *gz points at the
 * decompressor (valid until the stream is fclose()d); on failure fd is closed and NULL
 * returned with errno set. zlib fills its buffer before it hands anything out, so a pipe fed
 * slowly (tcpdump -w -) wants a small `buffer_bytes`; a file a large one. */
FILE *gz_stream_open(int fd, unsigned buffer_bytes, struct gz_stream **gz);

/* Decompresses the first n (at most 8) bytes of the data and copies them to buf without
 * consuming them: the stream still hands them out first. Call before the first read. Returns
 * how many there were (fewer at the end of the data or on a problem). */
size_t gz_stream_peek(struct gz_stream *gz, void *buf, size_t n);
/* Bytes of the compressed file consumed so far (for progress). */
int64_t gz_stream_compressed_offset(const struct gz_stream *gz);
/* Bytes handed out after decompression so far. */
uint64_t gz_stream_bytes_out(const struct gz_stream *gz);
/* zlib's message for the first decompression error, or NULL when there was none;
 * *cut_short tells that the compressed data merely ends too early (a truncated file). */
const char *gz_stream_error(const struct gz_stream *gz, bool *cut_short);

#endif
