// Plugin entry points Wireshark looks up by name (C linkage).
#include <wireshark.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/proto.h>
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#include <wsutil/plugins.h>
#endif

#include "packet-mbuftrace.h"

extern "C" {
WS_DLL_PUBLIC_DEF extern const char plugin_version[];
WS_DLL_PUBLIC_DEF extern const int plugin_want_major;
WS_DLL_PUBLIC_DEF extern const int plugin_want_minor;
WS_DLL_PUBLIC_DEF void plugin_register(void);
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void);
#endif
}

const char plugin_version[] = "1.0.0";
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_mbuftrace;
    plug.register_handoff = proto_reg_handoff_mbuftrace;
    proto_register_plugin(&plug);
}

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
