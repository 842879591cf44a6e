// The Python script bridge, trafficsim-python.so: turns a scenario written in Python into
// a plugin behind the ordinary C descriptor (<trafficsim/plugin.h>,
// trafficsim_script_entry). It embeds CPython, so the host does not link Python: the host
// loads this library like a plugin, only when a .py scenario is selected.
//
// The interpreter starts once, on the first script, and stays for the life of the process
// (the bridge pins itself and libpython: CPython cannot be unloaded safely). Every call
// from the host takes the GIL with a thread state kept per thread (one per engine thread,
// made on its first call) and releases it before returning, so while a thread is outside
// Python nothing holds the GIL, and the rest of the pipeline runs in parallel. No call
// into Python waits for other work of the engine, so a thread that waits for the GIL
// holds nothing another thread needs: no deadlock, whatever oneTBB's work stealing runs
// on the threads.
//
// The built-in module `trafficsim` gives a script the host's random streams (the SDK's C
// functions of <trafficsim/random.h> and <trafficsim/distributions.h>: the same bits as a
// C or C++ plugin), the customer and the day as read-only objects, and Plan, Parameter,
// ParameterError (prelude.py).

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <structmember.h>
#include <trafficsim/distributions.h>
#include <trafficsim/plugin.h>
#include <trafficsim/random.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <trafficsim/parameters.hpp>
#include <utility>
#include <vector>

#include "python_prelude.hpp"

namespace {

// ---- messages ----

void say(trafficsim_message* m, std::string_view text) noexcept {
  if (m == nullptr || m->data == nullptr || m->capacity == 0) return;
  const std::size_t n = std::min<std::size_t>(text.size(), m->capacity - 1);
  std::memcpy(m->data, text.data(), n);
  m->data[n] = '\0';
}

std::string str_of(PyObject* o) {
  std::string out;
  if (PyObject* s = PyObject_Str(o)) {
    if (const char* u = PyUnicode_AsUTF8(s)) out = u;
    Py_DECREF(s);
  }
  PyErr_Clear();
  return out;
}

/// The pending Python exception as one line: its type and text, and where it was raised
/// (the traceback's last frame: the script's line, or the library function it called).
/// Clears it.
std::string exception_text() {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  std::string out = type != nullptr ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "error";
  if (value != nullptr && PyErr_GivenExceptionMatches(value, PyExc_SyntaxError)) {
    // A syntax error carries its place in the exception, not in the traceback.
    PyObject* msg = PyObject_GetAttrString(value, "msg");
    PyObject* file = PyObject_GetAttrString(value, "filename");
    PyObject* line = PyObject_GetAttrString(value, "lineno");
    if (msg != nullptr) out += ": " + str_of(msg);
    if (file != nullptr && line != nullptr && file != Py_None) out += " (at " + str_of(file) + ":" + str_of(line) + ")";
    Py_XDECREF(msg);
    Py_XDECREF(file);
    Py_XDECREF(line);
    PyErr_Clear();
  } else if (value != nullptr) {
    if (const std::string text = str_of(value); !text.empty()) out += ": " + text;
  }
  if (tb != nullptr) {
    auto* last = reinterpret_cast<PyTracebackObject*>(tb);
    while (last->tb_next != nullptr) last = last->tb_next;
    PyCodeObject* code = PyFrame_GetCode(last->tb_frame);
    out += " (at " + str_of(code->co_filename) + ":" + std::to_string(last->tb_lineno) + " in " +
           str_of(code->co_name) + ")";
    Py_DECREF(code);
  }
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return out;
}

// ---- the interpreter and the GIL ----

PyInterpreterState* interpreter = nullptr;
thread_local PyThreadState* thread_state = nullptr;

/// Holds the GIL for a scope, through this thread's own thread state. Calls from the host
/// never nest, so a thread never waits for a GIL it holds.
class gil {
 public:
  gil() noexcept {
    if (thread_state == nullptr) thread_state = PyThreadState_New(interpreter);
    PyEval_RestoreThread(thread_state);
  }
  ~gil() { PyEval_SaveThread(); }
  gil(const gil&) = delete;
  gil& operator=(const gil&) = delete;
};

PyObject* module_init();

/// Starts CPython once, isolated from the user's environment (no PYTHONPATH, no user site)
/// and without its signal handlers (Ctrl-C is the host's). Returns "" or why not.
std::string start_python() {
  if (interpreter != nullptr) return "";
  // Keep this library and libpython loaded for good, and make libpython's symbols visible
  // to the extension modules CPython loads (the host loads plugins RTLD_LOCAL).
  Dl_info self{}, python{};
  if (::dladdr(reinterpret_cast<void*>(&start_python), &self) != 0 && self.dli_fname != nullptr)
    ::dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  if (::dladdr(reinterpret_cast<void*>(&Py_InitializeFromConfig), &python) != 0 && python.dli_fname != nullptr)
    ::dlopen(python.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE | RTLD_GLOBAL);
  if (Py_IsInitialized()) return "another copy of CPython is already running in this process";
  if (PyImport_AppendInittab("trafficsim", &module_init) != 0) return "cannot register the trafficsim module";
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;
  config.write_bytecode = 0;
  const PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status))
    return std::string("cannot start Python: ") + (status.err_msg != nullptr ? status.err_msg : "unknown error");
  interpreter = PyInterpreterState_Get();
  thread_state = PyEval_SaveThread();
  return "";
}

// ---- the trafficsim module: streams, customers, days ----

struct stream_object {
  PyObject_HEAD trafficsim_stream s;
};
struct customer_object {
  PyObject_HEAD trafficsim_customer c;
  PyObject* stream;
};
struct day_object {
  PyObject_HEAD trafficsim_day d;
  PyObject* stream;
};

PyTypeObject stream_type = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject customer_type = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject day_type = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyObject* new_stream(const trafficsim_stream& s) {
  stream_object* o = PyObject_New(stream_object, &stream_type);
  if (o != nullptr) o->s = s;
  return reinterpret_cast<PyObject*>(o);
}

bool want_args(Py_ssize_t n, Py_ssize_t expected, const char* signature) {
  if (n == expected) return true;
  PyErr_Format(PyExc_TypeError, "Stream.%s takes %zd arguments (%zd given)", signature, expected, n);
  return false;
}

