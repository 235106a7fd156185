// Conversion of third-party lists into Beaconwatch feeds: the library behind bw-intel-convert.
//
// Inputs: plain lists (one indicator per line, '#' comments), hosts files ("0.0.0.0 host ..."),
// and Adblock-style rules, of which only whole-host network rules ("||host^", options ignored)
// mean "this host"; cosmetic, exception and path rules have no host meaning and are skipped and
// counted. Every indicator passes the loader's own validation, so the output always loads.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/counters.h"
#include "sensor/intel/feed_format.h"
#include "sensor/intel/intel_types.h"

namespace bw::intel {

enum class ListFormat : std::uint8_t { kPlain, kAdblock, kHosts };

std::string_view list_format_name(ListFormat format);
bool parse_list_format(std::string_view name, ListFormat& out);

struct ConvertOptions {
  ListFormat from = ListFormat::kPlain;
  IndicatorKind to = IndicatorKind::kDomainSuffix;
  Category category = Category::kEmailTracker;
  std::string label;
  float weight = kDefaultWeight;
  std::string source_name = "-";  // names the input in problem messages
};

// Entries, not lines: a hosts line naming three hosts counts three.
#define BW_INTEL_CONVERT_COUNTERS(X)                                       \
  X(lines)             /* input lines */                                   \
  X(converted)         /* indicators written */                            \
  X(duplicates)        /* indicators already written earlier */            \
  X(comments)          /* blank and comment lines, Adblock list headers */ \
  X(cosmetic_skipped)  /* Adblock element hiding and scriptlet rules */    \
  X(exception_skipped) /* Adblock "@@" allow rules */                      \
  X(unsupported)       /* Adblock rules that are not "||host^" */          \
  X(reserved_skipped)  /* hosts-file names such as localhost */            \
  X(invalid)           /* entries the feed loader would refuse */

struct ConvertCounters {
  BW_DECLARE_COUNTERS(BW_INTEL_CONVERT_COUNTERS)
};

// Checks that the options make sense together (hosts and Adblock lists yield host names only).
bool check_convert_options(const ConvertOptions& options, std::string& error);

// Converts `input` into a feed text (header first). Invalid entries are reported as
// "source:line: reason". Returns false only when the options are unusable.
bool convert_list(std::string_view input, const ConvertOptions& options, std::string& feed,
                  ConvertCounters& counters, std::vector<std::string>& problems);

// The command line of bw-intel-convert, minus the program name.
struct ConvertCommand {
  ConvertOptions options;
  std::string input_path;   // "-" for standard input
  std::string output_path;  // "-" for standard output
  bool help = false;
};

bool parse_convert_command(std::span<const std::string_view> args, ConvertCommand& out,
                           std::string& error);
std::string convert_usage();

}  // namespace bw::intel
