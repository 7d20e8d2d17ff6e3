// Related frames (links.hpp).
#include "links.hpp"

#include <epan/proto.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace mbtplugin {

namespace {

int hf_parent_frame = -1, hf_copy_frame = -1, hf_prev_segment = -1,
    hf_next_segment = -1;

// Trace id -> the frames carrying its records, in frame order.
std::unordered_map<uint64_t, std::vector<uint32_t>> trace_frames;
// Copy trace id -> the frame whose record made the copy (COPY_ID hop).
std::unordered_map<uint64_t, uint32_t> copied_in;

uint32_t first_frame(uint64_t trace)
{
    auto it = trace_frames.find(trace);
    return it == trace_frames.end() || it->second.empty() ? 0
                                                          : it->second.front();
}

void add_link(proto_tree* tree, int hf, tvbuff_t* tvb, uint32_t frame)
{
    proto_item* it = proto_tree_add_uint(tree, hf, tvb, 0, 0, frame);
    proto_item_set_generated(it);
}

}  // namespace

void links_register(int proto)
{
    static hf_register_info hf[] = {
        {&hf_parent_frame,
         {"Parent's frame", "mbuftrace.parent_frame", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
          "The frame whose record made this copy (or the parent trace's "
          "first frame)", HFILL}},
        {&hf_copy_frame,
         {"Copy's frame", "mbuftrace.copy_frame", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
          "The first frame of a copy made on this path", HFILL}},
        {&hf_prev_segment,
         {"Previous segment", "mbuftrace.prev_segment", FT_FRAMENUM,
          BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0,
          "The frame with the previous record of the same trace", HFILL}},
        {&hf_next_segment,
         {"Next segment", "mbuftrace.next_segment", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0,
          "The frame with the next record of the same trace", HFILL}},
    };
    proto_register_field_array(proto, hf, array_length(hf));
}

void links_reset(void)
{
    trace_frames.clear();
    copied_in.clear();
}

void links_note(packet_info* pinfo, const mbt::Record& r)
{
    if (pinfo->fd->visited || !r.trace_id)
        return;
    const uint32_t num = pinfo->num;
    std::vector<uint32_t>& v = trace_frames[r.trace_id.v];
    if (v.empty() || v.back() < num)
        v.push_back(num);
    for (const mbt::Hop& h : r.hops)
        if (h.copy_id)
            copied_in.emplace(h.copy_id.v, num);
}

void links_show(proto_tree* tree, tvbuff_t* tvb, packet_info* pinfo,
                const mbt::Record& r)
{
    if (!tree || !r.trace_id)
        return;
    if (!PTREE_DATA(tree)->visible &&
        !proto_field_is_referenced(tree, hf_parent_frame) &&
        !proto_field_is_referenced(tree, hf_copy_frame) &&
        !proto_field_is_referenced(tree, hf_prev_segment) &&
        !proto_field_is_referenced(tree, hf_next_segment))
        return;
    const uint32_t num = pinfo->num;
    if (r.parent_id) {
        auto it = copied_in.find(r.trace_id.v);
        const uint32_t p = it != copied_in.end() ? it->second
                                                 : first_frame(r.parent_id.v);
        if (p && p != num)
            add_link(tree, hf_parent_frame, tvb, p);
    }
    for (const mbt::Hop& h : r.hops)
        if (h.copy_id) {
            const uint32_t c = first_frame(h.copy_id.v);
            if (c && c != num)
                add_link(tree, hf_copy_frame, tvb, c);
        }
    auto it = trace_frames.find(r.trace_id.v);
    if (it == trace_frames.end())
        return;
    const std::vector<uint32_t>& v = it->second;
    auto at = std::lower_bound(v.begin(), v.end(), num);
    if (at == v.end() || *at != num)
        return;
    if (at != v.begin())
        add_link(tree, hf_prev_segment, tvb, *(at - 1));
    if (at + 1 != v.end())
        add_link(tree, hf_next_segment, tvb, *(at + 1));
}

}  // namespace mbtplugin
