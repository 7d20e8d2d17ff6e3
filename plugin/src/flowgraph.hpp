// Statistics > Flow Graph and tshark -z flow,mbuftrace,standard: each
// traced packet as arrows between columns of (VNET, subsystem), labelled
// with the function and the rule and its action, anomalies marked.
#pragma once

namespace mbtplugin {

void flowgraph_register(int proto);  // from proto_register

}  // namespace mbtplugin
