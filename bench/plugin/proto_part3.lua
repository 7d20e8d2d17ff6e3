-- The prototype's Lua dissector (blog post, 2023) adapted to the legacy
-- part-3 layout: BE u16 count, then count x (BE u16 len, BE u16 type,
-- data); type 1 = NUL-terminated trace string, type 0 = Ethernet snapshot.
-- Used only as the benchmark's reference point.
local mbuf_trace_proto = Proto("mbuf_trace", "mbuf_trace Link-Layer")
local f_rdata = ProtoField.string("mbuf_trace.data", "data")
mbuf_trace_proto.fields = { f_rdata }
local eth_dissector = Dissector.get("eth_withoutfcs") or Dissector.get("eth")

function mbuf_trace_proto.dissector(tvbuf, pinfo, tree)
    pinfo.cols.protocol = "mbuf_trace"
    local pktlen = tvbuf:len()
    if pktlen < 2 then return end
    local offset = 0
    local count = tvbuf(offset, 2):uint()
    offset = offset + 2
    local subtree = tree:add(mbuf_trace_proto, tvbuf(), "mbuf trace")
    for i = 1, count do
        if offset + 4 > pktlen then break end
        local rlen = tvbuf(offset, 2):uint()
        local rtype = tvbuf(offset + 2, 2):uint()
        offset = offset + 4
        if offset + rlen > pktlen then break end
        if rtype == 1 then
            local data_str = tvbuf(offset, rlen):stringz()
            subtree:add(f_rdata, tvbuf(offset, rlen)):set_text(data_str)
        elseif rtype == 0 and eth_dissector then
            eth_dissector:call(tvbuf(offset, rlen):tvb(), pinfo, subtree)
        end
        offset = offset + rlen
    end
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, mbuf_trace_proto)
