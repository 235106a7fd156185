// The directory of protected recipients, and the search for them in URLs and DNS names.
//
// Trackers put the recipient's address in a beacon URL as is, percent-encoded, in base64 (often
// inside a longer base64 blob such as a JSON object), or as a hex digest of the lower-cased
// address (MD5, SHA-1, SHA-256, as ad platforms match hashed e-mails). Every such form of every
// address is computed at load time and filed in an AnchorIndex, so match() is one pass over the
// text whatever the directory's size, and allocates nothing.
//
// match() works on the percent-decoded text, so an address is found however a tracker escaped it
// ("john.doe%40x.org", "john%2Edoe@x.org", base64 with "%3D" padding); the raw span is reported.
// Plain addresses and hex digests match in any letter case, base64 forms exactly.
//
// Setup (load_file, add) allocates and is not thread-safe; match() is const and may run on any
// number of threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/crypto.h"
#include "sensor/detect/anchor_index.h"

namespace bw::detect {

enum class Encoding : std::uint8_t {
  kPlain,       // the address itself, any letter case
  kUrlEncoded,  // the address with percent-escapes ("%40" for '@' and the like)
  kBase64,      // standard alphabet, padded or not, alone or inside a longer blob
  kBase64Url,   // URL-safe alphabet, likewise
  kMd5Hex,      // hex digest of the lower-cased address, either case
  kSha1Hex,
  kSha256Hex,
};
std::string_view encoding_name(Encoding encoding);

// RFC 5321 bounds a path to 256 octets, so an address to 254.
inline constexpr std::size_t kMaxAddressLength = 254;
// Whether text is an address the directory can hold: local@domain, a dot-atom local part (the
// quoted form never appears in practice), a domain of at least two LDH labels. At least 6 chars.
bool is_plausible_address(std::string_view text);

class RecipientDirectory {
 public:
  struct Match {
    std::uint32_t recipient_index = 0;
    Encoding encoding = Encoding::kPlain;
    std::uint16_t offset = 0;  // raw span in the text given to match()
    std::uint16_t length = 0;
  };

  // Loads one address per line. Blank lines and lines starting with '#' are ignored, as is a
  // '#' comment after the address; "Name <addr@x>" is accepted. A bad line is reported in
  // `problems` as "path:line: reason" and skipped; duplicates are dropped silently. Returns false
  // only when the file cannot be read.
  static bool load_file(const std::string& path, RecipientDirectory& out,
                        std::vector<std::string>& problems);

  // Adds an address (stored lower-cased). Returns false when it is not an e-mail address; adding
  // an address already present changes nothing and returns true.
  bool add(std::string_view address);

  // Finds the leftmost occurrence of any form of any address in `text` (the longest when several
  // start at the same place). Only the first kMaxDecodedText bytes of text are searched.
  bool match(std::string_view text, Match& out) const;

  std::string_view address(std::uint32_t index) const;
  std::size_t size() const { return recipients_.size(); }

  std::size_t needle_count() const { return index_.needle_count(); }
  std::size_t memory_bytes() const;

 private:
  enum class AddResult : std::uint8_t { kAdded, kDuplicate, kInvalid };

  struct Recipient {
    std::uint32_t lower_offset = 0;    // in text_
    std::uint32_t written_offset = 0;  // as given; equal to lower_offset when already lower-case
    std::uint16_t length = 0;
    crypto::Md5Digest md5{};
    crypto::Sha1Digest sha1{};
    crypto::Sha256Digest sha256{};
  };

  AddResult add_address(std::string_view address);
  void index_recipient(std::uint32_t index);
  bool contains(std::string_view lower_address) const;
  std::string_view lower(const Recipient& r) const;
  std::string_view written(const Recipient& r) const;
  // Writes the needle text of one form of one recipient; returns its length.
  std::size_t needle_text(const Recipient& r, std::uint8_t form, char* out) const;
  // Windows of a needle that may anchor it: those starting in the local part.
  std::size_t anchor_start_limit(const Recipient& r, std::uint8_t form) const;
  bool verify(std::string_view decoded, const AnchorIndex::Hit& hit, std::size_t& length,
              Encoding& encoding) const;

  std::vector<Recipient> recipients_;
  std::string text_;  // every address, lower-cased, then as written when that differs
  AnchorIndex index_;
};

}  // namespace bw::detect
