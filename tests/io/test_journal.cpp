// The sweep journal and in-flight checkpoints: round trips, a torn tail after a kill, damage.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "attnmf/io/journal.hpp"

namespace {

namespace fs = std::filesystem;
using namespace attnmf;

class Journal : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("attnmf-journal-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  static records::PointResult result(long long index) {
    records::PointResult r;
    r.index = index;
    r.status = records::PointStatus::done;
    r.regime = attnmf::analysis::Regime::periodic;
    r.period = 28;
    r.analysis.features = 3;
    r.analysis.samples = {0.1 * index, -0.2, 0.3, 1e-300, -0.0, 5.0};
    r.analysis.crossing_direction = {1, -1};
    r.final_window = {3, 4, 3, std::vector<double>(12, 0.25), {3, 2, 1, 0}};
    r.lyapunov = {-0.01, -0.5, -1.25};
    return r;
  }
};

TEST_F(Journal, RoundTripsEveryField) {
  {
    io::JournalWriter writer(dir / "a.journal");
    for (long long i = 0; i < 5; ++i) writer.append(result(i));
  }
  const auto contents = io::read_journal_directory(dir);
  ASSERT_EQ(contents.points.size(), 5U);
  const auto& r = contents.points.at({3, 0});
  EXPECT_EQ(r.analysis.samples, result(3).analysis.samples);
  EXPECT_EQ(r.final_window.attention, result(3).final_window.attention);
  EXPECT_EQ(r.final_window.positions, result(3).final_window.positions);
  EXPECT_EQ(r.lyapunov, result(3).lyapunov);
  EXPECT_EQ(r.period, 28);
  EXPECT_EQ(r.analysis.crossing_direction, result(3).analysis.crossing_direction);
  EXPECT_TRUE(contents.notes.empty());
}

TEST_F(Journal, ATornLastRecordIsIgnored) {
  {
    io::JournalWriter writer(dir / "a.journal");
    for (long long i = 0; i < 3; ++i) writer.append(result(i));
  }
  // A kill in the middle of an append leaves part of a record.
  fs::resize_file(dir / "a.journal", fs::file_size(dir / "a.journal") - 7);
  const auto contents = io::read_journal_directory(dir);
  EXPECT_EQ(contents.points.size(), 2U);
  ASSERT_EQ(contents.notes.size(), 1U);
  EXPECT_NE(contents.notes[0].find("incomplete last record"), std::string::npos);
}

TEST_F(Journal, DamageBeforeTheEndIsAnError) {
  {
    io::JournalWriter writer(dir / "a.journal");
    for (long long i = 0; i < 3; ++i) writer.append(result(i));
  }
  std::fstream f(dir / "a.journal", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  f.put('\x5a');
  f.close();
  EXPECT_THROW(io::read_journal_directory(dir), io::CheckpointError);
}

TEST_F(Journal, AForeignFileIsAClearError) {
  std::ofstream(dir / "x.journal") << "this is not a journal at all, just some text";
  try {
    io::read_journal_directory(dir);
    FAIL() << "a text file read as a journal";
  } catch (const io::CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("not an attnmf journal"), std::string::npos) << e.what();
  }
}

TEST_F(Journal, InFlightStatesKeepTheMostAdvancedAndDropFinishedPoints) {
  records::PartialPoint a{7, 0, 1000, {3, 4, 3, std::vector<double>(12, 0.5), {0, 3, 2, 1}}, "analyzer", "", 1.5};
  records::PartialPoint b = a;
  b.steps_done = 5000;
  records::PartialPoint c = a;
  c.index = 9;
  io::write_in_flight(dir / "r1.inflight", {a, c});
  io::write_in_flight(dir / "r2.inflight", {b});
  {
    io::JournalWriter writer(dir / "a.journal");
    writer.append(result(9));  // point 9 finished later
  }
  const auto contents = io::read_journal_directory(dir);
  ASSERT_EQ(contents.in_flight.size(), 1U);
  EXPECT_EQ(contents.in_flight.at({7, 0}).steps_done, 5000);
  EXPECT_EQ(contents.in_flight.at({7, 0}).analyzer_state, "analyzer");
  EXPECT_EQ(contents.in_flight_files.size(), 2U);
  EXPECT_FALSE(fs::exists(dir / "r1.inflight.tmp"));
}

TEST_F(Journal, ACorruptInFlightCheckpointIsAClearError) {
  records::PartialPoint a{7, 0, 1000, {3, 4, 3, std::vector<double>(12, 0.5), {0, 3, 2, 1}}, "", "", 1.5};
  io::write_in_flight(dir / "r.inflight", {a});
  fs::resize_file(dir / "r.inflight", fs::file_size(dir / "r.inflight") - 3);  // no torn tails here: written atomically
  EXPECT_THROW(io::read_journal_directory(dir), io::CheckpointError);
}

TEST_F(Journal, ManifestRoundTrips) {
  EXPECT_TRUE(io::read_manifest(dir).empty());
  io::write_manifest(dir, {{"model.beta", "1.27"}, {"sweep.beta", "1.24:1.28:4001"}});
  const auto keys = io::read_manifest(dir);
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[1].second, "1.24:1.28:4001");
}

}  // namespace
