/*
 * ip_defrag.h — IPv4 reassembly, just enough for finscope: once every fragment of a datagram
 * has arrived, the datagram is decoded whole (dissect_reassembled), so a TCP or UDP header
 * split across fragments is read, and the analyzer sees one packet of the datagram's length
 * instead of fragments it cannot use. dissect/ stays stateless; this module holds the state,
 * between the dissector and the analyzer (cli/pipeline.c drives it).
 *
 * Bounds (invariants): at most IP_DEFRAG_MAX_DATAGRAMS datagrams in progress and
 * IP_DEFRAG_MAX_BYTES bytes of their data held (the oldest datagram is dropped to make room);
 * a datagram not complete IP_DEFRAG_TIMEOUT_US after its first fragment (packet time) is
 * dropped; each datagram's received ranges are kept as at most IP_DEFRAG_MAX_HOLES + 1
 * intervals. So memory is bounded, and a fragment costs O(IP_DEFRAG_MAX_DATAGRAMS +
 * IP_DEFRAG_MAX_HOLES) steps plus copying its bytes, however hostile the input.
 *
 * Counting: every fragment is either part of a datagram that completes (the datagram is then
 * counted as dissect_packet's result would be) or counted exactly once, into the caller's
 * per-reason counts: frag_incomplete (timed out, or still held at the end), frag_limit
 * (dropped for room), frag_bad (inconsistent: two different ends, data past 65,535 bytes or
 * past the datagram's end, too many holes).
 *
 * Fragments belong to one datagram when source, destination, protocol and identification are
 * equal (RFC 791) and so are the VLAN and the outermost tunnel they came through. Overlapping
 * fragments: the bytes that arrived last win.
 */
#ifndef FINSCOPE_IP_DEFRAG_H
#define FINSCOPE_IP_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/dissect.h"

#define IP_DEFRAG_MAX_DATAGRAMS 256
#define IP_DEFRAG_MAX_BYTES (4u << 20)
#define IP_DEFRAG_TIMEOUT_US (30 * 1000000LL)   /* Linux's ipfrag_time */
#define IP_DEFRAG_MAX_HOLES 16

struct ip_defrag;

/* NULL when out of memory. */
struct ip_defrag *ip_defrag_new(void);
void ip_defrag_free(struct ip_defrag *d);

/* Takes one IPv4 fragment: `frag` is what dissect_packet() filled when it returned
 * DISSECT_IP_FRAGMENT with ip_version 4, seen at ts_us. True when it completed its datagram:
 * *out is then the datagram decoded (its pointers are valid until the next call) and *res
 * what decoding it returned. Fragments dropped, this one or held ones, are added to
 * counts[reason]. */
bool ip_defrag_add(struct ip_defrag *d, const struct packet *frag, int64_t ts_us,
                   struct packet *out, enum dissect_result *res,
                   uint64_t counts[DISSECT_REASON_COUNT]);

/* End of input: counts every fragment still held as frag_incomplete, and forgets it. */
void ip_defrag_flush(struct ip_defrag *d, uint64_t counts[DISSECT_REASON_COUNT]);

/* Fragments held now (for tests). */
uint32_t ip_defrag_held(const struct ip_defrag *d);

#endif
