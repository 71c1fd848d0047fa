#include "store/redis/journal.h"

#include <gtest/gtest.h>

namespace sy::store::redis {
namespace {

JournalEntry debit(std::string id, std::string key, Micros cost) {
  return {JournalEntry::Kind::kDebit, std::move(id), std::move(key), cost, 0, 1000, true};
}

TEST(SpendJournal, HoldsReserveRoomForChargesToCome) {
  SpendJournal j(2);
  ASSERT_TRUE(j.try_hold());
  ASSERT_TRUE(j.try_hold());
  EXPECT_FALSE(j.try_hold());
  EXPECT_FALSE(j.try_add(debit("x", "k", 1))) << "full: holds count";
  EXPECT_EQ(j.dropped(), 1u);
  j.drop_hold();
  j.add_held(debit("a", "k", 5));
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.holds(), 0u);
  EXPECT_TRUE(j.try_add(debit("b", "k", 6)));
  EXPECT_FALSE(j.try_hold());
}

TEST(SpendJournal, PendingPerKeyAndConfirm) {
  SpendJournal j(10);
  ASSERT_TRUE(j.try_add(debit("a", "k1", 1)));
  ASSERT_TRUE(j.try_add(debit("b", "k2", 2)));
  ASSERT_TRUE(j.try_add(debit("c", "k1", 3)));
  const auto k1 = j.pending_for("k1");
  ASSERT_EQ(k1.size(), 2u);
  EXPECT_EQ(k1[0].id, "a");
  EXPECT_EQ(k1[1].id, "c");
  EXPECT_TRUE(j.pending_for("k3").empty());
  EXPECT_EQ(j.pending(2).size(), 2u);
  j.confirm("k1", {"a", "zz"});
  EXPECT_EQ(j.size(), 2u);
  j.confirm("k1", {"a"});  // twice: nothing more removed
  EXPECT_EQ(j.size(), 2u);
  j.confirm("k1", {"c"});
  j.confirm("k2", {"b"});
  EXPECT_EQ(j.size(), 0u);
  EXPECT_TRUE(j.pending(100).empty());
  EXPECT_TRUE(j.try_hold());
}

}  // namespace
}  // namespace sy::store::redis
