#include <fmt/format.h>

#include <system_error>

#include "answer_key.hpp"
#include "by_product.hpp"
#include "errors.hpp"

namespace trafficsim::host {

namespace {

/// The answer key fed by the rows' billing records, the engine's labels and the days' fees.
class answer_key_output final : public by_product {
 public:
  // The folder is made now, so that one that cannot be made stops the run before it
  // starts; the key's files are put in place only when the run succeeds (an older key in
  // it stays as it was).
  explicit answer_key_output(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    created_ = std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_))
      throw usage_error(fmt::format("--truth '{}' cannot be created: {}; name a folder you can write", dir_.string(),
                                    ec ? ec.message() : "a file is in the way"));
  }
  answer_key_output(const answer_key_output&) = delete;
  answer_key_output& operator=(const answer_key_output&) = delete;
  ~answer_key_output() override {
    if (kept_) return;
    std::error_code ec;
    if (created_) std::filesystem::remove(dir_, ec);  // only if empty
  }

  void prepare(engine& e, const catalog& cat, const row_encoder& /*rows*/) override {
    key_ = std::make_unique<answer_key>(e, cat);
    e.collect_labels(true);
  }
  observer_needs needs() const override { return {.records = true}; }
  void on_day(const engine& e, std::uint32_t day, unsigned first_hour, unsigned end_hour) override {
    key_->add_labels(e, day, first_hour, end_hour);
  }
  void on_midnight(const engine& e, std::uint32_t day) override { key_->add_day(e, day); }
  void on_written(const chunk_facts& c, chunk_state* /*s*/) override { key_->add_rows(c.day, c.records); }
  void stage(staged_files& side, const finished_run& /*run*/) override { key_->write(side, dir_); }
  void published() noexcept override { kept_ = true; }

 private:
  std::filesystem::path dir_;
  bool created_ = false, kept_ = false;
  std::unique_ptr<answer_key> key_;
};

}  // namespace

std::unique_ptr<by_product> make_answer_key_output(const std::filesystem::path& dir) {
  return std::make_unique<answer_key_output>(dir);
}

}  // namespace trafficsim::host
