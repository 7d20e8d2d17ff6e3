// Related frames (links.hpp).
#include "links.hpp"

#include <epan/proto.h>

#include <unordered_map>

namespace mbtplugin {

namespace {

int hf_parent_frame = -1, hf_copy_frame = -1, hf_prev_segment = -1,
    hf_next_segment = -1;

// Trace id -> the first and last frames carrying its records.
struct Frames {
    uint32_t first = 0, last = 0;
};
std::unordered_map<uint64_t, Frames> trace_frames;
// Frame -> the previous and next frames with a record of the same trace,
// for the frames of traces with more than one record only.
struct Segments {
    uint32_t prev = 0, next = 0;
};
std::unordered_map<uint32_t, Segments> segments;
// Copy trace id -> the frame whose record made the copy (COPY_ID hop).
std::unordered_map<uint64_t, uint32_t> copied_in;

uint32_t first_frame(uint64_t trace)
{
    auto it = trace_frames.find(trace);
    return it == trace_frames.end() ? 0 : it->second.first;
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
    segments.clear();
    copied_in.clear();
}

namespace {

template <class R>
void note(packet_info* pinfo, const R& r)
{
    if (pinfo->fd->visited || !r.trace_id)
        return;
    const uint32_t num = pinfo->num;
    Frames& f = trace_frames[r.trace_id.v];
    if (!f.first) {
        f.first = f.last = num;
    } else if (f.last < num) {
        segments[f.last].next = num;
        segments[num].prev = f.last;
        f.last = num;
    }
    for (const auto& h : r.hops)
        if (h.copy_id)
            copied_in.emplace(h.copy_id.v, num);
}

}  // namespace

void links_note(packet_info* pinfo, const mbt::Record& r)
{
    note(pinfo, r);
}

void links_note(packet_info* pinfo, const mbt::NumRecord& r)
{
    note(pinfo, r);
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
    auto it = segments.find(num);
    if (it == segments.end())
        return;
    if (it->second.prev)
        add_link(tree, hf_prev_segment, tvb, it->second.prev);
    if (it->second.next)
        add_link(tree, hf_next_segment, tvb, it->second.next);
}

}  // namespace mbtplugin
