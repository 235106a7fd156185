// What a valid indicator of each kind looks like, and its canonical form: what the matcher stores
// and what the converter writes. The loader and the converter share these checks, so a converted
// feed always loads without complaint.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sensor/intel/intel_types.h"

namespace bw::intel {

inline constexpr std::size_t kJa3Length = 32;  // MD5, hex
inline constexpr std::size_t kJa4Length = 36;  // "t13d1516h2_8daaf6152771_e5627efa2ab1"

// A JA4 fingerprint: protocol t/q/d, 2-character TLS version, d/i (SNI), 2-digit cipher and
// extension counts, 2-character ALPN, then two 12-hex-digit hashes, separated by '_'.
bool is_ja4(std::string_view text);
bool is_ja3(std::string_view text);

// Validates `text` as an indicator of `kind` and writes its canonical form into `out`:
//   domain         lowercase, no trailing dot
//   domain-suffix  same; a leading "*." or "." is accepted and dropped (the name itself matches
//   too) url-regex      unchanged, after RE2 accepted it ip             "192.0.2.0/24" or
//   "192.0.2.1" (inet_ntop form, host bits must be clear) ja3, ja4       lowercase
// On failure `reason` says why, in words meant for a person fixing the feed.
bool canonical_indicator(IndicatorKind kind, std::string_view text, std::string& out,
                         std::string& reason);

}  // namespace bw::intel