bool slot_of(PyObject* o, std::uint32_t& slot) {
  const unsigned long v = PyLong_AsUnsignedLong(o);
  if (PyErr_Occurred() || v > UINT32_MAX) {
    PyErr_Clear();
    PyErr_SetString(PyExc_ValueError, "a stream slot is a whole number in [0, 2^32)");
    return false;
  }
  slot = static_cast<std::uint32_t>(v);
  return true;
}

bool real_of(PyObject* o, double& x) {
  x = PyFloat_AsDouble(o);
  return !(x == -1.0 && PyErr_Occurred());
}

const trafficsim_stream* stream_of(PyObject* self) { return &reinterpret_cast<stream_object*>(self)->s; }

// Each draw reads fixed slots of the stream, as in C and C++ (see <trafficsim/random.h>).
PyObject* stream_bits(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  std::uint32_t slot = 0;
  if (!want_args(n, 1, "bits(slot)") || !slot_of(a[0], slot)) return nullptr;
  return PyLong_FromUnsignedLongLong(trafficsim_bits(stream_of(self), slot));
}
PyObject* stream_unit(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  std::uint32_t slot = 0;
  if (!want_args(n, 1, "unit(slot)") || !slot_of(a[0], slot)) return nullptr;
  return PyFloat_FromDouble(trafficsim_unit(stream_of(self), slot));
}
PyObject* stream_uniform(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double lo = 0, hi = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "uniform(lo, hi, slot)") || !real_of(a[0], lo) || !real_of(a[1], hi) || !slot_of(a[2], slot))
    return nullptr;
  return PyFloat_FromDouble(trafficsim_uniform(stream_of(self), lo, hi, slot));
}
PyObject* stream_integer(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "integer(lo, hi, slot)")) return nullptr;
  const long long lo = PyLong_AsLongLong(a[0]);
  const long long hi = PyLong_AsLongLong(a[1]);
  if (PyErr_Occurred() || !slot_of(a[2], slot)) return nullptr;
  if (lo > hi || static_cast<unsigned long long>(hi) - static_cast<unsigned long long>(lo) >= (1ULL << 63)) {
    PyErr_Format(PyExc_ValueError, "Stream.integer(%lld, %lld, ...): lo must not exceed hi (and hi - lo < 2^63)", lo,
                 hi);
    return nullptr;
  }
  return PyLong_FromLongLong(trafficsim_integer(stream_of(self), lo, hi, slot));
}
PyObject* stream_bernoulli(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double p = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 2, "bernoulli(p, slot)") || !real_of(a[0], p) || !slot_of(a[1], slot)) return nullptr;
  return PyBool_FromLong(trafficsim_bernoulli(stream_of(self), p, slot));
}
PyObject* stream_normal(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  std::uint32_t slot = 0;
  if (!want_args(n, 1, "normal(slot)") || !slot_of(a[0], slot)) return nullptr;
  return PyFloat_FromDouble(trafficsim_normal(stream_of(self), slot));
}
PyObject* stream_lognormal(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double mu = 0, sigma = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "lognormal(mu, sigma, slot)") || !real_of(a[0], mu) || !real_of(a[1], sigma) ||
      !slot_of(a[2], slot))
    return nullptr;
  return PyFloat_FromDouble(trafficsim_lognormal(stream_of(self), mu, sigma, slot));
}
PyObject* stream_poisson(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double mean = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 2, "poisson(mean, slot)") || !real_of(a[0], mean) || !slot_of(a[1], slot)) return nullptr;
  return PyLong_FromUnsignedLong(trafficsim_poisson(stream_of(self), mean, slot));
}
PyObject* stream_gamma(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double shape = 0, scale = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "gamma(shape, scale, slot)") || !real_of(a[0], shape) || !real_of(a[1], scale) ||
      !slot_of(a[2], slot))
    return nullptr;
  return PyFloat_FromDouble(trafficsim_gamma(stream_of(self), shape, scale, slot));
}
PyObject* stream_pareto(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double x_min = 0, alpha = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "pareto(x_min, alpha, slot)") || !real_of(a[0], x_min) || !real_of(a[1], alpha) ||
      !slot_of(a[2], slot))
    return nullptr;
  return PyFloat_FromDouble(trafficsim_pareto(stream_of(self), x_min, alpha, slot));
}
PyObject* stream_zipf(PyObject* self, PyObject* const* a, Py_ssize_t n) {
  double s = 0;
  std::uint32_t slot = 0;
  if (!want_args(n, 3, "zipf(n, s, slot)")) return nullptr;
  const unsigned long long count = PyLong_AsUnsignedLongLong(a[0]);
  if (PyErr_Occurred() || !real_of(a[1], s) || !slot_of(a[2], slot)) return nullptr;
  return PyLong_FromUnsignedLongLong(trafficsim_zipf(stream_of(self), count, s, slot));
}

/// A METH_FASTCALL function as the method table stores it.
PyCFunction fastcall(PyObject* (*f)(PyObject*, PyObject* const*, Py_ssize_t)) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyMethodDef stream_methods[] = {
    {"bits", fastcall(stream_bits), METH_FASTCALL, "bits(slot): 64 random bits"},
    {"unit", fastcall(stream_unit), METH_FASTCALL, "unit(slot): a float in [0, 1)"},
    {"uniform", fastcall(stream_uniform), METH_FASTCALL, "uniform(lo, hi, slot): a float in [lo, hi)"},
    {"integer", fastcall(stream_integer), METH_FASTCALL, "integer(lo, hi, slot): an int in [lo, hi]"},
    {"bernoulli", fastcall(stream_bernoulli), METH_FASTCALL, "bernoulli(p, slot): True with probability p"},
    {"normal", fastcall(stream_normal), METH_FASTCALL, "normal(slot): a standard normal deviate"},
    {"lognormal", fastcall(stream_lognormal), METH_FASTCALL, "lognormal(mu, sigma, slot): exp(mu + sigma * normal)"},
    {"poisson", fastcall(stream_poisson), METH_FASTCALL, "poisson(mean, slot): a Poisson count"},
    {"gamma", fastcall(stream_gamma), METH_FASTCALL,
     "gamma(shape, scale, slot): a gamma deviate (reads 4 slots from slot)"},
    {"pareto", fastcall(stream_pareto), METH_FASTCALL, "pareto(x_min, alpha, slot): a Pareto deviate"},
    {"zipf", fastcall(stream_zipf), METH_FASTCALL, "zipf(n, s, slot): a rank in [1, n]"},
    {nullptr, nullptr, 0, nullptr}};

