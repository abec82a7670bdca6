/*
 * worker_hash.h — which of N worker threads analyzes a packet (`analyze --workers N`,
 * cli/workers.h): a hash of the flow's identity that is the same in both directions.
 *
 * It covers the parts of the analyzer's flow key (analyzer/flow_table.c) that every packet of
 * one flow shares: the two ends' addresses and ports (in an order that does not depend on the
 * direction), the outermost VLAN, the IP version and the protocol. A tunnelled packet hashes
 * on its inner flow (what struct packet describes) and not on the tunnel: flows that differ
 * only in their tunnel may share a worker, but no flow is ever split between two.
 */
#ifndef FINSCOPE_CLI_WORKER_HASH_H
#define FINSCOPE_CLI_WORKER_HASH_H

#include <stdint.h>

#include "dissect/dissect.h"

/* The same for both directions of a flow. */
uint64_t worker_hash(const struct packet *p);

/* The worker (0 .. nworkers-1) for the packet; nworkers >= 1. */
unsigned worker_of(const struct packet *p, unsigned nworkers);

#endif
