#include "sensor/extract/dns/dns_parser.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sensor/extract/dns/dns_name.h"

namespace bw::extract::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Response to "www.example.com A": a CNAME to cdn.example.com (compressed into the question),
// a TXT record that is skipped, then an A and an AAAA for the CNAME target (pointers into the
// CNAME's RDATA). Offsets of each part in the comments.
const Bytes kResponse = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,  // header
    // 12: question www.example.com A IN
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00,
    0x01,
    // 33: www.example.com CNAME cdn.example.com, TTL 300; RDATA at 45
    0xC0, 12, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x06, 3, 'c', 'd', 'n', 0xC0,
    16,
    // 51: www.example.com TXT "hi"
    0xC0, 12, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x03, 2, 'h', 'i',
    // 66: cdn.example.com A 93.184.216.34, TTL 60
    0xC0, 45, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 93, 184, 216, 34,
    // 82: cdn.example.com AAAA 2606:2800:220:1:248:1893:25c8:1946, TTL 60
    0xC0, 45, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x10, 0x26, 0x06, 0x28, 0x00,
    0x02, 0x20, 0x00, 0x01, 0x02, 0x48, 0x18, 0x93, 0x25, 0xC8, 0x19, 0x46};  // 110 bytes

// Header with the given flags and counts, then `body`.
Bytes message(std::uint16_t flags, std::uint16_t questions, std::uint16_t answers,
              const Bytes& body) {
  Bytes out = {0xAB,
               0xCD,
               static_cast<std::uint8_t>(flags >> 8),
               static_cast<std::uint8_t>(flags),
               0,
               static_cast<std::uint8_t>(questions),
               0,
               static_cast<std::uint8_t>(answers),
               0,
               0,
               0,
               0};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void append(Bytes& to, const Bytes& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// Question "a.b" of the given type and class, at offset 12 when first.
Bytes question_ab(std::uint16_t type = 1, std::uint16_t qclass = 1) {
  return {1,
          'a',
          1,
          'b',
          0,
          static_cast<std::uint8_t>(type >> 8),
          static_cast<std::uint8_t>(type),
          static_cast<std::uint8_t>(qclass >> 8),
          static_cast<std::uint8_t>(qclass)};
}

// An answer owned by the name at offset 12, with the given type, class and RDATA.
Bytes answer(std::uint16_t type, std::uint16_t rclass, const Bytes& rdata) {
  Bytes out = {0xC0,
               12,
               static_cast<std::uint8_t>(type >> 8),
               static_cast<std::uint8_t>(type),
               static_cast<std::uint8_t>(rclass >> 8),
               static_cast<std::uint8_t>(rclass),
               0,
               0,
               0x0E,
               0x10,
               static_cast<std::uint8_t>(rdata.size() >> 8),
               static_cast<std::uint8_t>(rdata.size())};
  append(out, rdata);
  return out;
}

struct Parsed {
  DnsParseStatus status;
  std::unique_ptr<DnsMessage> message = std::make_unique<DnsMessage>();
  DnsCounters counters;
};

Parsed parse(const Bytes& bytes, DnsFlavor flavor = DnsFlavor::kDns) {
  Parsed p{DnsParseStatus::kOk};
  p.message->flavor = flavor;
  p.status = parse_message(bytes, *p.message, p.counters);
  return p;
}

TEST(DnsParser, ResponseWithCnameChain) {
  const Parsed p = parse(kResponse);
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  const DnsMessage& m = *p.message;
  EXPECT_EQ(m.flavor, DnsFlavor::kDns);
  EXPECT_EQ(m.transport, DnsTransport::kUdp);
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_TRUE(m.is_response);
  EXPECT_EQ(m.opcode, 0);
  EXPECT_EQ(m.rcode, 0);
  EXPECT_EQ(m.query_name, "www.example.com");
  EXPECT_EQ(m.query_type, 1);
  EXPECT_EQ(m.query_class, 1);
  EXPECT_EQ(m.question_count, 1);
  EXPECT_EQ(m.answer_count, 4);
  ASSERT_EQ(m.answers.size(), 3u);
  EXPECT_FALSE(m.answers.truncated());
  EXPECT_EQ(m.answers[0].name, "www.example.com");
  EXPECT_EQ(m.answers[0].type, 5);
  EXPECT_EQ(m.answers[0].ttl, 300u);
  EXPECT_EQ(m.answers[0].data, "cdn.example.com");
  EXPECT_EQ(m.answers[1].name, "cdn.example.com");
  EXPECT_EQ(m.answers[1].type, 1);
  EXPECT_EQ(m.answers[1].ttl, 60u);
  EXPECT_EQ(m.answers[1].data, "93.184.216.34");
  EXPECT_EQ(m.answers[2].name, "cdn.example.com");
  EXPECT_EQ(m.answers[2].type, 28);
  EXPECT_EQ(m.answers[2].data, "2606:2800:220:1:248:1893:25c8:1946");
  EXPECT_EQ(p.counters.messages, 1u);
  EXPECT_EQ(p.counters.responses, 1u);
  EXPECT_EQ(p.counters.malformed + p.counters.truncated, 0u);
}

TEST(DnsParser, TruncatedAtEveryByte) {
  for (std::size_t n = 0; n < kResponse.size(); ++n) {
    const Bytes prefix(kResponse.begin(), kResponse.begin() + static_cast<long>(n));
    const Parsed p = parse(prefix);
    SCOPED_TRACE(n);
    EXPECT_EQ(p.status, DnsParseStatus::kTruncated);
    EXPECT_EQ(p.counters.truncated, 1u);
    EXPECT_EQ(p.message->id, n >= 12 ? 0x1234 : 0);
    // The name is reported as soon as it is whole, even if its type and class are cut off.
    EXPECT_EQ(p.message->query_name.view(), n >= 29 ? "www.example.com" : "");
    const std::size_t kept = n >= 110 ? 3 : n >= 82 ? 2 : n >= 51 ? 1 : 0;
    EXPECT_EQ(p.message->answers.size(), kept);
  }
}

TEST(DnsParser, QueryHeaderFields) {
  Bytes query = message(0x0100, 1, 0, question_ab(28, 1));
  const Parsed p = parse(query);
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_FALSE(p.message->is_response);
  EXPECT_EQ(p.message->id, 0xABCD);
  EXPECT_EQ(p.message->query_name, "a.b");
  EXPECT_EQ(p.message->query_type, 28);
  EXPECT_EQ(p.counters.queries, 1u);

  // QR, opcode 0, AA, RD, RA, rcode 3 (NXDOMAIN); then an UPDATE (opcode 5).
  EXPECT_EQ(parse(message(0x8583, 1, 0, question_ab())).message->rcode, 3);
  EXPECT_EQ(parse(message(0x2800, 1, 0, question_ab())).message->opcode, 5);
}

TEST(DnsParser, RootNameAndNoQuestion) {
  const Parsed root = parse(message(0x0000, 1, 0, {0, 0x00, 0x02, 0x00, 0x01}));
  ASSERT_EQ(root.status, DnsParseStatus::kOk);
  EXPECT_EQ(root.message->query_name, ".");
  EXPECT_EQ(root.message->query_type, 2);
  const Parsed none = parse(message(0x0000, 0, 0, {}));
  EXPECT_EQ(none.status, DnsParseStatus::kOk);
  EXPECT_EQ(none.message->query_name, "");
}

TEST(DnsParser, LabelBytesEscapedAsDecimal) {
  const Parsed p =
      parse(message(0, 1, 0, {5, 'a', '.', 'b', ' ', 0x00, 3, '\\', 0xFF, '~', 0, 0, 1, 0, 1}));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->query_name, "a\\046b\\032\\000.\\092\\255~");
}

TEST(DnsParser, WellFormedUtf8LabelsAreKeptAndBrokenOnesEscaped) {
  // "café" in UTF-8 (c3 a9), then a label with a lone continuation byte and a cut sequence.
  const Parsed p =
      parse(message(0, 1, 0, {5, 'c', 'a', 'f', 0xC3, 0xA9, 3, 0xA9, 'x', 0xC3, 0, 0, 1, 0, 1}));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->query_name, "caf\xc3\xa9.\\169x\\195");
}

