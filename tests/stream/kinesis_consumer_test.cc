// The Kinesis consumer's policy against a stream held in memory, on SQLite: a closed parent is
// read to its end and its children after, each shard resumes after its checkpoint, nothing loads
// twice. (The real service's protocol: kinesis_test.cc, against moto_server.) And base64.
#include "stream/kinesis_consumer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "support/generated.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::TempDir;

// Shards of records in memory; an iterator is "SHARD|INDEX".
class FakeStream final : public KinesisStream {
 public:
  struct Shard {
    KinesisShard shard;
    std::vector<KinesisRecord> records;
  };

  const std::string& name() const override { return name_; }

  Result<std::vector<KinesisShard>> ListShards() override {
    std::vector<KinesisShard> list;
    for (const auto& [id, shard] : shards) list.push_back(shard.shard);
    return list;
  }

  Result<std::string> ShardIterator(const std::string& id,
                                    const std::string& sequence_number) override {
    const Shard& shard = shards.at(id);
    size_t index = 0;
    if (!sequence_number.empty()) {
      while (index < shard.records.size() &&
             shard.records[index].sequence_number != sequence_number) {
        ++index;
      }
      ++index;
    }
    return id + "|" + std::to_string(index);
  }

  Result<KinesisBatch> Records(const std::string& iterator, int limit) override {
    std::string id = iterator.substr(0, iterator.find('|'));
    size_t index = std::stoul(iterator.substr(iterator.find('|') + 1));
    const Shard& shard = shards.at(id);
    KinesisBatch batch;
    while (index < shard.records.size() && static_cast<int>(batch.records.size()) < limit) {
      batch.records.push_back(shard.records[index++]);
    }
    batch.millis_behind_latest = static_cast<int64_t>(shard.records.size() - index) * 1000;
    if (!(shard.shard.closed && index == shard.records.size())) {
      batch.next_iterator = id + "|" + std::to_string(index);
    }
    return batch;
  }

  void Add(const std::string& id, const std::string& data) {
    Shard& shard = shards[id];
    shard.shard.id = id;
    shard.records.push_back(
        KinesisRecord{std::to_string(1000 + shard.records.size()), "key", data, std::nullopt});
  }

  std::map<std::string, Shard> shards;

 private:
  std::string name_ = "fake";
};

std::vector<std::string> NdjsonRows(const TempDir& dir, int rows) {
  std::string path = testing::Generate(dir, "raw.csv", rows, 3);
  std::FILE* in = std::fopen(path.c_str(), "rb");
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) text.append(buffer, n);
  std::fclose(in);
  // The generator writes no quoted commas in these seeds' first rows; a CSV record each.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<std::string> records;
  for (size_t i = 1; i < lines.size(); ++i) records.push_back(lines[0] + "\n" + lines[i] + "\n");
  return records;
}

std::string Scalar(Warehouse& warehouse, std::string_view sql) {
  auto result = warehouse.Query(sql);
  EXPECT_TRUE(result) << result.error().message();
  return result && !result->rows.empty() ? result->rows[0][0].value_or("") : "";
}

TEST(KinesisConsumerTest, AClosedParentIsReadToItsEndAndItsChildrenAfter) {
  TempDir dir;
  std::vector<std::string> rows = NdjsonRows(dir, 9);
  ASSERT_EQ(rows.size(), 9u);
  FakeStream stream;
  for (int i = 0; i < 3; ++i) stream.Add("parent", rows[static_cast<size_t>(i)]);
  stream.shards["parent"].shard.closed = true;
  for (int i = 3; i < 5; ++i) stream.Add("child-1", rows[static_cast<size_t>(i)]);
  for (int i = 5; i < 7; ++i) stream.Add("child-2", rows[static_cast<size_t>(i)]);
  stream.shards["child-1"].shard.parent = "parent";
  stream.shards["child-2"].shard.parent = "parent";

  auto warehouse = OpenWarehouse(dir.Path("w.db"));
  ASSERT_TRUE(warehouse);
  ASSERT_TRUE((*warehouse)->Migrate());
  KinesisConsumerOptions options;
  options.until_caught_up = true;
  options.idle_wait = std::chrono::milliseconds(1);
  options.records_per_read = 2;
  std::vector<KinesisBatchReport> batches;
  options.on_batch = [&](const KinesisBatchReport& batch) { batches.push_back(batch); };
  Status consumed = ConsumeKinesis(stream, **warehouse, options);
  ASSERT_TRUE(consumed) << consumed.error().message();
  EXPECT_EQ(Scalar(**warehouse, "SELECT count(*) FROM fact_sales"), "7");
  EXPECT_EQ(Scalar(**warehouse, "SELECT version FROM landing_key WHERE key = 'parent'"), "1002");
  EXPECT_EQ(Scalar(**warehouse, "SELECT version FROM landing_key WHERE key = 'child-2'"), "1001");
  EXPECT_EQ(batches.size(), 4u);  // the parent in two reads of at most two records
  EXPECT_EQ(batches.front().source, "kinesis:fake/child-1:1000-1001");

  // Later records of a child, and a consumer started anew: only they load.
  stream.Add("child-1", rows[7]);
  stream.Add("child-1", rows[8]);
  batches.clear();
  warehouse->reset();  // the first consumer's warehouse, and its watcher's lock, are gone
  auto again = OpenWarehouse(dir.Path("w.db"));
  ASSERT_TRUE(again);
  consumed = ConsumeKinesis(stream, **again, options);
  ASSERT_TRUE(consumed) << consumed.error().message();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].source, "kinesis:fake/child-1:1002-1003");
  EXPECT_EQ(Scalar(**again, "SELECT count(*) FROM fact_sales"), "9");
  EXPECT_EQ(Scalar(**again, "SELECT count(*) FROM etl_run WHERE trigger = 'kinesis'"), "2");
}

TEST(DecodeBase64Test, DecodesStandardBase64AndRefusesTheRest) {
  EXPECT_EQ(DecodeBase64("aMOpbGxv"), "h\xC3\xA9llo");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64("YWI="), "ab");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("+/+/"), std::string("\xFB\xFF\xBF", 3));
  EXPECT_FALSE(DecodeBase64("YQ=a"));
  EXPECT_FALSE(DecodeBase64("Y"));
  EXPECT_FALSE(DecodeBase64("Y*=="));
}

TEST(KinesisStreamNameTest, NamesAndArnsAreStreamNames) {
  EXPECT_EQ(*KinesisStreamName("kinesis://sales"), "sales");
  EXPECT_EQ(*KinesisStreamName("kinesis://arn:aws:kinesis:eu-west-1:123456789012:stream/pos-1"),
            "pos-1");
  EXPECT_FALSE(KinesisStreamName("kinesis://"));
  EXPECT_FALSE(KinesisStreamName("kinesis://a/b"));
}

}  // namespace
}  // namespace till
