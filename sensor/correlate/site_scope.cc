#include "sensor/correlate/site_scope.h"

#include "sensor/common/ascii.h"

namespace bw::correlate {
namespace {

bool prefix_covers(const intel::IpPrefix& prefix, const IpAddress& address) {
  if (prefix.network.family != address.family) return false;
  unsigned remaining = prefix.length;
  for (std::size_t i = 0; i < address.length() && remaining > 0; ++i) {
    const unsigned bits = remaining >= 8 ? 8 : remaining;
    const auto mask = static_cast<std::uint8_t>(0xffu << (8 - bits));
    if ((address.bytes[i] & mask) != (prefix.network.bytes[i] & mask)) return false;
    remaining -= bits;
  }
  return true;
}

}  // namespace

std::vector<std::string> SiteScope::default_networks() {
  return {"10.0.0.0/8",    "172.16.0.0/12", "192.168.0.0/16",
          "100.64.0.0/10", "127.0.0.0/8",   "169.254.0.0/16",
          "fc00::/7",      "fe80::/10",     "::1"};
}

bool SiteScope::configure(const std::vector<std::string>& suffixes,
                          const std::vector<std::string>& networks, std::string& error) {
  suffixes_.clear();
  networks_.clear();
  for (const std::string& entry : suffixes) {
    std::string_view name = entry;
    while (!name.empty() && name.front() == '.')
      name.remove_prefix(1);
    while (!name.empty() && name.back() == '.')
      name.remove_suffix(1);
    if (name.empty() || name.find_first_of(" \t/:") != std::string_view::npos) {
      error = "internal domain suffix \"" + entry + "\" is not a domain name";
      return false;
    }
    std::string lower(name);
    for (char& c : lower)
      c = ascii_lower(c);
    suffixes_.push_back(std::move(lower));
  }
  for (const std::string& entry : networks) {
    intel::IpPrefix prefix;
    std::string reason;
    if (!intel::parse_ip_prefix(entry, prefix, reason)) {
      error = "internal network \"";
      error.append(entry).append("\": ").append(reason);
      return false;
    }
    networks_.push_back(prefix);
  }
  return true;
}

bool SiteScope::internal_host(std::string_view host) const {
  for (const std::string& suffix : suffixes_) {
    if (host.size() < suffix.size()) continue;
    if (host.substr(host.size() - suffix.size()) != suffix) continue;
    if (host.size() == suffix.size() || host[host.size() - suffix.size() - 1] == '.') return true;
  }
  return false;
}

bool SiteScope::internal_address(const IpAddress& server) const {
  for (const intel::IpPrefix& prefix : networks_) {
    if (prefix_covers(prefix, server)) return true;
  }
  return false;
}

}  // namespace bw::correlate