TEST(DnsParser, MultipleQuestionsFirstIsReported) {
  Bytes body = question_ab(1);
  append(body, {0xC0, 14, 0x00, 0x1C, 0x00, 0x01});  // "b" AAAA, via a pointer into the first
  append(body, answer(1, 1, {10, 0, 0, 1}));
  const Parsed p = parse(message(0x8180, 2, 1, body));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->question_count, 2);
  EXPECT_EQ(p.message->query_type, 1);
  ASSERT_EQ(p.message->answers.size(), 1u);
  EXPECT_EQ(p.message->answers[0].name, "a.b");
  EXPECT_EQ(p.message->answers[0].data, "10.0.0.1");
  EXPECT_EQ(p.message->answers[0].ttl, 3600u);
}

TEST(DnsParser, CompressionPointerToItself) {
  const Parsed p = parse(message(0, 1, 0, {0xC0, 12, 0, 1, 0, 1}));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.name_pointer_forward, 1u);
  EXPECT_EQ(p.counters.malformed, 1u);
  EXPECT_EQ(p.message->query_name, "");
}

TEST(DnsParser, CompressionLoopThroughLabels) {
  // "a" then a pointer back to the "a": without the rule this would repeat forever.
  const Parsed p = parse(message(0, 1, 0, {1, 'a', 0xC0, 12, 0, 1, 0, 1}));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.name_pointer_loop, 1u);
}

