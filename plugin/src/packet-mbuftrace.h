// Registration functions of the mbuftrace dissector (packet-mbuftrace.cpp).
#pragma once

void proto_register_mbuftrace(void);
void proto_reg_handoff_mbuftrace(void);
