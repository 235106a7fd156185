#include "sensor/extract/dns/dns_parser.h"

#include <algorithm>

#include "sensor/common/ip_address.h"
#include "sensor/extract/dns/dns_name.h"

namespace bw::extract::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kQuestionFixedSize = 4;  // type, class
constexpr std::size_t kRecordFixedSize = 10;   // type, class, TTL, RDLENGTH
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypeAaaa = 28;
constexpr std::uint16_t kMdnsClassFlagBit = 0x8000;  // unicast-response / cache-flush

struct Cursor {
  ByteSpan message;
  std::size_t pos = 0;
  DnsFlavor flavor = DnsFlavor::kDns;
  bool damaged = false;  // a part was invalid but its extent known, so parsing went on
};

std::uint16_t record_class(std::uint16_t raw, DnsFlavor flavor) {
  return flavor == DnsFlavor::kMdns ? static_cast<std::uint16_t>(raw & ~kMdnsClassFlagBit) : raw;
}

DnsParseStatus name_failure(NameStatus status, DnsCounters& counters) {
  switch (status) {
    case NameStatus::kTruncated:
      return DnsParseStatus::kTruncated;
    case NameStatus::kLabelTooLong:
      ++counters.name_label_too_long;
      break;
    case NameStatus::kPointerForward:
      ++counters.name_pointer_forward;
      break;
    case NameStatus::kPointerLoop:
      ++counters.name_pointer_loop;
      break;
    case NameStatus::kTooLong:
      ++counters.name_too_long;
      break;
    case NameStatus::kOk:
      return DnsParseStatus::kOk;
  }
  return DnsParseStatus::kMalformed;
}

// kOk when parsing can go on past the name (damage noted), else the status to stop with.
DnsParseStatus continue_after_name(Cursor& cursor, const NameRead& name, DnsCounters& counters) {
  const DnsParseStatus failure = name_failure(name.status, counters);
  if (failure == DnsParseStatus::kOk || !name.end_known) return failure;
  cursor.damaged = true;
  return DnsParseStatus::kOk;
}

void parse_header(ByteSpan message, DnsMessage& out) {
  out.id = load_be16(&message[0]);
  const std::uint16_t flags = load_be16(&message[2]);
  out.is_response = (flags & 0x8000) != 0;
  out.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xF);
  out.rcode = static_cast<std::uint8_t>(flags & 0xF);
  out.question_count = load_be16(&message[4]);
  out.answer_count = load_be16(&message[6]);
}

DnsParseStatus parse_question(Cursor& cursor, bool first, DnsMessage& out, DnsCounters& counters) {
  const NameRead name = read_name(cursor.message, cursor.pos, first ? &out.query_name : nullptr);
  const DnsParseStatus status = continue_after_name(cursor, name, counters);
  if (status != DnsParseStatus::kOk) return status;
  if (cursor.message.size() - name.end < kQuestionFixedSize) return DnsParseStatus::kTruncated;
  if (first) {
    out.query_type = load_be16(&cursor.message[name.end]);
    out.query_class = record_class(load_be16(&cursor.message[name.end + 2]), cursor.flavor);
  }
  cursor.pos = name.end + kQuestionFixedSize;
  return DnsParseStatus::kOk;
}

struct ResourceRecord {
  std::size_t name_offset = 0;
  bool name_valid = false;
  std::uint16_t type = 0;
  std::uint16_t rr_class = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_offset = 0;
  ByteSpan rdata;
};

DnsParseStatus read_record(Cursor& cursor, ResourceRecord& rr, DnsCounters& counters) {
  rr.name_offset = cursor.pos;
  const NameRead name = read_name(cursor.message, cursor.pos, nullptr);
  const DnsParseStatus status = continue_after_name(cursor, name, counters);
  if (status != DnsParseStatus::kOk) return status;
  rr.name_valid = name.status == NameStatus::kOk;
  ByteReader fixed(cursor.message.subspan(name.end));
  std::uint16_t rdlength = 0;
  fixed.be16(rr.type);
  fixed.be16(rr.rr_class);
  fixed.be32(rr.ttl);
  fixed.be16(rdlength);
  fixed.bytes(rdlength, rr.rdata);
  if (!fixed.ok()) return DnsParseStatus::kTruncated;
  rr.rr_class = record_class(rr.rr_class, cursor.flavor);
  rr.rdata_offset = name.end + kRecordFixedSize;
  cursor.pos = rr.rdata_offset + rdlength;
  return DnsParseStatus::kOk;
}

bool is_kept(const ResourceRecord& rr) {
  return rr.name_valid && rr.rr_class == kClassIn &&
         (rr.type == kTypeA || rr.type == kTypeAaaa || rr.type == kTypeCname);
}

