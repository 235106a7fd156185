#include "tools/generator/dns_content.h"

#include <algorithm>

namespace bw::gen {
namespace {

void write_header(ByteWriter& w, std::uint16_t id, std::uint16_t flags, std::uint16_t questions,
                  std::uint16_t answers, std::uint16_t authorities, std::uint16_t additionals) {
  w.be16(id).be16(flags).be16(questions).be16(answers).be16(authorities).be16(additionals);
}

void write_opt(ByteWriter& w) {
  w.u8(0).be16(kDnsTypeOpt).be16(1232).be32(0).be16(0);
}

}  // namespace

void DnsNameWriter::write(const std::string& name) {
  ByteWriter w(message_);
  std::string_view rest = name;
  while (!rest.empty()) {
    const auto known = std::find_if(suffixes_.begin(), suffixes_.end(),
                                    [&](const auto& entry) { return entry.first == rest; });
    if (known != suffixes_.end()) {
      w.be16(0xc000 | known->second);
      return;
    }
    if (message_.size() < 0x4000) suffixes_.emplace_back(std::string(rest), message_.size());
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    w.u8(label.size()).text(label);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  w.u8(0);
}

Bytes build_dns_query(const DnsQuestion& question) {
  Bytes out;
  ByteWriter w(out);
  write_header(w, question.id, question.flags, 1, 0, 0, question.edns ? 1 : 0);
  DnsNameWriter names(out);
  names.write(question.name);
  w.be16(question.type).be16(question.klass);
  if (question.edns) write_opt(w);
  return out;
}

Bytes build_dns_response(const DnsQuestion& question, std::uint16_t flags,
                         const std::vector<DnsRecord>& answers, const std::string& soa_zone) {
  Bytes out;
  ByteWriter w(out);
  const bool nxdomain = (flags & 0x000f) == kDnsRcodeNxDomain;
  const bool with_soa = nxdomain && !soa_zone.empty();
  write_header(w, question.id, flags, 1, static_cast<std::uint16_t>(answers.size()),
               with_soa ? 1 : 0, question.edns ? 1 : 0);
  DnsNameWriter names(out);
  names.write(question.name);
  w.be16(question.type).be16(question.klass);
  for (const DnsRecord& record : answers) {
    names.write(record.name);
    w.be16(record.type).be16(record.klass).be32(record.ttl);
    const std::size_t length_at = w.hold16();
    if (record.type == kDnsTypeA || record.type == kDnsTypeAaaa) {
      w.bytes(ByteSpan(record.address.bytes.data(), record.address.length()));
    } else {
      names.write(record.target);
    }
    w.fill16(length_at);
  }
  if (with_soa) {
    names.write(soa_zone);
    w.be16(kDnsTypeSoa).be16(1).be32(900);
    const std::size_t length_at = w.hold16();
    names.write("ns1." + soa_zone);
    names.write("hostmaster." + soa_zone);
    w.be32(2025031101).be32(7200).be32(3600).be32(1209600).be32(300);
    w.fill16(length_at);
  }
  if (question.edns) write_opt(w);
  return out;
}

}  // namespace bw::gen
