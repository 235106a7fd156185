// What beacon detection loads at start: intel feeds, the protected-recipient directory and the
// inbound-mail URL watchlists. Bad lines are warnings (reported, skipped); a file that cannot be
// read at all is an error, so a typo in a path is noticed at start and not after an attack.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sensor/correlate/mail_watchlist.h"
#include "sensor/detect/recipient_directory.h"
#include "sensor/intel/intel_holder.h"

namespace bw::correlate {

struct DetectionResources {
  std::vector<std::string> intel_feeds;  // kept for reloads
  // Set (by a SIGHUP handler) to ask for the feeds to be read again; the exporter thread does
  // it between events, off the packet path, while workers keep running.
  std::atomic<bool> reload_requested{false};
  std::unique_ptr<detect::RecipientDirectory> recipients;
  std::unique_ptr<intel::IntelHolder> intel;
  std::unique_ptr<MailWatchlist> watchlist;
};

bool load_detection_resources(const std::vector<std::string>& intel_feeds,
                              const std::string& recipients_file,
                              const std::vector<std::string>& mail_watchlists,
                              std::size_t watchlist_capacity, DetectionResources& out,
                              std::vector<std::string>& warnings, std::string& error);

}  // namespace bw::correlate

namespace bw::correlate {

// Reloads the feeds if a reload was requested; reports the outcome on `log` (one line per
// problem). Returns true when a reload was attempted.
bool reload_intel_if_requested(DetectionResources& resources, std::FILE* log);

}  // namespace bw::correlate
