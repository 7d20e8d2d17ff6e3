// The floor of the plugin benchmark: the cheapest compiled dissector that
// builds the Lua prototype's tree (proto_part3.lua): one string item per
// trace string, labelled with the string.  Where tshark builds and walks
// every item (-T fields), what it costs is what any compiled dissector
// pays for that tree; bench_plugin.py runs it beside the Lua and the plugin.
// Not installed; registers on LINKTYPE_USER0 like the Lua.
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <wiretap/wtap.h>

void proto_register_mbtfloor(void);
void proto_reg_handoff_mbtfloor(void);

namespace {

int proto_floor = -1;
int hf_data = -1;
gint ett_floor = -1;
dissector_handle_t eth_handle;

int dissect_floor(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*)
{
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "mbuf_trace");
    const guint len = tvb_captured_length(tvb);
    if (len < 2)
        return 0;
    const guint count = tvb_get_ntohs(tvb, 0);
    guint off = 2;
    proto_item* ti = proto_tree_add_item(tree, proto_floor, tvb, 0, -1, ENC_NA);
    proto_tree* st = proto_item_add_subtree(ti, ett_floor);
    for (guint i = 0; i < count; i++) {
        if (off + 4 > len)
            break;
        const guint rlen = tvb_get_ntohs(tvb, off);
        const guint type = tvb_get_ntohs(tvb, off + 2);
        off += 4;
        if (off + rlen > len)
            break;
        if (type == 1) {
            const guint8* s = NULL;
            proto_item* it = proto_tree_add_item_ret_string(
                st, hf_data, tvb, gint(off), gint(rlen), ENC_ASCII,
                pinfo->pool, &s);
            proto_item_set_text(it, "%s", s ? reinterpret_cast<const char*>(s) : "");
        } else if (type == 0 && eth_handle) {
            call_dissector(eth_handle,
                           tvb_new_subset_length(tvb, gint(off), gint(rlen)),
                           pinfo, st);
        }
        off += rlen;
    }
    return int(len);
}

}  // namespace

void proto_register_mbtfloor(void)
{
    static hf_register_info hf[] = {
        {&hf_data, {"data", "mbtfloor.data", FT_STRING, BASE_NONE, NULL, 0,
                    NULL, HFILL}},
    };
    static gint* ett[] = {&ett_floor};
    proto_floor = proto_register_protocol("mbuf_trace floor (benchmark)",
                                          "mbtfloor", "mbtfloor");
    proto_register_field_array(proto_floor, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}

void proto_reg_handoff_mbtfloor(void)
{
    eth_handle = find_dissector("eth_withoutfcs");
    dissector_add_uint("wtap_encap", WTAP_ENCAP_USER0,
                       create_dissector_handle(dissect_floor, proto_floor));
}
