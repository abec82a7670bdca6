/*
 * gz_stream.c — zlib's gzread() behind a stdio stream made with fopencookie() (see gz_stream.h).
 *
 * The stream is read-only and not seekable; libpcap only reads forward. The first
 * decompression error is copied into the stream, since zlib's text goes away with gzclose().
 */
#include "cli/gz_stream.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct gz_stream {
    gzFile gz;
    uint64_t bytes_out;
    int errnum;                   /* zlib's code for the first problem, Z_OK until then */
    char error[160];              /* its message */
};

/* zlib prefixes its messages with the path, "<fd:3>" for descriptors; keep only the problem. */
static void note_error(struct gz_stream *s)
{
    int errnum = Z_OK;
    const char *msg = gzerror(s->gz, &errnum);
    if (errnum == Z_OK || s->errnum != Z_OK)
        return;
    s->errnum = errnum;
    if (errnum == Z_ERRNO)
        msg = strerror(errno);
    else if (msg && strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
        msg = strstr(msg, ": ") + 2;
    snprintf(s->error, sizeof s->error, "%s", msg ? msg : "decompression failed");
}

static ssize_t read_cookie(void *cookie, char *buf, size_t size)
{
    struct gz_stream *s = cookie;
    unsigned want = size > INT_MAX ? INT_MAX : (unsigned)size;
    int got = gzread(s->gz, buf, want);
    if (got < 0 || (unsigned)got < want)
        note_error(s);            /* a short read is end of input, or data cut short */
    if (got < 0)
        return -1;
    s->bytes_out += (unsigned)got;
    return got;
}

static int close_cookie(void *cookie)
{
    struct gz_stream *s = cookie;
    int rc = gzclose(s->gz);
    free(s);
    return rc == Z_OK ? 0 : -1;
}

FILE *gz_stream_open(int fd, unsigned buffer_bytes, struct gz_stream **gz)
{
    struct gz_stream *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return NULL;
    }
    s->gz = gzdopen(fd, "rb");
    if (!s->gz) {
        close(fd);
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    gzbuffer(s->gz, buffer_bytes);
    cookie_io_functions_t io = {.read = read_cookie, .close = close_cookie};
    FILE *fp = fopencookie(s, "rb", io);
    if (!fp) {
        int saved = errno;
        close_cookie(s);
        errno = saved;
        return NULL;
    }
    *gz = s;
    return fp;
}

int64_t gz_stream_compressed_offset(const struct gz_stream *gz)
{
    return (int64_t)gzoffset(gz->gz);
}

uint64_t gz_stream_bytes_out(const struct gz_stream *gz)
{
    return gz->bytes_out;
}

const char *gz_stream_error(const struct gz_stream *gz, bool *cut_short)
{
    *cut_short = gz->errnum == Z_BUF_ERROR;
    return gz->errnum != Z_OK ? gz->error : NULL;
}