PyObject* archetype_names[3];
PyObject* tier_names[3];

PyObject* name_of(PyObject* const (&names)[3], unsigned v) {
  PyObject* o = v < 3 ? names[v] : Py_None;
  Py_INCREF(o);
  return o;
}
PyObject* customer_archetype(PyObject* self, void*) {
  return name_of(archetype_names, reinterpret_cast<customer_object*>(self)->c.archetype);
}
PyObject* customer_tier(PyObject* self, void*) {
  return name_of(tier_names, reinterpret_cast<customer_object*>(self)->c.tier);
}
PyObject* day_weekend(PyObject* self, void*) {
  return PyBool_FromLong(reinterpret_cast<day_object*>(self)->d.weekday >= 5);
}

PyMemberDef customer_members[] = {
    {"index", T_UINT, offsetof(customer_object, c.index), READONLY, "0-based index within the plugin"},
    {"calls_per_day", T_UINT, offsetof(customer_object, c.calls_per_day), READONLY, "drawn once per customer"},
    {"stream", T_OBJECT, offsetof(customer_object, stream), READONLY, "the customer's stream, the same every day"},
    {nullptr, 0, 0, 0, nullptr}};
PyGetSetDef customer_getset[] = {{"archetype", customer_archetype, nullptr, "'light', 'power' or 'heavy'", nullptr},
                                 {"tier", customer_tier, nullptr, "'starter', 'pro' or 'enterprise'", nullptr},
                                 {nullptr, nullptr, nullptr, nullptr, nullptr}};
PyMemberDef day_members[] = {
    {"index", T_UINT, offsetof(day_object, d.index), READONLY, "days since the start date"},
    {"days", T_UINT, offsetof(day_object, d.days), READONLY, "days in the whole run"},
    {"epoch_day", T_LONGLONG, offsetof(day_object, d.epoch_day), READONLY, "days since 1970-01-01"},
    {"year", T_INT, offsetof(day_object, d.year), READONLY, "the year (UTC)"},
    {"month", T_UBYTE, offsetof(day_object, d.month), READONLY, "1-12"},
    {"day", T_UBYTE, offsetof(day_object, d.day), READONLY, "1-31"},
    {"weekday", T_UBYTE, offsetof(day_object, d.weekday), READONLY, "0 = Monday ... 6 = Sunday"},
    {"stream", T_OBJECT, offsetof(day_object, stream), READONLY, "this customer-day's stream"},
    {nullptr, 0, 0, 0, nullptr}};
PyGetSetDef day_getset[] = {{"weekend", day_weekend, nullptr, "Saturday or Sunday", nullptr},
                            {nullptr, nullptr, nullptr, nullptr, nullptr}};

template <class T>
void dealloc_with_stream(PyObject* self) {
  Py_XDECREF(reinterpret_cast<T*>(self)->stream);
  PyObject_Free(self);
}

/// A customer or day object with stream `s`, or with None for a stream if `s` is null
/// (place_calls: its one stream is an argument of its own).
template <class T, class C>
PyObject* new_with_stream(PyTypeObject& type, C T::*field, const C& value, const trafficsim_stream* s) {
  T* o = PyObject_New(T, &type);
  if (o == nullptr) return nullptr;
  o->*field = value;
  o->stream = nullptr;
  if (s != nullptr && (o->stream = new_stream(*s)) == nullptr) Py_CLEAR(o);
  return reinterpret_cast<PyObject*>(o);
}
PyObject* new_customer(const trafficsim_customer& c, const trafficsim_stream* s) {
  return new_with_stream(customer_type, &customer_object::c, c, s);
}
PyObject* new_day(const trafficsim_day& d, const trafficsim_stream* s) {
  return new_with_stream(day_type, &day_object::d, d, s);
}

bool ready(PyTypeObject& t, const char* name, std::size_t size, const char* doc) {
  t.tp_name = name;
  t.tp_basicsize = static_cast<Py_ssize_t>(size);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_doc = doc;
  return PyType_Ready(&t) == 0;
}

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "trafficsim",
                          "The trafficsim scenario API: streams, customers, days, Plan, parameters.", -1};

PyObject* module_init() {
  stream_type.tp_methods = stream_methods;
  customer_type.tp_members = customer_members;
  customer_type.tp_getset = customer_getset;
  customer_type.tp_dealloc = &dealloc_with_stream<customer_object>;
  day_type.tp_members = day_members;
  day_type.tp_getset = day_getset;
  day_type.tp_dealloc = &dealloc_with_stream<day_object>;
  if (!ready(stream_type, "trafficsim.Stream", sizeof(stream_object),
             "A random stream of the host (Philox4x32-10): every draw reads a fixed slot.") ||
      !ready(customer_type, "trafficsim.Customer", sizeof(customer_object), "A customer, drawn by the host.") ||
      !ready(day_type, "trafficsim.Day", sizeof(day_object), "A day of the run (UTC)."))
    return nullptr;
  const char* archetypes[] = {"light", "power", "heavy"};
  const char* tiers[] = {"starter", "pro", "enterprise"};
  for (int i = 0; i < 3; ++i) {
    archetype_names[i] = PyUnicode_InternFromString(archetypes[i]);
    tier_names[i] = PyUnicode_InternFromString(tiers[i]);
  }
  PyObject* m = PyModule_Create(&module_def);
  if (m == nullptr) return nullptr;
  PyObject* d = PyModule_GetDict(m);
  PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
  PyDict_SetItemString(d, "Stream", reinterpret_cast<PyObject*>(&stream_type));
  PyDict_SetItemString(d, "Customer", reinterpret_cast<PyObject*>(&customer_type));
  PyDict_SetItemString(d, "Day", reinterpret_cast<PyObject*>(&day_type));
  PyObject* r = PyRun_String(trafficsim_python_prelude, Py_file_input, d, d);
  if (r == nullptr) {
    Py_DECREF(m);
    return nullptr;
  }
  Py_DECREF(r);
  return m;
}

// ---- scripts ----

/// A typed parameter as the script declared it (trafficsim.boolean, .choice, .array): the
/// text and numbers its spec points into.
struct typed_declaration {
  std::string name, help;
  std::vector<double> defaults;
  std::vector<std::string> choice_names;
  std::vector<trafficsim_string> choices;
};

