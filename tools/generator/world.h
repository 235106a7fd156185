// Shared state of one generation run: the random stream, the frame sink, the hosts and sites
// that appear in the capture, and the ground truth collected along the way.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "tools/generator/capture_writer.h"
#include "tools/generator/generator.h"
#include "tools/generator/host.h"
#include "tools/generator/path.h"
#include "tools/generator/rng.h"

namespace bw::gen {

constexpr TimestampNs us(std::int64_t n) {
  return n * 1000;
}
constexpr TimestampNs ms(std::int64_t n) {
  return n * 1'000'000;
}
constexpr TimestampNs sec(std::int64_t n) {
  return n * kNsPerSecond;
}

// A duration drawn uniformly from [low, high].
inline TimestampNs jitter(Rng& rng, TimestampNs low, TimestampNs high) {
  return static_cast<TimestampNs>(
      rng.range(static_cast<std::uint64_t>(low), static_cast<std::uint64_t>(high)));
}

// A name a client resolves: optional CNAME chain, and the server that finally answers.
struct Site {
  std::string name;
  std::vector<std::string> cnames;  // name -> cnames[0] -> ... -> address records
  Host* ipv4 = nullptr;
  Host* ipv6 = nullptr;
};

// Labels a truth row carries for detection work.
struct Labels {
  bool is_beacon = false;
  std::string recipient;
  std::string campaign;
};

class World {
 public:
  World(const GeneratorOptions& options, std::vector<GroundTruth>& truth);

  Rng& rng() { return rng_; }
  FrameSink& sink() { return sink_; }
  const GeneratorOptions& options() const { return options_; }
  TimestampNs epoch() const { return epoch_; }

  Host& add_host(const Host& host);
  Host& add_client(HostOs os, const IpAddress& ipv4, const IpAddress& ipv6 = {});
  // A server at `address` (random public address when unset) with a stable RTT.
  Host& add_server(const IpAddress& address = {}, int family = 4);
  // The site for `name`, created on first use with a fresh server (at `address` when set).
  Site& site(const std::string& name, const std::vector<std::string>& cnames = {},
             bool with_ipv6 = false, const IpAddress& address = {});
  Host& resolver() { return *resolver_; }
  Host& gateway() { return *gateway_; }
  const MacAddress& gateway_mac() const { return gateway_mac_; }

  // A path over the monitored link with the run's link type; flows rotate over the pcapng
  // interfaces.
  PathConfig plain_path();
  void add_truth(GroundTruth row) { truth_.push_back(std::move(row)); }
  // Fills the addressing columns of a truth row from a path.
  static void describe_flow(GroundTruth& row, const Path& path, std::uint16_t client_port,
                            std::uint16_t server_port, const char* transport);
  static void apply_labels(GroundTruth& row, const Labels& labels);

 private:
  IpAddress random_public_address(int family);

  GeneratorOptions options_;
  std::vector<GroundTruth>& truth_;
  Rng rng_;
  FrameSink sink_;
  std::deque<Host> hosts_;
  std::map<std::string, Site> sites_;
  Host* resolver_ = nullptr;
  Host* gateway_ = nullptr;
  MacAddress gateway_mac_{};
  TimestampNs epoch_;
  std::uint32_t next_interface_ = 0;
};

}  // namespace bw::gen
