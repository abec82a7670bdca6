/*
 * pcapng_read.h — finscope's own pcapng reader, for the pcapng files libpcap refuses: several
 * interfaces with different link types or snapshot lengths, several sections, sections of
 * different byte orders (capture_source.c decides when it is used; docs/input.md).
 *
 * It reads Section Header, Interface Description, Enhanced Packet, Simple Packet and the
 * obsolete Packet blocks, in either byte order, with each interface's if_tsresol and
 * if_tsoffset; every other block is skipped. Each record carries its interface's link type.
 *
 * Bounds: a block is read whole into a buffer of its stated length (at most PCAPNG_MAX_BLOCK)
 * before any field of it is looked at, and every field and option is checked to lie inside
 * it; nothing is read past a block. Every problem ends the reading with a one-line message
 * that names the block and its byte offset. Nothing here prints.
 */
#ifndef FINSCOPE_CLI_PCAPNG_READ_H
#define FINSCOPE_CLI_PCAPNG_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_MAX_BLOCK (16u << 20)   /* as Wireshark and libpcap: larger blocks are refused */
#define PCAPNG_MAX_INTERFACES 65536u   /* per section */

/* One packet as the reader delivers it. */
struct pcapng_record {
    int linktype;                 /* libpcap's DLT_ number for the interface's LINKTYPE_ */
    uint32_t iface;               /* interface number within its section */
    bool has_time;                /* false for a Simple Packet Block, which carries none */
    int64_t sec;                  /* Unix seconds, if_tsoffset applied, clamped to [0, 10^12] */
    uint32_t nsec;                /* nanoseconds within the second (0 when clamped) */
    uint32_t caplen, len;         /* captured and on-the-wire lengths */
    const uint8_t *data;          /* caplen bytes, valid until the next pcapng_next() */
};

struct pcapng_reader;

/* Reads the first block of `fp`, which must be a Section Header Block. The reader does not own
 * fp. NULL with a message in err (truncated or not a pcapng file) on failure. */
struct pcapng_reader *pcapng_open(FILE *fp, char *err, size_t errlen);

/* The next packet: 1 with *rec filled, 0 at the end of the data (it ended between blocks), -1
 * when reading cannot go on (pcapng_error says why). */
int pcapng_next(struct pcapng_reader *r, struct pcapng_record *rec);

/* Why pcapng_next returned -1: a one-line message; *truncated tells that the data just ended
 * inside a block (a file cut short, or a read error: the caller knows its stream). */
const char *pcapng_error(const struct pcapng_reader *r, bool *truncated);

/* The link type of the first interface of the first section, -1 until one was read. */
int pcapng_first_linktype(const struct pcapng_reader *r);

/* Bytes consumed from the stream so far. */
uint64_t pcapng_offset(const struct pcapng_reader *r);

void pcapng_close(struct pcapng_reader *r);

/* libpcap's DLT_ number for a LINKTYPE_ number found in a file (they differ for a few). */
int pcapng_linktype_to_dlt(uint32_t linktype);

#endif
