// Registrable domains ("eTLD+1") from the public suffix list. The only user of libpsl.
#pragma once

#include <string_view>

#include "sensor/common/fixed_string.h"

namespace bw::correlate {

class PublicSuffixList {
 public:
  // Uses the system's list (Debian's publicsuffix package) and falls back to libpsl's built-in
  // copy when that is missing.
  PublicSuffixList();
  ~PublicSuffixList();
  PublicSuffixList(const PublicSuffixList&) = delete;
  PublicSuffixList& operator=(const PublicSuffixList&) = delete;

  // Lower-cases `host`, drops a port and a trailing dot, and writes its registrable domain. An IP
  // literal, or a name that is itself a public suffix, is written unchanged.
  void registrable_domain(std::string_view host, FixedString<256>& out) const;

 private:
  void* owned_ = nullptr;  // psl_ctx_t* loaded from the system list, freed on destruction
  const void* context_ = nullptr;
};

// Lower-case host without port or trailing dot, as used for every host comparison.
void normalise_host(std::string_view host, FixedString<256>& out);

}  // namespace bw::correlate
