// Replays the real public captures in ../shared/pcaps and compares what the sensor extracts with
// tshark's view of the same files (EXPECTED.tsv and detail/*.tsv, made by tshark 4.0 on Debian
// 12) and with the JA4 references in detail/ja4_reference.tsv. Prints per-file recall.
//
// Where the sensor and tshark rightly differ, the test says so next to the check:
// - tshark counts every ClientHello frame; the sensor reports the first ClientHello of each
//   connection (a HelloRetryRequest's second ClientHello, or a retransmitted QUIC Initial, is the
//   same connection).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sensor/pipeline/pipeline.h"
#include "tests/support/collecting_writer.h"

namespace bw {
namespace {

namespace pb = beaconwatch::v1;
namespace fs = std::filesystem;

fs::path shared_dir() {
  if (const char* env = std::getenv("BW_SHARED_PCAPS")) return env;
  return BW_DEFAULT_SHARED_PCAPS;
}

struct Tsv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
  // Rows of one capture file, as column-name -> value maps.
  std::vector<std::map<std::string, std::string>> for_file(const std::string& file) const {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& row : rows) {
      if (row.empty() || row[0] != file) continue;
      std::map<std::string, std::string> m;
      for (std::size_t i = 0; i < header.size(); ++i)
        m[header[i]] = i < row.size() ? row[i] : "";
      out.push_back(std::move(m));
    }
    return out;
  }
};

Tsv read_tsv(const fs::path& path) {
  Tsv tsv;
  std::ifstream in(path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t'))
      fields.push_back(field);
    if (!line.empty() && line.back() == '\t') fields.emplace_back();
    if (first) {
      tsv.header = std::move(fields);
      first = false;
    } else {
      tsv.rows.push_back(std::move(fields));
    }
  }
  return tsv;
}

struct Replay {
  bool ok = false;
  std::string error;
  std::vector<pb::Event> events;
  pipeline::RunSummary summary;
};

const Replay& replay(const std::string& file) {
  static std::map<std::string, Replay> cache;
  auto it = cache.find(file);
  if (it != cache.end()) return it->second;
  Replay result;
  config::SensorConfig config;
  std::vector<std::unique_ptr<exporter::EventWriter>> writers;
  writers.push_back(std::make_unique<testing::CollectingWriter>(result.events));
  const pipeline::ReplayResult run =
      pipeline::run_replay(config, {(shared_dir() / file).string()}, writers);
  result.ok = run.ok;
  result.error = run.error;
  result.summary = run.summary;
  return cache.emplace(file, std::move(result)).first->second;
}

// Greedy multiset matching: how many expected keys find a distinct observed key. An observed key
// ending in kCut was truncated by the sensor's field bound and matches any key it is a prefix of.
constexpr char kCut = '\x01';

bool key_matches(const std::string& observed, const std::string& expected) {
  if (!observed.empty() && observed.back() == kCut) {
    return expected.compare(0, observed.size() - 1, observed, 0, observed.size() - 1) == 0;
  }
  return observed == expected;
}

std::size_t count_matches(const std::vector<std::string>& expected,
                          std::vector<std::string> observed) {
  std::size_t matched = 0;
  for (const std::string& key : expected) {
    for (auto it = observed.begin(); it != observed.end(); ++it) {
      if (key_matches(*it, key)) {
        observed.erase(it);
        ++matched;
        break;
      }
    }
  }
  return matched;
}

struct Recall {
  std::size_t expected = 0;
  std::size_t matched = 0;
  double ratio() const { return expected == 0 ? 1.0 : static_cast<double>(matched) / expected; }
};

void report(const char* what, const std::string& file, const Recall& r) {
  if (r.expected == 0) return;
  std::printf("  %-6s %-62s %4zu/%-4zu %.3f\n", what, file.c_str(), r.matched, r.expected,
              r.ratio());
}

class SharedPcaps : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(shared_dir() / "EXPECTED.tsv")) {
      GTEST_SKIP() << "real captures not available at " << shared_dir();
    }
    expected_ = read_tsv(shared_dir() / "EXPECTED.tsv");
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& row : expected_.rows)
      out.push_back(row[0]);
    return out;
  }
  using Row = std::map<std::string, std::string>;
  // For one kind of record: the key of each tshark row (nullopt: the row does not count) and the
  // keys of each sensor event. Prints and returns the per-file and total recall.
  Recall measure(
      const char* label, const Tsv& detail,
      const std::function<std::optional<std::string>(const Row&)>& row_key,
      const std::function<void(const pb::Event&, std::vector<std::string>&)>& event_keys) {
    Recall total;
    for (const std::string& file : files()) {
      std::vector<std::string> expected;
      for (const Row& row : detail.for_file(file)) {
        if (auto key = row_key(row)) expected.push_back(std::move(*key));
      }
      std::vector<std::string> observed;
      for (const pb::Event& e : replay(file).events)
        event_keys(e, observed);
      const Recall r{expected.size(), count_matches(expected, observed)};
      report(label, file, r);
      total.expected += r.expected, total.matched += r.matched;
    }
    std::printf("  %s total %zu/%zu (%.3f)\n", label, total.matched, total.expected, total.ratio());
    return total;
  }

  Tsv expected_;
};