TEST(DnsParser, BadPointerChainDoesNotHideLaterRecords) {
  // The question's name loops, but where it ends in place is known: the answer after it, owned
  // by a name written out in full, is still read. Answers owned by the bad name are not kept.
  Bytes body = {1, 'a', 0xC0, 12, 0, 1, 0, 1};
  append(body, {1, 'z', 0, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4});
  append(body, answer(1, 1, {5, 6, 7, 8}));
  const Parsed p = parse(message(0x8180, 1, 2, body));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.message->query_type, 1);
  ASSERT_EQ(p.message->answers.size(), 1u);
  EXPECT_EQ(p.message->answers[0].name, "z");
  EXPECT_EQ(p.message->answers[0].data, "1.2.3.4");
  EXPECT_EQ(p.counters.name_pointer_loop, 2u);
}

TEST(DnsParser, CompressionLoopAfterAJump) {
  // Answer name at 21: "x" -> 12; at 12: "c", "d", then a pointer to 14 ("d" again).
  Bytes body = {1, 'c', 1, 'd', 0xC0, 14, 0, 1, 0, 1};  // question 12..21, looping name
  append(body, {1, 'x', 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  const Parsed p = parse(message(0x8000, 0, 1, body));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.name_pointer_loop, 1u);
}

TEST(DnsParser, PointerOutOfRange) {
  const Parsed p = parse(message(0, 1, 0, {1, 'a', 0xC3, 0xFF, 0, 1, 0, 1}));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.name_pointer_forward, 1u);
}

TEST(DnsParser, PointerCutInHalf) {
  EXPECT_EQ(parse(message(0, 1, 0, {1, 'a', 0xC0})).status, DnsParseStatus::kTruncated);
}

TEST(DnsParser, LabelTooLong) {
  for (std::uint8_t length : {64, 0x80, 0xBF}) {
    Bytes body = {length};
    body.resize(1 + 64, 'x');
    append(body, {0, 0, 1, 0, 1});
    const Parsed p = parse(message(0, 1, 0, body));
    EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
    EXPECT_EQ(p.counters.name_label_too_long, 1u);
  }
}

Bytes name_of_label_lengths(std::initializer_list<std::uint8_t> lengths) {
  Bytes name;
  for (std::uint8_t length : lengths) {
    name.push_back(length);
    name.resize(name.size() + length, 'n');
  }
  name.push_back(0);
  return name;
}

