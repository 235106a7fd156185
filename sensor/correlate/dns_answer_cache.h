// Names the server of a flow from the DNS answer that resolved it, for TLS and QUIC flows that do
// not show a name themselves (ECH hides the real one, resumption may omit SNI). Bounded: the least
// recently answered addresses are forgotten first.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sensor/common/time.h"

namespace bw::correlate {

class DnsAnswerCache {
 public:
  explicit DnsAnswerCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // `address` in text form, `name` the question that led to it (the first name of a CNAME chain).
  void record(std::string_view address, std::string_view name, TimestampNs ts, std::uint32_t ttl);
  // The name, or "" when unknown or expired (TTL plus a grace period: clients keep using an answer
  // a little past its TTL).
  std::string_view lookup(std::string_view address, TimestampNs now) const;
  std::size_t size() const { return index_.size(); }
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string address;
    std::string name;
    TimestampNs expires;
  };
  std::size_t capacity_;
  std::list<Entry> order_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::uint64_t evictions_ = 0;
};

}  // namespace bw::correlate
