#include "store/redis/journal.h"

#include <algorithm>
#include <unordered_set>

namespace sy::store::redis {

bool SpendJournal::try_hold() {
  std::lock_guard lock(mutex_);
  if (entries_ + holds_ >= capacity_) return false;
  ++holds_;
  return true;
}

void SpendJournal::drop_hold() {
  std::lock_guard lock(mutex_);
  if (holds_ > 0) --holds_;
}

void SpendJournal::add_held(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  if (holds_ > 0) --holds_;
  ++entries_;
  by_key_[entry.key_id].push_back(std::move(entry));
}

bool SpendJournal::try_add(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  if (entries_ + holds_ >= capacity_) {
    ++dropped_;
    return false;
  }
  ++entries_;
  by_key_[entry.key_id].push_back(std::move(entry));
  return true;
}

std::vector<JournalEntry> SpendJournal::pending_for(std::string_view key_id) const {
  if (entries_.load(std::memory_order_relaxed) == 0) return {};  // the common case, lock-free
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(std::string(key_id));
  return it == by_key_.end() ? std::vector<JournalEntry>{} : it->second;
}

std::vector<JournalEntry> SpendJournal::pending(size_t max) const {
  std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  for (const auto& [key, entries] : by_key_) {
    for (const auto& e : entries) {
      if (out.size() >= max) return out;
      out.push_back(e);
    }
  }
  return out;
}

void SpendJournal::confirm(std::string_view key_id, const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(std::string(key_id));
  if (it == by_key_.end()) return;
  auto& entries = it->second;
  const std::unordered_set<std::string_view> done(ids.begin(), ids.end());
  const auto removed = std::remove_if(entries.begin(), entries.end(),
                                      [&](const JournalEntry& e) { return done.contains(e.id); });
  entries_ -= static_cast<size_t>(entries.end() - removed);
  entries.erase(removed, entries.end());
  if (entries.empty()) by_key_.erase(it);
}

size_t SpendJournal::size() const { return entries_.load(std::memory_order_relaxed); }

size_t SpendJournal::holds() const {
  std::lock_guard lock(mutex_);
  return holds_;
}

uint64_t SpendJournal::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace sy::store::redis