TEST_F(SharedPcaps, EveryFileReplaysAndReadsEveryPacket) {
  const std::size_t packets_col = expected_.column("packets");
  const std::size_t stderr_col = expected_.column("tshark_stderr");
  for (const auto& row : expected_.rows) {
    const std::string& file = row[0];
    const Replay& r = replay(file);
    const bool cut_short = row.size() > stderr_col && !row[stderr_col].empty();
    if (cut_short) {
      EXPECT_FALSE(r.ok) << file;
      EXPECT_NE(r.error.find("truncated"), std::string::npos) << file << ": " << r.error;
    } else {
      EXPECT_TRUE(r.ok) << file << ": " << r.error;
      EXPECT_EQ(r.summary.capture.packets_read, std::stoull(row[packets_col])) << file;
    }
  }
}

TEST_F(SharedPcaps, HttpRequestsMatchTshark) {
  const Tsv detail = read_tsv(shared_dir() / "detail/http_requests.tsv");
  const auto request_key = [](const pb::Event& e, std::vector<std::string>& out) {
    if (!e.has_http() || !e.http().has_request()) return;
    const auto& request = e.http().request();
    const bool cut = std::find(request.truncated_fields().begin(), request.truncated_fields().end(),
                               "uri") != request.truncated_fields().end();
    out.push_back(request.host() + request.uri() + (cut ? std::string(1, kCut) : ""));
  };
  const Recall all = measure(
      "http", detail, [](const Row& row) { return row.at("host") + row.at("uri"); }, request_key);
  // SSDP (HTTP over UDP, port 1900) is counted apart: it is not where beacons travel.
  const Recall tcp = measure(
      "http-tcp", detail,
      [](const Row& row) -> std::optional<std::string> {
        if (row.at("host").find(":1900") != std::string::npos) return std::nullopt;
        return row.at("host") + row.at("uri");
      },
      request_key);
  EXPECT_EQ(all.matched, all.expected);
  EXPECT_EQ(tcp.matched, tcp.expected);
}

// tshark lists final responses whose bodies it could reassemble; the sensor reports every response
// head (17 more in these files, bodies cut by the capture) but not 1xx interim responses.
TEST_F(SharedPcaps, HttpResponsesMatchTshark) {
  const Tsv detail = read_tsv(shared_dir() / "detail/http_responses.tsv");
  const Recall total = measure(
      "resp", detail,
      [](const Row& row) -> std::optional<std::string> {
        if (row.at("status").size() == 3 && row.at("status")[0] == '1') return std::nullopt;
        return row.at("status") + "|" + row.at("content_type") + "|" + row.at("content_length");
      },
      [](const pb::Event& e, std::vector<std::string>& out) {
        if (!e.has_http() || !e.http().has_response()) return;
        const auto& response = e.http().response();
        const std::string length =
            response.content_length() < 0 ? "" : std::to_string(response.content_length());
        out.push_back(std::to_string(response.status()) + "|" + response.content_type() + "|" +
                      length);
      });
  EXPECT_EQ(total.matched, total.expected);
}

TEST_F(SharedPcaps, DnsQueriesMatchTshark) {
  const Tsv detail = read_tsv(shared_dir() / "detail/dns_queries.tsv");
  const Recall total = measure(
      "dns", detail,
      [](const Row& row) { return row.at("query") == "<Root>" ? "." : row.at("query"); },
      [](const pb::Event& e, std::vector<std::string>& out) {
        if (e.has_dns() && !e.dns().is_response()) out.push_back(e.dns().query_name());
      });
  EXPECT_EQ(total.matched, total.expected);
}

