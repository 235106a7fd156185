#include "sensor/intel/prefix_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <tuple>

#include "sensor/common/bytes.h"
#include "sensor/intel/sorted_entries.h"

namespace bw::intel {
namespace {

// Longest textual IPv6 address (INET6_ADDRSTRLEN less the terminator).
constexpr std::size_t kMaxAddressText = 45;

bool is_v4_mapped(const IpAddress& address) {
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                 0, 0, 0, 0, 0xff, 0xff};
  return address.family == 6 &&
         std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin());
}

bool host_bits_clear(const IpAddress& address, unsigned length) {
  for (unsigned bit = length; bit < address.length() * 8; ++bit) {
    if (address.bytes[bit / 8] & (0x80u >> (bit % 8))) return false;
  }
  return true;
}

}  // namespace

bool parse_ip_address(std::string_view text, IpAddress& out) {
  if (text.empty() || text.size() > kMaxAddressText) return false;
  std::array<char, kMaxAddressText + 1> terminated{};
  std::memcpy(terminated.data(), text.data(), text.size());
  const bool v6 = text.find(':') != std::string_view::npos;
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, terminated.data(), bytes.data()) != 1) return false;
  out = v6 ? IpAddress::v6(bytes.data()) : IpAddress::v4(bytes.data());
  return true;
}

bool parse_ip_prefix(std::string_view text, IpPrefix& out, std::string& reason) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  IpAddress address;
  if (!parse_ip_address(address_text, address)) {
    reason = "not an IPv4 or IPv6 address";
    return false;
  }
  const unsigned max_length = static_cast<unsigned>(address.length() * 8);
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view length_text = text.substr(slash + 1);
    const char* end = length_text.data() + length_text.size();
    const auto [ptr, ec] = std::from_chars(length_text.data(), end, length);
    if (length_text.empty() || ec != std::errc{} || ptr != end || length > max_length) {
      reason = "prefix length must be 0.." + std::to_string(max_length);
      return false;
    }
  }
  if (!host_bits_clear(address, length)) {
    reason =
        "address has bits set past /" + std::to_string(length) + " (write the network address)";
    return false;
  }
  out.network = address;
  out.length = static_cast<std::uint8_t>(length);
  return true;
}

std::string format_ip_prefix(const IpPrefix& prefix) {
  std::string text = prefix.network.to_string();
  if (prefix.length != prefix.network.length() * 8) text += "/" + std::to_string(prefix.length);
  return text;
}

PrefixTable::Bits128 PrefixTable::to_bits(const IpAddress& address) {
  if (address.family == 6) return {load_be64(address.bytes.data()), load_be64(&address.bytes[8])};
  return {std::uint64_t{load_be32(address.bytes.data())} << 32, 0};
}

PrefixTable::Bits128 PrefixTable::mask(Bits128 bits, unsigned length) {
  if (length == 0) return {};
  if (length <= 64) return {bits.high & (~std::uint64_t{0} << (64 - length)), 0};
  return {bits.high, bits.low & (~std::uint64_t{0} << (128 - length))};
}

void PrefixTable::add(const IpPrefix& prefix, const IndicatorMeta& meta) {
  entries_.push_back({prefix.network.family, prefix.length, to_bits(prefix.network), meta});
}

std::size_t PrefixTable::finish() {
  const std::size_t merged = keep_heaviest_per_key(
      entries_, [](const Entry& e) { return std::tuple(e.family, e.length, e.network); });
  entries_.shrink_to_fit();
  groups_.clear();
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (groups_.empty() || groups_.back().family != e.family || groups_.back().length != e.length) {
      groups_.push_back({e.family, e.length, i, i});
    }
    groups_.back().end = i + 1;
  }
  std::sort(groups_.begin(), groups_.end(), [](const Group& a, const Group& b) {
    return std::tuple(a.family, b.length) < std::tuple(b.family, a.length);
  });
  return merged;
}

void PrefixTable::find_in_family(std::uint8_t family, Bits128 bits, BestMeta& best) const {
  for (const Group& group : groups_) {
    if (group.family != family) continue;
    const Bits128 network = mask(bits, group.length);
    const auto first = entries_.begin() + group.begin;
    const auto last = entries_.begin() + group.end;
    const auto it = std::lower_bound(
        first, last, network, [](const Entry& e, const Bits128& n) { return e.network < n; });
    if (it != last && it->network == network) best.offer(&it->meta, IndicatorKind::kIp);
  }
}

const IndicatorMeta* PrefixTable::find(const IpAddress& address) const {
  if (address.family != 4 && address.family != 6) return nullptr;
  BestMeta best;
  find_in_family(address.family, to_bits(address), best);
  if (is_v4_mapped(address)) {
    find_in_family(4, to_bits(IpAddress::v4(&address.bytes[12])), best);
  }
  return best.meta();
}

}  // namespace bw::intel
