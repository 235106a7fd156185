// From a URL as found in a message to the record reported for it: cleaned of the whitespace HTML
// and line wrapping leave in attribute values, restricted to http and https (what a beacon fetch
// can be matched against), with its host split out; and the per-message set that reports each
// URL once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sensor/extract/smtp/mail_records.h"

namespace bw::extract::smtp {

enum class UrlVerdict : std::uint8_t { kOk, kNotHttp };

// Fills url from raw: leading and trailing blanks and control characters dropped, TAB, CR and LF
// removed throughout (as browsers do), cut at kMaxUrlLength (url.url.truncated() then tells).
// kNotHttp for another scheme, a relative reference, or an empty host.
UrlVerdict make_mail_url(std::string_view raw, UrlKind kind, MailUrl& url);

// The host of an absolute URL's authority: user info and port removed, IPv6 brackets kept, lower
// case. Empty when there is no "scheme://".
std::string_view url_host(std::string_view url);

// Fixed-capacity set of URL hashes (64-bit FNV-1a: a collision would need ~2^32 URLs in one
// message). Open addressing at most half full, so lookups stay short.
class UrlSet {
 public:
  static constexpr std::size_t kCapacity = 512;
  enum class Insert : std::uint8_t { kAdded, kPresent, kFull };

  void clear();
  Insert insert(std::string_view url);
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kSlots = 2 * kCapacity;
  std::array<std::uint64_t, kSlots> slots_{};  // 0 marks an empty slot
  std::size_t size_ = 0;
};

}  // namespace bw::extract::smtp
