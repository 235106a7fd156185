// Every capture of ../shared/background and ../shared/pcaps against tshark, which runs at test
// time on each, for what the committed references (detail/*.tsv) do not cover:
// - QUIC: Google QUIC (Q024-Q046 cleartext CHLOs, Q050), T050, mvfst, IETF drafts, v1 and v2. A
//   capture counts as QUIC when tshark finds the server name of a QUIC or gQUIC client hello in
//   it; every name tshark found must be in a QUIC event. tshark reports every client hello frame;
//   the sensor reports the first client hello of each connection, so tshark's names are counted
//   once per UDP conversation (a retransmitted Initial, or gQUIC's second CHLO after the server's
//   REJ, names the same server on the same conversation).
// - STARTTLS: TLS client hellos on the mail ports (SMTP 25/587/2525, IMAP 143, POP3 110), which
//   can only follow an upgrade of the plaintext session; each must come out with tshark's SNI and
//   JA3.
// Prints per-file recall. Skips when tshark or both folders are absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sensor/pipeline/pipeline.h"
#include "tests/shared_pcaps/shared_captures.h"
#include "tests/support/collecting_writer.h"

namespace bw {
namespace {

namespace fs = std::filesystem;
namespace pb = beaconwatch::v1;

using testing::shared_root;

// Captures where a name tshark reports is not to be required, and why. Only for tshark's own
// mistakes; empty while tshark is right on every capture.
const std::map<std::string, std::string>& tshark_exceptions() {
  static const std::map<std::string, std::string> kExceptions;
  return kExceptions;
}

std::vector<fs::path> captures() {
  return testing::shared_captures();
}

bool tshark_available() {
  return std::system("tshark -v >/dev/null 2>&1") == 0;
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string field;
  while (std::getline(stream, field, separator))
    out.push_back(field);
  if (!text.empty() && text.back() == separator) out.emplace_back();
  return out;
}

// What tshark reads in one capture: QUIC and gQUIC server names, once per UDP conversation, and
// the TLS client hellos on mail ports as "port sni ja3".
struct TsharkView {
  std::vector<std::string> quic_names;
  std::vector<std::string> mail_hellos;
};

const TsharkView& tshark_view(const fs::path& capture) {
  static std::map<fs::path, TsharkView> cache;
  const auto cached = cache.find(capture);
  if (cached != cache.end()) return cached->second;
  TsharkView& view = cache[capture];
  const std::string command =
      "tshark -n -r " + shell_quoted(capture.string()) +
      " -Y 'gquic.tag.sni || (quic && tls.handshake.extensions_server_name) ||"
      " (tcp && tls.handshake.type == 1 && tcp.dstport in {25, 587, 2525, 143, 110})'"
      " -T fields -e udp.stream -e gquic.tag.sni -e tls.handshake.extensions_server_name"
      " -e tcp.dstport -e tls.handshake.ja3 2>/dev/null";
  std::set<std::pair<std::string, std::string>> seen;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run tshark on " << capture;
    return view;
  }
  std::array<char, 4096> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    std::string text(line.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.pop_back();
    const std::vector<std::string> fields = split(text, '\t');
    if (fields.size() < 5) continue;
    if (!fields[3].empty()) {  // TCP: a client hello after STARTTLS
      view.mail_hellos.push_back(fields[3] + " " + fields[2] + " " + fields[4]);
      continue;
    }
    // Coalesced packets repeat a field, comma-separated.
    for (const std::size_t column : {std::size_t{1}, std::size_t{2}}) {
      for (const std::string& name : split(fields[column], ',')) {
        if (!name.empty() && seen.emplace(fields[0], name).second) {
          view.quic_names.push_back(name);
        }
      }
    }
  }
  pclose(pipe);
  return view;
}

struct Replay {
  bool ok = false;
  std::string error;
  std::vector<pb::Event> events;
};

Replay replay(const fs::path& capture) {
  Replay result;
  config::SensorConfig config;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<testing::CollectingWriter>(result.events));
  const pipeline::ReplayResult run = pipeline::run_replay(config, {capture.string()}, writers);
  result.ok = run.ok;
  result.error = run.error;
  return result;
}

std::size_t count_matches(const std::vector<std::string>& expected,
                          std::vector<std::string> observed) {
  std::size_t matched = 0;
  for (const std::string& name : expected) {
    const auto it = std::find(observed.begin(), observed.end(), name);
    if (it != observed.end()) {
      observed.erase(it);
      ++matched;
    }
  }
  return matched;
}

TEST(BackgroundQuic, EveryTsharkServerNameIsExtracted) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const std::vector<fs::path> files = captures();
  if (files.empty()) GTEST_SKIP() << "no captures under " << shared_root();
  std::size_t quic_files = 0;
  std::size_t total_expected = 0;
  std::size_t total_matched = 0;
  for (const fs::path& capture : files) {
    const std::vector<std::string>& expected = tshark_view(capture).quic_names;
    if (expected.empty()) continue;
    ++quic_files;
    const std::string name =
        capture.parent_path().filename().string() + "/" + capture.filename().string();
    const Replay run = replay(capture);
    std::vector<std::string> observed;
    std::map<std::uint32_t, std::size_t> versions;
    for (const pb::Event& event : run.events) {
      if (!event.has_quic()) continue;
      observed.push_back(event.quic().client_hello().sni());
      ++versions[event.quic().version()];
    }
    const std::size_t matched = count_matches(expected, observed);
    std::string version_list;
    for (const auto& [version, count] : versions) {
      std::array<char, 24> text{};
      std::snprintf(text.data(), text.size(), " %08x:%zu", version, count);
      version_list += text.data();
    }
    std::printf("  quic-sni %-70s %4zu/%-4zu %.3f%s\n", name.c_str(), matched, expected.size(),
                static_cast<double>(matched) / static_cast<double>(expected.size()),
                version_list.c_str());
    total_expected += expected.size();
    total_matched += matched;
    EXPECT_TRUE(run.ok) << name << ": " << run.error;
    const auto exception = tshark_exceptions().find(capture.filename().string());
    if (exception != tshark_exceptions().end()) {
      std::printf("    not required: %s\n", exception->second.c_str());
      continue;
    }
    EXPECT_EQ(matched, expected.size()) << name;
  }
  std::printf("  quic-sni total %zu/%zu over %zu captures\n", total_matched, total_expected,
              quic_files);
  EXPECT_GT(quic_files, 0u);
}

TEST(BackgroundStartTls, EveryTsharkClientHelloAfterStartTlsIsExtracted) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const std::vector<fs::path> files = captures();
  if (files.empty()) GTEST_SKIP() << "no captures under " << shared_root();
  std::size_t mail_files = 0;
  for (const fs::path& capture : files) {
    const std::vector<std::string>& expected = tshark_view(capture).mail_hellos;
    if (expected.empty()) continue;
    ++mail_files;
    const Replay run = replay(capture);
    std::vector<std::string> observed;
    for (const pb::Event& event : run.events) {
      if (!event.has_tls()) continue;
      const auto& hello = event.tls().client_hello();
      observed.push_back(std::to_string(event.flow().server_port()) + " " + hello.sni() + " " +
                         hello.ja3_md5());
    }
    const std::size_t matched = count_matches(expected, observed);
    std::printf("  starttls %-60s %zu/%zu\n", capture.filename().c_str(), matched, expected.size());
    EXPECT_EQ(matched, expected.size()) << capture.filename() << ": e.g. " << expected[0];
  }
  // ndpi__imap-starttls and ndpi__pop3_stls at least.
  EXPECT_GE(mail_files, 2u);
}

}  // namespace
}  // namespace bw
