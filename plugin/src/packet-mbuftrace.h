// Registration functions of the mbuftrace dissector (packet-mbuftrace.cpp).
#pragma once

#include <ws_version.h>

// Version checks for the SDK the plugin is compiled against; the plugin
// ABI changes with every minor release (4.0, 4.2, 4.4, 4.6).
#define MBT_WS_AT_LEAST(ma, mi)                                  \
    (WIRESHARK_VERSION_MAJOR > (ma) ||                           \
     (WIRESHARK_VERSION_MAJOR == (ma) && WIRESHARK_VERSION_MINOR >= (mi)))

void proto_register_mbuftrace(void);
void proto_reg_handoff_mbuftrace(void);
