#include "sensor/extract/dns/dns_name.h"

#include "sensor/common/utf8.h"

namespace bw::extract::dns {
namespace {

constexpr std::size_t kMaxWireLength = 255;

bool needs_escape(std::uint8_t c) {
  return c < '!' || c > '~' || c == '.' || c == '\\';
}

// Printable ASCII and well-formed UTF-8 (internationalised names sent raw, as some resolvers and
// mDNS responders do) are kept; every other byte is written as \DDD, the way dig prints it.
void append_label(FixedString<256>& text, ByteSpan label) {
  if (!text.empty()) text.push_back('.');
  const std::string_view chars = as_chars(label);
  for (std::size_t i = 0; i < chars.size();) {
    const auto c = static_cast<std::uint8_t>(chars[i]);
    const std::size_t utf8_length = c >= 0x80 ? utf8_sequence_length(chars, i) : 0;
    if (utf8_length > 0) {
      text.append(chars.substr(i, utf8_length));
      i += utf8_length;
      continue;
    }
    if (!needs_escape(c)) {
      text.push_back(static_cast<char>(c));
    } else {
      const char escaped[4] = {'\\', static_cast<char>('0' + c / 100),
                               static_cast<char>('0' + c / 10 % 10),
                               static_cast<char>('0' + c % 10)};
      text.append(std::string_view(escaped, sizeof escaped));
    }
    ++i;
  }
}

}  // namespace

NameRead read_name(ByteSpan message, std::size_t offset, FixedString<256>* text) {
  if (text != nullptr) text->clear();
  NameRead result;
  const auto fail = [&](NameStatus status) {
    if (text != nullptr) text->clear();  // no half names in records
    result.status = status;
    return result;
  };
  std::size_t pos = offset;
  // Each pointer must land before this: first the name's own start, then the previous target.
  // Targets thus strictly decrease, which rules loops out (the rule BIND applies).
  std::size_t pointer_limit = offset;
  int hops = 0;
  std::size_t wire_length = 1;  // the root label
  for (;;) {
    if (pos >= message.size()) return fail(NameStatus::kTruncated);
    const std::uint8_t length = message[pos];
    if ((length & 0xC0) == 0xC0) {
      if (message.size() - pos < 2) return fail(NameStatus::kTruncated);
      const std::size_t target = (std::size_t{length & 0x3Fu} << 8) | message[pos + 1];
      if (!result.end_known) {
        result.end = pos + 2;
        result.end_known = true;
      }
      if (target >= pos) return fail(NameStatus::kPointerForward);
      if (target >= pointer_limit || ++hops > kMaxPointerHops)
        return fail(NameStatus::kPointerLoop);
      pointer_limit = target;
      pos = target;
      continue;
    }
    if (length > 63) return fail(NameStatus::kLabelTooLong);
    if (length == 0) break;
    if (message.size() - pos - 1 < length) return fail(NameStatus::kTruncated);
    wire_length += length + 1u;
    // An oversized name is still walked to its end, so that the message can be parsed past it.
    if (text != nullptr && wire_length <= kMaxWireLength) {
      append_label(*text, message.subspan(pos + 1, length));
    }
    pos += 1u + length;
  }
  if (!result.end_known) {
    result.end = pos + 1;
    result.end_known = true;
  }
  if (wire_length > kMaxWireLength) return fail(NameStatus::kTooLong);
  if (text != nullptr && text->empty()) text->assign(".");
  return result;
}

}  // namespace bw::extract::dns