// Checks the record's data before anything is stored, so a kept answer is always whole.
bool rdata_valid(const Cursor& cursor, const ResourceRecord& rr, DnsCounters& counters) {
  bool valid = true;
  if (rr.type == kTypeA) valid = rr.rdata.size() == 4;
  if (rr.type == kTypeAaaa) valid = rr.rdata.size() == 16;
  if (rr.type == kTypeCname) {
    const NameRead target = read_name(cursor.message, rr.rdata_offset, nullptr);
    if (target.status != NameStatus::kOk && target.status != NameStatus::kTruncated) {
      name_failure(target.status, counters);
      return false;
    }
    // A target running past RDLENGTH, or ending short of it, makes the record inconsistent.
    valid = target.status == NameStatus::kOk && target.end == rr.rdata_offset + rr.rdata.size();
  }
  if (!valid) ++counters.rdata_length_invalid;
  return valid;
}

void store_answer(const Cursor& cursor, const ResourceRecord& rr, DnsAnswer& answer) {
  read_name(cursor.message, rr.name_offset, &answer.name);
  answer.type = rr.type;
  answer.ttl = rr.ttl;
  if (rr.type == kTypeCname) {
    read_name(cursor.message, rr.rdata_offset, &answer.data);
    return;
  }
  const IpAddress address =
      rr.type == kTypeA ? IpAddress::v4(rr.rdata.data()) : IpAddress::v6(rr.rdata.data());
  char text[64];
  // format() reports what it wrote; the bound also tells the compiler the copy stays inside.
  const std::size_t length = std::min(address.format(text, sizeof text), sizeof text);
  answer.data.assign(std::string_view(text, length));
}

DnsParseStatus parse_answer(Cursor& cursor, DnsMessage& out, DnsCounters& counters) {
  ResourceRecord rr;
  const DnsParseStatus status = read_record(cursor, rr, counters);
  if (status != DnsParseStatus::kOk || !is_kept(rr)) return status;
  // Names inside RDATA may point anywhere before it, but must end within it: the message is
  // cut at the RDATA's end for that check. RDLENGTH bounds the damage, so parsing goes on.
  Cursor within_rdata = cursor;
  within_rdata.message = cursor.message.first(rr.rdata_offset + rr.rdata.size());
  if (!rdata_valid(within_rdata, rr, counters)) {
    cursor.damaged = true;
    return DnsParseStatus::kOk;
  }
  DnsAnswer* answer = out.answers.emplace_slot();
  if (answer == nullptr) {
    ++counters.answers_not_kept;
    return DnsParseStatus::kOk;
  }
  store_answer(cursor, rr, *answer);
  return DnsParseStatus::kOk;
}

DnsParseStatus parse_sections(ByteSpan message, DnsMessage& out, DnsCounters& counters) {
  Cursor cursor{message, kHeaderSize, out.flavor};
  for (std::uint16_t i = 0; i < out.question_count; ++i) {
    const DnsParseStatus status = parse_question(cursor, i == 0, out, counters);
    if (status != DnsParseStatus::kOk) return status;
  }
  for (std::uint16_t i = 0; i < out.answer_count; ++i) {
    const DnsParseStatus status = parse_answer(cursor, out, counters);
    if (status != DnsParseStatus::kOk) return status;
  }
  return cursor.damaged ? DnsParseStatus::kMalformed : DnsParseStatus::kOk;
}

}  // namespace

DnsParseStatus parse_message(ByteSpan message, DnsMessage& out, DnsCounters& counters) {
  out = DnsMessage{.flavor = out.flavor, .transport = out.transport};
  ++counters.messages;
  if (message.size() < kHeaderSize) {
    ++counters.header_too_short;
    ++counters.truncated;
    return DnsParseStatus::kTruncated;
  }
  parse_header(message, out);
  ++(out.is_response ? counters.responses : counters.queries);
  const DnsParseStatus status = parse_sections(message, out, counters);
  if (status == DnsParseStatus::kTruncated) ++counters.truncated;
  if (status == DnsParseStatus::kMalformed) ++counters.malformed;
  return status;
}

std::size_t consume_tcp_stream(ByteSpan stream, DnsFlavor flavor, DnsMessageSink& sink,
                               DnsMessage& scratch, DnsCounters& counters) {
  std::size_t consumed = 0;
  while (stream.size() - consumed >= 2) {
    const std::size_t length = load_be16(stream.data() + consumed);
    if (stream.size() - consumed - 2 < length) break;
    const ByteSpan message = stream.subspan(consumed + 2, length);
    consumed += 2 + length;
    ++counters.tcp_messages;
    scratch.flavor = flavor;
    scratch.transport = DnsTransport::kTcp;
    parse_message(message, scratch, counters);
    if (message.size() >= kHeaderSize) sink.on_dns_message(scratch);
  }
  return consumed;
}

DnsFlavor flavor_for_ports(std::uint16_t src_port, std::uint16_t dst_port) {
  if (src_port == 5353 || dst_port == 5353) return DnsFlavor::kMdns;
  if (src_port == 5355 || dst_port == 5355) return DnsFlavor::kLlmnr;
  return DnsFlavor::kDns;
}

}  // namespace bw::extract::dns
