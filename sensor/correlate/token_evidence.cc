#include "sensor/correlate/token_evidence.h"

#include "sensor/decode/hashing.h"

namespace bw::correlate {
namespace {

std::uint64_t hash_address(std::uint64_t state, const IpAddress& address) {
  state = decode::hash_absorb(state, decode::address_word(address.bytes, 0));
  state = decode::hash_absorb(state, decode::address_word(address.bytes, 1) ^ address.family);
  return state;
}

// Zero marks an empty slot.
std::uint64_t non_zero(std::uint64_t hash) {
  return hash == 0 ? 1 : hash;
}

std::size_t buckets_for(std::size_t capacity) {
  std::size_t buckets = 1;
  while (buckets * 4 < capacity)
    buckets <<= 1;
  return buckets;
}

}  // namespace

const char* token_verdict_name(TokenVerdict verdict) {
  switch (verdict) {
    case TokenVerdict::kUnconfirmed:
      return "unconfirmed";
    case TokenVerdict::kPerRecipient:
      return "per-recipient";
    case TokenVerdict::kShared:
      return "shared";
    case TokenVerdict::kApplicationId:
      return "application-id";
  }
  return "unknown";
}

TokenEvidence::TokenEvidence(std::size_t capacity, TimestampNs window,
                             std::uint32_t application_id_tokens)
    : mask_(buckets_for(capacity) - 1),
      window_(window),
      application_id_tokens_(application_id_tokens < 2 ? 2 : application_id_tokens),
      token_hosts_((mask_ + 1) * kWays),
      host_tokens_((mask_ + 1) * kWays),
      template_hosts_((mask_ + 1) * kWays) {}

TokenEvidence::Slot& TokenEvidence::find_or_claim(std::vector<Slot>& table, std::uint64_t key,
                                                  TimestampNs ts, bool& fresh) {
  Slot* bucket = &table[(decode::hash_finish(key) & mask_) * kWays];
  Slot* victim = bucket;
  for (std::size_t i = 0; i < kWays; ++i) {
    if (bucket[i].key == key) {
      fresh = false;
      return bucket[i];
    }
    if (bucket[i].key == 0) {
      victim = &bucket[i];
      break;
    }
    if (bucket[i].ts < victim->ts) victim = &bucket[i];
  }
  if (victim->key != 0) ++counters_.evictions;
  *victim = Slot{key, 0, 0, ts};
  fresh = true;
  return *victim;
}

TokenVerdict TokenEvidence::observe(std::string_view url_template, std::string_view token,
                                    const IpAddress& client, TimestampNs ts) {
  const std::uint64_t template_hash = decode::hash_absorb_text(0x5eed, url_template);
  const std::uint64_t token_hash = non_zero(decode::hash_absorb_text(template_hash, token));
  const std::uint64_t host_hash = non_zero(hash_address(0x5eed, client));
  bool fresh = false;

  // Who fetched this very token first; a second host makes it content for good.
  Slot& by_token = find_or_claim(token_hosts_, token_hash, ts, fresh);
  if (fresh) by_token.a = host_hash;
  by_token.ts = ts;
  if (by_token.a != host_hash && by_token.count == 0) by_token.count = 1;  // shared from now on
  const bool shared = by_token.count != 0;

  // How many distinct tokens this host fetched of this template lately.
  Slot& by_host =
      find_or_claim(host_tokens_, non_zero(hash_address(template_hash, client)), ts, fresh);
  if (fresh || by_host.ts + window_ < ts) {
    by_host.a = token_hash;
    by_host.count = 1;
  } else if (by_host.a != token_hash) {
    by_host.a = token_hash;
    if (by_host.count < application_id_tokens_) ++by_host.count;
  }
  by_host.ts = ts;
  const bool application_ids = by_host.count >= application_id_tokens_;

  // Hosts of this template that brought tokens nobody else fetched.
  Slot& by_template = find_or_claim(template_hosts_, non_zero(template_hash), ts, fresh);
  if (fresh) by_template.a = host_hash;
  by_template.ts = ts;
  // count: 0 one host so far, 2 a second host brought a token of its own (a mail-merge), 3 some
  // host called it with object ids (an API: other hosts' tokens confirm nothing).
  constexpr std::uint32_t kMailMerge = 2;
  constexpr std::uint32_t kApi = 3;
  if (application_ids) {
    by_template.count = kApi;
  } else if (!shared && by_template.a != host_hash && by_template.count < kMailMerge) {
    by_template.count = kMailMerge;
  }

  if (shared) {
    ++counters_.shared;
    return TokenVerdict::kShared;
  }
  if (application_ids) {
    ++counters_.application_ids;
    return TokenVerdict::kApplicationId;
  }
  if (by_template.count == kMailMerge) {
    ++counters_.per_recipient;
    return TokenVerdict::kPerRecipient;
  }
  ++counters_.unconfirmed;
  return TokenVerdict::kUnconfirmed;
}

}  // namespace bw::correlate
