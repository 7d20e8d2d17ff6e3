// Plugin entry points Wireshark looks up by name (C linkage).
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>

#include "packet-mbuftrace.h"
// plugin_describe() came with 4.4 (wsutil/plugins.h).
#if MBT_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#endif

// The benchmark's reference dissector reuses this file with its own
// entry points (bench/plugin/floor.cpp).
#ifndef MBT_PLUGIN_REGISTER
#define MBT_PLUGIN_REGISTER proto_register_mbuftrace
#define MBT_PLUGIN_HANDOFF proto_reg_handoff_mbuftrace
#else
void MBT_PLUGIN_REGISTER(void);
void MBT_PLUGIN_HANDOFF(void);
#endif

extern "C" {
WS_DLL_PUBLIC_DEF extern const char plugin_version[];
WS_DLL_PUBLIC_DEF extern const int plugin_want_major;
WS_DLL_PUBLIC_DEF extern const int plugin_want_minor;
WS_DLL_PUBLIC_DEF void plugin_register(void);
#if MBT_WS_AT_LEAST(4, 4)
WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void);
#endif
}

const char plugin_version[] = "1.0.0";
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = MBT_PLUGIN_REGISTER;
    plug.register_handoff = MBT_PLUGIN_HANDOFF;
    proto_register_plugin(&plug);
}

#if MBT_WS_AT_LEAST(4, 4)
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
