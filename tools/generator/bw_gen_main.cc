// bw-gen: writes a synthetic capture (and optionally its ground truth) for a profile.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/generator/generator.h"

namespace {

constexpr const char* kUsage =
    "usage: bw-gen --profile P --seed N [--scale K] [--linktype L] [--format F]\n"
    "              [--interfaces N] --out FILE [--truth FILE.tsv] [--recipients FILE]\n"
    "\n"
    "Writes a deterministic synthetic capture: the same options always give the same bytes.\n"
    "\n"
    "  --profile P      demo | encap | protocols | dense | mixed | history | apt | wave\n"
    "                   (default demo)\n"
    "                     demo:      an office opening a newsletter with tracking pixels among\n"
    "                                ordinary browsing, DNS and background traffic (< 2 MB)\n"
    "                     encap:     HTTP/DNS/TLS under VLAN, QinQ, MPLS, PPPoE, GRE, ERSPAN "
    "II/III,\n"
    "                                VXLAN, Geneve, IP-in-IP, 6in4, Teredo, GTP-U, AYIYA, IPv6\n"
    "                                extension headers, plus IPv4/IPv6 fragments\n"
    "                     protocols: every HTTP, DNS, TLS and QUIC variant once\n"
    "                     dense:     short beacon-like flows, 1000 per unit of --scale\n"
    "                                (about 10k packets each; --scale 100 gives about 1M packets)\n"
    "                     mixed:     long bulk transfers with a few percent beacon flows,\n"
    "                                10 bulk flows of 1-4 MB per unit of --scale\n"
    "                     history:   a parliament's ordinary working days (300 member hosts\n"
    "                                per unit of --scale), two and three days before apt\n"
    "                     apt:       the same parliament receiving an APT31-style mail-merge\n"
    "                                with per-recipient pixels (HTTP, HTTPS, QUIC, DNS labels),\n"
    "                                newsletters, and benign traffic that resembles beacons\n"
    "                     wave:      one mass mail-merge wave: 2000 opens per unit of --scale,\n"
    "                                each from its own client (HTTP pixel of one template, some\n"
    "                                HTTPS to the same sender); --scale 100 is 200k hosts\n"
    "  --seed N         random seed, a non-negative integer (default 1)\n"
    "  --scale K        flow-count multiplier for dense, mixed and wave, host multiplier for\n"
    "                   history and apt, 1..100000 (default 1)\n"
    "  --linktype L     ethernet | raw | sll | sll2 | null (default ethernet)\n"
    "  --format F       pcap (microseconds) | pcap-ns (nanoseconds) | pcapng (default pcap)\n"
    "  --interfaces N   pcapng only: spread flows over N interfaces, 1..64 (default 1)\n"
    "  --out FILE       capture file to write (required)\n"
    "  --truth FILE     also write the ground truth as TSV (one row per HTTP transaction,\n"
    "                   DNS message, TLS handshake and QUIC client Initial)\n"
    "  --recipients FILE  history and apt: also write the protected recipient directory, one\n"
    "                   address per line (give it to bw-sensor --recipients)\n"
    "  --help           show this text\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "bw-gen: %s (see --help)\n", message.c_str());
  return 2;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, out);
  return result.ec == std::errc() && result.ptr == end;
}

}  // namespace

int main(int argc, char** argv) {
  bw::gen::GeneratorOptions options;
  std::string out_path;
  std::string truth_path;
  std::string recipients_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return fail("option " + std::string(arg) + " needs a value");
    const std::string_view value = argv[++i];
    if (arg == "--profile") {
      options.profile = std::string(value);
    } else if (arg == "--seed") {
      if (!parse_number(value, options.seed)) return fail("--seed wants a non-negative integer");
    } else if (arg == "--scale") {
      if (!parse_number(value, options.scale)) return fail("--scale wants a positive integer");
    } else if (arg == "--interfaces") {
      if (!parse_number(value, options.interfaces)) {
        return fail("--interfaces wants a positive integer");
      }
    } else if (arg == "--linktype") {
      if (!bw::gen::parse_linktype(value, options.linktype)) {
        return fail("unknown link type '" + std::string(value) + "'");
      }
    } else if (arg == "--format") {
      if (!bw::gen::parse_format(value, options.format)) {
        return fail("unknown format '" + std::string(value) + "'");
      }
    } else if (arg == "--out") {
      out_path = std::string(value);
    } else if (arg == "--truth") {
      truth_path = std::string(value);
    } else if (arg == "--recipients") {
      recipients_path = std::string(value);
    } else {
      return fail("unknown option " + std::string(arg));
    }
  }
  if (out_path.empty()) return fail("--out is required");
  std::vector<std::string> recipients;
  std::string error;
  if (!recipients_path.empty() && !bw::gen::recipient_directory(options, recipients, error)) {
    return fail(error);
  }

  std::ofstream out(out_path, std::ios::binary);
  if (!out) return fail("cannot open " + out_path + ": " + std::strerror(errno));
  std::vector<bw::gen::GroundTruth> truth;
  if (!bw::gen::generate_to_stream(options, out, truth, error)) {
    out.close();
    std::remove(out_path.c_str());
    return fail(error == "write failed" ? "cannot write " + out_path : error);
  }
  if (!truth_path.empty()) {
    std::ofstream tsv(truth_path);
    if (!tsv || !bw::gen::write_ground_truth_tsv(truth, tsv)) {
      return fail("cannot write " + truth_path + ": " + std::strerror(errno));
    }
  }
  if (!recipients_path.empty()) {
    std::ofstream list(recipients_path);
    for (const std::string& address : recipients)
      list << address << '\n';
    if (!list) return fail("cannot write " + recipients_path + ": " + std::strerror(errno));
  }
  return 0;
}
