/*
 * pcapng_read.c — finscope's own pcapng reader (see pcapng_read.h; the format is
 * draft-ietf-opsawg-pcapng).
 *
 * A block is: type (4), total length (4), body, total length again (4), in the byte order of
 * its section. read_block() reads one whole block into r->buf and checks its framing (length
 * at least 12, a multiple of 4, at most PCAPNG_MAX_BLOCK, both lengths equal); the parsers
 * below then see only r->buf[0, r->len) and read every field through get16/get32/get64 at an
 * offset they have checked against r->len. A Section Header Block sets the byte order and
 * forgets the interfaces of the section before it.
 */
#include "cli/pcapng_read.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u         /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define MAX_SEC 1000000000000LL   /* as cli/pipeline.c: year 33658 */

struct iface {
    int linktype;                 /* DLT_ */
    uint32_t snaplen;             /* 0: no limit */
    uint64_t units;               /* timestamp units per second (if_tsresol) */
    int64_t offset;               /* seconds added to every timestamp (if_tsoffset) */
};

struct pcapng_reader {
    FILE *fp;
    uint64_t offset;              /* bytes consumed */
    uint64_t block_at;            /* offset of the block in buf */
    bool swap;                    /* this section's byte order is not the host's */
    uint8_t *buf;                 /* the current block, whole */
    uint32_t len, cap;
    struct iface *ifaces;         /* this section's interfaces */
    uint32_t nifaces, ifaces_cap;
    int first_linktype;
    int64_t last_sec;             /* time of the last record, for Simple Packet Blocks */
    uint32_t last_nsec;
    bool failed, truncated;
    char error[200];
};

/* ---- errors and fields --------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int fail(struct pcapng_reader *r, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(r->error, sizeof r->error, "malformed pcapng, block at byte %llu: %s",
             (unsigned long long)r->block_at, what);
    r->failed = true;
    return -1;
}

static int cut_short(struct pcapng_reader *r)
{
    snprintf(r->error, sizeof r->error, "pcapng data ends inside the block at byte %llu",
             (unsigned long long)r->block_at);
    r->failed = r->truncated = true;
    return -1;
}

static uint32_t swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

/* Fields of r->buf at `at`; the caller has checked at + size <= r->len. */
static uint16_t get16(const struct pcapng_reader *r, uint32_t at)
{
    uint16_t v;
    memcpy(&v, r->buf + at, 2);
    return r->swap ? (uint16_t)((v >> 8) | (v << 8)) : v;
}

static uint32_t get32(const struct pcapng_reader *r, uint32_t at)
{
    uint32_t v;
    memcpy(&v, r->buf + at, 4);
    return r->swap ? swap32(v) : v;
}

static uint64_t get64(const struct pcapng_reader *r, uint32_t at)
{
    uint64_t v;
    memcpy(&v, r->buf + at, 8);
    return r->swap ? ((uint64_t)swap32((uint32_t)v) << 32) | swap32((uint32_t)(v >> 32)) : v;
}

/* ---- reading whole blocks ------------------------------------------------------------------ */

/* n bytes into dst: 1 read, 0 nothing at all was left, -1 the data ended part way. */
static int read_bytes(struct pcapng_reader *r, void *dst, size_t n)
{
    size_t got = fread(dst, 1, n, r->fp);
    r->offset += got;
    if (got == n)
        return 1;
    return got == 0 ? 0 : -1;
}

static int grow(struct pcapng_reader *r, uint32_t need)
{
    if (need <= r->cap)
        return 0;
    uint32_t cap = r->cap ? r->cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *nb = realloc(r->buf, cap);
    if (!nb) {
        snprintf(r->error, sizeof r->error, "out of memory for a pcapng block of %u bytes", need);
        r->failed = true;
        return -1;
    }
    r->buf = nb;
    r->cap = cap;
    return 0;
}

