// The Beaconwatch feed file format, v1 (documented for feed authors in
// sensor/intel/data/README.md):
//
//   # beaconwatch-feed v1 kind=domain-suffix category=email-tracker [label=Name] [weight=0.8]
//                        [scope=path-rule-host]
//   indicator<TAB>label<TAB>weight
//
// `scope=` was added to v1 without a version change: readers that predate it report the field as
// unknown and load the hosts as whole-host indicators at their own (lower) weights, which is the
// safe reading of a list of weaker names.
//
// One kind and one category per file, so a file is a list a person can review at a glance; label
// and weight per line, with header defaults. Setup-time code: allocates freely.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/intel/intel_types.h"

namespace bw::intel {

inline constexpr std::string_view kFeedMagic = "beaconwatch-feed";
inline constexpr std::string_view kFeedVersion = "v1";
inline constexpr std::size_t kMaxFeedLineLength = 4096;
inline constexpr std::size_t kMaxLabelLength = 128;
inline constexpr float kDefaultWeight = 1.0f;
// Per feed file; beyond it only a count is reported, so a wrong file cannot flood the log.
inline constexpr std::size_t kMaxProblemsPerSource = 50;

#define BW_INTEL_LOAD_COUNTERS(X)                                              \
  X(feeds)               /* feed files (or texts) read */                      \
  X(lines)               /* lines after the header */                          \
  X(comment_lines)       /* blank lines and '#' comments */                    \
  X(indicators_accepted) /* indicator lines that passed validation */          \
  X(lines_rejected)      /* bad lines, each reported as "file:line: reason" */ \
  X(duplicates_merged)   /* same indicator twice; the heaviest was kept */

struct IntelLoadCounters {
  BW_DECLARE_COUNTERS(BW_INTEL_LOAD_COUNTERS)
};

struct FeedHeader {
  IndicatorKind kind = IndicatorKind::kDomain;
  Category category = Category::kEmailTracker;
  std::string default_label;  // empty: every line must carry its own label
  float default_weight = kDefaultWeight;
  // Host feeds only: whether the names are whole tracking hosts or hosts of host+path rules.
  HostScope scope = HostScope::kWholeHost;
};

// One accepted indicator line.
struct FeedEntry {
  std::string indicator;  // canonical form (see indicator_syntax.h)
  std::string_view label;
  float weight = kDefaultWeight;
  std::size_t line = 0;
};

// Collects problems of one source as "source:line: reason" (or "source: reason" for the whole
// file) into a caller's list, capped at kMaxProblemsPerSource plus one summary line.
class ProblemLog {
 public:
  ProblemLog(std::string_view source, std::vector<std::string>& sink);
  ~ProblemLog();
  ProblemLog(const ProblemLog&) = delete;
  ProblemLog& operator=(const ProblemLog&) = delete;

  void at_line(std::size_t line, std::string_view reason);
  void at_file(std::string_view reason);
  std::size_t count() const { return count_; }

 private:
  void add(std::string message);

  std::string source_;
  std::vector<std::string>& sink_;
  std::size_t count_ = 0;
};

// Parses the first line of a feed. Unknown keys are reported and ignored (a newer writer may add
// some); a missing or unknown kind or category makes the header unusable.
bool parse_feed_header(std::string_view line, FeedHeader& out, ProblemLog& problems);

// Parses a whole feed: the header, then one indicator per line. Each accepted indicator goes to
// on_entry; a bad line is reported and skipped. Returns false, having loaded nothing, when the
// header is missing or unusable.
bool parse_feed(std::string_view text, ProblemLog& problems, IntelLoadCounters& counters,
                FeedHeader& header, const std::function<void(const FeedEntry&)>& on_entry);

bool check_label(std::string_view label, std::string& reason);
// A weight is a number in [0, 1]: how strongly a match means the category.
bool parse_weight(std::string_view text, float& out, std::string& reason);

// The header line; "scope=" is written only for path-rule hosts, so whole-host feeds stay
// byte-identical to what older writers produced.
std::string format_feed_header(IndicatorKind kind, Category category,
                               HostScope scope = HostScope::kWholeHost);
std::string format_weight(float weight);
std::string format_feed_line(std::string_view indicator, std::string_view label, float weight);

}  // namespace bw::intel
