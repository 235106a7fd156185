// Parses the input as one DNS message in each flavor, then as a DNS-over-TCP stream cut into
// segments of a size the first byte selects, with unconsumed bytes presented again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/extract/dns/dns_parser.h"

namespace {

using bw::extract::DnsFlavor;
using bw::extract::DnsMessage;
using bw::extract::dns::DnsCounters;

class TouchingSink : public bw::extract::dns::DnsMessageSink {
 public:
  void on_dns_message(const DnsMessage& m) override {
    checksum_ += m.query_name.size();
    for (const auto& answer : m.answers)
      checksum_ += answer.name.size() + answer.data.size();
  }
  std::size_t checksum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto scratch = std::make_unique<DnsMessage>();
  DnsCounters counters;
  TouchingSink sink;
  const bw::ByteSpan input(data, size);
  for (DnsFlavor flavor : {DnsFlavor::kDns, DnsFlavor::kMdns, DnsFlavor::kLlmnr}) {
    scratch->flavor = flavor;
    bw::extract::dns::parse_message(input, *scratch, counters);
    sink.on_dns_message(*scratch);
  }
  if (size == 0) return 0;
  const std::size_t segment = 1 + data[0] % 64;
  std::vector<std::uint8_t> pending;
  for (std::size_t at = 1; at < size; at += segment) {
    const std::size_t n = std::min(segment, size - at);
    pending.insert(pending.end(), data + at, data + at + n);
    const std::size_t consumed = bw::extract::dns::consume_tcp_stream(
        bw::ByteSpan(pending.data(), pending.size()), DnsFlavor::kDns, sink, *scratch, counters);
    if (consumed > pending.size()) __builtin_trap();
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(consumed));
  }
  return 0;
}