/* The byte order of a new section, from its byte-order magic (the 4 bytes after the length). */
static int section_order(struct pcapng_reader *r, const uint8_t head[12])
{
    uint32_t magic;
    memcpy(&magic, head + 8, 4);
    if (magic == BYTE_ORDER_MAGIC)
        r->swap = false;
    else if (magic == swap32(BYTE_ORDER_MAGIC))
        r->swap = true;
    else
        return fail(r, "section header's byte-order magic is %02x %02x %02x %02x, not "
                    "1a 2b 3c 4d in either order", head[8], head[9], head[10], head[11]);
    return 0;
}

/* Reads the next block into r->buf: 1, 0 at the end of the data between blocks, or -1. */
static int read_block(struct pcapng_reader *r)
{
    uint8_t head[12];
    r->block_at = r->offset;
    int rc = read_bytes(r, head, 8);
    if (rc <= 0)
        return rc == 0 ? 0 : cut_short(r);
    uint32_t type;
    memcpy(&type, head, 4);
    bool shb = type == BT_SHB;    /* the same in both byte orders */
    if (shb && (rc = read_bytes(r, head + 8, 4)) <= 0)
        return cut_short(r);
    if (shb && section_order(r, head) != 0)
        return -1;
    r->len = 0;                   /* nothing valid in r->buf until the block is read whole */
    uint32_t raw_len;
    memcpy(&raw_len, head + 4, 4);
    uint32_t total = r->swap ? swap32(raw_len) : raw_len;
    if (total < 12 || total % 4 != 0)
        return fail(r, "block length %u is %s", total,
                    total < 12 ? "below the minimum of 12" : "not a multiple of 4");
    if (total > PCAPNG_MAX_BLOCK)
        return fail(r, "block length %u is over the limit of %u", total, PCAPNG_MAX_BLOCK);
    if (shb && total < 28)
        return fail(r, "section header of %u bytes, below the minimum of 28", total);
    if (grow(r, total) != 0)
        return -1;
    uint32_t have = shb ? 12 : 8;
    memcpy(r->buf, head, have);
    if (read_bytes(r, r->buf + have, total - have) != 1)
        return cut_short(r);
    r->len = total;
    if (get32(r, total - 4) != total)
        return fail(r, "block length %u at its start, %u at its end", total,
                    get32(r, total - 4));
    return 1;
}

/* ---- section and interface blocks ---------------------------------------------------------- */

static int on_section(struct pcapng_reader *r)
{
    uint16_t major = get16(r, 12), minor = get16(r, 14);
    if (major != 1)
        return fail(r, "section header version %u.%u, only 1.x is known", major, minor);
    r->nifaces = 0;               /* interface numbers start again in each section */
    return 0;
}

/* if_tsresol: 10^-v seconds, or 2^-(v & 0x7f) when the top bit is set. */
static int set_resolution(struct pcapng_reader *r, struct iface *ifc, uint8_t v)
{
    unsigned exp = v & 0x7f;
    bool pow2 = v & 0x80;
    if (exp > (pow2 ? 63u : 19u))
        return fail(r, "interface time resolution %s^-%u does not fit 64 bits",
                    pow2 ? "2" : "10", exp);
    ifc->units = 1;
    for (unsigned i = 0; i < exp; i++)
        ifc->units *= pow2 ? 2 : 10;
    return 0;
}

/* Walks the options from `at` to the block's trailing length; reads if_tsresol and
 * if_tsoffset, skips the others. Every option must lie inside the block. */
static int interface_options(struct pcapng_reader *r, struct iface *ifc, uint32_t at)
{
    uint32_t end = r->len - 4;
    while (at + 4 <= end) {
        uint16_t code = get16(r, at), olen = get16(r, at + 2);
        at += 4;
        if (code == OPT_ENDOFOPT)
            break;
        if (olen > end - at)
            return fail(r, "interface option %u of %u bytes runs past the block", code, olen);
        if (code == OPT_IF_TSRESOL || code == OPT_IF_TSOFFSET) {
            uint16_t want = code == OPT_IF_TSRESOL ? 1 : 8;
            if (olen != want)
                return fail(r, "interface option %s is %u bytes, not %u",
                            code == OPT_IF_TSRESOL ? "if_tsresol" : "if_tsoffset", olen, want);
            if (code == OPT_IF_TSRESOL && set_resolution(r, ifc, r->buf[at]) != 0)
                return -1;
            if (code == OPT_IF_TSOFFSET)
                ifc->offset = (int64_t)get64(r, at);
        }
        uint32_t padded = (olen + 3u) & ~3u;
        at += padded < end - at ? padded : end - at;   /* the last option's padding may lack */
    }
    return 0;
}

