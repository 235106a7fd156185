#include "tools/generator/generator.h"

#include <algorithm>
#include <ostream>

#include "tools/generator/path.h"
#include "tools/generator/profiles.h"
#include "tools/generator/scenario.h"
#include "tools/generator/world.h"

namespace bw::gen {
namespace {

constexpr std::size_t kMaxScale = 100000;
constexpr std::uint16_t kMaxInterfaces = 64;

using ProfileBuilder = void (*)(World&);

ProfileBuilder find_profile(std::string_view name) {
  if (name == "demo") return build_demo_profile;
  if (name == "encap") return build_encap_profile;
  if (name == "protocols") return build_protocols_profile;
  if (name == "dense") return build_dense_profile;
  if (name == "mixed") return build_mixed_profile;
  if (name == "history") return build_history_profile;
  if (name == "apt") return build_apt_profile;
  if (name == "wave") return build_wave_profile;
  return nullptr;
}

bool valid_linktype(std::uint32_t linktype) {
  return linktype == kLinktypeNull || linktype == kLinktypeEthernet || linktype == kLinktypeRaw ||
         linktype == kLinktypeSll || linktype == kLinktypeSll2;
}

// Truth values never contain tabs or newlines, but a TSV must stay parseable whatever they hold.
std::string cell(std::string_view value) {
  std::string out(value);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return out;
}

}  // namespace

const std::vector<std::string_view>& profile_names() {
  static const std::vector<std::string_view> names = {"demo",  "encap",   "protocols", "dense",
                                                      "mixed", "history", "apt",       "wave"};
  return names;
}

bool parse_linktype(std::string_view name, std::uint32_t& linktype) {
  if (name == "ethernet") {
    linktype = kLinktypeEthernet;
  } else if (name == "raw") {
    linktype = kLinktypeRaw;
  } else if (name == "sll") {
    linktype = kLinktypeSll;
  } else if (name == "sll2") {
    linktype = kLinktypeSll2;
  } else if (name == "null") {
    linktype = kLinktypeNull;
  } else {
    return false;
  }
  return true;
}

bool parse_format(std::string_view name, CaptureFormat& format) {
  if (name == "pcap") {
    format = CaptureFormat::kPcapMicro;
  } else if (name == "pcap-ns") {
    format = CaptureFormat::kPcapNano;
  } else if (name == "pcapng") {
    format = CaptureFormat::kPcapng;
  } else {
    return false;
  }
  return true;
}

namespace {

bool validate(const GeneratorOptions& options, std::string& error) {
  if (find_profile(options.profile) == nullptr) {
    error = "unknown profile '" + options.profile + "'";
    return false;
  }
  if (!valid_linktype(options.linktype)) {
    error = "unsupported link type " + std::to_string(options.linktype);
    return false;
  }
  if (options.scale == 0 || options.scale > kMaxScale) {
    error = "scale must be between 1 and " + std::to_string(kMaxScale);
    return false;
  }
  if (options.interfaces == 0 || options.interfaces > kMaxInterfaces) {
    error = "interfaces must be between 1 and " + std::to_string(kMaxInterfaces);
    return false;
  }
  if (options.interfaces > 1 && options.format != CaptureFormat::kPcapng) {
    error = "several interfaces need the pcapng format";
    return false;
  }
  return true;
}

template <typename Output>
bool run(const GeneratorOptions& options, Output&& output, std::vector<GroundTruth>& truth_out,
         std::string& error) {
  if (!validate(options, error)) return false;
  truth_out.clear();
  World world(options, truth_out);
  find_profile(options.profile)(world);
  std::stable_sort(truth_out.begin(), truth_out.end(),
                   [](const GroundTruth& a, const GroundTruth& b) { return a.ts < b.ts; });
  world.sink().write(options.format, options.linktype, options.interfaces, output);
  return true;
}

}  // namespace

bool generate(const GeneratorOptions& options, std::vector<std::uint8_t>& capture_out,
              std::vector<GroundTruth>& truth_out, std::string& error) {
  return run(options, capture_out, truth_out, error);
}

bool generate_to_stream(const GeneratorOptions& options, std::ostream& capture_out,
                        std::vector<GroundTruth>& truth_out, std::string& error) {
  const FrameSink::ChunkSink emit = [&capture_out](ByteSpan chunk) {
    capture_out.write(reinterpret_cast<const char*>(chunk.data()),
                      static_cast<std::streamsize>(chunk.size()));
  };
  if (!run(options, emit, truth_out, error)) return false;
  if (!capture_out) {
    error = "write failed";
    return false;
  }
  return true;
}

bool recipient_directory(const GeneratorOptions& options, std::vector<std::string>& out,
                         std::string& error) {
  if (options.profile != "history" && options.profile != "apt") {
    error = "profile '" + options.profile + "' has no recipient directory (history and apt do)";
    return false;
  }
  if (!validate(options, error)) return false;
  out = scenario_recipients(options.scale);
  return true;
}

bool write_ground_truth_tsv(const std::vector<GroundTruth>& truth, std::ostream& out) {
  out << "kind\tts_ns\tclient_ip\tclient_port\tserver_ip\tserver_port\ttransport\tencapsulation"
         "\tvlan_id\tmethod\thost\turi\tuser_agent\treferer\tcookie_sent\tstatus\tcontent_type"
         "\timage_format\timage_width\timage_height\tdns_flavor\tdns_name\tdns_type\tdns_response"
         "\tdns_rcode\tdns_answers\tsni\talpn\tja3\tech\ttls_version\tquic_version\tquic_dcid"
         "\tis_beacon\trecipient\tcampaign\n";
  for (const GroundTruth& r : truth) {
    out << r.kind << '\t' << r.ts << '\t' << r.client_ip << '\t' << r.client_port << '\t'
        << r.server_ip << '\t' << r.server_port << '\t' << r.transport << '\t' << r.encapsulation
        << '\t' << r.vlan_id << '\t' << r.method << '\t' << cell(r.host) << '\t' << cell(r.uri)
        << '\t' << cell(r.user_agent) << '\t' << cell(r.referer) << '\t' << int{r.cookie_sent}
        << '\t' << r.status << '\t' << cell(r.content_type) << '\t' << r.image_format << '\t'
        << r.image_width << '\t' << r.image_height << '\t' << r.dns_flavor << '\t'
        << cell(r.dns_name) << '\t' << r.dns_type << '\t' << int{r.dns_response} << '\t'
        << int{r.dns_rcode} << '\t' << r.dns_answers << '\t' << cell(r.sni) << '\t' << cell(r.alpn)
        << '\t' << r.ja3 << '\t' << int{r.ech} << '\t' << r.tls_version << '\t' << r.quic_version
        << '\t' << r.quic_dcid << '\t' << int{r.is_beacon} << '\t' << cell(r.recipient) << '\t'
        << cell(r.campaign) << '\n';
  }
  return static_cast<bool>(out);
}

}  // namespace bw::gen
