/*
 * capture_source.c — opening one capture and reading its records: file or stdin, plain or
 * gzip, pcap or pcapng; libpcap, or finscope's pcapng reader where libpcap refuses the file.
 *
 * The kind of input is decided by its bytes: a seekable input has its first bytes peeked at
 * (gzip starts 1f 8b, pcapng 0a 0d 0d 0a) without moving; an unseekable one (a pipe) always
 * goes through zlib, which passes data that is not gzip through unchanged and lets its first
 * decompressed bytes be peeked at. libpcap reads with nanosecond timestamps (records from
 * different files are ordered by them); records are handed on in microseconds.
 *
 * Which reader: libpcap, unless the data is pcapng and libpcap refuses it. libpcap reads a
 * pcapng file's blocks as it goes, so it may refuse one after it delivered records (a second
 * interface of another link type); then the file is opened again, finscope's reader skips the
 * records libpcap delivered (both count every packet block, in file order, one record each),
 * and goes on. An unseekable pcapng input cannot be read twice: finscope's reader reads it
 * from the start. A libpcap error that says the file is truncated, or a gzip error, is not
 * handed over: the file really ends there.
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
#include "cli/pcapng_read.h"
#include "dissect/dissect.h"

/* zlib waits until its buffer is full: on a pipe, a small one keeps packets flowing as they
 * come, as stdio would; on a file, a large one reads faster. */
#define PIPE_GZ_BUFFER (8 * 1024)
#define FILE_GZ_BUFFER (128 * 1024)
#define MAX_RECORD_SEC 1000000000000LL   /* as cli/pipeline.c */

static const unsigned char PCAPNG_MAGIC[4] = {0x0a, 0x0d, 0x0d, 0x0a};

static bool is_gzip_magic(const unsigned char magic[2])
{
    return magic[0] == 0x1f && magic[1] == 0x8b;
}

/* ---- opening the stream -------------------------------------------------------------------- */

/* Wraps `fd` (owned from here on) in the stream a reader will read, and notes whether the data
 * is pcapng. NULL with `err` set. */
static FILE *open_stream(struct capture_source *cs, int fd, char *err, size_t errlen)
{
    off_t at = lseek(fd, 0, SEEK_CUR);
    bool seekable = at >= 0;
    bool via_zlib = !seekable;    /* unseekable: zlib looks at the magic bytes itself */
    unsigned char magic[4] = {0, 0, 0, 0};
    ssize_t got = 0;
    if (seekable) {
        got = pread(fd, magic, sizeof magic, at);
        if (got < 0) {
            errbuf_set(err, errlen, "cannot read: %s", strerror(errno));
            close(fd);
            return NULL;
        }
        via_zlib = got >= 2 && is_gzip_magic(magic);
    }
    cs->gz = NULL;
    FILE *fp = via_zlib ? gz_stream_open(fd, seekable ? FILE_GZ_BUFFER : PIPE_GZ_BUFFER, &cs->gz)
                        : fdopen(fd, "rb");
    if (!fp) {
        errbuf_set(err, errlen, "cannot read: %s", strerror(errno));
        if (!via_zlib)
            close(fd);            /* gz_stream_open closes it itself on failure */
        cs->gz = NULL;
        return NULL;
    }
    if (cs->gz)
        got = (ssize_t)gz_stream_peek(cs->gz, magic, sizeof magic);
    cs->pcapng = got == (ssize_t)sizeof magic && memcmp(magic, PCAPNG_MAGIC, 4) == 0;
    return fp;
}

/* Why libpcap refused the stream, in words; reads the stream's state, so call before fclose. */
static void describe_refusal(const struct capture_source *cs, const char *pcap_err, char *err,
                             size_t errlen)
{
    bool cut_short;
    const char *gz_err = cs->gz ? gz_stream_error(cs->gz, &cut_short) : NULL;
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

/* Refuses what cannot be a capture before a reader sees it; fills cs->size, cs->reopenable. */
static int check_file_kind(struct capture_source *cs, int fd, bool is_stdin, char *err,
                           size_t errlen)
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
        cs->reopenable = !is_stdin && lseek(fd, 0, SEEK_CUR) == 0;
    }
    return 0;
}