static int on_interface(struct pcapng_reader *r)
{
    if (r->len < 20)
        return fail(r, "interface description of %u bytes, below the minimum of 20", r->len);
    if (r->nifaces >= PCAPNG_MAX_INTERFACES)
        return fail(r, "more than %u interfaces in one section", PCAPNG_MAX_INTERFACES);
    if (r->nifaces == r->ifaces_cap) {
        uint32_t cap = r->ifaces_cap ? r->ifaces_cap * 2 : 8;
        struct iface *ni = realloc(r->ifaces, cap * sizeof *ni);
        if (!ni)
            return fail(r, "out of memory for interface %u", r->nifaces);
        r->ifaces = ni;
        r->ifaces_cap = cap;
    }
    struct iface ifc = {.linktype = pcapng_linktype_to_dlt(get16(r, 8)),
                        .snaplen = get32(r, 12), .units = 1000000};
    if (interface_options(r, &ifc, 16) != 0)
        return -1;
    r->ifaces[r->nifaces++] = ifc;
    if (r->first_linktype < 0)
        r->first_linktype = ifc.linktype;
    return 0;
}

/* ---- packet blocks ------------------------------------------------------------------------- */

/* Ticks since 1970 in the interface's units -> seconds (offset added, clamped) and ns. */
static void set_time(struct pcapng_reader *r, const struct iface *ifc, uint64_t ticks,
                     struct pcapng_record *rec)
{
    __int128 sec = (__int128)(ticks / ifc->units) + ifc->offset;
    uint64_t frac = ticks % ifc->units;
    rec->has_time = true;
    rec->nsec = (uint32_t)((unsigned __int128)frac * 1000000000u / ifc->units);
    if (sec < 0 || sec > MAX_SEC) {
        rec->sec = sec < 0 ? 0 : MAX_SEC;
        rec->nsec = 0;
    } else {
        rec->sec = (int64_t)sec;
    }
    r->last_sec = rec->sec;
    r->last_nsec = rec->nsec;
}

static const struct iface *packet_iface(struct pcapng_reader *r, uint32_t id, const char *kind)
{
    if (id < r->nifaces)
        return &r->ifaces[id];
    if (r->nifaces == 0)
        fail(r, "%s on interface %u, but no interface is described before it", kind, id);
    else
        fail(r, "%s on interface %u, but only %u interface%s described in this section", kind,
             id, r->nifaces, r->nifaces == 1 ? " is" : "s are");
    return NULL;
}

/* Enhanced (and obsolete) Packet Block: interface, time, lengths, then the data at `data_at`. */
static int on_packet(struct pcapng_reader *r, struct pcapng_record *rec, bool obsolete)
{
    const char *kind = obsolete ? "packet block" : "enhanced packet block";
    uint32_t data_at = 28;
    if (r->len < data_at + 4)
        return fail(r, "%s of %u bytes, below the minimum of %u", kind, r->len, data_at + 4);
    uint32_t id = obsolete ? get16(r, 8) : get32(r, 8);
    const struct iface *ifc = packet_iface(r, id, kind);
    if (!ifc)
        return -1;
    uint32_t caplen = get32(r, 20);
    if (caplen > r->len - 4 - data_at)
        return fail(r, "%s captured length %u runs past the block (%u bytes of data)", kind,
                    caplen, r->len - 4 - data_at);
    set_time(r, ifc, ((uint64_t)get32(r, 12) << 32) | get32(r, 16), rec);
    rec->linktype = ifc->linktype;
    rec->iface = id;
    rec->caplen = caplen;
    rec->len = get32(r, 24);
    rec->data = r->buf + data_at;
    return 1;
}

