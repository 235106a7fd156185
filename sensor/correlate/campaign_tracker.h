// Groups fetches that share a campaign key (URL template, rare domain, rare SNI, DNS parent of
// token labels) and reports when enough distinct internal hosts have fetched it within a sliding
// window: the shape of a mail-merge wave being opened.
//
// A wave can reach 100k recipients, and every one of its fetches passes through here on the
// exporter thread, so everything is bounded and O(1) per fetch:
// - Membership is exact up to `exact_hosts` hosts per campaign (a hash set keyed by client
//   address, tokens counted by hash), and up to `exact_members_total` over all campaigns. Past
//   either cap the campaign switches to windowed HyperLogLog sketches of its hosts and tokens
//   (cardinality_sketch.h): ~2% error, 24 KiB per sketched campaign, whatever the wave's size.
// - Update events are rate-limited (see request_update()): a SOC analyst wants the wave's growth
//   and its final size, not one event per recipient.
// - At most `max_keys` keys are followed; the least recently observed goes first.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/correlate/alerts.h"
#include "sensor/correlate/cardinality_sketch.h"
#include "sensor/export/event_record.h"

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
  bool just_formed = false;  // ... with this observation (once per window: see `formed`)
  // This observation's host had not been counted yet. Past the exact cap: the host raised the
  // sketch, i.e. the count may have grown (a sketch cannot tell every new host from a repeat).
  bool new_host = false;
  bool sketched = false;         // counted by the sketch, not the exact set
  bool became_sketched = false;  // ... and this observation switched the campaign over
  bool key_evicted = false;      // following this key pushed the least recent one out
  const std::string* campaign_id = nullptr;
};

struct CampaignLimits {
  std::uint32_t exact_hosts = 4096;                 // per campaign, then sketches
  std::size_t exact_members_total = 262144;         // over all campaigns, then sketches
  TimestampNs update_interval = 60 * kNsPerSecond;  // least time between two updates
};

class CampaignTracker {
 public:
  CampaignTracker(std::uint32_t min_hosts, TimestampNs window, std::size_t max_keys,
                  CampaignLimits limits = {});
  ~CampaignTracker();

  CampaignVerdict observe(const CampaignObservation& observation);
  // The id a key's campaign has (and would have): stable across runs and sensors.
  static std::string id_for(std::string_view key_kind, std::string_view key);
  // Whether the observation's key is being followed (it was seen within the window).
  bool tracking(const CampaignObservation& observation) const;
  // Fills the update record for the key of the last observe() call.
  void describe(const CampaignObservation& observation, CampaignUpdate& out) const;

  // A new host of the observation's campaign concerns beacons (it alerted, or fetches waiting
  // on the campaign did): the caller would like to report it. Returns true and fills `out`
  // (`event`'s envelope, the campaign's update) when an update goes out now; false when it is
  // held back. The rule, per campaign and window:
  // - the first update goes out at once;
  // - then one whenever the host count has doubled since the last update (3, 6, 12, ...), but
  //   never two within `update_interval`: a doubling inside the interval is held and goes out
  //   when the interval ends, with the counts of that time;
  // - growth short of a doubling is not news, but is not left stale either: it goes out once the
  //   campaign has had no new host for `update_interval`;
  // - whatever is still held goes out at finish (next_due_update with kFlushAll).
  // So a wave of N hosts yields about log2(N/3) + a few updates, each within 2x of the truth.
  bool request_update(const CampaignObservation& observation, const exporter::EventRecord& event,
                      exporter::EventRecord& out);
  // The next held update that is due at packet time `now` (call before each event's own
  // verdicts); false when none is.
  static constexpr TimestampNs kFlushAll = INT64_MAX;
  bool next_due_update(TimestampNs now, exporter::EventRecord& out);

  std::uint64_t keys_evicted() const { return keys_evicted_; }
  std::size_t keys() const { return states_.size(); }
  std::size_t exact_members() const { return exact_members_; }  // over all campaigns
  std::size_t sketched_keys() const;
  // Campaigns with an update held back by the rate limit.
  std::size_t held_updates() const;

 private:
  struct Member {
    IpAddress client_ip;
    TimestampNs ts;            // when it joined
    std::uint64_t token_hash;  // 0: no token
  };
  struct Sketches {
    explicit Sketches(TimestampNs window) : hosts(window), tokens(window) {}
    WindowedSketch hosts;
    WindowedSketch tokens;
  };
  // Where a held update will be placed in the stream: the last member event that asked for one.
  struct Envelope {
    exporter::OrderKey order;
    TimestampNs ts = 0;
    exporter::FlowInfo flow;
    FixedString<48> app_protocol;
    std::uint16_t source_index = 0;
  };
  struct State {
    std::string id;
    std::string key;  // "kind:key", for updates described later
    Scheme scheme = Scheme::kHttp;
    // Exact membership: hosts in join order (expiry pops the front), the same hosts as a set
    // (O(1) joins), and members per token hash (the distinct-token count).
    std::deque<Member> members;
    std::unordered_set<IpAddress, AddressHash> hosts;
    std::unordered_map<std::uint64_t, std::uint32_t> token_members;
    std::unique_ptr<Sketches> sketch;  // past the exact caps; then the three above are empty
    // The most recent members, for the update's member list (a ring, `recent_next` is the
    // oldest once full).
    std::vector<CampaignMember> recent;
    std::size_t recent_next = 0;
    TimestampNs first_seen = 0;
    TimestampNs last_seen = 0;
    TimestampNs last_join = 0;  // the last new host
    bool formed = false;        // just_formed was returned in this window
    // Update rate limiting (request_update): hosts in the last update (0: none this window),
    // when it went out, and what is waiting.
    std::uint32_t reported_hosts = 0;
    TimestampNs reported_at = 0;
    bool doubling_held = false;  // a doubling waits for the interval to end
    bool stale = false;          // hosts joined since the last update
    bool scheduled = false;      // has a live entry in due_, at scheduled_at
    TimestampNs scheduled_at = 0;
    Envelope envelope;
    std::list<std::string>::iterator lru;
  };
  struct Due {
    TimestampNs at;
    std::uint64_t order;  // ties go in scheduling order: deterministic
    std::string key;
    friend bool operator>(const Due& a, const Due& b) {
      return a.at != b.at ? a.at > b.at : a.order > b.order;
    }
  };

  std::uint32_t host_count(const State& state) const;
  std::uint32_t token_count(const State& state) const;
  void expire(State& state, TimestampNs now);
  void reset_window(State& state);
  void clear_exact(State& state);
  void switch_to_sketch(State& state);
  void remember_recent(State& state, const CampaignObservation& o);
  void fill_update(const State& state, CampaignUpdate& out) const;
  void emit(State& state, TimestampNs at, exporter::EventRecord& out);
  TimestampNs due_at(const State& state) const;
  void schedule(State& state);
  const std::string& full_key(const CampaignObservation& o) const;

  std::uint32_t min_hosts_;
  TimestampNs window_;
  std::size_t max_keys_;
  CampaignLimits limits_;
  std::unordered_map<std::string, State> states_;
  std::list<std::string> lru_;  // least recently observed key first
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::uint64_t due_order_ = 0;
  std::size_t exact_members_ = 0;
  std::uint64_t keys_evicted_ = 0;
  mutable std::string key_scratch_;  // "kind:key" of a lookup, without an allocation each time
};

}  // namespace bw::correlate
