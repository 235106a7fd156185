#include "sensor/correlate/campaign_tracker.h"

#include <algorithm>

#include "sensor/common/crypto.h"

namespace bw::correlate {
namespace {

std::string full_key(const CampaignObservation& o) {
  std::string key(o.key_kind);
  key.push_back(':');
  key.append(o.key);
  return key;
}

// Stable across runs and sensors, so the same campaign seen by two sensors has one id.
std::string campaign_id(const std::string& key) {
  const auto digest =
      crypto::sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  char hex[64];
  crypto::to_hex(digest, hex);
  return "cmp-" + std::string(hex, 16);
}

}  // namespace

void CampaignTracker::add_token(State& state, const std::string& token) {
  if (!token.empty()) ++state.token_members[token];
}

void CampaignTracker::remove_token(State& state, const std::string& token) {
  if (token.empty()) return;
  const auto it = state.token_members.find(token);
  if (it != state.token_members.end() && --it->second == 0) state.token_members.erase(it);
}

CampaignVerdict CampaignTracker::observe(const CampaignObservation& o) {
  const std::string key = full_key(o);
  auto it = states_.find(key);
  if (it == states_.end()) {
    if (states_.size() >= max_keys_) {
      states_.erase(lru_.front());
      lru_.pop_front();
      ++keys_evicted_;
    }
    lru_.push_back(key);
    State state;
    state.id = campaign_id(key);
    state.first_seen = o.ts;
    state.lru = std::prev(lru_.end());
    it = states_.emplace(key, std::move(state)).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  State& state = it->second;
  state.last_seen = o.ts;
  while (!state.members.empty() && state.members.front().ts + window_ < o.ts) {
    remove_token(state, state.members.front().token);
    state.members.pop_front();
  }
  if (state.members.empty()) state.first_seen = o.ts;

  CampaignVerdict verdict;
  verdict.campaign_id = &state.id;
  const auto member = std::find_if(state.members.begin(), state.members.end(),
                                   [&](const Member& m) { return m.client_ip == o.client_ip; });
  if (member == state.members.end()) {
    state.members.push_back(
        Member{o.client_ip, std::string(o.token), std::string(o.recipient), o.ts});
    add_token(state, state.members.back().token);
    verdict.new_host = true;
  }
  const bool enough_hosts = state.members.size() >= min_hosts_;
  const bool enough_tokens = !o.require_distinct_tokens || distinct_tokens(state) >= min_hosts_;
  verdict.is_campaign = enough_hosts && enough_tokens;
  verdict.just_formed = verdict.is_campaign && !state.reported;
  if (verdict.is_campaign) state.reported = true;
  return verdict;
}

std::string CampaignTracker::id_for(std::string_view key_kind, std::string_view key) {
  std::string full(key_kind);
  full.push_back(':');
  full.append(key);
  return campaign_id(full);
}

bool CampaignTracker::tracking(const CampaignObservation& o) const {
  const auto it = states_.find(full_key(o));
  return it != states_.end() && !it->second.members.empty() &&
         it->second.members.back().ts + window_ >= o.ts;
}

void CampaignTracker::describe(const CampaignObservation& o, CampaignUpdate& out) const {
  const auto it = states_.find(full_key(o));
  if (it == states_.end()) return;
  const State& state = it->second;
  out = CampaignUpdate{};
  out.campaign_id.assign(state.id);
  out.key_kind.assign(o.key_kind);
  out.key.assign(o.key);
  out.scheme = o.scheme;
  out.distinct_hosts = static_cast<std::uint32_t>(state.members.size());
  out.distinct_tokens = static_cast<std::uint32_t>(distinct_tokens(state));
  out.first_seen = state.first_seen;
  out.last_seen = state.last_seen;
  constexpr std::size_t kKept = decltype(CampaignUpdate::members)::capacity();
  const std::size_t skip = state.members.size() > kKept ? state.members.size() - kKept : 0;
  for (std::size_t i = skip; i < state.members.size(); ++i) {
    CampaignMember* m = out.members.emplace_slot();
    if (m == nullptr) break;
    m->client_ip = state.members[i].client_ip;
    m->token.assign(state.members[i].token);
    m->recipient.assign(state.members[i].recipient);
    m->first_seen = state.members[i].ts;
  }
}

}  // namespace bw::correlate
