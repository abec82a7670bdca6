/*
 * tunnel.c — entering a tunnel: the outermost one's identity is kept (packet.tunnel), the
 * depth is bounded, and the outer packet's transport fields make way for the inner packet's.
 */
#include "dissect/internal.h"

enum dissect_result tunnel_enter(struct packet *out, enum tunnel_kind kind, bool has_id,
                                 bool id_keyed, uint32_t id)
{
    if (out->tunnels >= DISSECT_MAX_TUNNEL)
        return DISSECT_TUNNEL_TOO_DEEP;
    if (out->tunnels++ == 0)
        out->tunnel = (struct tunnel){
            .kind = (uint8_t)kind, .has_id = has_id, .id_keyed = has_id && id_keyed,
            .id = has_id ? id : 0, .src = out->src, .dst = out->dst};
    out->is_fragment = false;
    out->sport = out->dport = 0;
    out->l4_len = out->payload_len = out->payload_caplen = 0;
    out->payload = NULL;
    return DISSECT_OK;
}
