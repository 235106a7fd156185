// The half of beacon scoring that needs nothing but the event itself: URL template and token,
// recipient in the URL or the server name, pixel-shaped response, cache busting, mail client or
// webmail, page Referer, Cookie, mail privacy proxy, and intel on the URL, name, address and TLS
// fingerprint.
//
// It runs on the workers (each has one), in parallel, so the exporter thread keeps only what
// needs every flow at once: first-seen domains, first contacts, token evidence, DNS answers,
// campaigns, beacon domains and the mail watchlist (BeaconDetector). A worker sends its verdict
// just before the event it is about, as an internal record the exporter does not write out; the
// detector scores on its own thread when no such record came (tests, a worker without one).
#pragma once

#include <cstdint>

#include "sensor/correlate/alerts.h"
#include "sensor/correlate/detect_config.h"
#include "sensor/correlate/public_suffix.h"
#include "sensor/correlate/site_scope.h"
#include "sensor/export/event_record.h"

namespace bw::detect {
class RecipientDirectory;
}
namespace bw::intel {
class IntelHolder;
struct IntelHit;
}  // namespace bw::intel

namespace bw::correlate {

// BeaconAlert::per_flow bits: what the cross-flow stage needs to know besides the alert.
enum PerFlowFlag : std::uint8_t {
  kPerFlowScored = 1,      // the per-flow half has been done
  kPerFlowHasToken = 2,    // a token was found (alert.token, alert.url_template)
  kPerFlowOrigin = 4,      // the server address is the named host's (not a proxy's)
  kPerFlowInternal = 8,    // the site's own name or address (SiteScope)
  kPerFlowNeedsName = 16,  // TLS/QUIC without a name: the DNS answers must name the server
};

class FlowScorer {
 public:
  // `recipients` and `intel` may be null. Both are read-only here and safe to share between
  // threads; the scorer itself belongs to one thread (its public-suffix cache).
  FlowScorer(const DetectConfig& config, const detect::RecipientDirectory* recipients,
             const intel::IntelHolder* intel);

  // Whether the detector looks at this event at all (HTTP requests, TLS/QUIC ClientHellos, DNS
  // queries and responses).
  static bool scoreable(const exporter::EventRecord& event);

  // Scores the per-flow half of `event` into `out` (a BeaconAlert body with the event's
  // envelope). Returns false for events that are not scored. Allocation-free.
  bool score(const exporter::EventRecord& event, exporter::EventRecord& out);

  // The name-dependent half of a TLS/QUIC score, for a name found later (from DNS answers).
  void score_server_name(BeaconAlert& alert, std::string_view name, const IpAddress& server);

  const SiteScope& site() const { return site_; }

 private:
  void score_http(const exporter::EventRecord& event, BeaconAlert& alert);
  void score_handshake(const exporter::EventRecord& event, std::string_view sni,
                       std::string_view ja3_md5, std::string_view ja4, BeaconAlert& alert);
  void score_dns_query(const exporter::EventRecord& event, BeaconAlert& alert);
  void apply_intel_host(BeaconAlert& alert, std::string_view host);
  void apply_intel_ip(BeaconAlert& alert, const IpAddress& server);
  void apply_recipient_name(BeaconAlert& alert, std::string_view name);

  DetectConfig config_;
  const detect::RecipientDirectory* recipients_;
  const intel::IntelHolder* intel_;
  PublicSuffixList suffixes_;
  SiteScope site_;
};

// Adds a reason and its weight to the score (a full reason list keeps the score, drops the text).
void add_reason(BeaconAlert& alert, std::string_view signal, float weight, std::string_view detail);
// Adds the reason an intel hit earns (tracker, host of a list's path rule, IOC, privacy proxy).
void apply_intel_hit(const DetectConfig& config, BeaconAlert& alert, const intel::IntelHit& hit);

}  // namespace bw::correlate
