#include "sensor/intel/host_name.h"

#include <cstdio>

#include "sensor/intel/prefix_table.h"
#include "sensor/intel/text.h"

namespace bw::intel {
namespace {

constexpr std::size_t kMaxLabelLength = 63;

constexpr bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string describe_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x80) return "non-ASCII byte (write internationalised names in punycode, xn--)";
  if (c == ' ') return "space (fields are separated by tabs)";
  char text[32];
  if (byte < 0x20 || byte == 0x7f) {
    std::snprintf(text, sizeof text, "control byte 0x%02x", byte);
  } else {
    std::snprintf(text, sizeof text, "character '%c'", c);
  }
  return text;
}

}  // namespace

std::string_view strip_authority(std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    authority.remove_prefix(1);
    return authority.substr(0, authority.find(']'));
  }
  const std::size_t colon = authority.find(':');
  if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos) {
    return authority.substr(0, colon);
  }
  return authority;
}

std::string_view host_part(std::string_view raw) {
  std::string_view host = strip_authority(trim(raw));
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

bool looks_like_ip_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  bool has_dot = false;
  for (const char c : host) {
    if (c == '.') {
      has_dot = true;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return has_dot;
}

bool canonical_domain(std::string_view text, std::string& out, std::string& reason) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) {
    reason = "empty host name";
    return false;
  }
  if (text.size() > kMaxHostLength) {
    reason = "host name longer than 253 characters";
    return false;
  }
  out.clear();
  std::size_t label_length = 0;
  for (const char raw : text) {
    const char c = ascii_lower(raw);
    if (c == '.') {
      if (label_length == 0) {
        reason = "empty label in host name";
        return false;
      }
      label_length = 0;
    } else if (!is_host_char(c)) {
      reason = describe_char(raw) + " not allowed in a host name";
      return false;
    } else if (++label_length > kMaxLabelLength) {
      reason = "label longer than 63 characters";
      return false;
    }
    out.push_back(c);
  }
  if (label_length == 0) {
    reason = "empty label in host name";
    return false;
  }
  IpAddress address;
  if (parse_ip_address(out, address)) {
    reason = "an address, not a host name (put it in an ip feed)";
    return false;
  }
  return true;
}

}  // namespace bw::intel
