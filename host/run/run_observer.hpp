#pragma once
// What a run makes besides its rows (the answer key, the report's profile, FOCUS charges)
// sees the rows through one interface: the pipeline feeds every observer at the same
// points of its stages without knowing which it is. An observer says what facts it needs
// of each row (needs()); the encoder hands over only what some observer asked for.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "call_profile.hpp"
#include "engine.hpp"
#include "focus.hpp"
#include "formats.hpp"
#include "text_buffer.hpp"

namespace trafficsim::host {

/// A chunk of a run's rows as the observers see it: its rows, their text and the facts the
/// encoder handed over (each filled only if an observer asked for it).
struct chunk_facts {
  std::shared_ptr<const window> w;      ///< the chunk's window (until the encode stage is done)
  std::size_t begin = 0, end = 0;       ///< the chunk's rows of the window
  std::uint64_t hour = 0;               ///< the window's hour since the run's first midnight
  std::uint32_t day = 0;                ///< the window's day
  std::vector<plugin_totals> totals;    ///< per plugin
  std::vector<billing_record> records;  ///< observer_needs::records: one per row
  std::vector<model_totals> models;     ///< observer_needs::models: per catalog model
  std::vector<usage_record> usage;      ///< observer_needs::usage: the billed rows, instead of text
  std::unique_ptr<call_profile> calls;  ///< observer_needs::calls: the rows' calls (extended schema)
  text_buffer text;                     ///< the rows as the output takes them
};

/// What an observer needs of the rows and of the chunks.
struct observer_needs {
  bool records = false;        ///< a billing_record per row
  std::size_t models = 0;      ///< this many model_totals (the catalog's models); 0: none
  bool usage = false;          ///< usage records instead of text (the observer writes the text)
  bool calls = false;          ///< the extended schema's calls, added by the encoder from each row's fields
  bool whole_windows = false;  ///< every chunk a whole window
  std::size_t max_chunks = 0;  ///< at most this many chunks in flight; 0: the pipeline's
};

class run_observer {
 public:
  /// An observer's own part of a chunk, made once per chunk buffer and recycled with it.
  struct chunk_state {
    virtual ~chunk_state() = default;
  };

  virtual ~run_observer() = default;
  virtual observer_needs needs() const { return {}; }
  virtual std::unique_ptr<chunk_state> make_chunk_state() const { return nullptr; }

  // The generate stage (serial, in order).
  /// The engine has prepared day `day`, of which the run holds hours [first_hour, end_hour).
  virtual void on_day(const engine& /*e*/, std::uint32_t /*day*/, unsigned /*first_hour*/, unsigned /*end_hour*/) {}
  /// The run holds the first hour of day `day` (the day's fees belong to it).
  virtual void on_midnight(const engine& /*e*/, std::uint32_t /*day*/) {}

  /// The encode stage (parallel: any thread, chunks in any order): the chunk is encoded;
  /// an observer that writes the rows' text itself (FOCUS) writes it here.
  virtual void on_encoded(chunk_facts& /*c*/, chunk_state* /*s*/) const {}

  // The write stage (serial, in order).
  /// Before the first chunk: where text the observer makes between chunks goes.
  virtual void on_start(const std::function<void(text_buffer&)>& /*write*/) {}
  /// Text to write before the chunk's own.
  virtual void before_written(const chunk_facts& /*c*/, chunk_state* /*s*/, text_buffer& /*out*/) {}
  /// The chunk is written.
  virtual void on_written(const chunk_facts& /*c*/, chunk_state* /*s*/) {}
  /// After the last chunk: text to write at the end.
  virtual void on_end(text_buffer& /*out*/) {}
};

}  // namespace trafficsim::host
