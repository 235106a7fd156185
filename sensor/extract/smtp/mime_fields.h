// Structured header fields the MIME walker needs: Content-Type with its boundary, and address
// lists (To, Cc, Delivered-To) reduced to their addr-specs.
#pragma once

#include <cstdint>
#include <string_view>

#include "sensor/common/fixed_string.h"
#include "sensor/extract/smtp/mail_records.h"

namespace bw::extract::smtp {

enum class MediaKind : std::uint8_t { kTextPlain, kTextHtml, kMultipart, kMessage, kOther };

// RFC 2046 5.1.1: a boundary is 1 to 70 characters.
inline constexpr std::size_t kMaxBoundary = 70;

struct ContentType {
  MediaKind kind = MediaKind::kTextPlain;  // what a part without Content-Type is (RFC 2045 5.2)
  FixedString<kMaxBoundary + 1> boundary;  // one spare byte: longer is invalid, not cut
};

// Parses "type/subtype; name=value; name="quoted value"" (comments and RFC 2231 continuations are
// not supported). message/rfc822 and message/global are kMessage; other message/ types kOther.
ContentType parse_content_type(std::string_view value);

// Calls on_address(addr_spec) for each mailbox of an address list: "Ann <a@x>, b@y (Bob)",
// groups ("team: a@x, b@y;") included. Display names, comments and quoting are dropped; entries
// without an "@" are skipped.
template <typename OnAddress>
void for_each_address(std::string_view list, OnAddress&& on_address);

// The addr-spec of one list entry, or empty.
std::string_view address_of_entry(std::string_view entry);
// Splits an address list at top-level commas and group punctuation; returns the entry at the
// front and removes it (with its separator) from list.
std::string_view next_address_entry(std::string_view& list);

enum class AddResult : std::uint8_t { kAdded, kDuplicate, kFull };
// Adds address unless the list holds it already (compared without regard to case).
AddResult add_address(FixedVector<Address, kMaxRecipients>& list, std::string_view address);

template <typename OnAddress>
void for_each_address(std::string_view list, OnAddress&& on_address) {
  while (!list.empty()) {
    const std::string_view address = address_of_entry(next_address_entry(list));
    if (!address.empty()) on_address(address);
  }
}

}  // namespace bw::extract::smtp