/// A loaded script: its module, its Scenario class and the descriptor the host reads.
struct script {
  std::string name, path, source, version, description;
  std::vector<std::string> parameter_names, parameter_help;
  std::vector<trafficsim_parameter_spec> parameters;
  std::deque<typed_declaration> typed_declarations;  // a deque: the specs point into its elements
  std::vector<trafficsim_typed_parameter_spec> typed_parameters;
  PyObject* module = nullptr;
  PyObject* scenario_class = nullptr;
  PyObject* parameter_error = nullptr;
  trafficsim_plugin_descriptor descriptor{};
};

/// A scenario object made by create.
struct instance {
  const script* of;
  PyObject* object;
  PyObject* plan_day;
  PyObject* place_calls;  // nullptr: the host places uniformly
};

// create() receives no descriptor, so each script gets a create function of its own:
// one of max_scripts instances of a template, each bound to its slot.
constexpr std::size_t max_scripts = 64;
std::array<std::unique_ptr<script>, max_scripts> scripts;

trafficsim_string view(const std::string& s) { return {s.data(), s.size()}; }

/// A typed parameter's value as the scenario receives it: a bool, the chosen name (a str)
/// or a list of floats.
PyObject* typed_value_of(const trafficsim_typed_parameter_spec& t, const double* v, std::uint64_t count) {
  if (t.type == TRAFFICSIM_BOOLEAN) return PyBool_FromLong(count > 0 && v[0] != 0);
  if (t.type == TRAFFICSIM_CHOICE) {
    const auto i = count > 0 && v[0] >= 0 ? static_cast<std::uint64_t>(v[0]) : t.choice_count;
    if (i >= t.choice_count) return PyErr_SetString(PyExc_ValueError, "a choice's index out of range"), nullptr;
    return PyUnicode_FromStringAndSize(t.choices[i].data, static_cast<Py_ssize_t>(t.choices[i].size));
  }
  PyObject* list = PyList_New(static_cast<Py_ssize_t>(count));
  for (std::uint64_t i = 0; list != nullptr && i < count; ++i) {
    PyObject* x = PyFloat_FromDouble(v[i]);
    if (x == nullptr)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), x);
  }
  return list;
}

/// Puts every typed parameter of `s` into `params`: the value the host sent, or its default
/// (a host older than SDK 2.4 sends none). False with a Python exception set.
bool add_typed_values(const script& s, const trafficsim_create_request* r, PyObject* params) {
  for (const trafficsim_typed_parameter_spec& t : s.typed_parameters) {
    const double* v = t.default_values;
    std::uint64_t count = t.default_count;
    const std::string_view name(t.name.data, t.name.size);
    for (std::uint64_t i = 0; TRAFFICSIM_CREATE_HAS_TYPED_VALUES(r) && i < r->typed_value_count; ++i)
      if (std::string_view(r->typed_values[i].name.data, r->typed_values[i].name.size) == name) {
        v = r->typed_values[i].values;
        count = r->typed_values[i].count;
      }
    PyObject* value = typed_value_of(t, v, count);
    const bool ok = value != nullptr && PyDict_SetItemString(params, std::string(name).c_str(), value) == 0;
    Py_XDECREF(value);
    if (!ok) return false;
  }
  return true;
}

int create_scenario(const script& s, const trafficsim_create_request* r, void** out, trafficsim_message* e) noexcept {
  gil g;
  PyObject* params = PyDict_New();
  if (params == nullptr) return say(e, exception_text()), TRAFFICSIM_FAILED;
  for (std::uint64_t i = 0; i < r->value_count; ++i) {
    const trafficsim_parameter_value& v = r->values[i];
    const std::string name(v.name.data, v.name.size);
    bool integer = false;
    for (const trafficsim_parameter_spec& p : s.parameters)
      if (std::string_view(p.name.data, p.name.size) == name) integer = p.type == TRAFFICSIM_INTEGER;
    PyObject* value = integer ? PyLong_FromDouble(v.value) : PyFloat_FromDouble(v.value);
    if (value != nullptr) PyDict_SetItemString(params, name.c_str(), value);
    Py_XDECREF(value);
  }
  if (!add_typed_values(s, r, params)) return Py_DECREF(params), say(e, exception_text()), TRAFFICSIM_FAILED;
  PyObject* customers = PyLong_FromUnsignedLong(r->customers);
  PyObject* seed = PyLong_FromUnsignedLongLong(r->seed);
  PyDict_SetItemString(params, "customers", customers);
  PyDict_SetItemString(params, "seed", seed);
  Py_XDECREF(customers);
  Py_XDECREF(seed);
  PyObject* object = PyObject_CallOneArg(s.scenario_class, params);
  Py_DECREF(params);
  if (object == nullptr) {
    const bool invalid = PyErr_ExceptionMatches(s.parameter_error) != 0;
    say(e, exception_text());
    return invalid ? TRAFFICSIM_INVALID_PARAMETERS : TRAFFICSIM_FAILED;
  }
  PyObject* plan_day = PyObject_GetAttrString(object, "plan_day");
  PyObject* place_calls = s.descriptor.place_calls != nullptr ? PyObject_GetAttrString(object, "place_calls") : nullptr;
  if (plan_day == nullptr || (s.descriptor.place_calls != nullptr && place_calls == nullptr)) {
    say(e, exception_text());
    Py_XDECREF(plan_day);
    Py_DECREF(object);
    return TRAFFICSIM_FAILED;
  }
  *out = new (std::nothrow) instance{&s, object, plan_day, place_calls};
  if (*out == nullptr) {
    Py_XDECREF(place_calls);
    Py_DECREF(plan_day);
    Py_DECREF(object);
    return say(e, "out of memory"), TRAFFICSIM_FAILED;
  }
  return TRAFFICSIM_OK;
}

template <std::size_t I>
int create_slot(const trafficsim_create_request* r, void** out, trafficsim_message* e) {
  return create_scenario(*scripts[I], r, out, e);
}
template <std::size_t... I>
constexpr std::array<trafficsim_create_fn, sizeof...(I)> make_creates(std::index_sequence<I...>) {
  return {&create_slot<I>...};
}
constexpr auto creates = make_creates(std::make_index_sequence<max_scripts>{});

void destroy_scenario(void* state) {
  auto* in = static_cast<instance*>(state);
  {
    gil g;
    Py_XDECREF(in->place_calls);
    Py_DECREF(in->plan_day);
    Py_DECREF(in->object);
  }
  delete in;
}

