// One-pass search for hundreds of thousands of needles (the encoded forms of every protected
// address) in a short text.
//
// Why not an Aho-Corasick automaton: 50,000 addresses give ~350,000 needles of 7 to 340
// characters, mostly random (digests, base64), so a trie barely shares prefixes: 10+ million
// states, hundreds of megabytes even with sparse transitions, on a sensor that also holds flow
// tables. Instead each needle is filed under one 6-character window of itself, its anchor, chosen
// so that few needles share an anchor. A scan slides a 6-character window over the text (the key
// is the window's bytes packed in an integer, so no hashing of strings), tests a bit filter, and
// only on a filter hit looks up the needles filed under that window; the caller then verifies the
// whole needle at the position the anchor implies. Cost: one filter probe per text character and a
// verification per real candidate; memory: 16 MiB for 50,000 addresses, directory included.
//
// Anchors are case-folded so one probe per position serves case-insensitive needles (addresses,
// hex digests) and case-sensitive ones (base64) alike; case is checked when verifying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sensor/detect/text_codec.h"

namespace bw::detect {

class AnchorIndex {
 public:
  // The shortest address, "a@b.cc", has 6 characters, and so has its shortest base64 form.
  static constexpr std::size_t kAnchorLength = 6;

  struct Hit {
    std::uint32_t payload;
    std::size_t needle_start;  // where the needle would start in the scanned text
  };

  // Files a needle under its least-shared anchor among the windows starting before
  // `anchor_start_limit`: the caller keeps anchors out of parts many needles share. Returns false
  // for needles shorter than kAnchorLength. Setup only: allocates.
  bool insert(std::string_view needle, std::uint32_t payload,
              std::size_t anchor_start_limit = SIZE_MAX);

  // Calls visit(const Hit&) for each needle whose anchor occurs in `text` at a position that
  // leaves room for the needle's start. No allocation.
  template <typename Visit>
  void scan(std::string_view text, Visit&& visit) const;

  std::size_t needle_count() const { return entries_.size(); }
  std::size_t distinct_anchors() const { return used_slots_; }
  std::size_t memory_bytes() const;

 private:
  static constexpr std::uint32_t kNoEntry = 0xffffffffu;
  static constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << (8 * kAnchorLength)) - 1;
  // Set in every stored key so that an empty slot (0) never equals a key.
  static constexpr std::uint64_t kOccupied = std::uint64_t{1} << 63;
  // Needles are tried for a rare anchor among their first windows only, to bound setup time.
  static constexpr std::size_t kMaxAnchorCandidates = 48;

  // The two characters after the anchor (folded), or kNoFollower where the needle ends sooner:
  // compared in the scan, they drop most needles sharing an anchor before the caller verifies.
  static constexpr std::uint16_t kNoFollower = 0xffff;
  struct Entry {
    std::uint32_t payload;
    std::uint32_t next;  // next needle with the same anchor
    std::uint16_t anchor_offset;
    std::uint16_t follower;
  };

  static std::uint16_t follower_of(std::string_view text, std::size_t anchor_end) {
    if (anchor_end + 2 > text.size()) return kNoFollower;
    return static_cast<std::uint16_t>(
        (static_cast<unsigned char>(ascii_fold(text[anchor_end])) << 8) |
        static_cast<unsigned char>(ascii_fold(text[anchor_end + 1])));
  }

  static std::uint64_t append_to_key(std::uint64_t key, char c) {
    return ((key << 8) | static_cast<unsigned char>(ascii_fold(c))) & kKeyMask;
  }
  static std::uint64_t slot_hash(std::uint64_t key) { return key * 0x9e3779b97f4a7c15ull; }
  static std::uint64_t filter_hash(std::uint64_t key) {
    key ^= key >> 31;
    return key * 0xbf58476d1ce4e5b9ull;
  }

  std::size_t find_slot(std::uint64_t key) const;
  std::uint32_t head(std::uint64_t key) const;
  bool filter_test(std::uint64_t key) const;
  void filter_set(std::uint64_t key);
  std::size_t chain_length(std::uint64_t key, std::size_t stop_at) const;
  void grow();

  std::vector<Entry> entries_;
  std::vector<std::uint64_t> slot_keys_;  // power-of-two size, 0 = empty
  std::vector<std::uint32_t> slot_heads_;
  std::vector<std::uint64_t> filter_;  // bit filter over anchors, 8 bits per slot
  std::size_t used_slots_ = 0;
  unsigned slot_shift_ = 64;
  unsigned filter_shift_ = 64;
};

template <typename Visit>
void AnchorIndex::scan(std::string_view text, Visit&& visit) const {
  if (entries_.empty()) return;
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    key = append_to_key(key, text[i]);
    if (i + 1 < kAnchorLength) continue;
    const std::uint64_t tagged = key | kOccupied;
    if (!filter_test(tagged)) continue;
    const std::size_t window = i + 1 - kAnchorLength;
    const std::uint16_t follower = follower_of(text, i + 1);
    for (std::uint32_t e = head(tagged); e != kNoEntry; e = entries_[e].next) {
      const Entry& entry = entries_[e];
      if (entry.anchor_offset > window) continue;
      if (entry.follower != kNoFollower && entry.follower != follower) continue;
      visit(Hit{entry.payload, window - entry.anchor_offset});
    }
  }
}

}  // namespace bw::detect
