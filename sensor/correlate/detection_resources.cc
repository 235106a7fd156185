#include "sensor/correlate/detection_resources.h"

#include <filesystem>

namespace bw::correlate {

bool load_detection_resources(const std::vector<std::string>& intel_feeds,
                              const std::string& recipients_file,
                              const std::vector<std::string>& mail_watchlists,
                              std::size_t watchlist_capacity, DetectionResources& out,
                              std::vector<std::string>& warnings, std::string& error) {
  out.intel_feeds = intel_feeds;
  out.intel = std::make_unique<intel::IntelHolder>();
  if (!intel_feeds.empty()) {
    std::vector<std::string> problems;
    const bool loaded = out.intel->reload(intel_feeds, problems);
    if (!loaded) {
      error = problems.empty() ? "intel feeds could not be loaded" : problems.front();
      return false;
    }
    warnings.insert(warnings.end(), problems.begin(), problems.end());
  }
  if (!recipients_file.empty()) {
    if (!std::filesystem::exists(recipients_file)) {
      error = recipients_file + ": cannot open recipient directory";
      return false;
    }
    out.recipients = std::make_unique<detect::RecipientDirectory>();
    std::vector<std::string> problems;
    if (!detect::RecipientDirectory::load_file(recipients_file, *out.recipients, problems)) {
      error = problems.empty() ? recipients_file + ": cannot load recipient directory"
                               : problems.front();
      return false;
    }
    warnings.insert(warnings.end(), problems.begin(), problems.end());
  }
  // Always present: SMTP seen on the tap feeds it too.
  out.watchlist = std::make_unique<MailWatchlist>(watchlist_capacity);
  {
    for (const std::string& path : mail_watchlists) {
      std::vector<std::string> problems;
      if (!out.watchlist->load_tsv(path, problems)) {
        error = problems.empty() ? path + ": cannot load mail watchlist" : problems.front();
        return false;
      }
      warnings.insert(warnings.end(), problems.begin(), problems.end());
    }
  }
  return true;
}

bool reload_intel_if_requested(DetectionResources& resources, std::FILE* log) {
  if (!resources.reload_requested.exchange(false, std::memory_order_acq_rel)) return false;
  if (!resources.intel) return false;
  std::vector<std::string> problems;
  const bool ok = resources.intel->reload(resources.intel_feeds, problems);
  for (const std::string& problem : problems)
    std::fprintf(log, "bw-sensor: intel: %s\n", problem.c_str());
  std::fprintf(log, "bw-sensor: intel: reload %s (%zu feeds)\n",
               ok ? "done" : "failed, previous feeds kept", resources.intel_feeds.size());
  return true;
}

}  // namespace bw::correlate
