// Whether the token in a URL is per-recipient, judged from who else fetched the same URL
// template.
//
// A mail-merge gives every recipient a token of their own: across the hosts that fetch one
// template the tokens differ, and each host fetches one (two if a mail is opened twice, or two
// mails of one sender). Two other shapes carry the same kind of long ids:
// - content: a newsletter's images, a CDN's hashed asset names, an OCSP request for one
//   certificate. The same URL is fetched identically by many hosts;
// - application ids: an intranet or SaaS API called with a new UUID per object. One host fetches
//   many distinct tokens of one template in a short time.
// Only a token that no other host fetched, under a template whose other hosts had tokens of their
// own, is per-recipient; the first host of a template cannot know yet (unconfirmed).
//
// State is three fixed-size tables of hashes, allocated once: a token costs O(1), memory does not
// grow with a wave, and what falls out of a table is counted.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"

namespace bw::correlate {

enum class TokenVerdict : std::uint8_t {
  kUnconfirmed,   // the first host seen with this template: nothing to compare with yet
  kPerRecipient,  // other hosts fetched the template with tokens of their own
  kShared,        // another host fetched this very token: content, not an identity
  kApplicationId  // this host fetched many distinct tokens of the template: object ids
};

const char* token_verdict_name(TokenVerdict verdict);

struct TokenEvidenceCounters {
  std::uint64_t shared = 0;
  std::uint64_t application_ids = 0;
  std::uint64_t per_recipient = 0;
  std::uint64_t unconfirmed = 0;
  std::uint64_t evictions = 0;  // entries overwritten in a full bucket (oldest first)
};

class TokenEvidence {
 public:
  // `capacity` bounds each table (rounded up to a power of two); `window` is how long a host's
  // tokens of one template count towards "many distinct tokens"; a host with at least
  // `application_id_tokens` distinct tokens of a template within the window is calling an API.
  TokenEvidence(std::size_t capacity, TimestampNs window, std::uint32_t application_id_tokens);

  // Records that `client` fetched `token` under `url_template` at `ts`, and judges the token.
  // Does not allocate.
  TokenVerdict observe(std::string_view url_template, std::string_view token,
                       const IpAddress& client, TimestampNs ts);

  const TokenEvidenceCounters& counters() const { return counters_; }

 private:
  // One slot of a 4-way bucket; key 0 is empty (real keys are forced non-zero).
  struct Slot {
    std::uint64_t key = 0;
    std::uint64_t a = 0;  // meaning depends on the table (see observe())
    std::uint32_t count = 0;
    TimestampNs ts = 0;  // last touched: the oldest slot of a full bucket is replaced
  };
  static constexpr std::size_t kWays = 4;
  // Finds `key` in `table`, or claims a slot for it (zeroed but for the key). `fresh` says which.
  Slot& find_or_claim(std::vector<Slot>& table, std::uint64_t key, TimestampNs ts, bool& fresh);

  std::size_t mask_;  // buckets - 1
  TimestampNs window_;
  std::uint32_t application_id_tokens_;
  std::vector<Slot> token_hosts_;     // (template, token) -> first host; count: hosts (capped)
  std::vector<Slot> host_tokens_;     // (template, host) -> last token; count: distinct tokens
  std::vector<Slot> template_hosts_;  // template -> first host; count: hosts with own tokens
  TokenEvidenceCounters counters_;
};

}  // namespace bw::correlate
