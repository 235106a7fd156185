// Finds the per-recipient tokens in a tracking URL or DNS name and masks them into a template,
// so that many recipients' fetches of one campaign count as one shape:
//   /img/3f2a9c0e4b7d11ee9a1c0242ac120002.gif          -> /img/{hex32}.gif
//   /o/eyJ1IjoxMjM0fQ/pixel.png                        -> /o/{b64}/pixel.png
//   a3f9e0c2b1d4.t.news-example.com                    -> {hex12}.t.news-example.com
//
// A token here means "long and random enough to identify something", not "a beacon": a CDN asset
// named by its 32-hex content hash is a token too. Whether a fetch is a beacon is decided later,
// by combining the template with the response (a 1x1 image, no-cache headers, a mail client's
// User-Agent, a protected recipient in the URL...).
//
// Runs per request: no allocation, work linear in the input, bounded by kMaxDecodedText.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sensor/common/counters.h"
#include "sensor/common/fixed_string.h"

namespace bw::detect {

enum class TokenKind : std::uint8_t { kHex, kUuid, kBase64, kBase64Url, kBase32, kDecimal, kMixed };

struct Token {
  std::uint16_t offset = 0;  // into the analysed input, raw (still percent-encoded) bytes
  std::uint16_t length = 0;
  TokenKind kind = TokenKind::kHex;
  float entropy_bits_per_char = 0.0f;  // of the decoded value
};

struct UrlAnalysis {
  FixedVector<Token, 16> tokens;    // in input order; tokens.truncated() when more were found
  FixedString<512> url_template;    // every token masked, including those past `tokens`' capacity
  bool template_truncated = false;  // the template or the analysed input was cut
};

#define BW_URL_TOKEN_COUNTERS(X) \
  X(urls_analysed)               \
  X(dns_names_analysed)          \
  X(tokens_found)                \
  X(tokens_over_capacity)        \
  X(percent_escape_malformed)    \
  X(input_truncated)             \
  X(template_truncated)          \
  X(dns_empty_label)

struct UrlTokenCounters {
  BW_DECLARE_COUNTERS(BW_URL_TOKEN_COUNTERS)
};

// Where a piece of text sits, which changes what may count as a token.
enum class PieceContext : std::uint8_t {
  kPathSegment,
  kQueryValue,  // also fragment values: the only place a bare number counts as an id
  kDnsLabel,    // case-insensitive (resolvers randomise case), so no base64
};

// Thresholds. Lengths: shorter runs of these alphabets are everyday ids, versions and hashes
// too short to single out a person; 16 hex digits is 64 bits, the least a per-recipient id uses.
inline constexpr std::size_t kMinHexLength = 16;
// Tracking subdomains are shorter (a DNS label is costlier than a path); 12 hex digits carry 48
// bits, still far more than any word, and a label must also hold a digit to count.
inline constexpr std::size_t kMinDnsHexLength = 12;
// Query values are where ESPs put short per-recipient ids (a 10-hex "e=" beside a 10-hex "id=");
// ten characters with both digits and letters matches the floor for numeric ids there.
inline constexpr std::size_t kMinQueryHexLength = 10;
inline constexpr std::size_t kMinBase64Length = 16;
// Base64 that decodes to an e-mail address or JSON object is a payload whatever its length; 12
// characters hold 9 bytes, the shortest such payload worth masking ('{"u":123}').
inline constexpr std::size_t kMinEncodedTextLength = 12;
inline constexpr std::size_t kMinBase32Length = 16;
// Ten digits is past any counter, date or price in a URL and is where numeric ids start.
inline constexpr std::size_t kMinDecimalLength = 10;
// Single-case alphanumerics mixed with punctuation overlap with slugs and file names far more
// than the clean alphabets do, so they must be longer.
inline constexpr std::size_t kMinMixedLength = 20;
// ...and must hold a run of alphanumerics this long that mixes letters and digits, which names
// with version numbers ("jquery.fancybox-1.3.4.pack") do not.
inline constexpr std::size_t kMinMixedRun = 8;
// Entropy floors, in bits per char, each under the 0.1% quantile of random strings of the
// kind's minimum length (measured: hex12 2.13, b64/16 3.16, b32/16 2.91, base36/20 3.25), and
// above what repetitive fillers score ("0000000000000000" is 0, "aaaaaaaabbbbbbbb" is 1).
inline constexpr float kMinHexEntropy = 2.0f;
inline constexpr float kMinBase64Entropy = 3.0f;
inline constexpr float kMinBase32Entropy = 2.8f;
inline constexpr float kMinMixedEntropy = 3.0f;

struct TokenJudgement {
  bool is_token = false;
  TokenKind kind = TokenKind::kHex;
  float entropy_bits_per_char = 0.0f;
};
// Judges one already-decoded piece (a path segment stem, a query value, a DNS label).
TokenJudgement judge_piece(std::string_view piece, PieceContext context);

// `target` is an HTTP request target: origin form (path and query) or absolute form (a URL, whose
// host labels are judged like DNS labels). Path segments are split from their extension, query
// and fragment parameters into key and value; keys stay literal, values are percent-decoded and
// judged. A piece that is not a token as a whole is searched for tokens between its punctuation
// ("pixel-<hex32>", ";jsessionid=<hex32>").
UrlAnalysis analyse_url(std::string_view target, UrlTokenCounters& counters);
UrlAnalysis analyse_url(std::string_view target);

// Judges the labels left of the registrable domain (the last two labels, three under a two-letter
// country code's short second level such as co.uk). The template is lower-cased, since DNS is
// case-insensitive and resolvers randomise case (draft-vixie-dnsext-dns0x20).
UrlAnalysis analyse_dns_name(std::string_view name, UrlTokenCounters& counters);
UrlAnalysis analyse_dns_name(std::string_view name);

// "hex", "uuid", "b64", "b64url", "b32", "num", "tok": the placeholder name a template uses.
std::string_view token_kind_name(TokenKind kind);

}  // namespace bw::detect