/// Attribute names looked up on every plan, made once.
struct plan_names {
  PyObject *expected_calls, *min_calls, *hour_weights, *churned, *labels;
};
plan_names names{};

/// Reads attribute `name` of `plan` into `out` through `read`; false with an exception set.
template <class Read>
bool read_attribute(PyObject* plan, PyObject* name, Read&& read) {
  PyObject* v = PyObject_GetAttr(plan, name);
  if (v == nullptr) return false;
  const bool ok = read(v);
  Py_DECREF(v);
  return ok;
}

bool copy_name(PyObject* text, char (&out)[TRAFFICSIM_LABEL_NAME_MAX + 1], const char* what) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_Check(text) ? PyUnicode_AsUTF8AndSize(text, &n) : nullptr;
  if (s == nullptr || n < 1 || n > TRAFFICSIM_LABEL_NAME_MAX) {
    if (!PyErr_Occurred())
      PyErr_Format(PyExc_ValueError, "a %s is a string of 1 to %d characters", what, TRAFFICSIM_LABEL_NAME_MAX);
    return false;
  }
  std::memcpy(out, s, static_cast<std::size_t>(n));
  return true;
}

bool read_label(PyObject* item, trafficsim_plan_label& l) {
  PyObject *kind = nullptr, *attributes = nullptr;
  unsigned first = 0, end = 0;
  if (!PyArg_ParseTuple(item, "OIIO!:label (kind, first_hour, end_hour, {name: value})", &kind, &first, &end,
                        &PyDict_Type, &attributes))
    return false;
  if (!copy_name(kind, l.kind, "label kind")) return false;
  l.first_hour = first;
  l.end_hour = end;
  if (PyDict_Size(attributes) > TRAFFICSIM_MAX_LABEL_ATTRIBUTES) {
    PyErr_Format(PyExc_ValueError, "a label has at most %d attributes", TRAFFICSIM_MAX_LABEL_ATTRIBUTES);
    return false;
  }
  Py_ssize_t pos = 0;
  PyObject *key = nullptr, *value = nullptr;
  while (PyDict_Next(attributes, &pos, &key, &value)) {
    trafficsim_label_attribute& a = l.attributes[l.attribute_count++];
    if (!copy_name(key, a.name, "label attribute name") || !real_of(value, a.value)) return false;
  }
  return true;
}

/// Copies the Plan `p` (anything with Plan's attributes) into the host's struct.
bool read_plan(PyObject* p, trafficsim_day_plan& plan) {
  const bool ok =
      read_attribute(p, names.expected_calls, [&](PyObject* v) { return real_of(v, plan.expected_calls); }) &&
      read_attribute(p, names.min_calls,
                     [&](PyObject* v) {
                       const unsigned long n = PyLong_AsUnsignedLong(v);
                       if (PyErr_Occurred() || n > UINT32_MAX) {
                         PyErr_Clear();
                         PyErr_SetString(PyExc_ValueError, "min_calls is a whole number in [0, 2^32)");
                         return false;
                       }
                       plan.min_calls = static_cast<std::uint32_t>(n);
                       return true;
                     }) &&
      read_attribute(p, names.hour_weights,
                     [&](PyObject* v) {
                       PyObject* seq = PySequence_Fast(v, "hour_weights is a sequence of 24 numbers");
                       if (seq == nullptr) return false;
                       bool good = PySequence_Fast_GET_SIZE(seq) == TRAFFICSIM_HOURS_PER_DAY;
                       if (!good)
                         PyErr_Format(PyExc_ValueError, "hour_weights has %zd numbers; a day has 24 hours",
                                      PySequence_Fast_GET_SIZE(seq));
                       for (int h = 0; good && h < TRAFFICSIM_HOURS_PER_DAY; ++h)
                         good = real_of(PySequence_Fast_GET_ITEM(seq, h), plan.hour_weight[h]);
                       Py_DECREF(seq);
                       return good;
                     }) &&
      read_attribute(p, names.churned, [&](PyObject* v) {
        const int t = PyObject_IsTrue(v);
        plan.churned = t > 0 ? 1 : 0;
        return t >= 0;
      });
  if (!ok || !TRAFFICSIM_PLAN_HAS_LABELS(&plan)) return ok;
  return read_attribute(p, names.labels, [&](PyObject* v) {
    PyObject* seq = PySequence_Fast(v, "labels is a list of (kind, first_hour, end_hour, attributes)");
    if (seq == nullptr) return false;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    bool good = n <= TRAFFICSIM_MAX_PLAN_LABELS;
    if (!good) PyErr_Format(PyExc_ValueError, "a plan has at most %d labels", TRAFFICSIM_MAX_PLAN_LABELS);
    for (Py_ssize_t i = 0; good && i < n; ++i) good = read_label(PySequence_Fast_GET_ITEM(seq, i), plan.labels[i]);
    plan.label_count = good ? static_cast<std::uint32_t>(n) : 0;
    Py_DECREF(seq);
    return good;
  });
}

int plan_day(const void* state, const trafficsim_plan_request* r, trafficsim_day_plan* plan, trafficsim_message* e) {
  const auto* in = static_cast<const instance*>(state);
  gil g;
  PyObject* args[2] = {new_customer(r->customer, &r->customer_stream), new_day(r->day, &r->day_stream)};
  PyObject* result =
      args[0] != nullptr && args[1] != nullptr ? PyObject_Vectorcall(in->plan_day, args, 2, nullptr) : nullptr;
  Py_XDECREF(args[0]);
  Py_XDECREF(args[1]);
  if (result == nullptr) return say(e, exception_text()), TRAFFICSIM_FAILED;
  const bool ok = read_plan(result, *plan);
  Py_DECREF(result);
  if (!ok) return say(e, "plan_day returned a bad plan: " + exception_text()), TRAFFICSIM_FAILED;
  return TRAFFICSIM_OK;
}