/* The file opened again from its start, as a stream; NULL with `err` set. */
static FILE *reopen_stream(struct capture_source *cs, char *err, size_t errlen)
{
    int fd = open_fd(cs->path, false, err, errlen);
    return fd < 0 ? NULL : open_stream(cs, fd, err, errlen);
}

/* ---- the two readers ----------------------------------------------------------------------- */

/* finscope's pcapng reader takes the stream `fp` (owned from here on). */
static int start_own_reader(struct capture_source *cs, FILE *fp, char *err, size_t errlen)
{
    char why[256];
    cs->ng = pcapng_open(fp, why, sizeof why);
    if (!cs->ng) {
        bool cut_short;
        const char *gz_err = cs->gz ? gz_stream_error(cs->gz, &cut_short) : NULL;
        if (gz_err)
            errbuf_set(err, errlen, "%s gzip data (%s)", cut_short ? "truncated" : "corrupt",
                       gz_err);
        else
            errbuf_set(err, errlen, "not a readable capture (%s)", why);
        fclose(fp);
        cs->gz = NULL;
        return -1;
    }
    cs->fp = fp;
    return 0;
}

/* libpcap takes the stream; when it refuses pcapng data, finscope's reader reads the file from
 * its start instead. -1 with `err` set when neither can. */
static int start_reader(struct capture_source *cs, FILE *fp, char *err, size_t errlen)
{
    if (cs->pcapng && !cs->reopenable)
        return start_own_reader(cs, fp, err, errlen);
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    cs->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (cs->pcap)
        return 0;
    bool cut_short;               /* libpcap leaves the stream to us when it refuses it */
    bool own = cs->pcapng && !(cs->gz && gz_stream_error(cs->gz, &cut_short));
    if (!own)
        describe_refusal(cs, pcap_err, err, errlen);
    fclose(fp);
    cs->gz = NULL;
    if (!own || !(fp = reopen_stream(cs, err, errlen)))
        return -1;
    return start_own_reader(cs, fp, err, errlen);
}

static int check_link_type(struct capture_source *cs, char *err, size_t errlen)
{
    cs->linktype = cs->pcap ? pcap_datalink(cs->pcap) : pcapng_first_linktype(cs->ng);
    if (cs->linktype < 0 || dissect_link_supported(cs->linktype))
        return 0;
    char name[64];
    return errbuf_set(err, errlen, "link type %s is not supported",
                      dissect_link_name(cs->linktype, name, sizeof name));
}

