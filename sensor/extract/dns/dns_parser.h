// DNS, mDNS and LLMNR messages (RFC 1035, RFC 6762, RFC 4795): header, first question, and the
// A, AAAA and CNAME answers, which is what ties a later connection to the name it was made for.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/extract/records.h"

namespace bw::extract::dns {

enum class DnsParseStatus : std::uint8_t { kOk, kMalformed, kTruncated };

// messages = queries + responses + header_too_short. truncated / malformed: statuses returned.
//   header_too_short       under 12 bytes: nothing to report (not emitted over TCP either)
//   name_*                 why a name was rejected; see NameStatus in dns_name.h
//   rdata_length_invalid   A not 4 bytes, AAAA not 16, a CNAME target not filling its RDATA
//   answers_not_kept       A/AAAA/CNAME answers beyond DnsMessage::answers' capacity
#define BW_DNS_COUNTERS(X) \
  X(messages)              \
  X(queries)               \
  X(responses)             \
  X(truncated)             \
  X(malformed)             \
  X(header_too_short)      \
  X(name_label_too_long)   \
  X(name_pointer_forward)  \
  X(name_pointer_loop)     \
  X(name_too_long)         \
  X(rdata_length_invalid)  \
  X(answers_not_kept)      \
  X(tcp_messages)

struct DnsCounters {
  BW_DECLARE_COUNTERS(BW_DNS_COUNTERS)
};

// One message: a UDP payload, or one message of a TCP stream without its 2-byte length.
// `out.flavor` and `out.transport` are inputs, set by the caller beforehand (the flavor decides
// whether the mDNS class top bit is masked); every other field is overwritten. A message damaged
// past its header still yields what came before the damage: kTruncated when it simply ends
// early, kMalformed when its structure is invalid.
DnsParseStatus parse_message(ByteSpan message, DnsMessage& out, DnsCounters& counters);

class DnsMessageSink {
 public:
  virtual void on_dns_message(const DnsMessage& message) = 0;

 protected:
  ~DnsMessageSink() = default;
};

// DNS over TCP (RFC 1035 4.2.2, RFC 7766): splits a stream of 2-byte length-prefixed messages,
// several per segment or one over several segments, and hands each message with a complete
// header to the sink (parsed into `scratch`). Returns the bytes consumed; an incomplete message
// stays unconsumed, for the caller to present again with the bytes that follow.
std::size_t consume_tcp_stream(ByteSpan stream, DnsFlavor flavor, DnsMessageSink& sink,
                               DnsMessage& scratch, DnsCounters& counters);

// mDNS on 5353, LLMNR on 5355 (either side), plain DNS otherwise.
DnsFlavor flavor_for_ports(std::uint16_t src_port, std::uint16_t dst_port);

}  // namespace bw::extract::dns
