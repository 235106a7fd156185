#include "sensor/correlate/campaign_tracker.h"

#include <algorithm>

#include "sensor/common/crypto.h"

namespace bw::correlate {
namespace {

constexpr std::size_t kRecentMembers = decltype(CampaignUpdate::members)::capacity();

// Stable across runs and sensors, so the same campaign seen by two sensors has one id.
std::string campaign_id(const std::string& key) {
  const auto digest =
      crypto::sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  char hex[64];
  crypto::to_hex(digest, hex);
  return "cmp-" + std::string(hex, 16);
}

}  // namespace

CampaignTracker::CampaignTracker(std::uint32_t min_hosts, TimestampNs window, std::size_t max_keys,
                                 CampaignLimits limits)
    : min_hosts_(min_hosts < 2 ? 2 : min_hosts),
      window_(window),
      max_keys_(max_keys < 1 ? 1 : max_keys),
      limits_(limits) {
  // A held or stale update must go out before its window can empty (which resets the campaign),
  // so the interval never exceeds the window.
  limits_.update_interval = std::clamp<TimestampNs>(limits_.update_interval, 0, window_);
  if (limits_.exact_hosts < min_hosts_) limits_.exact_hosts = min_hosts_;
}

CampaignTracker::~CampaignTracker() = default;

const std::string& CampaignTracker::full_key(const CampaignObservation& o) const {
  key_scratch_.assign(o.key_kind);
  key_scratch_.push_back(':');
  key_scratch_.append(o.key);
  return key_scratch_;
}

std::uint32_t CampaignTracker::host_count(const State& state) const {
  return state.sketch ? state.sketch->hosts.count()
                      : static_cast<std::uint32_t>(state.hosts.size());
}

std::uint32_t CampaignTracker::token_count(const State& state) const {
  return state.sketch ? state.sketch->tokens.count()
                      : static_cast<std::uint32_t>(state.token_members.size());
}

std::size_t CampaignTracker::sketched_keys() const {
  return static_cast<std::size_t>(
      std::count_if(states_.begin(), states_.end(),
                    [](const auto& entry) { return entry.second.sketch != nullptr; }));
}

std::size_t CampaignTracker::held_updates() const {
  return static_cast<std::size_t>(std::count_if(
      states_.begin(), states_.end(),
      [](const auto& entry) { return entry.second.stale || entry.second.doubling_held; }));
}

void CampaignTracker::clear_exact(State& state) {
  exact_members_ -= state.members.size();
  // Swapped with empty containers: a wave's 4096 members give their memory back.
  std::deque<Member>().swap(state.members);
  std::unordered_set<IpAddress, AddressHash>().swap(state.hosts);
  std::unordered_map<std::uint64_t, std::uint32_t>().swap(state.token_members);
}

void CampaignTracker::reset_window(State& state) {
  clear_exact(state);
  state.sketch.reset();
  state.recent.clear();
  state.recent_next = 0;
  state.formed = false;  // a later wave on the same key forms (and is reported) again
  state.reported_hosts = 0;
  state.stale = false;
  state.doubling_held = false;
}

void CampaignTracker::expire(State& state, TimestampNs now) {
  if (state.sketch) {
    if (state.sketch->hosts.expired_at(now)) {
      reset_window(state);
      state.first_seen = now;
    }
    return;
  }
  while (!state.members.empty() && state.members.front().ts + window_ < now) {
    const Member& gone = state.members.front();
    state.hosts.erase(gone.client_ip);
    if (gone.token_hash != 0) {
      const auto it = state.token_members.find(gone.token_hash);
      if (it != state.token_members.end() && --it->second == 0) state.token_members.erase(it);
    }
    state.members.pop_front();
    --exact_members_;
  }
  if (state.members.empty()) {
    reset_window(state);
    state.first_seen = now;
  }
}

void CampaignTracker::switch_to_sketch(State& state) {
  state.sketch = std::make_unique<Sketches>(window_);
  // Members are in join order, so the sketches' epochs advance as they would have.
  for (const Member& m : state.members) {
    state.sketch->hosts.insert(hash_address(m.client_ip), m.ts);
    if (m.token_hash != 0) state.sketch->tokens.insert(m.token_hash, m.ts);
  }
  clear_exact(state);
}

void CampaignTracker::remember_recent(State& state, const CampaignObservation& o) {
  for (const CampaignMember& m : state.recent) {
    if (m.client_ip == o.client_ip && m.first_seen + window_ >= o.ts) return;
  }
  CampaignMember* slot = nullptr;
  if (state.recent.size() < kRecentMembers) {
    slot = &state.recent.emplace_back();
  } else {
    slot = &state.recent[state.recent_next];
    state.recent_next = (state.recent_next + 1) % kRecentMembers;
  }
  slot->client_ip = o.client_ip;
  slot->token.assign(o.token);
  slot->recipient.assign(o.recipient);
  slot->first_seen = o.ts;
}

CampaignVerdict CampaignTracker::observe(const CampaignObservation& o) {
  CampaignVerdict verdict;
  const std::string& key = full_key(o);
  auto it = states_.find(key);
  if (it == states_.end()) {
    if (states_.size() >= max_keys_) {
      const auto victim = states_.find(lru_.front());
      exact_members_ -= victim->second.members.size();
      states_.erase(victim);
      lru_.pop_front();
      ++keys_evicted_;
      verdict.key_evicted = true;
    }
    lru_.push_back(key);
    State state;
    state.id = campaign_id(key);
    state.key = key;
    state.scheme = o.scheme;
    state.first_seen = o.ts;
    state.lru = std::prev(lru_.end());
    it = states_.emplace(key, std::move(state)).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  State& state = it->second;
  expire(state, o.ts);
  state.last_seen = o.ts;
  verdict.campaign_id = &state.id;

  const std::uint64_t token_hash = o.token.empty() ? 0 : hash_text(o.token);
  if (!state.sketch && state.hosts.find(o.client_ip) == state.hosts.end()) {
    verdict.new_host = true;
    if (state.hosts.size() >= limits_.exact_hosts ||
        exact_members_ >= limits_.exact_members_total) {
      switch_to_sketch(state);
      verdict.became_sketched = true;
    } else {
      state.hosts.insert(o.client_ip);
      state.members.push_back(Member{o.client_ip, o.ts, token_hash});
      if (token_hash != 0) ++state.token_members[token_hash];
      ++exact_members_;
    }
  }
  if (state.sketch) {
    verdict.sketched = true;
    if (state.sketch->hosts.insert(hash_address(o.client_ip), o.ts)) verdict.new_host = true;
    if (token_hash != 0) state.sketch->tokens.insert(token_hash, o.ts);
  }
  if (verdict.new_host) state.last_join = o.ts;
  // A sketch cannot say whether a host is new, so past the cap every host is offered to the
  // member list (which skips the ones it already holds).
  if (verdict.new_host || verdict.sketched) remember_recent(state, o);

  const bool enough_hosts = host_count(state) >= min_hosts_;
  const bool enough_tokens = !o.require_distinct_tokens || token_count(state) >= min_hosts_;
  verdict.is_campaign = enough_hosts && enough_tokens;
  verdict.just_formed = verdict.is_campaign && !state.formed;
  if (verdict.is_campaign) state.formed = true;
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
  if (it == states_.end()) return false;
  const State& state = it->second;
  if (state.sketch) return !state.sketch->hosts.expired_at(o.ts);
  return !state.members.empty() && state.members.back().ts + window_ >= o.ts;
}

void CampaignTracker::fill_update(const State& state, CampaignUpdate& out) const {
  const std::size_t colon = state.key.find(':');
  out = CampaignUpdate{};
  out.campaign_id.assign(state.id);
  out.key_kind.assign(std::string_view(state.key).substr(0, colon));
  out.key.assign(std::string_view(state.key).substr(colon + 1));
  out.scheme = state.scheme;
  out.distinct_hosts = host_count(state);
  out.distinct_tokens = token_count(state);
  out.first_seen = state.first_seen;
  out.last_seen = state.last_seen;
  // Oldest first, members still within the window as of the last observation.
  const std::size_t n = state.recent.size();
  const std::size_t start = n < kRecentMembers ? 0 : state.recent_next;
  for (std::size_t i = 0; i < n; ++i) {
    const CampaignMember& m = state.recent[(start + i) % n];
    if (m.first_seen + window_ < state.last_seen) continue;
    CampaignMember* slot = out.members.emplace_slot();
    if (slot == nullptr) break;
    *slot = m;
  }
}

void CampaignTracker::describe(const CampaignObservation& o, CampaignUpdate& out) const {
  const auto it = states_.find(full_key(o));
  if (it != states_.end()) fill_update(it->second, out);
}

void CampaignTracker::emit(State& state, TimestampNs at, exporter::EventRecord& out) {
  const Envelope& e = state.envelope;
  out.order = e.order;
  out.ts = e.ts;
  out.flow = e.flow;
  out.app_protocol = e.app_protocol;
  out.source_index = e.source_index;
  out.body = CampaignUpdate{};
  fill_update(state, std::get<CampaignUpdate>(out.body));
  state.reported_hosts = std::max<std::uint32_t>(1, host_count(state));
  state.reported_at = at;
  state.stale = false;
  state.doubling_held = false;
}

TimestampNs CampaignTracker::due_at(const State& state) const {
  // A held doubling goes out when the interval since the last update ends; smaller growth once
  // the campaign has been quiet (no new host) for an interval.
  return state.doubling_held ? state.reported_at + limits_.update_interval
                             : state.last_join + limits_.update_interval;
}

void CampaignTracker::schedule(State& state) {
  const TimestampNs at = due_at(state);
  // One live wake-up per campaign; an earlier one replaces it (the old entry is skipped when it
  // comes up, since its time no longer matches).
  if (state.scheduled && state.scheduled_at <= at) return;
  state.scheduled = true;
  state.scheduled_at = at;
  due_.push(Due{at, due_order_++, state.key});
}

bool CampaignTracker::request_update(const CampaignObservation& o,
                                     const exporter::EventRecord& event,
                                     exporter::EventRecord& out) {
  const auto it = states_.find(full_key(o));
  if (it == states_.end()) return false;
  State& state = it->second;
  state.envelope =
      Envelope{event.order, event.ts, event.flow, event.app_protocol, event.source_index};
  if (state.reported_hosts == 0) {
    emit(state, o.ts, out);
    return true;
  }
  const bool doubled = std::uint64_t{host_count(state)} >= 2 * std::uint64_t{state.reported_hosts};
  if (doubled && o.ts - state.reported_at >= limits_.update_interval) {
    emit(state, o.ts, out);
    return true;
  }
  state.stale = true;
  if (doubled) state.doubling_held = true;
  schedule(state);
  return false;
}

bool CampaignTracker::next_due_update(TimestampNs now, exporter::EventRecord& out) {
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    const auto it = states_.find(due.key);
    if (it == states_.end()) continue;  // evicted meanwhile
    State& state = it->second;
    if (!state.scheduled || state.scheduled_at != due.at) continue;  // superseded
    state.scheduled = false;
    if (!state.stale && !state.doubling_held) continue;  // went out with a later doubling
    const TimestampNs at = due_at(state);
    if (at > now) {  // new hosts since: not quiet yet
      schedule(state);
      continue;
    }
    emit(state, now == kFlushAll ? state.last_seen : now, out);
    return true;
  }
  return false;
}

}  // namespace bw::correlate
