// Groups fetches that share a campaign key (URL template, rare domain, rare SNI, DNS parent of
// token labels) and reports when enough distinct internal hosts have fetched it within a sliding
// window: the shape of a mail-merge wave being opened.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>

#include "sensor/common/ip_address.h"
#include "sensor/correlate/alerts.h"

namespace bw::correlate {

struct CampaignObservation {
  std::string_view key_kind;
  std::string_view key;
  Scheme scheme = Scheme::kHttp;
  IpAddress client_ip;
  std::string_view token;      // empty for TLS/QUIC
  std::string_view recipient;  // protected address, when the URL named one
  TimestampNs ts = 0;
  bool require_distinct_tokens = false;  // templates: the same token everywhere is an asset
};

struct CampaignVerdict {
  bool is_campaign = false;  // the key has reached the threshold within the window
  bool just_formed = false;  // ... with this observation
  bool new_host = false;     // this observation's host had not been counted yet
  const std::string* campaign_id = nullptr;
};

class CampaignTracker {
 public:
  CampaignTracker(std::uint32_t min_hosts, TimestampNs window, std::size_t max_keys)
      : min_hosts_(min_hosts < 2 ? 2 : min_hosts), window_(window), max_keys_(max_keys) {}

  CampaignVerdict observe(const CampaignObservation& observation);
  // The id a key's campaign has (and would have): stable across runs and sensors.
  static std::string id_for(std::string_view key_kind, std::string_view key);
  // Whether the observation's key is being followed (it was seen within the window).
  bool tracking(const CampaignObservation& observation) const;
  // Fills the update record for the key of the last observe() call.
  void describe(const CampaignObservation& observation, CampaignUpdate& out) const;
  std::uint64_t keys_evicted() const { return keys_evicted_; }

 private:
  struct Member {
    IpAddress client_ip;
    std::string token;
    std::string recipient;
    TimestampNs ts;
  };
  struct State {
    std::string id;
    std::deque<Member> members;  // one per host, oldest first
    // Members per token, kept as members come and go, so the distinct-token count is O(1).
    std::unordered_map<std::string, std::uint32_t> token_members;
    TimestampNs first_seen = 0;
    TimestampNs last_seen = 0;
    bool reported = false;
    std::list<std::string>::iterator lru;
  };
  static std::size_t distinct_tokens(const State& state) { return state.token_members.size(); }
  static void add_token(State& state, const std::string& token);
  static void remove_token(State& state, const std::string& token);

  std::uint32_t min_hosts_;
  TimestampNs window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, State> states_;
  std::list<std::string> lru_;  // least recently observed key first
  std::uint64_t keys_evicted_ = 0;
};

}  // namespace bw::correlate
