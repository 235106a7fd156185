// When each client last had a beacon alert on each server name: one mail open shows as several
// connections at once (the pixel and the newsletter's images, over HTTP and HTTPS, or several
// HTTPS connections in parallel), and over HTTPS they cannot be told apart. The open is reported
// once; the other connections of the same open are counted, not alerted.
//
// A fixed table of hashes (allocated once, O(1), oldest entry of a full bucket replaced), so a
// wave of any size costs the same memory.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"
#include "sensor/decode/hashing.h"

namespace bw::correlate {

class RecentOpens {
 public:
  explicit RecentOpens(std::size_t capacity) {
    std::size_t buckets = 1;
    while (buckets * kWays < capacity)
      buckets <<= 1;
    mask_ = buckets - 1;
    slots_.resize(buckets * kWays);
  }

  void record(const IpAddress& client, std::string_view host, TimestampNs ts) {
    const std::uint64_t key = key_of(client, host);
    Slot* bucket = &slots_[(key & mask_) * kWays];
    Slot* victim = bucket;
    for (std::size_t i = 0; i < kWays; ++i) {
      if (bucket[i].key == key || bucket[i].key == 0) {
        victim = &bucket[i];
        break;
      }
      if (bucket[i].ts < victim->ts) victim = &bucket[i];
    }
    victim->key = key;
    victim->ts = ts;
  }

  // Whether `client` had an alert on `host` no more than `window` away from `ts`.
  bool within(const IpAddress& client, std::string_view host, TimestampNs ts,
              TimestampNs window) const {
    const std::uint64_t key = key_of(client, host);
    const Slot* bucket = &slots_[(key & mask_) * kWays];
    for (std::size_t i = 0; i < kWays; ++i) {
      // Either side: the connections of one open start within milliseconds of each other, and
      // the one that alerts is not always the first to start.
      if (bucket[i].key == key) {
        return ts >= bucket[i].ts ? ts - bucket[i].ts <= window : bucket[i].ts - ts <= window;
      }
    }
    return false;
  }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0: empty
    TimestampNs ts = 0;
  };
  static constexpr std::size_t kWays = 4;

  static std::uint64_t key_of(const IpAddress& client, std::string_view host) {
    std::uint64_t state = decode::hash_absorb(0x09e4, decode::address_word(client.bytes, 0));
    state = decode::hash_absorb(state, decode::address_word(client.bytes, 1));
    state = decode::hash_finish(decode::hash_absorb_text(state, host));
    return state == 0 ? 1 : state;
  }

  std::size_t mask_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace bw::correlate
