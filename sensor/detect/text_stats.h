// Cheap statistics that tell a random identifier from text a person wrote: which character
// classes a string uses, its Shannon entropy, and how much of it reads like words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bw::detect {

struct CharProfile {
  std::size_t length = 0;
  std::size_t lower = 0;
  std::size_t upper = 0;
  std::size_t digits = 0;
  std::size_t hex_lower = 0;        // a-f
  std::size_t hex_upper = 0;        // A-F
  std::size_t base32_digits = 0;    // 2-7, the only digits RFC 4648 base32 uses
  std::size_t plus_slash = 0;       // the standard base64 alphabet's two extra characters
  std::size_t dash_underscore = 0;  // the URL-safe alphabet's two
  std::size_t dot_tilde = 0;        // the rest of RFC 3986 "unreserved"
  std::size_t padding = 0;          // trailing '=' (at most two count as padding)
  std::size_t other = 0;            // anything else, a '=' before the end included

  std::size_t letters() const { return lower + upper; }
  std::size_t alnum() const { return letters() + digits; }
  bool all_digits() const { return length > 0 && digits == length; }
  // Hex digits in one letter case (mixed-case hex is not how anything prints hex).
  bool all_hex() const {
    return length > 0 && digits + hex_lower + hex_upper == length &&
           (hex_lower == 0 || hex_upper == 0);
  }
};

CharProfile profile_chars(std::string_view text);

// Shannon entropy of the character distribution, in bits per character (0 for empty text).
float shannon_entropy(std::string_view text);

// Share of adjacent letter pairs (case-folded) that are among the most frequent English letter
// bigrams. Random identifiers score about 0.2, words, slugs and CamelCase names 0.65 and more;
// the common bigrams of other Latin-script languages overlap enough to score alike.
// `letter_pairs` receives how many pairs were looked at.
float common_bigram_share(std::string_view text, std::size_t& letter_pairs);

// Whether text reads like words rather than an identifier (see common_bigram_share).
bool looks_like_words(std::string_view text);

}  // namespace bw::detect
