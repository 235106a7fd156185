// The detector's configuration: signal weights, thresholds and bounds (config section `detect`,
// proto/beaconwatch/v1/config.proto). Shared by the per-flow scorer on the workers and the
// cross-flow detector on the exporter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sensor/common/time.h"
#include "sensor/correlate/site_scope.h"

namespace bw::correlate {

struct DetectConfig {
  bool enabled = true;
  float alert_threshold = 4.0f;
  float per_recipient_token = 2.0f;
  float recipient_in_url = 4.0f;
  float pixel_response = 2.0f;
  float cache_busting = 0.5f;
  float mail_client = 2.0f;
  float no_referrer_no_cookie = 0.5f;
  float rare_domain = 1.5f;
  float tracker_intel = 4.5f;  // scaled by the feed line's confidence (0..1]
  float ioc_intel = 5.0f;
  float mail_privacy_proxy = 1.0f;
  float campaign = 3.0f;
  float sni_campaign = 1.5f;   // a rare name from many hosts, nothing else known: weaker
  float beacon_domain = 4.0f;  // TLS/QUIC to a domain that already served alerted beacons
  float inbound_mail_url = 5.0f;
  float dns_token_label = 1.5f;
  float page_referrer = -2.0f;  // loaded by a web page, not by a mail client
  float cookie_sent = -1.0f;    // a session with the site exists
  // A token whose template no other host has fetched yet: it may be per-recipient or content, so
  // it counts for less until a second host brings a token of its own (see token_evidence.h).
  float per_recipient_token_unconfirmed = 1.0f;
  // Cascades (a name promoted to `beacon_domain`, fetches alerted retroactively) start only from
  // high-confidence alerts: intel, a recipient in the URL, a URL from inbound mail, or a score of
  // at least this much.
  float confirm_threshold = 7.0f;
  // A new sensor has seen nothing, so every domain is new to it: rarity is not claimed until the
  // first-seen store has learned for this long (kept across restarts with the store). 0: at once.
  TimestampNs learning_period = TimestampNs{24} * 3600 * kNsPerSecond;
  // The site's own names and address ranges (site_scope.h): never rare, never campaigns, unless
  // score_internal is set.
  std::vector<std::string> internal_suffixes;
  std::vector<std::string> internal_networks = SiteScope::default_networks();
  bool score_internal = false;
  // Token evidence tables (entries each) and how many distinct tokens of one template from one
  // host within the campaign window make them object ids, not a recipient's token.
  std::size_t token_evidence_capacity = 262144;
  std::uint32_t application_id_tokens = 3;
  // One open shows as several connections at once: a TLS/QUIC fetch promoted only by
  // beacon_domain, from a client that had an alert on the same name this recently, is the same
  // open and is counted (same_open_suppressed), not alerted again.
  TimestampNs same_open_window = 120 * kNsPerSecond;
  // Such fetches wait that long before they are raised, since the cleartext alert of the same
  // open may come just after them; at most this many wait (more are raised at once, counted).
  std::size_t deferred_max = 1024;
  // A registrable domain counts as rare while it is younger than this (to this sensor).
  TimestampNs rare_window = TimestampNs{24} * 3600 * kNsPerSecond;
  std::uint32_t campaign_min_hosts = 3;
  TimestampNs campaign_window = 3600 * kNsPerSecond;
  std::uint32_t campaign_max_keys = 4096;
  std::uint32_t pending_per_campaign = 16;
  std::size_t first_seen_capacity = 1'000'000;
  std::size_t dns_cache_capacity = 65536;
  std::size_t client_host_pairs = 262144;
  std::size_t mail_watchlist_capacity = 1'000'000;
  // Mass waves (campaign_tracker.h, pending_alerts.h): hosts a campaign counts exactly before
  // switching to sketches, exact members over all campaigns, least time between two updates of
  // one campaign, fetches waiting for a retroactive verdict, names that served beacons.
  std::uint32_t campaign_exact_hosts = 4096;
  std::size_t campaign_exact_members_total = 262144;
  TimestampNs campaign_update_interval = 60 * kNsPerSecond;
  std::size_t pending_max_total = 4096;
  std::size_t beacon_domains_capacity = 4096;
};

}  // namespace bw::correlate
