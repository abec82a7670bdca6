/*
 * worker_hash.h — which of N worker threads analyzes a packet (`analyze --workers N`,
 * cli/workers.h): a hash of the two hosts a packet travels between, the same in both
 * directions.
 *
 * What it covers: the two IP addresses (in an order that does not depend on the direction),
 * the outermost VLAN and the IP version — parts of the analyzer's flow key
 * (analyzer/flow_table.c) that every packet of one flow shares, so no flow is ever split
 * between two workers. A tunnelled packet hashes on its inner addresses (what struct packet
 * describes), not on the tunnel's.
 *
 * Why not the ports and protocol too: nDPI labels some flows from what it learnt of other
 * flows between the same hosts (its caches of hosts: a TCP flow tells it a later UDP flow is
 * tinc, a speed test's control connection marks its data connections ookla, ...). Each worker
 * has its own nDPI state, so all of one host pair's flows go to one worker, where they meet as
 * they do with one analyzer. The cost: the traffic of one host pair is never shared out.
 */
#ifndef FINSCOPE_CLI_WORKER_HASH_H
#define FINSCOPE_CLI_WORKER_HASH_H

#include <stdint.h>

#include "dissect/dissect.h"

/* The same for both directions of a flow, and for every flow between the same two hosts. */
uint64_t worker_hash(const struct packet *p);

/* The worker (0 .. nworkers-1) for the packet; nworkers >= 1. */
unsigned worker_of(const struct packet *p, unsigned nworkers);

#endif