TEST(DnsParser, NameLengthLimitIs255Octets) {
  Bytes longest = name_of_label_lengths({63, 63, 63, 61});  // 255 octets with the root
  ASSERT_EQ(longest.size(), 255u);
  append(longest, {0, 1, 0, 1});
  const Parsed ok = parse(message(0, 1, 0, longest));
  EXPECT_EQ(ok.status, DnsParseStatus::kOk);
  EXPECT_EQ(ok.message->query_name.size(), 253u);
  EXPECT_FALSE(ok.message->query_name.truncated());

  Bytes too_long = name_of_label_lengths({63, 63, 63, 62});
  append(too_long, {0, 1, 0, 1});
  const Parsed bad = parse(message(0, 1, 0, too_long));
  EXPECT_EQ(bad.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(bad.counters.name_too_long, 1u);
  EXPECT_EQ(bad.message->query_name, "");
  EXPECT_EQ(bad.message->query_type, 1);
}

TEST(DnsParser, OversizedNameIsSkippedAndParsingGoesOn) {
  // A second question with a 256-octet name (a buffer-overflow probe), then an answer.
  Bytes body = question_ab();
  append(body, name_of_label_lengths({63, 63, 63, 62}));
  append(body, {0, 1, 0, 1});
  append(body, answer(1, 1, {66, 66, 66, 66}));
  const Parsed p = parse(message(0x8180, 2, 1, body));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.name_too_long, 1u);
  EXPECT_EQ(p.message->query_name, "a.b");
  ASSERT_EQ(p.message->answers.size(), 1u);
  EXPECT_EQ(p.message->answers[0].data, "66.66.66.66");
}

TEST(DnsParser, EscapedNameLongerThanTheFieldIsFlagged) {
  Bytes name = {63};
  name.resize(64, 0x01);  // every byte escapes to 4 characters
  name.push_back(0);
  append(name, {0, 1, 0, 1});
  const Parsed p = parse(message(0, 1, 0, name));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->query_name.size(), 252u);
  EXPECT_FALSE(p.message->query_name.truncated());
  Bytes longer = name_of_label_lengths({63, 63});
  for (std::size_t i = 1; i < 128; ++i) {
    if (i != 64) longer[i] = 0x01;
  }
  append(longer, {0, 1, 0, 1});
  EXPECT_TRUE(parse(message(0, 1, 0, longer)).message->query_name.truncated());
}

TEST(DnsParser, MdnsClassTopBitMasked) {
  Bytes body = question_ab(1, 0x8001);                // QU question
  append(body, answer(1, 0x8001, {192, 168, 1, 9}));  // cache-flush answer
  const Bytes bytes = message(0x8400, 1, 1, body);
  const Parsed mdns = parse(bytes, DnsFlavor::kMdns);
  ASSERT_EQ(mdns.status, DnsParseStatus::kOk);
  EXPECT_EQ(mdns.message->flavor, DnsFlavor::kMdns);
  EXPECT_EQ(mdns.message->query_class, 1);
  ASSERT_EQ(mdns.message->answers.size(), 1u);
  EXPECT_EQ(mdns.message->answers[0].data, "192.168.1.9");
  // The same bytes as plain DNS: class 0x8001 is not IN, so nothing is kept.
  const Parsed dns = parse(bytes, DnsFlavor::kDns);
  EXPECT_EQ(dns.message->query_class, 0x8001);
  EXPECT_EQ(dns.message->answers.size(), 0u);
}

TEST(DnsParser, OtherClassesAndTypesAreCountedNotKept) {
  Bytes body = question_ab();
  append(body, answer(1, 3, {1, 2, 3, 4}));        // CHAOS class
  append(body, answer(15, 1, {0, 10, 0xC0, 12}));  // MX
  append(body, answer(1, 1, {1, 2, 3, 4}));
  const Parsed p = parse(message(0x8180, 1, 3, body));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->answer_count, 3);
  ASSERT_EQ(p.message->answers.size(), 1u);
  EXPECT_EQ(p.message->answers[0].data, "1.2.3.4");
}

