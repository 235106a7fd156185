#include "sensor/intel/indicator_syntax.h"

#include "sensor/intel/host_name.h"
#include "sensor/intel/prefix_table.h"
#include "sensor/intel/text.h"
#include "sensor/intel/url_matcher.h"

namespace bw::intel {
namespace {

constexpr bool is_alnum(char c) {
  const char lower = ascii_lower(c);
  return (lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9');
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

template <typename CharTest>
bool all_of_range(std::string_view text, std::size_t begin, std::size_t end, CharTest test) {
  for (std::size_t i = begin; i < end; ++i) {
    if (!test(text[i])) return false;
  }
  return true;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

bool canonical_fingerprint(std::string_view text, bool (*valid)(std::string_view),
                           std::string_view expected, std::string& out, std::string& reason) {
  if (!valid(text)) {
    reason = "not a " + std::string(expected);
    return false;
  }
  out = lowercase(text);
  return true;
}

}  // namespace

bool is_ja3(std::string_view text) {
  return text.size() == kJa3Length && all_of_range(text, 0, text.size(), is_hex_digit);
}

bool is_ja4(std::string_view text) {
  if (text.size() != kJa4Length) return false;
  const char protocol = ascii_lower(text[0]);
  const char sni = ascii_lower(text[3]);
  return (protocol == 't' || protocol == 'q' || protocol == 'd') &&
         all_of_range(text, 1, 3, is_alnum) && (sni == 'd' || sni == 'i') &&
         all_of_range(text, 4, 8, is_digit) && all_of_range(text, 8, 10, is_alnum) &&
         text[10] == '_' && all_of_range(text, 11, 23, is_hex_digit) && text[23] == '_' &&
         all_of_range(text, 24, 36, is_hex_digit);
}

bool canonical_indicator(IndicatorKind kind, std::string_view text, std::string& out,
                         std::string& reason) {
  switch (kind) {
    case IndicatorKind::kDomain:
      return canonical_domain(text, out, reason);
    case IndicatorKind::kDomainSuffix:
      if (text.starts_with("*.")) {
        text.remove_prefix(2);
      } else if (text.starts_with(".")) {
        text.remove_prefix(1);
      }
      return canonical_domain(text, out, reason);
    case IndicatorKind::kUrlRegex:
      if (!check_url_pattern(text, reason)) return false;
      out = text;
      return true;
    case IndicatorKind::kIp: {
      IpPrefix prefix;
      if (!parse_ip_prefix(text, prefix, reason)) return false;
      out = format_ip_prefix(prefix);
      return true;
    }
    case IndicatorKind::kJa3:
      return canonical_fingerprint(text, is_ja3, "JA3 hash (32 hex digits)", out, reason);
    case IndicatorKind::kJa4:
      return canonical_fingerprint(
          text, is_ja4, "JA4 fingerprint (e.g. t13d1516h2_<12 hex>_<12 hex>)", out, reason);
  }
  reason = "unknown indicator kind";
  return false;
}

}  // namespace bw::intel
