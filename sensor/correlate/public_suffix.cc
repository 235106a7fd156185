#include "sensor/correlate/public_suffix.h"

#include <libpsl.h>

#include <cstdint>
#include <cstring>

namespace bw::correlate {
namespace {

bool looks_like_ip_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;  // IPv6 (ports are stripped first)
  for (const char c : host) {
    if ((c < '0' || c > '9') && c != '.') return false;
  }
  return !host.empty();
}

std::size_t host_hash(std::string_view host) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (const char c : host) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return static_cast<std::size_t>(hash ^ (hash >> 32));
}

}  // namespace

void normalise_host(std::string_view host, FixedString<256>& out) {
  out.clear();
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    const std::size_t close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else if (const std::size_t colon = host.find(':');
             colon != std::string_view::npos &&
             host.find(':', colon + 1) == std::string_view::npos) {
    host = host.substr(0, colon);  // name:port; a bare IPv6 address has several colons
  }
  while (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  for (const char c : host)
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
}

PublicSuffixList::PublicSuffixList() : cache_(new CacheEntry[kCacheEntries]) {
  psl_ctx_t* latest = psl_latest(nullptr);
  owned_ = latest;
  context_ = latest != nullptr ? latest : psl_builtin();
}

PublicSuffixList::~PublicSuffixList() {
  if (owned_ != nullptr) psl_free(static_cast<psl_ctx_t*>(owned_));
}

void PublicSuffixList::registrable_domain(std::string_view host, FixedString<256>& out) const {
  FixedString<256> normal;
  normalise_host(host, normal);
  out.clear();
  if (normal.empty()) return;
  if (looks_like_ip_literal(normal.view()) || context_ == nullptr) {
    out.assign(normal.view());
    return;
  }
  lookup(normal, out);
}

void PublicSuffixList::lookup(const FixedString<256>& normal, FixedString<256>& out) const {
  CacheEntry& entry = cache_[host_hash(normal.view()) % kCacheEntries];
  if (entry.used && entry.host.view() == normal.view()) {
    ++cache_hits_;
    out.assign(entry.domain.view());
    return;
  }
  ++cache_misses_;
  char name[257];
  std::memcpy(name, normal.view().data(), normal.size());
  name[normal.size()] = '\0';
  const char* domain = psl_registrable_domain(static_cast<const psl_ctx_t*>(context_), name);
  out.assign(domain != nullptr ? std::string_view(domain) : normal.view());
  entry.host.assign(normal.view());
  entry.domain.assign(out.view());
  entry.used = true;
}

}  // namespace bw::correlate
