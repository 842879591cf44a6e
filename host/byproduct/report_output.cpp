#include <exception>
#include <optional>

#include "by_product.hpp"
#include "html_report.hpp"
#include "traffic_profile.hpp"

namespace trafficsim::host {

namespace {

/// The report's profile, added as the rows are written.
class report_output final : public by_product {
 public:
  report_output(std::filesystem::path page, bool extended, std::filesystem::path truth_dir)
      : page_(std::move(page)), calls_(extended), truth_dir_(std::move(truth_dir)) {}

  void prepare(engine& e, const catalog& cat, const row_encoder& /*rows*/) override {
    profile_.prepare_run(e, cat);
    e.count_customers(true);
  }
  /// With the extended schema, the encoder adds each row's call from its fields, as
  /// `report DATA` reads it from the row's text (call_rows.hpp), whatever the format.
  observer_needs needs() const override { return {.models = profile_.catalog_models(), .calls = calls_}; }

  /// A chunk's sums, made in the encode stage.
  struct state final : chunk_state {
    traffic_profile::chunk_summary summary;
  };
  std::unique_ptr<chunk_state> make_chunk_state() const override { return std::make_unique<state>(); }

  void on_encoded(chunk_facts& c, chunk_state* s) const override {
    state& st = static_cast<state&>(*s);
    // A window's customers go with its first chunk; its models' sums with each.
    if (c.begin == 0)
      st.summary.customers = c.w->customer_rows;
    else
      st.summary.customers.clear();
    st.summary.models.swap(c.models);
  }
  void on_written(const chunk_facts& c, chunk_state* s) override {
    state& st = static_cast<state&>(*s);
    profile_.add_summary(c.hour, st.summary, c.totals);
    if (calls_) profile_.extended().merge(*c.calls);
  }

  void stage(staged_files& side, const finished_run& run) override {
    profile_.finish();
    const run_origin origin = origin_of(run.report);
    // With the answer key, its labels mark the burst windows.
    std::optional<time_spans> bursts;
    if (!truth_dir_.empty()) bursts = read_burst_windows(side.pending(truth_dir_ / "labels.jsonl"));
    write_html_report(side, page_, profile_, &origin, bursts ? &*bursts : nullptr);
  }

 private:
  std::filesystem::path page_;
  bool calls_;  ///< the extended schema: the report counts each row's call
  std::filesystem::path truth_dir_;
  traffic_profile profile_;
};

}  // namespace

std::unique_ptr<by_product> make_report_output(const std::filesystem::path& page, bool extended,
                                               const std::filesystem::path& truth_dir) {
  return std::make_unique<report_output>(page, extended, truth_dir);
}

}  // namespace trafficsim::host