TEST(DnsParser, AddressLengthMustMatchType) {
  Bytes body = question_ab();
  append(body, answer(1, 1, {1, 2, 3, 4}));
  append(body, answer(1, 1, {1, 2, 3, 4, 5}));
  append(body, answer(1, 1, {5, 6, 7, 8}));
  const Parsed p = parse(message(0x8180, 1, 3, body));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.rdata_length_invalid, 1u);
  EXPECT_EQ(p.counters.malformed, 1u);
  // RDLENGTH bounds the bad record: it is dropped, and the records around it kept.
  EXPECT_EQ(p.message->query_name, "a.b");
  ASSERT_EQ(p.message->answers.size(), 2u);
  EXPECT_EQ(p.message->answers[0].data, "1.2.3.4");
  EXPECT_EQ(p.message->answers[1].data, "5.6.7.8");

  Bytes aaaa = question_ab(28);
  append(aaaa, answer(28, 1, Bytes(15, 0)));
  EXPECT_EQ(parse(message(0x8180, 1, 1, aaaa)).status, DnsParseStatus::kMalformed);
}

TEST(DnsParser, CnameTargetMustFillItsRdata) {
  Bytes overrun = question_ab(5);
  append(overrun, answer(5, 1, {3, 'c', 'd'}));  // label runs past RDLENGTH
  append(overrun, {'n', 0});
  const Parsed p = parse(message(0x8180, 1, 1, overrun));
  EXPECT_EQ(p.status, DnsParseStatus::kMalformed);
  EXPECT_EQ(p.counters.rdata_length_invalid, 1u);

  Bytes slack = question_ab(5);
  append(slack, answer(5, 1, {1, 'c', 0xC0, 12, 0xEE}));  // a stray byte after the name
  EXPECT_EQ(parse(message(0x8180, 1, 1, slack)).status, DnsParseStatus::kMalformed);

  Bytes good = question_ab(5);
  append(good, answer(5, 1, {1, 'c', 0xC0, 12}));
  const Parsed ok = parse(message(0x8180, 1, 1, good));
  ASSERT_EQ(ok.status, DnsParseStatus::kOk);
  EXPECT_EQ(ok.message->answers[0].data, "c.a.b");
}

TEST(DnsParser, AnswersBeyondCapacityAreCountedAndFlagged) {
  Bytes body = question_ab();
  for (std::uint8_t i = 0; i < 14; ++i)
    append(body, answer(1, 1, {10, 0, 0, i}));
  const Parsed p = parse(message(0x8180, 1, 14, body));
  ASSERT_EQ(p.status, DnsParseStatus::kOk);
  EXPECT_EQ(p.message->answers.size(), 12u);
  EXPECT_TRUE(p.message->answers.truncated());
  EXPECT_EQ(p.message->answers[11].data, "10.0.0.11");
  EXPECT_EQ(p.counters.answers_not_kept, 2u);
}

std::string aaaa_text(const std::array<std::uint8_t, 16>& address) {
  Bytes body = question_ab(28);
  append(body, answer(28, 1, Bytes(address.begin(), address.end())));
  const Parsed p = parse(message(0x8180, 1, 1, body));
  EXPECT_EQ(p.status, DnsParseStatus::kOk);
  return p.message->answers.empty() ? "" : std::string(p.message->answers[0].data.view());
}

TEST(DnsParser, AaaaTextFollowsRfc5952) {
  // Examples of RFC 5952 section 4: lower case, no leading zeros, the longest run of two or
  // more zero groups compressed, the first one on a tie.
  EXPECT_EQ(aaaa_text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "2001:db8::1");
  EXPECT_EQ(aaaa_text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}),
            "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(aaaa_text({0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}), "2001:0:0:1::1");
  EXPECT_EQ(aaaa_text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}),
            "2001:db8::1:0:0:1");
  EXPECT_EQ(aaaa_text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}),
            "::ffff:192.0.2.1");
  EXPECT_EQ(aaaa_text({0}), "::");
}

