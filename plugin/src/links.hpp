// Related frames: FT_FRAMENUM fields that link a copy's record to the frame
// where its parent made it, a parent to its copies' frames, and the
// segments of one trace (records with the same trace id) to each other.
// Filled on the first pass over the file; the links to later frames
// resolve on the second (Wireshark; tshark -2).
#pragma once

#include <wireshark.h>
#include <epan/packet.h>

#include "mbuftrace/decode.hpp"

namespace mbtplugin {

void links_register(int proto);
void links_reset(void);  // init/cleanup routine: a new file
// First pass (frame not visited yet): remembers the record of this frame.
void links_note(packet_info* pinfo, const mbt::Record& r);
void links_note(packet_info* pinfo, const mbt::NumRecord& r);
// The link fields of this frame's record under tree.
void links_show(proto_tree* tree, tvbuff_t* tvb, packet_info* pinfo,
                const mbt::Record& r);

}  // namespace mbtplugin
