/*
 * gz_stream.c — zlib's inflate() behind a stdio stream made with fopencookie() (see gz_stream.h).
 *
 * The stream is read-only and not seekable; libpcap only reads forward. inflate() is driven
 * directly (not gzread()) so that every byte decompressed before a problem is handed out:
 * gzread() drops what it decompressed in a call that then fails, which lost up to its whole
 * buffer of good records before a corrupt block (or all of a file whose trailing CRC is wrong).
 * Concatenated gzip members are read one after the other, as gzip -d does; bytes after the last
 * member that are not another member are ignored, as zlib's gzread() does. Input that does not
 * start with the gzip magic is passed through unchanged (an unseekable stdin comes here
 * whatever it holds). The first problem is kept in the stream, since it ends the data.
 */
#include "cli/gz_stream.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum gz_mode { GZ_LOOK, GZ_INFLATE, GZ_COPY, GZ_DONE };

struct gz_stream {
    int fd;
    z_stream z;
    bool z_ready;                 /* inflateInit2 done */
    enum gz_mode mode;
    bool in_eof;                  /* read() returned 0 */
    unsigned char *in;            /* compressed input; z.next_in/avail_in point into it */
    unsigned in_size;
    uint64_t bytes_in;            /* bytes read from fd */
    uint64_t bytes_out;
    unsigned char peeked[8];      /* bytes produced by gz_stream_peek, handed out first */
    unsigned npeeked, peek_at;
    int errnum;                   /* zlib's code for the first problem, Z_OK until then */
    char error[160];              /* its message */
};

static void set_error(struct gz_stream *s, int errnum, const char *msg)
{
    if (s->errnum != Z_OK)
        return;
    s->errnum = errnum;
    snprintf(s->error, sizeof s->error, "%s", msg && msg[0] ? msg : "decompression failed");
}

/* Refills the input buffer when it is empty; 0, or -1 on a read error (recorded). */
static int fill_input(struct gz_stream *s)
{
    if (s->z.avail_in > 0 || s->in_eof)
        return 0;
    ssize_t got;
    do
        got = read(s->fd, s->in, s->in_size);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        set_error(s, Z_ERRNO, strerror(errno));
        return -1;
    }
    s->in_eof = got == 0;
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)got;
    s->bytes_in += (uint64_t)got;
    return 0;
}

/* Decides, from the first two bytes of a member (or of the input), how to go on. */
static int look(struct gz_stream *s, bool first)
{
    while (s->z.avail_in < 2 && !s->in_eof) {
        if (s->z.avail_in == 1) {     /* keep the one byte, read one more beside it */
            s->in[0] = s->z.next_in[0];
            ssize_t got;
            do
                got = read(s->fd, s->in + 1, s->in_size - 1);
            while (got < 0 && errno == EINTR);
            if (got < 0) {
                set_error(s, Z_ERRNO, strerror(errno));
                return -1;
            }
            s->in_eof = got == 0;
            s->z.next_in = s->in;
            s->z.avail_in = 1 + (uInt)got;
            s->bytes_in += (uint64_t)got;
        } else if (fill_input(s) < 0) {
            return -1;
        }
    }
    bool magic = s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b;
    if (!magic) {
        s->mode = first ? GZ_COPY : GZ_DONE;   /* not gzip at all, or trailing bytes */
        return 0;
    }
    int rc = s->z_ready ? inflateReset(&s->z) : inflateInit2(&s->z, 15 + 16);
    if (rc != Z_OK) {
        set_error(s, rc, s->z.msg ? s->z.msg : "cannot start decompression");
        return -1;
    }
    s->z_ready = true;
    s->mode = GZ_INFLATE;
    return 0;
}

/* Decompresses into buf; returns the bytes produced (0 at the end or after a problem). */
static size_t inflate_some(struct gz_stream *s, unsigned char *buf, unsigned want)
{
    s->z.next_out = buf;
    s->z.avail_out = want;
    while (s->z.avail_out == want) {
        if (fill_input(s) < 0)
            break;
        if (s->z.avail_in == 0 && s->in_eof) {
            set_error(s, Z_BUF_ERROR, "unexpected end of file");
            break;
        }
        int rc = inflate(&s->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            s->mode = GZ_LOOK;
            break;
        }
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR ||
            rc == Z_STREAM_ERROR) {
            set_error(s, rc == Z_NEED_DICT ? Z_DATA_ERROR : rc, s->z.msg);
            break;
        }
    }
    return want - s->z.avail_out;  /* what came out before any problem is kept */
}

static size_t copy_some(struct gz_stream *s, unsigned char *buf, unsigned want)
{
    if (fill_input(s) < 0 || s->z.avail_in == 0)
        return 0;
    unsigned n = s->z.avail_in < want ? s->z.avail_in : want;
    memcpy(buf, s->z.next_in, n);
    s->z.next_in += n;
    s->z.avail_in -= n;
    return n;
}

/* Up to `want` bytes of output; 0 at the end of the data or after a problem (in s->error). */
static size_t produce(struct gz_stream *s, unsigned char *buf, unsigned want)
{
    size_t got = 0;
    while (got == 0 && s->errnum == Z_OK && s->mode != GZ_DONE) {
        if (s->mode == GZ_LOOK && look(s, s->bytes_out == 0 && !s->z_ready) < 0)
            break;
        if (s->mode == GZ_INFLATE)
            got = inflate_some(s, buf, want);
        else if (s->mode == GZ_COPY && (got = copy_some(s, buf, want)) == 0)
            s->mode = GZ_DONE;
    }
    s->bytes_out += got;
    return got;
}

static ssize_t read_cookie(void *cookie, char *buf, size_t size)
{
    struct gz_stream *s = cookie;
    unsigned want = size > INT_MAX ? INT_MAX : (unsigned)size;
    if (s->peek_at < s->npeeked) {  /* what gz_stream_peek looked at comes first */
        unsigned n = s->npeeked - s->peek_at;
        n = n < want ? n : want;
        memcpy(buf, s->peeked + s->peek_at, n);
        s->peek_at += n;
        return (ssize_t)n;
    }
    return (ssize_t)produce(s, (unsigned char *)buf, want);
}

size_t gz_stream_peek(struct gz_stream *gz, void *buf, size_t n)
{
    if (n > sizeof gz->peeked)
        n = sizeof gz->peeked;
    while (gz->npeeked < n) {
        size_t got = produce(gz, gz->peeked + gz->npeeked, (unsigned)(n - gz->npeeked));
        if (got == 0)
            break;
        gz->npeeked += (unsigned)got;
    }
    memcpy(buf, gz->peeked, gz->npeeked);
    return gz->npeeked;
}

static int close_cookie(void *cookie)
{
    struct gz_stream *s = cookie;
    if (s->z_ready)
        inflateEnd(&s->z);
    int rc = close(s->fd);
    free(s->in);
    free(s);
    return rc;
}

FILE *gz_stream_open(int fd, unsigned buffer_bytes, struct gz_stream **gz)
{
    struct gz_stream *s = calloc(1, sizeof *s);
    unsigned size = buffer_bytes < 4096 ? 4096 : buffer_bytes;
    unsigned char *in = s ? malloc(size) : NULL;
    if (!in) {
        free(s);
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    s->fd = fd;
    s->in = in;
    s->in_size = size;
    s->mode = GZ_LOOK;
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
    return (int64_t)(gz->bytes_in - gz->z.avail_in);
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