TEST(DnsParser, FlavorForPorts) {
  EXPECT_EQ(flavor_for_ports(5353, 5353), DnsFlavor::kMdns);
  EXPECT_EQ(flavor_for_ports(49152, 5353), DnsFlavor::kMdns);
  EXPECT_EQ(flavor_for_ports(5355, 61000), DnsFlavor::kLlmnr);
  EXPECT_EQ(flavor_for_ports(53, 40000), DnsFlavor::kDns);
}

class RecordingSink : public DnsMessageSink {
 public:
  void on_dns_message(const DnsMessage& m) override {
    names.emplace_back(m.query_name.view());
    EXPECT_EQ(m.transport, DnsTransport::kTcp);
    EXPECT_EQ(m.flavor, DnsFlavor::kDns);
  }
  std::vector<std::string> names;
};

Bytes framed(const Bytes& message_bytes) {
  Bytes out = {static_cast<std::uint8_t>(message_bytes.size() >> 8),
               static_cast<std::uint8_t>(message_bytes.size())};
  append(out, message_bytes);
  return out;
}

struct TcpRun {
  std::unique_ptr<DnsMessage> scratch = std::make_unique<DnsMessage>();
  RecordingSink sink;
  DnsCounters counters;
  Bytes pending;
  // Plays the caller: unconsumed bytes are presented again with the next segment.
  void segment(const Bytes& bytes) {
    append(pending, bytes);
    const std::size_t consumed =
        consume_tcp_stream(pending, DnsFlavor::kDns, sink, *scratch, counters);
    ASSERT_LE(consumed, pending.size());
    pending.erase(pending.begin(), pending.begin() + static_cast<long>(consumed));
  }
};

TEST(DnsTcp, SeveralMessagesInOneSegment) {
  Bytes stream = framed(message(0x0100, 1, 0, question_ab()));
  append(stream, framed(kResponse));
  const Bytes third = framed(message(0x0100, 1, 0, {1, 'z', 0, 0, 1, 0, 1}));
  append(stream, Bytes(third.begin(), third.begin() + 5));
  TcpRun run;
  run.segment(stream);
  EXPECT_EQ(run.sink.names, (std::vector<std::string>{"a.b", "www.example.com"}));
  EXPECT_EQ(run.pending.size(), 5u);
  run.segment(Bytes(third.begin() + 5, third.end()));
  EXPECT_EQ(run.sink.names.back(), "z");
  EXPECT_TRUE(run.pending.empty());
  EXPECT_EQ(run.counters.tcp_messages, 3u);
}

TEST(DnsTcp, OneMessageOverManySegments) {
  const Bytes stream = framed(kResponse);
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    TcpRun run;
    run.segment(Bytes(stream.begin(), stream.begin() + static_cast<long>(cut)));
    EXPECT_TRUE(run.sink.names.empty()) << cut;
    run.segment(Bytes(stream.begin() + static_cast<long>(cut), stream.end()));
    ASSERT_EQ(run.sink.names.size(), 1u) << cut;
    EXPECT_EQ(run.sink.names[0], "www.example.com");
  }
  TcpRun trickle;
  for (std::uint8_t byte : stream)
    trickle.segment({byte});
  EXPECT_EQ(trickle.sink.names.size(), 1u);
}

TEST(DnsTcp, MessagesTooShortForAHeaderAreSkipped) {
  Bytes stream = {0, 0};  // zero length
  append(stream, framed({1, 2, 3}));
  append(stream, framed(message(0x0100, 1, 0, question_ab())));
  TcpRun run;
  run.segment(stream);
  EXPECT_EQ(run.sink.names, (std::vector<std::string>{"a.b"}));
  EXPECT_EQ(run.counters.header_too_short, 2u);
  EXPECT_TRUE(run.pending.empty());
}

}  // namespace
}  // namespace bw::extract::dns
