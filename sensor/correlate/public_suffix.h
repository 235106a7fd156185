// Registrable domains ("eTLD+1") from the public suffix list. The only user of libpsl.
#pragma once

#include <cstddef>
#include <memory>
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
  // Not thread-safe: answers are cached (one object per thread, as the detector has).
  void registrable_domain(std::string_view host, FixedString<256>& out) const;

  // Lookups answered from the cache, and lookups that went to libpsl.
  std::size_t cache_hits() const { return cache_hits_; }
  std::size_t cache_misses() const { return cache_misses_; }

  static constexpr std::size_t kCacheEntries = 512;

 private:
  // libpsl walks its suffix tree on every call, while a sensor sees the same few thousand hosts
  // over and over: a direct-mapped cache of recent answers, indexed by a hash of the host.
  struct CacheEntry {
    FixedString<256> host;
    FixedString<256> domain;
    bool used = false;
  };
  void lookup(const FixedString<256>& normal, FixedString<256>& out) const;

  void* owned_ = nullptr;  // psl_ctx_t* loaded from the system list, freed on destruction
  const void* context_ = nullptr;
  std::unique_ptr<CacheEntry[]> cache_;
  mutable std::size_t cache_hits_ = 0;
  mutable std::size_t cache_misses_ = 0;
};

// Lower-case host without port or trailing dot, as used for every host comparison.
void normalise_host(std::string_view host, FixedString<256>& out);

}  // namespace bw::correlate