int place_calls(const void* state, const trafficsim_place_request* r, std::uint32_t* offsets, std::uint64_t count,
                trafficsim_message* e) {
  const auto* in = static_cast<const instance*>(state);
  gil g;
  PyObject* args[5] = {new_customer(r->customer, nullptr), new_day(r->day, nullptr), PyLong_FromUnsignedLong(r->hour),
                       new_stream(r->stream), PyLong_FromUnsignedLongLong(count)};
  bool made = true;
  for (PyObject* a : args) made = made && a != nullptr;
  PyObject* result = made ? PyObject_Vectorcall(in->place_calls, args, 5, nullptr) : nullptr;
  for (PyObject* a : args) Py_XDECREF(a);
  if (result == nullptr) return say(e, exception_text()), TRAFFICSIM_FAILED;
  PyObject* seq = PySequence_Fast(result, "place_calls returns a sequence of offsets in microseconds");
  Py_DECREF(result);
  if (seq == nullptr) return say(e, exception_text()), TRAFFICSIM_FAILED;
  bool ok = static_cast<std::uint64_t>(PySequence_Fast_GET_SIZE(seq)) == count;
  if (!ok)
    say(e, "place_calls returned " + std::to_string(PySequence_Fast_GET_SIZE(seq)) + " offsets for " +
               std::to_string(count) + " calls");
  for (std::uint64_t i = 0; ok && i < count; ++i) {
    const unsigned long v = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(seq, static_cast<Py_ssize_t>(i)));
    ok = !PyErr_Occurred() && v < TRAFFICSIM_MICROSECONDS_PER_HOUR;
    if (ok)
      offsets[i] = static_cast<std::uint32_t>(v);
    else {
      PyErr_Clear();
      say(e, "place_calls returned an offset that is not a whole number of microseconds in [0, 3600000000)");
    }
  }
  Py_DECREF(seq);
  return ok ? TRAFFICSIM_OK : TRAFFICSIM_FAILED;
}

/// Module attribute `name` as a string, or `fallback` if absent; false with `why` if it is
/// not a string.
bool module_text(PyObject* m, const char* name, std::string& out, std::string& why) {
  PyObject* v = PyObject_GetAttrString(m, name);
  if (v == nullptr) return PyErr_Clear(), true;
  const char* s = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : nullptr;
  if (s == nullptr)
    why = std::string(name) + " must be a string";
  else
    out = s;
  Py_DECREF(v);
  PyErr_Clear();
  return s != nullptr;
}

/// Module attribute `name` as a whole number, or `out` unchanged if absent.
bool module_number(PyObject* m, const char* name, unsigned long long& out, std::string& why) {
  PyObject* v = PyObject_GetAttrString(m, name);
  if (v == nullptr) return PyErr_Clear(), true;
  const unsigned long long n = PyLong_Check(v) ? PyLong_AsUnsignedLongLong(v) : 0;
  const bool ok = PyLong_Check(v) && !PyErr_Occurred();
  if (ok)
    out = n;
  else
    why = std::string(name) + " must be a whole number >= 0";
  Py_DECREF(v);
  PyErr_Clear();
  return ok;
}

/// The declared kind of parameter `p` ("real", "integer", "boolean", "choice", "array"),
/// or "" if it has none (a Parameter of before the typed kinds: real or integer).
std::string kind_of(PyObject* p) {
  PyObject* kind = PyObject_GetAttrString(p, "kind");
  std::string out = kind != nullptr && PyUnicode_Check(kind) ? PyUnicode_AsUTF8(kind) : "";
  Py_XDECREF(kind);
  PyErr_Clear();
  return out;
}

/// A typed declaration's default as numbers: a boolean's 0 or 1, a choice's index among
/// t.choice_names, an array's numbers. "" or what is wrong.
std::string typed_defaults(const std::string& kind, PyObject* def, typed_declaration& t) {
  if (kind == "boolean") {
    if (!PyBool_Check(def)) return "has a default that is not True or False";
    t.defaults = {def == Py_True ? 1.0 : 0.0};
    return "";
  }
  if (kind == "choice") {
    const char* chosen = PyUnicode_Check(def) ? PyUnicode_AsUTF8(def) : nullptr;
    for (std::size_t c = 0; chosen != nullptr && c < t.choice_names.size(); ++c)
      if (t.choice_names[c] == chosen) t.defaults = {static_cast<double>(c)};
    PyErr_Clear();
    return t.defaults.empty() ? "has a default that is not one of its choices (give the name of one)" : "";
  }
  PyObject* seq = PyUnicode_Check(def) ? nullptr : PySequence_Fast(def, "");
  if (seq == nullptr) return PyErr_Clear(), "has a default that is not a list of numbers";
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(seq); ++k) {
    double x = 0;
    if (!real_of(PySequence_Fast_GET_ITEM(seq, k), x)) {
      Py_DECREF(seq);
      PyErr_Clear();
      return "has a default whose element " + std::to_string(k) + " is not a number";
    }
    t.defaults.push_back(x);
  }
  Py_DECREF(seq);
  return "";
}

/// A choice's names, from `choices` (a list of strings), into t. "" or what is wrong.
std::string typed_choices(PyObject* choices, typed_declaration& t) {
  PyObject* seq = choices == nullptr || PyUnicode_Check(choices) ? nullptr : PySequence_Fast(choices, "");
  if (seq == nullptr) return PyErr_Clear(), "has choices that are not a list of names";
  bool strings = true;
  for (Py_ssize_t k = 0; strings && k < PySequence_Fast_GET_SIZE(seq); ++k) {
    PyObject* c = PySequence_Fast_GET_ITEM(seq, k);
    strings = PyUnicode_Check(c) && PyUnicode_AsUTF8(c) != nullptr;
    if (strings) t.choice_names.emplace_back(PyUnicode_AsUTF8(c));
  }
  Py_DECREF(seq);
  PyErr_Clear();
  if (!strings) return "has a choice that is not a string";
  for (const std::string& c : t.choice_names) t.choices.push_back(view(c));
  return "";
}

