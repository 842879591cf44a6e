#include <exception>
#include <optional>

#include "by_product.hpp"
#include "call_rows.hpp"
#include "html_report.hpp"
#include "traffic_profile.hpp"

namespace trafficsim::host {

namespace {

/// The report's profile, added as the rows are written.
class report_output final : public by_product {
 public:
  report_output(std::filesystem::path page, bool extended, output_format format, const outcome_model* outcomes,
                std::filesystem::path truth_dir)
      : page_(std::move(page)),
        calls_(extended),
        own_text_(format == output_format::csv || format == output_format::jsonl),
        outcomes_(outcomes),
        truth_dir_(std::move(truth_dir)) {}

  void prepare(engine& e, const catalog& cat, const row_encoder& rows) override {
    profile_.prepare_run(e, cat);
    e.count_customers(true);
    plugins_ = e.plugins().size();
    header_ = rows.header();
    if (calls_ && !own_text_) {
      csv_ = make_row_encoder(output_format::csv, e, cat, outcomes_);
      header_ = csv_->header();
    }
  }
  observer_needs needs() const override { return {.models = profile_.catalog_models()}; }

  /// A chunk's sums, and with the extended schema its calls, made in the encode stage.
  struct state final : chunk_state {
    traffic_profile::chunk_summary summary;
    std::unique_ptr<call_profile> calls;
    std::exception_ptr calls_failure;  ///< reading them failed (rethrown in the write stage)
    text_buffer csv;                   ///< the rows as CSV, for an output in another format
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
    if (calls_) count_calls(c, st);
  }
  void on_written(const chunk_facts& c, chunk_state* s) override {
    state& st = static_cast<state&>(*s);
    profile_.add_summary(c.hour, st.summary, c.totals);
    if (!calls_) return;
    if (st.calls_failure) std::rethrow_exception(st.calls_failure);
    profile_.extended().merge(*st.calls);
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
  /// The extended schema: the chunk's calls, read from its rows' text as `report` reads a
  /// file, in parallel; merged in order in the write stage.
  void count_calls(const chunk_facts& c, state& st) const {
    st.calls_failure = nullptr;
    try {
      if (csv_) {
        std::vector<plugin_totals> totals(plugins_);
        st.csv.clear();
        csv_->encode(*c.w, c.begin, c.end, st.csv, totals);
      }
      st.calls = std::make_unique<call_profile>(true);
      add_call_text(header_, (csv_ ? st.csv : c.text).view(), *st.calls);
    } catch (...) {
      st.calls_failure = std::current_exception();
    }
  }

  std::filesystem::path page_;
  bool calls_;     ///< the extended schema: the report reads each row's call
  bool own_text_;  ///< from the output's own text (CSV, JSON Lines)
  std::string_view header_;
  const outcome_model* outcomes_;
  std::filesystem::path truth_dir_;
  std::size_t plugins_ = 0;
  std::unique_ptr<row_encoder> csv_;  ///< the rows as CSV for the report alone
  traffic_profile profile_;
};

}  // namespace

std::unique_ptr<by_product> make_report_output(const std::filesystem::path& page, bool extended, output_format format,
                                               const outcome_model* outcomes, const std::filesystem::path& truth_dir) {
  return std::make_unique<report_output>(page, extended, format, outcomes, truth_dir);
}

}  // namespace trafficsim::host