TEST_F(SharedPcaps, TlsClientHellosMatchTsharkSniAndJa3) {
  const Tsv detail = read_tsv(shared_dir() / "detail/tls_clienthello.tsv");
  const auto client_hello = [](const pb::Event& e) -> const pb::TlsClientHello* {
    return e.has_tls() && e.tls().has_client_hello() ? &e.tls().client_hello() : nullptr;
  };
  const Recall sni = measure(
      "sni", detail, [](const Row& row) { return row.at("sni"); },
      [&](const pb::Event& e, std::vector<std::string>& out) {
        if (const auto* ch = client_hello(e)) out.push_back(ch->sni());
      });
  const Recall ja3 = measure(
      "ja3", detail, [](const Row& row) { return row.at("ja3"); },
      [&](const pb::Event& e, std::vector<std::string>& out) {
        if (const auto* ch = client_hello(e)) out.push_back(ch->ja3_md5());
      });
  // Two of tshark's ClientHello frames repeat a connection's first one: the second ClientHello
  // after zeek__tls__hrr's HelloRetryRequest, and a TCP retransmission in ndpi__reddit (frames 996
  // and 1000 of stream 36). The sensor reports each connection once.
  constexpr std::size_t kRepeatedClientHellos = 2;
  EXPECT_EQ(sni.matched + kRepeatedClientHellos, sni.expected);
  EXPECT_EQ(ja3.matched + kRepeatedClientHellos, ja3.expected);
}

TEST_F(SharedPcaps, QuicInitialsMatchTsharkSni) {
  const Tsv detail = read_tsv(shared_dir() / "detail/quic_initial_sni.tsv");
  const Recall total = measure(
      "quic", detail, [](const Row& row) { return row.at("sni"); },
      [](const pb::Event& e, std::vector<std::string>& out) {
        if (e.has_quic()) out.push_back(e.quic().client_hello().sni());
      });
  EXPECT_EQ(total.matched, total.expected);
}

// suricata-verify's JA4 references follow the FoxIO specification and must match in full. nDPI
// 4.x's references deviate from it in the 10-character prefix: it marks an SNI whose value is an
// IP literal as "i" (the spec looks only at whether the extension is present), and it takes
// ALPN "h3-29" as "h3" (the spec: first and last character, "h9"). For those, the two hash parts
// (sorted ciphers; sorted extensions + signature algorithms) must match, and the full-string
// agreement is printed.
TEST_F(SharedPcaps, Ja4MatchesReferences) {
  const Tsv detail = read_tsv(shared_dir() / "detail/ja4_reference.tsv");
  Recall spec_full;
  Recall ndpi_hashes;
  Recall ndpi_full;
  auto hashes = [](const std::string& ja4) {
    const std::size_t cut = ja4.find('_');
    return cut == std::string::npos ? ja4 : ja4.substr(cut);
  };
  for (const std::string& file : files()) {
    std::vector<std::string> observed;
    for (const pb::Event& e : replay(file).events) {
      if (e.has_tls() && e.tls().has_client_hello())
        observed.push_back(e.tls().client_hello().ja4());
      if (e.has_quic()) observed.push_back(e.quic().client_hello().ja4());
    }
    std::vector<std::string> observed_hashes;
    for (const auto& ja4 : observed)
      observed_hashes.push_back(hashes(ja4));
    std::vector<std::string> spec;
    std::vector<std::string> ndpi;
    std::vector<std::string> ndpi_hash_parts;
    for (const auto& row : detail.for_file(file)) {
      if (row.at("reference_source").rfind("suricata", 0) == 0) {
        spec.push_back(row.at("ja4"));
      } else {
        ndpi.push_back(row.at("ja4"));
        ndpi_hash_parts.push_back(hashes(row.at("ja4")));
      }
    }
    const Recall s{spec.size(), count_matches(spec, observed)};
    const Recall h{ndpi.size(), count_matches(ndpi_hash_parts, observed_hashes)};
    const Recall f{ndpi.size(), count_matches(ndpi, observed)};
    report("ja4", file, s);
    report("ja4-h", file, h);
    spec_full.expected += s.expected, spec_full.matched += s.matched;
    ndpi_hashes.expected += h.expected, ndpi_hashes.matched += h.matched;
    ndpi_full.expected += f.expected, ndpi_full.matched += f.matched;
  }
  std::printf(
      "  ja4 vs suricata-verify (spec) %zu/%zu; vs nDPI: hash parts %zu/%zu, full %zu/%zu\n",
      spec_full.matched, spec_full.expected, ndpi_hashes.matched, ndpi_hashes.expected,
      ndpi_full.matched, ndpi_full.expected);
  EXPECT_EQ(spec_full.matched, spec_full.expected);
  EXPECT_EQ(ndpi_hashes.matched, ndpi_hashes.expected);
}

}  // namespace
}  // namespace bw