int capture_open(const char *path, struct capture_source *cs, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    *cs = (struct capture_source){.path = path, .display_name = is_stdin ? "stdin" : path,
                                  .linktype = -1};
    int fd = open_fd(path, is_stdin, err, errlen);
    if (fd < 0)
        return -1;
    if (check_file_kind(cs, fd, is_stdin, err, errlen) < 0) {
        close(fd);
        return -1;
    }
    FILE *fp = open_stream(cs, fd, err, errlen);
    if (!fp || start_reader(cs, fp, err, errlen) != 0)
        return -1;
    if (check_link_type(cs, err, errlen) < 0) {
        capture_close(cs);
        return -1;
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* Seconds clamped to [0, MAX_RECORD_SEC] and a fraction in nanoseconds -> the record's time. */
static void set_time(struct capture_record *rec, int64_t sec, int64_t nsec)
{
    sec = sec < 0 ? 0 : sec > MAX_RECORD_SEC ? MAX_RECORD_SEC : sec;
    rec->ts_us = sec * 1000000 + nsec / 1000;
    rec->ts_sub_ns = (uint16_t)(nsec % 1000);
}

/* Reading stopped: a clean end, unless the decompression failed. Returns 0. */
static int stop(struct capture_source *cs, enum capture_stop why, const char *msg)
{
    bool cut_short;
    const char *gz_err = cs->gz ? gz_stream_error(cs->gz, &cut_short) : NULL;
    if (gz_err) {
        why = cut_short ? CAPTURE_TRUNCATED : CAPTURE_CORRUPT_GZIP;
        msg = gz_err;
    }
    cs->stop = why;
    snprintf(cs->stop_msg, sizeof cs->stop_msg, "%s", msg ? msg : "");
    return 0;
}

/* libpcap refused a block of a pcapng file part way: finscope's reader takes over after the
 * records libpcap delivered. 0, or -1 (reading stopped, with why). */
static int hand_over(struct capture_source *cs)
{
    char err[256];
    pcap_close(cs->pcap);         /* closes the stream, and with it the gzip state and fd */
    cs->pcap = NULL;
    cs->gz = NULL;
    FILE *fp = reopen_stream(cs, err, sizeof err);
    if (!fp || start_own_reader(cs, fp, err, sizeof err) != 0) {
        stop(cs, CAPTURE_BAD_RECORD, err);
        return -1;
    }
    struct pcapng_record skip;
    for (uint64_t i = 0; i < cs->records; i++) {
        int rc = pcapng_next(cs->ng, &skip);
        if (rc == 1)
            continue;
        bool truncated;
        const char *msg = pcapng_error(cs->ng, &truncated);
        stop(cs, CAPTURE_BAD_RECORD, rc == 0 ? "the file became shorter while it was read" : msg);
        return -1;
    }
    return 0;
}

static int next_from_pcap(struct capture_source *cs, struct capture_record *rec)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(cs->pcap, &h, &data);
    if (rc == 1) {
        int64_t ns = (int64_t)h->ts.tv_usec;   /* nanoseconds: opened with nano precision */
        set_time(rec, (int64_t)h->ts.tv_sec, ns < 0 || ns > UINT32_MAX * 1000LL ? 0 : ns);
        rec->linktype = cs->linktype;
        rec->caplen = h->caplen;
        rec->len = h->len;
        rec->data = data;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return stop(cs, CAPTURE_END, NULL);
    const char *msg = pcap_geterr(cs->pcap);
    if (strncmp(msg, "truncated", 9) == 0)
        return stop(cs, CAPTURE_TRUNCATED, NULL);
    bool cut_short;
    if (!cs->pcapng || !cs->reopenable || (cs->gz && gz_stream_error(cs->gz, &cut_short)))
        return stop(cs, CAPTURE_BAD_RECORD, msg);
    return hand_over(cs) == 0 ? -1 : 0;      /* -1: read on with finscope's reader */
}

static int next_from_own(struct capture_source *cs, struct capture_record *rec)
{
    struct pcapng_record r;
    int rc = pcapng_next(cs->ng, &r);
    if (rc == 1) {
        set_time(rec, r.sec, r.nsec);
        rec->linktype = r.linktype;
        rec->caplen = r.caplen;
        rec->len = r.len;
        rec->data = r.data;
        return 1;
    }
    if (rc == 0)
        return stop(cs, CAPTURE_END, NULL);
    bool truncated;
    const char *msg = pcapng_error(cs->ng, &truncated);
    if (truncated && ferror(cs->fp))
        return stop(cs, CAPTURE_BAD_RECORD, "read error");
    return stop(cs, truncated ? CAPTURE_TRUNCATED : CAPTURE_BAD_RECORD, msg);
}

int capture_next(struct capture_source *cs, struct capture_record *rec)
{
    if (cs->stop != CAPTURE_READING)
        return 0;
    int rc = cs->pcap ? next_from_pcap(cs, rec) : -1;
    if (rc < 0 && cs->ng)
        rc = next_from_own(cs, rec);
    if (rc == 1)
        cs->records++;
    return rc < 0 ? 0 : rc;
}

int64_t capture_bytes_read(const struct capture_source *cs)
{
    if (cs->gz)
        return gz_stream_compressed_offset(cs->gz);
    FILE *fp = cs->pcap ? pcap_file(cs->pcap) : cs->fp;
    return fp ? (int64_t)ftello(fp) : -1;
}

void capture_close(struct capture_source *cs)
{
    if (cs->pcap)
        pcap_close(cs->pcap);     /* closes the stream, and with it the gzip state and fd */
    pcapng_close(cs->ng);
    if (cs->fp)
        fclose(cs->fp);
    cs->pcap = NULL;
    cs->ng = NULL;
    cs->fp = NULL;
    cs->gz = NULL;
}