/// Reads the typed parameter `p` (trafficsim.boolean, .choice or .array, of kind `kind`)
/// into `s`, checked as the C++ SDK checks a declaration. "" or what is wrong.
std::string read_typed_parameter(PyObject* p, const std::string& kind, script& s) {
  PyObject *name = PyObject_GetAttrString(p, "name"), *help = PyObject_GetAttrString(p, "help"),
           *def = PyObject_GetAttrString(p, "default"), *choices = PyObject_GetAttrString(p, "choices"),
           *lo = PyObject_GetAttrString(p, "min"), *hi = PyObject_GetAttrString(p, "max"),
           *min_length = PyObject_GetAttrString(p, "min_length"), *max_length = PyObject_GetAttrString(p, "max_length");
  PyErr_Clear();
  typed_declaration& t = s.typed_declarations.emplace_back();
  trafficsim_typed_parameter_spec spec{};
  spec.type = kind == "boolean" ? TRAFFICSIM_BOOLEAN : kind == "choice" ? TRAFFICSIM_CHOICE : TRAFFICSIM_REAL_ARRAY;
  std::string why;
  if (name == nullptr || !PyUnicode_Check(name) || PyUnicode_AsUTF8(name) == nullptr || help == nullptr ||
      !PyUnicode_Check(help) || PyUnicode_AsUTF8(help) == nullptr || def == nullptr) {
    why = "is not a parameter: it needs a name, a default and a help text";
  } else {
    t.name = PyUnicode_AsUTF8(name);
    t.help = PyUnicode_AsUTF8(help);
    if (kind == "choice")
      why = typed_choices(choices, t);
    else if (kind == "array" &&
             (lo == nullptr || hi == nullptr || !real_of(lo, spec.min_value) || !real_of(hi, spec.max_value)))
      why = "has a min or max that is not a number";
    if (why.empty()) why = typed_defaults(kind, def, t);
  }
  const unsigned long shortest = kind == "array" && min_length != nullptr ? PyLong_AsUnsignedLong(min_length) : 1;
  const unsigned long longest = kind == "array" && max_length != nullptr ? PyLong_AsUnsignedLong(max_length) : 1;
  if (why.empty() &&
      (PyErr_Occurred() || shortest > TRAFFICSIM_MAX_ARRAY_LENGTH || longest > TRAFFICSIM_MAX_ARRAY_LENGTH))
    why = "has a min_length or max_length that is not a whole number from 1 to " +
          std::to_string(TRAFFICSIM_MAX_ARRAY_LENGTH);
  PyErr_Clear();
  for (PyObject* o : {name, help, def, choices, lo, hi, min_length, max_length}) Py_XDECREF(o);
  if (!why.empty()) return t.name.empty() ? why : "('" + t.name + "') " + why;
  spec.name = view(t.name);
  spec.description = view(t.help);
  spec.min_length = static_cast<std::uint32_t>(shortest);
  spec.max_length = static_cast<std::uint32_t>(longest);
  if (spec.type != TRAFFICSIM_REAL_ARRAY)
    spec.max_value = spec.type == TRAFFICSIM_BOOLEAN ? 1.0 : static_cast<double>(t.choices.size()) - 1;
  spec.default_values = t.defaults.data();
  spec.default_count = t.defaults.size();
  spec.choices = spec.type == TRAFFICSIM_CHOICE ? t.choices.data() : nullptr;
  spec.choice_count = spec.type == TRAFFICSIM_CHOICE ? t.choices.size() : 0;
  if (const std::string problem = trafficsim::typed_parameter_problem(spec); !problem.empty())
    return "('" + t.name + "') " + problem;
  s.typed_parameters.push_back(spec);
  return "";
}

/// What is wrong with the names the parameters of `s` take (each a valid name, declared
/// once, neither customers nor seed), or "".
std::string names_problem(const script& s) {
  std::vector<std::string_view> taken{"customers", "seed"};
  auto problem = [&](trafficsim_string n) -> std::string {
    const std::string_view name(n.data, n.size);
    if (!trafficsim::is_valid_name(name, trafficsim::parameter_name_max))
      return "PARAMETERS declares '" + std::string(name) + "', which is not a valid name (1 to " +
             std::to_string(trafficsim::parameter_name_max) + " of a-z, 0-9 and _, starting with a letter)";
    if (std::find(taken.begin(), taken.end(), name) != taken.end())
      return "PARAMETERS declares '" + std::string(name) + "' twice (customers and seed are every plugin's own)";
    taken.push_back(name);
    return "";
  };
  for (const trafficsim_parameter_spec& p : s.parameters)
    if (std::string why = problem(p.name); !why.empty()) return why;
  for (const trafficsim_typed_parameter_spec& p : s.typed_parameters)
    if (std::string why = problem(p.name); !why.empty()) return why;
  return "";
}

/// Reads PARAMETERS (a list of trafficsim.real, .integer, .boolean, .choice or .array)
/// into `s`.
bool read_parameters(PyObject* m, script& s, std::string& why) {
  PyObject* list = PyObject_GetAttrString(m, "PARAMETERS");
  if (list == nullptr) return PyErr_Clear(), true;
  PyObject* seq = PySequence_Fast(list, "");
  Py_DECREF(list);
  if (seq == nullptr)
    return PyErr_Clear(),
           why =
               "PARAMETERS must be a list of trafficsim.real(...), .integer(...), .boolean(...), "
               ".choice(...) or .array(...)",
           false;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  s.parameter_names.reserve(static_cast<std::size_t>(n));
  s.parameter_help.reserve(static_cast<std::size_t>(n));
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < n; ++i) {
    PyObject* p = PySequence_Fast_GET_ITEM(seq, i);
    if (const std::string kind = kind_of(p); kind == "boolean" || kind == "choice" || kind == "array") {
      const std::string problem = read_typed_parameter(p, kind, s);
      ok = problem.empty();
      if (!ok) why = "PARAMETERS[" + std::to_string(i) + "] " + problem;
      continue;
    }
    PyObject *name = PyObject_GetAttrString(p, "name"), *help = PyObject_GetAttrString(p, "help"),
             *integer = PyObject_GetAttrString(p, "integer"), *def = PyObject_GetAttrString(p, "default"),
             *lo = PyObject_GetAttrString(p, "min"), *hi = PyObject_GetAttrString(p, "max");
    trafficsim_parameter_spec spec{};
    ok = name != nullptr && PyUnicode_Check(name) && help != nullptr && PyUnicode_Check(help) && integer != nullptr &&
         def != nullptr && lo != nullptr && hi != nullptr && real_of(def, spec.default_value) &&
         real_of(lo, spec.min_value) && real_of(hi, spec.max_value);
    if (ok) {
      s.parameter_names.emplace_back(PyUnicode_AsUTF8(name));
      s.parameter_help.emplace_back(PyUnicode_AsUTF8(help));
      spec.name = view(s.parameter_names.back());
      spec.description = view(s.parameter_help.back());
      spec.type = PyObject_IsTrue(integer) > 0 ? TRAFFICSIM_INTEGER : TRAFFICSIM_REAL;
      s.parameters.push_back(spec);
    } else {
      why = "PARAMETERS[" + std::to_string(i) +
            "] is not a parameter: declare each with trafficsim.real(name, default, min, max, help), "
            "trafficsim.integer(...), .boolean(name, default, help), .choice(name, choices, default, help) or "
            ".array(name, default, min, max, help)";
    }
    for (PyObject* o : {name, help, integer, def, lo, hi}) Py_XDECREF(o);
    PyErr_Clear();
  }
  Py_DECREF(seq);
  if (ok) why = names_problem(s);
  return ok && why.empty();
}