/* Simple Packet Block: interface 0, no time (it keeps the last record's), captured length the
 * smaller of the original length, the interface's snaplen and the block. */
static int on_simple_packet(struct pcapng_reader *r, struct pcapng_record *rec)
{
    uint32_t data_at = 12;
    if (r->len < data_at + 4)
        return fail(r, "simple packet block of %u bytes, below the minimum of 16", r->len);
    const struct iface *ifc = packet_iface(r, 0, "simple packet block");
    if (!ifc)
        return -1;
    uint32_t len = get32(r, 8), room = r->len - 4 - data_at;
    uint32_t caplen = len < room ? len : room;
    if (ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    *rec = (struct pcapng_record){.linktype = ifc->linktype, .sec = r->last_sec,
                                  .nsec = r->last_nsec, .caplen = caplen, .len = len,
                                  .data = r->buf + data_at};
    return 1;
}

/* The block in r->buf: 1 when it is a packet (*rec filled), 0 when it was taken in, -1. */
static int on_block(struct pcapng_reader *r, struct pcapng_record *rec)
{
    switch (get32(r, 0)) {
    case BT_SHB: return on_section(r);
    case BT_IDB: return on_interface(r);
    case BT_EPB: return on_packet(r, rec, false);
    case BT_PB: return on_packet(r, rec, true);
    case BT_SPB: return on_simple_packet(r, rec);
    default: return 0;            /* name resolution, statistics, custom, unknown: skipped */
    }
}

/* ---- the contract -------------------------------------------------------------------------- */

int pcapng_next(struct pcapng_reader *r, struct pcapng_record *rec)
{
    while (!r->failed) {
        int rc = read_block(r);
        if (rc <= 0)
            return rc;
        if ((rc = on_block(r, rec)) != 0)
            return rc;
    }
    return -1;
}

/* After the section header: the blocks up to the first interface, as libpcap reads them at
 * open, so that the first link type is known; a packet before any interface is refused. */
static int read_to_first_interface(struct pcapng_reader *r)
{
    int rc;
    while ((rc = read_block(r)) == 1) {
        uint32_t type = get32(r, 0);
        if (type == BT_EPB || type == BT_PB || type == BT_SPB)
            return fail(r, "a packet block comes before any interface description");
        if (on_block(r, NULL) != 0)
            return -1;
        if (type == BT_IDB)
            return 0;
    }
    return rc;
}

struct pcapng_reader *pcapng_open(FILE *fp, char *err, size_t errlen)
{
    struct pcapng_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->fp = fp;
    r->first_linktype = -1;
    int rc = read_block(r);
    if (rc == 1 && get32(r, 0) != BT_SHB)
        fail(r, "the file does not start with a section header block");
    else if (rc == 0)
        snprintf(r->error, sizeof r->error, "empty input, not a capture");
    if (rc != 1 || r->failed || on_section(r) != 0 || read_to_first_interface(r) != 0) {
        snprintf(err, errlen, "%s", r->error);
        pcapng_close(r);
        return NULL;
    }
    return r;
}

const char *pcapng_error(const struct pcapng_reader *r, bool *truncated)
{
    *truncated = r->truncated;
    return r->failed ? r->error : NULL;
}

int pcapng_first_linktype(const struct pcapng_reader *r)
{
    return r->first_linktype;
}

uint64_t pcapng_offset(const struct pcapng_reader *r)
{
    return r->offset;
}

void pcapng_close(struct pcapng_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->ifaces);
    free(r);
}

/* libpcap's linktype_to_dlt() on Linux: the LINKTYPE_ numbers that differ from DLT_ ones. */
int pcapng_linktype_to_dlt(uint32_t linktype)
{
    switch (linktype) {
    case 100: return 11;          /* ATM_RFC1483 */
    case 101: return 12;          /* RAW */
    case 102: return 15;          /* SLIP_BSDOS */
    case 103: return 16;          /* PPP_BSDOS */
    case 106: return 19;          /* ATM_CLIP */
    default: return (int)linktype;
    }
}
