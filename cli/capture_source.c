/*
 * capture_source.c — opening one capture: file or stdin, plain or gzip, pcap or pcapng.
 *
 * The kind of input is decided by its bytes: a seekable input has its first two bytes peeked
 * at (gzip starts 1f 8b) without moving; an unseekable one (a pipe on stdin) always goes
 * through zlib, which passes data that is not gzip through unchanged. libpcap then reads the
 * stream with microsecond timestamps and tells pcap from pcapng itself.
 */
#include "cli/capture_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/gz_stream.h"
#include "cli/errbuf.h"
#include "dissect/dissect.h"

/* zlib waits until its buffer is full: on a pipe, a small one keeps packets flowing as they
 * come, as stdio would; on a file, a large one reads faster. */
#define PIPE_GZ_BUFFER (8 * 1024)
#define FILE_GZ_BUFFER (128 * 1024)

static bool is_gzip_magic(const unsigned char magic[2])
{
    return magic[0] == 0x1f && magic[1] == 0x8b;
}

/* Wraps `fd` (owned from here on) in the stream libpcap will read. NULL with `err` set. */
static FILE *open_stream(struct capture_source *cs, int fd, char *err, size_t errlen)
{
    off_t at = lseek(fd, 0, SEEK_CUR);
    bool seekable = at >= 0;
    bool via_zlib = !seekable;    /* unseekable: zlib looks at the magic bytes itself */
    if (seekable) {
        unsigned char magic[2] = {0, 0};
        ssize_t got = pread(fd, magic, sizeof magic, at);
        if (got < 0) {
            errbuf_set(err, errlen, "cannot read: %s", strerror(errno));
            close(fd);
            return NULL;
        }
        via_zlib = got == (ssize_t)sizeof magic && is_gzip_magic(magic);
    }
    FILE *fp = via_zlib ? gz_stream_open(fd, seekable ? FILE_GZ_BUFFER : PIPE_GZ_BUFFER, &cs->gz)
                        : fdopen(fd, "rb");
    if (!fp) {
        errbuf_set(err, errlen, "cannot read: %s", strerror(errno));
        if (!via_zlib)
            close(fd);            /* gz_stream_open closes it itself on failure */
        cs->gz = NULL;
    }
    return fp;
}

/* Why libpcap refused the stream, in words; reads the stream's state, so call before fclose. */
static void describe_refusal(const struct capture_source *cs, const char *pcap_err, char *err,
                             size_t errlen)
{
    bool cut_short;
    const char *gz_err = capture_gzip_error(cs, &cut_short);
    if (gz_err)
        errbuf_set(err, errlen, "%s gzip data (%s)", cut_short ? "truncated" : "corrupt", gz_err);
    else if (cs->gz && gz_stream_bytes_out(cs->gz) == 0)
        errbuf_set(err, errlen, "empty input, not a capture");
    else if (strstr(pcap_err, "unknown file format"))
        errbuf_set(err, errlen, "not a pcap or pcapng capture (libpcap: unknown file format)");
    else
        errbuf_set(err, errlen, "not a readable capture (libpcap: %s)", pcap_err);
}

static int open_fd(const char *path, bool is_stdin, char *err, size_t errlen)
{
    int fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errbuf_set(err, errlen, "cannot open: %s", strerror(errno));
    return fd;
}

/* Refuses what cannot be a capture before libpcap sees it; fills cs->size. */
static int check_file_kind(struct capture_source *cs, int fd, char *err, size_t errlen)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return errbuf_set(err, errlen, "cannot open: %s", strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return errbuf_set(err, errlen, "is a directory, not a capture file");
    if (isatty(fd))
        return errbuf_set(err, errlen, "is a terminal; pipe a capture into it (tcpdump -w - | ...)");
    if (S_ISREG(sb.st_mode)) {
        if (sb.st_size == 0)
            return errbuf_set(err, errlen, "empty file, not a capture");
        cs->size = (int64_t)sb.st_size;
    }
    return 0;
}

static int check_link_type(struct capture_source *cs, char *err, size_t errlen)
{
    cs->linktype = pcap_datalink(cs->pcap);
    if (dissect_link_supported(cs->linktype))
        return 0;
    char name[64];
    return errbuf_set(err, errlen, "link type %s is not supported",
                dissect_link_name(cs->linktype, name, sizeof name));
}

int capture_open(const char *path, struct capture_source *cs, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    *cs = (struct capture_source){.path = path, .display_name = is_stdin ? "stdin" : path};
    int fd = open_fd(path, is_stdin, err, errlen);
    if (fd < 0)
        return -1;
    if (check_file_kind(cs, fd, err, errlen) < 0) {
        close(fd);
        return -1;
    }
    FILE *fp = open_stream(cs, fd, err, errlen);
    if (!fp)
        return -1;
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    cs->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO,
                                                        pcap_err);
    if (!cs->pcap) {              /* libpcap leaves the stream to us when it refuses it */
        describe_refusal(cs, pcap_err, err, errlen);
        fclose(fp);
        cs->gz = NULL;
        return -1;
    }
    if (check_link_type(cs, err, errlen) < 0) {
        capture_close(cs);
        return -1;
    }
    return 0;
}

static int compile_and(pcap_t *p, const char *filter, bool apply, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return errbuf_set(err, errlen, "%s", pcap_geterr(p));
    int rc = apply ? pcap_setfilter(p, &prog) : 0;
    if (rc != 0)
        errbuf_set(err, errlen, "%s", pcap_geterr(p));
    pcap_freecode(&prog);
    return rc == 0 ? 0 : -1;
}

int capture_set_filter(struct capture_source *cs, const char *filter, char *err, size_t errlen)
{
    return compile_and(cs->pcap, filter, true, err, errlen);
}

int capture_check_filter(const char *filter, char *err, size_t errlen)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    if (!dead)
        return errbuf_set(err, errlen, "out of memory");
    int rc = compile_and(dead, filter, false, err, errlen);
    pcap_close(dead);
    return rc;
}

double capture_fraction_read(const struct capture_source *cs)
{
    if (cs->size <= 0 || !cs->pcap)
        return -1;
    int64_t at = cs->gz ? gz_stream_compressed_offset(cs->gz)
                        : (int64_t)ftello(pcap_file(cs->pcap));
    if (at < 0)
        return -1;
    return at >= cs->size ? 1.0 : (double)at / (double)cs->size;
}

const char *capture_gzip_error(const struct capture_source *cs, bool *cut_short)
{
    *cut_short = false;
    return cs->gz ? gz_stream_error(cs->gz, cut_short) : NULL;
}

void capture_close(struct capture_source *cs)
{
    if (cs->pcap)
        pcap_close(cs->pcap);     /* closes the stream, and with it the gzip state and fd */
    cs->pcap = NULL;
    cs->gz = NULL;
}
