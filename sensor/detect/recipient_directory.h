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
// match_host_name() looks for the recipient in a DNS query name or a TLS/QUIC server name, where
// trackers give each recipient a subdomain: "jdoe-example-org.t.tracker.example",
// "<md5 of the address>.open.vendor.example". See HostNameForm for the forms found.
//
// Setup (load_file, add) allocates and is not thread-safe; match() and match_host_name() are
// const, allocate nothing and may run on any number of threads at once.
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

// Forms of an address in a host name. Letter case and the separators '.', '-', '_' are ignored
// when comparing ("John_Doe-Example.org" reads as john.doe@example.org), as DNS labels cannot
// hold '@' or '+' and trackers replace them (and dots) with whatever separator they like.
enum class HostNameForm : std::uint8_t {
  kLocalPart,  // the local part alone, as whole labels ("john-doe.t.tracker.example"); weakest,
               // and only for local parts of 6 or more characters or with a separator in them
  kAddress,    // local part and domain ("jdoe-example-org", "jdoe.example.org.t.tracker.example")
  kMd5Hex,     // MD5 hex digest of the lower-cased address, in any letter case
  kSha1Hex,    // SHA-1 likewise (SHA-256 hex, 64 characters, does not fit a 63-byte label)
  kBase64Url,  // a whole label that is the unpadded base64url of the address (lower-cased or as
               // written), compared exactly: give the name as seen, not lower-cased
};
std::string_view host_name_form_name(HostNameForm form);

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

  struct HostNameMatch {
    std::uint32_t recipient_index = 0;
    HostNameForm form = HostNameForm::kAddress;
    std::uint8_t offset = 0;  // span in the name given to match_host_name (at most 253 bytes)
    std::uint8_t length = 0;
  };

  // Finds the leftmost occurrence of any form of any address in `text` (the longest when several
  // start at the same place). Only the first kMaxDecodedText bytes of text are searched.
  bool match(std::string_view text, Match& out) const;

  // Finds a recipient in a host name (DNS query name, SNI, Host header without port). A form must
  // start and end at a label or separator boundary and leave at least two labels to its right
  // (the tracker's own domain), so "john.doe.example" alone never matches. The strongest form
  // wins (any form over kLocalPart), then the leftmost, then the longest. A trailing dot is
  // ignored; names longer than 253 bytes do not match.
  bool match_host_name(std::string_view name, HostNameMatch& out) const;

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

  // Host-name keys: an open-addressing table (linear probing, power-of-two size, at most half
  // full) of the canonical forms of every address, looked up by FNV-1a hash of the candidate span.
  struct HostKey {
    std::uint64_t hash = 0;
    std::uint32_t recipient = 0;
    std::uint32_t text_offset = 0;  // in host_key_text_
    std::uint16_t length = 0;       // 0: empty slot
    HostNameForm form = HostNameForm::kAddress;
  };
  void index_host_keys(std::uint32_t index);
  void add_host_key(std::vector<HostKey>& table, std::string_view key, std::uint32_t recipient,
                    HostNameForm form);
  static void insert_slot(std::vector<HostKey>& table, const HostKey& key);
  template <typename Visit>
  void find_host_keys(const std::vector<HostKey>& table, std::uint64_t hash, std::string_view span,
                      Visit&& visit) const;

  std::vector<Recipient> recipients_;
  std::string text_;  // every address, lower-cased, then as written when that differs
  AnchorIndex index_;
  std::vector<HostKey> host_keys_;        // canonical: case and separators folded
  std::vector<HostKey> host_label_keys_;  // base64url labels, exact
  std::size_t host_key_count_ = 0;
  std::size_t host_label_key_count_ = 0;
  std::size_t max_host_key_length_ = 0;
  std::string host_key_text_;
};

}  // namespace bw::detect
