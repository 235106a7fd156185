// Feeds arbitrary bytes to the URL and DNS-name token analysis and to the recipient directory's
// matcher, and checks what they report stays inside the input: tokens in order, within bounds,
// templates within their capacity, matches within the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sensor/detect/recipient_directory.h"
#include "sensor/detect/text_codec.h"
#include "sensor/detect/url_tokens.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

const bw::detect::RecipientDirectory& directory() {
  static const bw::detect::RecipientDirectory instance = [] {
    bw::detect::RecipientDirectory d;
    d.add("john.doe@parliament.example");
    d.add("Anna.Berg+news@Ministry.example.org");
    d.add("jo~anna@ministry.example");
    d.add("a@b.cc");
    return d;
  }();
  return instance;
}

void check_analysis(const bw::detect::UrlAnalysis& a, std::size_t input_size) {
  const std::size_t analysed =
      input_size < bw::detect::kMaxDecodedText ? input_size : bw::detect::kMaxDecodedText;
  std::size_t previous_end = 0;
  for (const bw::detect::Token& token : a.tokens) {
    require(token.length > 0);
    require(token.offset >= previous_end);
    require(std::size_t{token.offset} + token.length <= analysed);
    previous_end = token.offset + token.length;
  }
  require(a.url_template.size() <= a.url_template.capacity());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  bw::detect::UrlTokenCounters counters;
  check_analysis(bw::detect::analyse_url(input, counters), size);
  check_analysis(bw::detect::analyse_dns_name(input, counters), size);
  bw::detect::RecipientDirectory::Match match;
  if (directory().match(input, match)) {
    require(match.length > 0);
    require(std::size_t{match.offset} + match.length <= size);
    require(match.recipient_index < directory().size());
  }
  return 0;
}
