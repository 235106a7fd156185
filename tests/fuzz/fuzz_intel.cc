// Feeds the input to everything in sensor/intel that reads untrusted text: the feed loader (the
// bytes as a feed file), every matcher (each line as a host, URL, request target, address and
// fingerprint, against a fixed set holding every indicator kind and against the set just loaded),
// and the list converter in each input format (Adblock with generic rules kept, so every rule shape
// reaches the regex writer), whose feeds are then loaded back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/intel/intel_set.h"
#include "sensor/intel/list_convert.h"
#include "sensor/intel/text.h"

namespace {

using namespace bw::intel;

std::shared_ptr<const IntelSet> fixed_set() {
  std::vector<std::string> problems;
  return IntelSet::build(
      {
          {"d", "# beaconwatch-feed v1 kind=domain category=ioc label=D\nexact.test\n"},
          {"s",
           "# beaconwatch-feed v1 kind=domain-suffix category=email-tracker label=S\n"
           "tracker.test\nlist-manage.com\n"},
          {"u",
           "# beaconwatch-feed v1 kind=url-regex category=email-tracker label=U\n"
           "^[^/]+/wf/open\\?upn=\n^[^/]+/o/eJ[A-Za-z0-9_-]{20,}\n(?i)pixel\\.gif$\n"},
          {"i",
           "# beaconwatch-feed v1 kind=ip category=ioc label=I\n0.0.0.0/1\n192.0.2.0/24\n"
           "::/1\n2001:db8::/32\n"},
          {"3",
           "# beaconwatch-feed v1 kind=ja3 category=ioc label=J\n"
           "e7d705a3286e19ea42f587b344ee6865\n"},
          {"4",
           "# beaconwatch-feed v1 kind=ja4 category=ioc label=J\n"
           "t13d1516h2_8daaf6152771_e5627efa2ab1\n"},
      },
      problems);
}

std::size_t match_line(const IntelSet& set, std::string_view line, IntelMatchCounters& counters) {
  IntelHit hit;
  std::size_t hits = set.match_host(line, hit, &counters);
  hits += set.match_url(line, hit, &counters);
  const std::size_t slash = line.find('/');
  hits += set.match_url(line.substr(0, slash),
                        slash == std::string_view::npos ? std::string_view() : line.substr(slash),
                        hit, &counters);
  hits += set.match_ja3(line, hit, &counters);
  hits += set.match_ja4(line, hit, &counters);
  bw::IpAddress address;
  if (parse_ip_address(line, address)) hits += set.match_ip(address, hit);
  return hits + hit.label.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const IntelSet> fixed = fixed_set();
  const std::string text(reinterpret_cast<const char*>(data), size);

  std::vector<std::string> problems;
  const std::shared_ptr<const IntelSet> loaded = IntelSet::build({{"fuzz", text}}, problems);

  IntelMatchCounters counters;
  std::size_t checksum = 0;
  for_each_line(text, [&](std::string_view line, std::size_t) {
    checksum += match_line(*fixed, line, counters);
    if (loaded) checksum += match_line(*loaded, line, counters);
  });

  for (const ListFormat format : {ListFormat::kPlain, ListFormat::kHosts, ListFormat::kAdblock}) {
    ConvertOptions options;
    options.from = format;
    options.to = IndicatorKind::kDomainSuffix;
    options.label = "fuzz";
    options.generic_rules = GenericRules::kKeep;
    std::vector<ConvertedFeed> feeds;
    ConvertCounters convert_counters;
    problems.clear();
    if (!convert_list(text, options, feeds, convert_counters, problems)) continue;
    // What the converter writes must load: a refused feed here is a bug, not bad input.
    std::vector<FeedText> converted;
    for (const ConvertedFeed& feed : feeds) {
      checksum += feed.text.size();
      converted.push_back({"converted" + feed.name_suffix, feed.text});
    }
    std::vector<std::string> load_problems;
    if (!IntelSet::build(converted, load_problems) || !load_problems.empty()) __builtin_trap();
  }
  // Keeps the matches from being optimised away.
  static volatile std::size_t sink = 0;
  sink = sink + checksum;
  return 0;
}