/// A seed of the name's own (FNV-1a) when the script declares none, so that two scripts
/// get different id spaces by default.
std::uint64_t seed_of_name(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h % 1000000;
}

/// Runs the script's text as a module and reads what it declares. Returns "" or why not.
std::string load_script(script& s) {
  PyObject* code = Py_CompileString(s.source.c_str(), s.path.c_str(), Py_file_input);
  if (code == nullptr) return exception_text();
  s.module = PyModule_New(s.name.c_str());
  PyObject* d = s.module != nullptr ? PyModule_GetDict(s.module) : nullptr;
  PyObject* file = PyUnicode_FromString(s.path.c_str());
  if (d == nullptr || file == nullptr) return Py_XDECREF(file), Py_DECREF(code), exception_text();
  PyDict_SetItemString(d, "__file__", file);
  PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
  Py_DECREF(file);
  PyObject* r = PyEval_EvalCode(code, d, d);
  Py_DECREF(code);
  if (r == nullptr) return exception_text();
  Py_DECREF(r);
  s.scenario_class = PyObject_GetAttrString(s.module, "Scenario");
  if (s.scenario_class == nullptr || !PyType_Check(s.scenario_class))
    return PyErr_Clear(), "it defines no class Scenario (class Scenario: with def plan_day(self, customer, day))";
  PyObject* plan_day_fn = PyObject_GetAttrString(s.scenario_class, "plan_day");
  const bool has_plan_day = plan_day_fn != nullptr && PyCallable_Check(plan_day_fn);
  Py_XDECREF(plan_day_fn);
  PyErr_Clear();
  if (!has_plan_day) return "its class Scenario has no method plan_day(self, customer, day)";
  const bool has_place_calls = PyObject_HasAttrString(s.scenario_class, "place_calls") != 0;
  PyObject* api = PyImport_ImportModule("trafficsim");
  if (api == nullptr) return exception_text();
  s.parameter_error = PyObject_GetAttrString(api, "ParameterError");
  Py_DECREF(api);
  if (s.parameter_error == nullptr) return exception_text();

  std::string why;
  unsigned long long customers = 10, seed = seed_of_name(s.name);
  s.version = "1.0.0";
  PyObject* doc = PyObject_GetAttrString(s.module, "__doc__");
  if (doc != nullptr && PyUnicode_Check(doc)) {
    const std::string text = PyUnicode_AsUTF8(doc);
    const std::size_t start = text.find_first_not_of(" \n");
    if (start != std::string::npos) s.description = text.substr(start, text.find('\n', start) - start);
  }
  Py_XDECREF(doc);
  PyErr_Clear();
  if (!module_text(s.module, "VERSION", s.version, why) || !module_text(s.module, "DESCRIPTION", s.description, why) ||
      !module_number(s.module, "DEFAULT_CUSTOMERS", customers, why) ||
      !module_number(s.module, "DEFAULT_SEED", seed, why) || !read_parameters(s.module, s, why))
    return why;
  if (customers < 1 || customers > UINT32_MAX) return "DEFAULT_CUSTOMERS must be at least 1";

  trafficsim_plugin_descriptor& d2 = s.descriptor;
  d2.struct_size = sizeof d2;
  d2.abi_version = TRAFFICSIM_ABI_VERSION;
  d2.sdk_version = {TRAFFICSIM_SDK_VERSION_STRING, sizeof TRAFFICSIM_SDK_VERSION_STRING - 1};
  d2.name = view(s.name);
  d2.version = view(s.version);
  d2.description = view(s.description);
  d2.default_customers = static_cast<std::uint32_t>(customers);
  d2.default_seed = seed;
  d2.parameter_count = static_cast<std::uint32_t>(s.parameters.size());
  d2.parameters = s.parameters.data();
  d2.typed_parameter_count = s.typed_parameters.size();
  d2.typed_parameters = s.typed_parameters.data();
  d2.destroy = &destroy_scenario;
  d2.plan_day = &plan_day;
  d2.place_calls = has_place_calls ? &place_calls : nullptr;
  return "";
}

std::string_view text_of(trafficsim_string s) { return {s.data, static_cast<std::size_t>(s.size)}; }

}  // namespace

extern "C" TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_script_entry(trafficsim_string name,
                                                                                         trafficsim_string path,
                                                                                         trafficsim_string source,
                                                                                         trafficsim_message* error) {
  try {
    if (const std::string why = start_python(); !why.empty()) return say(error, why), nullptr;
    // The same script loaded again (e.g. listed, then run) is the same plugin.
    std::size_t slot = 0;
    for (; slot < max_scripts && scripts[slot] != nullptr; ++slot) {
      const script& s = *scripts[slot];
      if (s.name == text_of(name) && s.path == text_of(path) && s.source == text_of(source)) return &s.descriptor;
    }
    if (slot == max_scripts)
      return say(error, "too many Python scenarios in one run (at most " + std::to_string(max_scripts) + ")"), nullptr;
    auto s = std::make_unique<script>();
    s->name = text_of(name);
    s->path = text_of(path);
    s->source = text_of(source);
    if (s->source.find('\0') != std::string::npos) return say(error, "it is not a Python source file"), nullptr;
    gil g;
    if (names.expected_calls == nullptr)
      names = {PyUnicode_InternFromString("expected_calls"), PyUnicode_InternFromString("min_calls"),
               PyUnicode_InternFromString("hour_weights"), PyUnicode_InternFromString("churned"),
               PyUnicode_InternFromString("labels")};
    if (const std::string why = load_script(*s); !why.empty()) {
      Py_XDECREF(s->module);
      Py_XDECREF(s->scenario_class);
      Py_XDECREF(s->parameter_error);
      return say(error, why), nullptr;
    }
    s->descriptor.create = creates[slot];
    scripts[slot] = std::move(s);
    return &scripts[slot]->descriptor;
  } catch (const std::exception& e) {
    return say(error, e.what()), nullptr;
  }
}
