// Feeds arbitrary bytes to every decoder entry point and the consumers of a
// decoded record; ASan/UBSan turn any bad read into a crash.
#include <cstddef>
#include <cstdint>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"
#include "mbuftrace/encode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const mbt::DecodeResult d = mbt::decode_any(data, size);
    (void)mbt::to_text(d);
    (void)mbt::path_summary(d.rec);
    (void)mbt::analyze(d.rec);
    if (d.ok() && d.rec.kind.v != MBT_KIND_META) {
        // A record that decodes must re-encode and decode the same.
        const auto b = mbt::encode(mbt::to_input(d.rec, data));
        const mbt::DecodeResult e = mbt::decode_record(b.data(), b.size());
        if (!e.ok() || e.rec.hops.size() != d.rec.hops.size())
            __builtin_trap();
    }
    for (auto f : {mbt::Format::LegacyPart1, mbt::Format::LegacyPart3})
        (void)mbt::to_text(mbt::decode_legacy(data, size, f));
    // Without strings (a reader with no tree): same verdict, same hops,
    // into a result reused across inputs as the plugin reuses its own.
    static mbt::DecodeResult lean;
    mbt::decode_any(data, size, lean, false);
    (void)mbt::to_text(lean);
    (void)mbt::analyze(lean.rec);
    if (lean.ok() != d.ok() || lean.rec.hops.size() != d.rec.hops.size())
        __builtin_trap();
    // Numbers only (the plugin's packet list, convert without comments):
    // the short path gives exactly the full decode's numbers.
    static mbt::NumResult nums;
    mbt::decode_numbers(data, size, nums);
    mbt::NumResult want;
    mbt::numbers_of(d, want);
    if (mbt::to_text(nums) != mbt::to_text(want))
        __builtin_trap();
    return 0;
}
